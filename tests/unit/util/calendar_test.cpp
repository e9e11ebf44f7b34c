#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <string>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"

using namespace std::chrono;
using dsr::cal::Date;

namespace {

Date D(const char* s) { return dsr::cal::parse_date("test", s); }

weekday wd(Date d) { return weekday{sys_days{d}}; }
weekday wd(const char* s) { return wd(D(s)); }

// Runs f and returns the usage error's message; fails the test if f does not
// throw a usage error.
template <class F>
std::string usage_message(F&& f) {
  try {
    f();
  } catch (const dsr::Error& e) {
    CHECK(e.kind() == dsr::ErrorKind::usage);
    return e.what();
  }
  FAIL("expected a usage error");
  return {};
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// Resets the in-process clock override even when a check throws.
struct TodayOverride {
  explicit TodayOverride(std::optional<Date> d) { dsr::cal::set_today_for_tests(d); }
  ~TodayOverride() { dsr::cal::set_today_for_tests(std::nullopt); }
};

// Sets (value) or unsets (nullptr) DSR_TODAY for a scope and restores the
// caller's value afterwards, so these tests work whatever the environment holds.
struct EnvToday {
  explicit EnvToday(const char* value) {
    if (const char* old = std::getenv("DSR_TODAY")) saved = old;
    if (value)
      ::setenv("DSR_TODAY", value, 1);
    else
      ::unsetenv("DSR_TODAY");
  }
  ~EnvToday() {
    if (saved)
      ::setenv("DSR_TODAY", saved->c_str(), 1);
    else
      ::unsetenv("DSR_TODAY");
  }
  std::optional<std::string> saved;
};

}  // namespace

TEST_CASE("calendar: parse and format round trip") {
  const Date d = D("2026-03-15");
  CHECK(d == Date{year{2026}, March, day{15}});
  CHECK(dsr::cal::format(d) == "2026-03-15");
  CHECK(dsr::cal::format(Date{year{987}, January, day{2}}) == "0987-01-02");
  CHECK(dsr::cal::format(D("2024-02-29")) == "2024-02-29");
}

TEST_CASE("calendar: parse_date rejects malformed and impossible dates, naming the field") {
  for (const char* bad : {"", "2026-3-15", "2026-03-5", "26-03-15", "2026/03/15", "2026-03-15 ",
                          " 2026-03-15", "2026-03-15T00:00", "+026-03-15", "2026-0a-15", "20260315",
                          "2026-13-01", "2026-00-10", "2026-01-00", "2026-02-29", "2025-04-31",
                          "1900-02-29"}) {
    CAPTURE(bad);
    const std::string msg = usage_message([&] { dsr::cal::parse_date("--received", bad); });
    CHECK(starts_with(msg, "--received: "));
  }
  CHECK(D("2000-02-29") == Date{year{2000}, February, day{29}});  // 400-year leap rule
}

TEST_CASE("calendar: day arithmetic and weekdays") {
  CHECK(dsr::cal::add_days(D("2026-12-31"), 1) == D("2027-01-01"));
  CHECK(dsr::cal::add_days(D("2024-03-01"), -1) == D("2024-02-29"));
  CHECK(dsr::cal::add_days(D("2025-03-01"), -1) == D("2025-02-28"));
  CHECK(dsr::cal::days_between(D("2026-01-01"), D("2026-12-31")) == 364);
  CHECK(dsr::cal::days_between(D("2024-01-01"), D("2025-01-01")) == 366);
  CHECK(dsr::cal::days_between(D("2026-03-10"), D("2026-03-01")) == -9);
  CHECK(dsr::cal::days_between(D("2026-03-10"), D("2026-03-10")) == 0);

  REQUIRE(wd("2026-03-07") == Saturday);
  REQUIRE(wd("2026-03-08") == Sunday);
  REQUIRE(wd("2026-03-09") == Monday);
  REQUIRE(wd("2026-03-06") == Friday);
  CHECK(dsr::cal::is_weekend(D("2026-03-07")));
  CHECK(dsr::cal::is_weekend(D("2026-03-08")));
  CHECK_FALSE(dsr::cal::is_weekend(D("2026-03-09")));
  CHECK_FALSE(dsr::cal::is_weekend(D("2026-03-06")));

  CHECK(dsr::cal::next_working_day(D("2026-03-07")) == D("2026-03-09"));
  CHECK(dsr::cal::next_working_day(D("2026-03-08")) == D("2026-03-09"));
  CHECK(dsr::cal::next_working_day(D("2026-03-09")) == D("2026-03-09"));
  CHECK(dsr::cal::next_working_day(D("2026-03-06")) == D("2026-03-06"));
  // A weekend across a month and year end.
  REQUIRE(wd("2022-12-31") == Saturday);
  CHECK(dsr::cal::next_working_day(D("2022-12-31")) == D("2023-01-02"));
}

TEST_CASE("calendar: every result of next_working_day is a weekday, and never earlier") {
  Date d = D("2026-01-01");
  for (int i = 0; i < 30; ++i, d = dsr::cal::add_days(d, 1)) {
    const Date n = dsr::cal::next_working_day(d);
    CAPTURE(dsr::cal::format(d));
    CHECK_FALSE(dsr::cal::is_weekend(n));
    CHECK(dsr::cal::days_between(d, n) >= 0);
    CHECK(dsr::cal::days_between(d, n) <= 2);
    if (!dsr::cal::is_weekend(d)) CHECK(n == d);
  }
}

TEST_CASE("calendar: business days skip weekends") {
  REQUIRE(wd("2026-03-06") == Friday);
  CHECK(dsr::cal::add_business_days(D("2026-03-06"), 1) == D("2026-03-09"));  // Fri -> Mon
  CHECK(dsr::cal::add_business_days(D("2026-03-07"), 1) == D("2026-03-09"));  // Sat -> Mon
  CHECK(dsr::cal::add_business_days(D("2026-03-08"), 1) == D("2026-03-09"));  // Sun -> Mon
  CHECK(dsr::cal::add_business_days(D("2026-03-09"), 5) == D("2026-03-16"));  // Mon -> next Mon
  CHECK(dsr::cal::add_business_days(D("2026-03-09"), 0) == D("2026-03-09"));
  CHECK(dsr::cal::add_business_days(D("2026-03-09"), -1) == D("2026-03-06"));  // Mon back to Fri
}

TEST_CASE("calendar: CCPA acknowledgement is 10 business days, across weekends") {
  // Received on a Thursday: 10 working days span two weekends -> Thursday two weeks later.
  REQUIRE(wd("2026-03-05") == Thursday);
  const Date ack = dsr::cal::ccpa_ack_due(D("2026-03-05"));
  CHECK(ack == D("2026-03-19"));
  CHECK(wd(ack) == Thursday);
  // Received on a Saturday: counting starts Monday 9th; the 10th working day is Friday 20th.
  REQUIRE(wd("2026-03-07") == Saturday);
  CHECK(dsr::cal::ccpa_ack_due(D("2026-03-07")) == D("2026-03-20"));
  // Received on a Friday: Mon 9 .. Fri 13 (5), Mon 16 .. Fri 20 (10).
  CHECK(dsr::cal::ccpa_ack_due(D("2026-03-06")) == D("2026-03-20"));
  // Never on a weekend.
  Date d = D("2026-05-01");
  for (int i = 0; i < 14; ++i, d = dsr::cal::add_days(d, 1)) {
    const Date a = dsr::cal::ccpa_ack_due(d);
    CAPTURE(dsr::cal::format(d));
    CHECK_FALSE(dsr::cal::is_weekend(a));
    CHECK(dsr::cal::days_between(d, a) >= 12);  // 10 working days always span two weekends
    CHECK(dsr::cal::days_between(d, a) <= 16);
  }
}

TEST_CASE("calendar: GDPR one month, the worked examples of the header") {
  // 2026-01-31: February has no 31st -> last day, 2026-02-28, which is a Saturday -> Monday 2 March.
  REQUIRE(wd("2026-02-28") == Saturday);
  CHECK(dsr::cal::gdpr_due(D("2026-01-31")) == D("2026-03-02"));
  REQUIRE(wd("2026-03-02") == Monday);

  // 2025-01-31 -> 2025-02-28, a Friday: stays.
  REQUIRE(wd("2025-02-28") == Friday);
  CHECK(dsr::cal::gdpr_due(D("2025-01-31")) == D("2025-02-28"));

  // 2024-01-31 -> 2024-02-29 (leap year), a Thursday: stays.
  REQUIRE(wd("2024-02-29") == Thursday);
  CHECK(dsr::cal::gdpr_due(D("2024-01-31")) == D("2024-02-29"));

  // 2026-03-15 -> 2026-04-15, a Wednesday: stays.
  REQUIRE(wd("2026-04-15") == Wednesday);
  CHECK(dsr::cal::gdpr_due(D("2026-03-15")) == D("2026-04-15"));
}

TEST_CASE("calendar: GDPR due date on a Sunday moves to Monday") {
  // 2026-04-12 is a Sunday, so a request received 2026-03-12 is due Monday 2026-04-13.
  REQUIRE(wd("2026-04-12") == Sunday);
  CHECK(dsr::cal::gdpr_due(D("2026-03-12")) == D("2026-04-13"));
  REQUIRE(wd("2026-04-13") == Monday);
  // And on a plain Saturday (not a month end): 2026-04-11 -> Monday 13th.
  REQUIRE(wd("2026-04-11") == Saturday);
  CHECK(dsr::cal::gdpr_due(D("2026-03-11")) == D("2026-04-13"));
}

TEST_CASE("calendar: GDPR leap years and month ends") {
  // Received on leap day -> 29 March 2024, a Friday.
  REQUIRE(wd("2024-03-29") == Friday);
  CHECK(dsr::cal::gdpr_due(D("2024-02-29")) == D("2024-03-29"));
  // Received 28 Feb is due 28 March (not the month end, 31 March).
  REQUIRE(wd("2025-03-28") == Friday);
  CHECK(dsr::cal::gdpr_due(D("2025-02-28")) == D("2025-03-28"));
  // 2026-08-31 -> 2026-09-30 (September has 30 days), a Wednesday.
  REQUIRE(wd("2026-09-30") == Wednesday);
  CHECK(dsr::cal::gdpr_due(D("2026-08-31")) == D("2026-09-30"));
  // December -> January of the next year.
  REQUIRE(wd("2027-01-15") == Friday);
  CHECK(dsr::cal::gdpr_due(D("2026-12-15")) == D("2027-01-15"));
  // 30 January, non-leap: February has no 30th -> 28th; 2027-02-28 is a Sunday -> Monday 1 March.
  REQUIRE(wd("2027-02-28") == Sunday);
  CHECK(dsr::cal::gdpr_due(D("2027-01-30")) == D("2027-03-01"));
  // Bad month count.
  usage_message([] { dsr::cal::gdpr_due(D("2026-01-01"), 0); });
}

TEST_CASE("calendar: GDPR due is never on a weekend and never before a month has passed") {
  Date d = D("2024-01-01");
  for (int i = 0; i < 800; ++i, d = dsr::cal::add_days(d, 1)) {
    const Date due = dsr::cal::gdpr_due(d);
    CAPTURE(dsr::cal::format(d));
    CHECK_FALSE(dsr::cal::is_weekend(due));
    CHECK(dsr::cal::days_between(d, due) >= 28);
    CHECK(dsr::cal::days_between(d, due) <= 33);
  }
}

TEST_CASE("calendar: GDPR extension is three months from receipt, not chained") {
  // 2026-01-31 + 3 months -> 2026-04-30 (Thursday). Chaining from the first
  // (moved) due date 2026-03-02 would wrongly give 2026-05-04.
  REQUIRE(wd("2026-04-30") == Thursday);
  CHECK(dsr::cal::gdpr_extended_due(D("2026-01-31")) == D("2026-04-30"));
  // 2025-11-30 + 3 months -> 2026-02-28, a Saturday -> Monday 2026-03-02.
  REQUIRE(wd("2026-02-28") == Saturday);
  CHECK(dsr::cal::gdpr_extended_due(D("2025-11-30")) == D("2026-03-02"));
  // Leap year: 2023-11-30 -> 2024-02-29, Thursday.
  CHECK(dsr::cal::gdpr_extended_due(D("2023-11-30")) == D("2024-02-29"));
  // Mid-month: 2026-03-15 -> 2026-06-15, a Monday.
  REQUIRE(wd("2026-06-15") == Monday);
  CHECK(dsr::cal::gdpr_extended_due(D("2026-03-15")) == D("2026-06-15"));
  // Always equal to gdpr_due(received, 3) and later than the first due date.
  Date d = D("2026-01-01");
  for (int i = 0; i < 60; ++i, d = dsr::cal::add_days(d, 1)) {
    CAPTURE(dsr::cal::format(d));
    CHECK(dsr::cal::gdpr_extended_due(d) == dsr::cal::gdpr_due(d, 3));
    CHECK(dsr::cal::days_between(dsr::cal::gdpr_due(d), dsr::cal::gdpr_extended_due(d)) >= 56);
  }
}

TEST_CASE("calendar: CCPA 45 and 90 calendar days, no weekend move") {
  CHECK(dsr::cal::ccpa_due(D("2026-01-01")) == D("2026-02-15"));
  REQUIRE(wd("2026-02-15") == Sunday);  // stays on a Sunday: calendar days only
  CHECK(dsr::cal::ccpa_extended_due(D("2026-01-01")) == D("2026-04-01"));
  // Across a leap day.
  CHECK(dsr::cal::ccpa_due(D("2024-02-01")) == D("2024-03-17"));
  CHECK(dsr::cal::ccpa_extended_due(D("2024-02-01")) == D("2024-05-01"));
  CHECK(dsr::cal::days_between(D("2026-07-20"), dsr::cal::ccpa_due(D("2026-07-20"))) == 45);
  CHECK(dsr::cal::days_between(D("2026-07-20"), dsr::cal::ccpa_extended_due(D("2026-07-20"))) == 90);
}

TEST_CASE("calendar: duration parsing, good") {
  using dsr::cal::Duration;
  CHECK(dsr::cal::parse_duration("30d") == Duration{30, 'd'});
  CHECK(dsr::cal::parse_duration("6w") == Duration{6, 'w'});
  CHECK(dsr::cal::parse_duration("24m") == Duration{24, 'm'});
  CHECK(dsr::cal::parse_duration("6y") == Duration{6, 'y'});
  CHECK(dsr::cal::parse_duration("0d") == Duration{0, 'd'});
  CHECK(dsr::cal::parse_duration("100000d") == Duration{100000, 'd'});
  for (const char* s : {"30d", "6w", "24m", "6y", "0d"}) {
    CAPTURE(s);
    CHECK(dsr::cal::format(dsr::cal::parse_duration(s)) == s);
  }
}

TEST_CASE("calendar: duration parsing, bad") {
  for (const char* bad : {"", "d", "30", "30x", "30D", "-5d", "+5d", " 5d", "5d ", "5 d", "1.5y", "5dd",
                          "m6", "100001d", "99999999999999999999d"}) {
    CAPTURE(bad);
    const std::string msg = usage_message([&] { dsr::cal::parse_duration(bad); });
    CHECK(msg.find(std::string("'") + bad + "'") != std::string::npos);  // quotes the bad text
  }
}

TEST_CASE("calendar: add and subtract durations, months at month ends") {
  using dsr::cal::add;
  using dsr::cal::Duration;
  using dsr::cal::subtract;
  CHECK(add(D("2026-08-31"), Duration{1, 'm'}) == D("2026-09-30"));
  CHECK(add(D("2026-01-31"), Duration{1, 'm'}) == D("2026-02-28"));  // no weekend move here
  CHECK(add(D("2024-01-31"), Duration{1, 'm'}) == D("2024-02-29"));
  CHECK(add(D("2026-01-31"), Duration{24, 'm'}) == D("2028-01-31"));
  CHECK(add(D("2026-03-31"), Duration{11, 'm'}) == D("2027-02-28"));
  CHECK(add(D("2024-02-29"), Duration{1, 'y'}) == D("2025-02-28"));
  CHECK(add(D("2024-02-29"), Duration{4, 'y'}) == D("2028-02-29"));
  CHECK(add(D("2026-03-15"), Duration{6, 'y'}) == D("2032-03-15"));
  CHECK(add(D("2026-03-15"), Duration{30, 'd'}) == D("2026-04-14"));
  CHECK(add(D("2026-03-15"), Duration{6, 'w'}) == D("2026-04-26"));
  CHECK(add(D("2026-03-15"), Duration{0, 'd'}) == D("2026-03-15"));

  CHECK(subtract(D("2026-03-31"), Duration{1, 'm'}) == D("2026-02-28"));
  CHECK(subtract(D("2024-03-31"), Duration{1, 'm'}) == D("2024-02-29"));
  CHECK(subtract(D("2026-05-31"), Duration{1, 'm'}) == D("2026-04-30"));
  CHECK(subtract(D("2026-01-15"), Duration{2, 'm'}) == D("2025-11-15"));
  CHECK(subtract(D("2026-02-28"), Duration{24, 'm'}) == D("2024-02-28"));
  CHECK(subtract(D("2028-02-29"), Duration{1, 'y'}) == D("2027-02-28"));
  CHECK(subtract(D("2026-03-01"), Duration{1, 'd'}) == D("2026-02-28"));
  CHECK(subtract(D("2026-03-15"), Duration{2, 'w'}) == D("2026-03-01"));
  CHECK(subtract(D("2032-03-15"), Duration{6, 'y'}) == D("2026-03-15"));
  // Clamping is lossy: add then subtract need not return to the start.
  CHECK(subtract(add(D("2026-01-31"), Duration{1, 'm'}), Duration{1, 'm'}) == D("2026-01-28"));
}

TEST_CASE("calendar: today and now_unix honour the in-process override") {
  EnvToday env(nullptr);
  {
    TodayOverride o(D("2026-02-28"));
    CHECK(dsr::cal::today() == D("2026-02-28"));
    const std::int64_t t = dsr::cal::now_unix();
    const Date from_unix{floor<days>(sys_seconds{seconds{t}})};
    CHECK(from_unix == D("2026-02-28"));
    const std::int64_t midnight = sys_seconds{sys_days{D("2026-02-28")}}.time_since_epoch().count();
    CHECK(t >= midnight);
    CHECK(t < midnight + 86400);
  }
  // Cleared: back to the real clock, within a day of the system's UTC date
  // (today() is the local date).
  const Date real = dsr::cal::today();
  const Date utc{floor<days>(system_clock::now())};
  CHECK(std::abs(dsr::cal::days_between(utc, real)) <= 1);
  const std::int64_t real_now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  CHECK(std::abs(dsr::cal::now_unix() - real_now) <= 5);
}

TEST_CASE("calendar: DSR_TODAY only counts in DSR_TEST_CLOCK builds, below the in-process override") {
  EnvToday env("1999-12-31");
#ifdef DSR_TEST_CLOCK
  CHECK(dsr::cal::today() == D("1999-12-31"));
  {
    TodayOverride o(D("2026-03-15"));
    CHECK(dsr::cal::today() == D("2026-03-15"));
  }
  ::setenv("DSR_TODAY", "1999-13-01", 1);
  const std::string msg = usage_message([] { dsr::cal::today(); });
  CHECK(starts_with(msg, "DSR_TODAY: "));
#else
  CHECK(dsr::cal::today() != D("1999-12-31"));
  {
    TodayOverride o(D("2026-03-15"));
    CHECK(dsr::cal::today() == D("2026-03-15"));
  }
#endif
}
