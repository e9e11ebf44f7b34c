#include "dsr/calendar.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "dsr/error.hpp"

namespace dsr::cal {

using namespace std::chrono;

namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// y/m/d with the day clamped to the last day of the month.
Date clamp(year y, month m, day d) {
  const Date exact{y, m, d};
  if (exact.ok()) return exact;
  return Date{year_month_day_last{y, month_day_last{m}}};
}

Date add_months(Date d, int n) {
  const year_month ym = year_month{d.year(), d.month()} + months{n};
  return clamp(ym.year(), ym.month(), d.day());
}

Date add_years(Date d, int n) { return clamp(d.year() + years{n}, d.month(), d.day()); }

std::string shown(std::string_view s) {
  std::string out = "'";
  out.append(s);
  out += "'";
  return out;
}

std::mutex g_override_mutex;
std::optional<Date> g_override;

std::optional<Date> overridden_today() {
  {
    std::lock_guard lock(g_override_mutex);
    if (g_override) return g_override;
  }
#ifdef DSR_TEST_CLOCK
  if (const char* env = std::getenv("DSR_TODAY"); env != nullptr && *env != '\0')
    return parse_date("DSR_TODAY", env);
#endif
  return std::nullopt;
}

}  // namespace

Date parse_date(std::string_view field, std::string_view s) {
  const std::string prefix = std::string(field) + ": ";
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !all_digits(s.substr(0, 4)) ||
      !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2)))
    fail(ErrorKind::usage, prefix + "expected a date as YYYY-MM-DD, got " + shown(s));
  const Date d{year{to_int(s.substr(0, 4))}, month{static_cast<unsigned>(to_int(s.substr(5, 2)))},
               day{static_cast<unsigned>(to_int(s.substr(8, 2)))}};
  if (!d.ok()) fail(ErrorKind::usage, prefix + "no such calendar date " + shown(s));
  return d;
}

std::string format(Date d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

Date add_days(Date d, int n) { return Date{sys_days{d} + days{n}}; }

int days_between(Date from, Date to) { return static_cast<int>((sys_days{to} - sys_days{from}).count()); }

bool is_weekend(Date d) {
  const weekday wd{sys_days{d}};
  return wd == Saturday || wd == Sunday;
}

Date next_working_day(Date d) {
  const weekday wd{sys_days{d}};
  if (wd == Saturday) return add_days(d, 2);
  if (wd == Sunday) return add_days(d, 1);
  return d;
}

Date add_business_days(Date d, int n) {
  const int step = n < 0 ? -1 : 1;
  int left = n < 0 ? -n : n;
  sys_days cur{d};
  while (left > 0) {
    cur += days{step};
    const weekday wd{cur};
    if (wd != Saturday && wd != Sunday) --left;
  }
  return Date{cur};
}

Date gdpr_due(Date received, int months_count) {
  if (months_count < 1) fail(ErrorKind::usage, "GDPR period must be at least one month");
  // Art. 3(2)(c): the period ends on the day of the last month bearing the same
  // number as the day the period runs from (the day of receipt), clamped to
  // the month's last day; Art. 3(4): a weekend end moves to the next working day.
  return next_working_day(add_months(received, months_count));
}

Date gdpr_extended_due(Date received) { return gdpr_due(received, 3); }

Date ccpa_due(Date received) { return add_days(received, 45); }

Date ccpa_extended_due(Date received) { return add_days(received, 90); }

Date ccpa_ack_due(Date received) { return add_business_days(received, 10); }

Duration parse_duration(std::string_view s) {
  const auto bad = [&](const std::string& why) -> Duration {
    fail(ErrorKind::usage, "invalid duration " + shown(s) + ": " + why);
  };
  if (s.size() < 2) return bad("expected a number followed by d, w, m or y (e.g. 30d, 6w, 24m, 6y)");
  const char unit = s.back();
  if (unit != 'd' && unit != 'w' && unit != 'm' && unit != 'y')
    return bad("unit must be d (days), w (weeks), m (months) or y (years)");
  const std::string_view num = s.substr(0, s.size() - 1);
  if (!all_digits(num)) return bad("expected a whole number of days, weeks, months or years before the unit");
  int amount = 0;
  const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), amount);
  if (ec != std::errc{} || ptr != num.data() + num.size() || amount > 100000)
    return bad("amount is too large (at most 100000)");
  return Duration{amount, unit};
}

std::string format(Duration d) { return std::to_string(d.amount) + d.unit; }

namespace {
Date shift(Date d, Duration dur, int sign) {
  const int n = sign * dur.amount;
  switch (dur.unit) {
    case 'd': return add_days(d, n);
    case 'w': return add_days(d, 7 * n);
    case 'm': return add_months(d, n);
    case 'y': return add_years(d, n);
    default:
      fail(ErrorKind::usage, std::string("invalid duration unit '") + dur.unit + "'");
  }
}
}  // namespace

Date add(Date d, Duration dur) { return shift(d, dur, 1); }

Date subtract(Date d, Duration dur) { return shift(d, dur, -1); }

Date today() {
  if (auto o = overridden_today()) return *o;
  const std::time_t now = std::time(nullptr);
  // Bulk registration asks once a row: the local date of the same second is
  // the one worked out last time (localtime_r takes a lock and walks the zone rules).
  thread_local std::time_t last_second = -1;
  thread_local Date last_date{};
  if (now == last_second) return last_date;
  std::tm local{};
  if (localtime_r(&now, &local) == nullptr) return Date{floor<days>(system_clock::now())};
  last_date = Date{year{local.tm_year + 1900}, month{static_cast<unsigned>(local.tm_mon + 1)},
                   day{static_cast<unsigned>(local.tm_mday)}};
  last_second = now;
  return last_date;
}

void set_today_for_tests(std::optional<Date> d) {
  std::lock_guard lock(g_override_mutex);
  g_override = d;
}

std::int64_t now_unix() {
  const auto now = floor<seconds>(system_clock::now());
  if (auto o = overridden_today()) {
    const auto since_midnight = now - floor<days>(now);
    return (sys_seconds{sys_days{*o}} + since_midnight).time_since_epoch().count();
  }
  return now.time_since_epoch().count();
}

}  // namespace dsr::cal
