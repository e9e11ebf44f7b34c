// The deadline engine over the law table (dsr/laws.hpp): one row of expected
// dates per law, then the rules the rows share (month ends, leap years,
// weekends, imported holidays, pauses, extensions, appeals). The expected
// dates were worked out by hand from the statutes cited in the table.
#include <doctest/doctest.h>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/laws.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

cal::Date D(const char* s) { return cal::parse_date("test", s); }

laws::Holidays holidays(std::initializer_list<const char*> days) {
  laws::Holidays h;
  for (const char* d : days) h.days.insert(d);
  h.imported = true;
  return h;
}

const laws::Holidays kWeekendsOnly{};

}  // namespace

TEST_CASE("laws: every law of the table, received on Friday 2026-01-23 (no holidays)") {
  struct Row {
    const char* law;
    const char* type;
    const char* due;
    const char* extended;  // "" when the law has no extension
    const char* ack;       // "" when it sets no acknowledgement
  };
  const Row rows[] = {
      {"gdpr", "access", "2026-02-23", "2026-04-23", ""},              // 1 month (Mon); 3 months
      {"uk-gdpr", "access", "2026-02-23", "2026-04-23", ""},
      {"ccpa", "access", "2026-03-09", "2026-04-23", "2026-02-06"},    // 45 / 90 days; 10 business days
      {"ccpa", "opt-out", "2026-02-13", "", ""},                       // 15 business days, no extension (7026(f))
      {"ccpa", "limit-sensitive", "2026-02-13", "", ""},               // the same for a limit (7027(g))
      {"lgpd", "access", "2026-02-07", "", ""},                        // 15 days, a Saturday stands
      {"pipeda", "access", "2026-02-23", "2026-03-24", ""},            // 30 days end Sun 22 Feb: Interp. Act s. 26
      {"vcdpa", "access", "2026-03-09", "2026-04-23", ""},             // 45 / 90 days
      {"cpa", "erasure", "2026-03-09", "2026-04-23", ""},
      {"ctdpa", "portability", "2026-03-09", "2026-04-23", ""},
      {"hipaa-access", "access", "2026-02-22", "2026-03-24", ""},      // 164.524: 30 / 60 days
      {"hipaa-accounting", "access", "2026-03-24", "2026-04-23", ""},  // 164.528(c): 60 / 90 days
  };
  for (const Row& r : rows) {
    CAPTURE(r.law);
    CAPTURE(r.type);
    laws::Deadlines d = laws::deadlines(laws::get(r.law), laws::type_for(laws::get(r.law), r.type), D("2026-01-23"), 0, kWeekendsOnly);
    CHECK(d.due == r.due);
    CHECK(d.extended == r.extended);
    CHECK(d.ack == r.ack);
  }
  // Every law of the table has a row above.
  for (const auto& law : laws::table()) {
    bool tested = false;
    for (const Row& r : rows) tested = tested || law.name == r.law;
    CHECK_MESSAGE(tested, law.name);
    CHECK_MESSAGE(!law.citation.empty(), law.name);
    CHECK_MESSAGE(!law.regulator.empty(), law.name);
  }
}

TEST_CASE("laws: months under Reg. 1182/71: month ends, leap years, weekends") {
  const laws::Law& gdpr = laws::get("gdpr");
  struct Case { const char* received; const char* due; const char* extended; };
  for (Case c : {Case{"2026-03-15", "2026-04-15", "2026-06-15"},
                 Case{"2025-01-31", "2025-02-28", "2025-04-30"},   // no 31 February: the month's last day
                 Case{"2024-01-31", "2024-02-29", "2024-04-30"},   // leap year
                 Case{"2026-01-31", "2026-03-02", "2026-04-30"},   // 28 February 2026 is a Saturday
                 Case{"2025-11-30", "2025-12-30", "2026-03-02"}}) {  // extended end 28 Feb 2026, a Saturday
    CAPTURE(c.received);
    laws::Deadlines d = laws::deadlines(gdpr, RequestType::access, D(c.received), 0, kWeekendsOnly);
    CHECK(d.due == c.due);
    CHECK(d.extended == c.extended);
  }
}

TEST_CASE("laws: a public holiday moves a GDPR end (Art. 3(4)) and counts in business days") {
  const laws::Law& gdpr = laws::get("gdpr");
  laws::Holidays de = holidays({"2026-12-25", "2026-12-26", "2027-01-01"});
  // The two cases: New Year's Day and Christmas Day.
  CHECK(laws::deadlines(gdpr, RequestType::access, D("2026-12-01"), 0, kWeekendsOnly).due == "2027-01-01");
  CHECK(laws::deadlines(gdpr, RequestType::access, D("2026-12-01"), 0, de).due == "2027-01-04");  // Fri holiday, weekend
  CHECK(laws::deadlines(gdpr, RequestType::access, D("2026-11-25"), 0, de).due == "2026-12-28");  // Fri, Sat holidays, Sun
  // CCPA counts calendar days for the answer (no roll) but business days for the acknowledgement.
  laws::Holidays ca = holidays({"2026-01-26"});
  laws::Deadlines c = laws::deadlines(laws::get("ccpa"), RequestType::access, D("2026-01-23"), 0, ca);
  CHECK(c.due == "2026-03-09");
  CHECK(c.ack == "2026-02-09");  // one more working day
  CHECK(laws::deadlines(laws::get("ccpa"), RequestType::opt_out, D("2026-01-23"), 0, ca).due == "2026-02-16");
  // A holiday on a weekend changes nothing.
  laws::Holidays sat = holidays({"2026-01-24"});
  CHECK(laws::deadlines(laws::get("ccpa"), RequestType::access, D("2026-01-23"), 0, sat).ack == "2026-02-06");
}

TEST_CASE("laws: the roll rule is what each text says (PIPEDA Sundays and holidays, HIPAA and LGPD none)") {
  const laws::Law& pipeda = laws::get("pipeda");
  CHECK(pipeda.roll == laws::Roll::next_non_holiday);
  // Received 2026-01-21: 30 days end Friday 20 Feb (stands).
  CHECK(laws::deadlines(pipeda, RequestType::access, D("2026-01-21"), 0, kWeekendsOnly).due == "2026-02-20");
  // Received 2026-01-22: 30 days end Saturday 21 Feb: a Saturday is no holiday (s. 35(1)), it stands.
  CHECK(laws::deadlines(pipeda, RequestType::access, D("2026-01-22"), 0, kWeekendsOnly).due == "2026-02-21");
  // Received 2026-01-23: Sunday 22 Feb -> Monday 23 Feb; a holiday on that Monday -> Tuesday.
  CHECK(laws::deadlines(pipeda, RequestType::access, D("2026-01-23"), 0, holidays({"2026-02-23"})).due == "2026-02-24");
  // An imported holiday on a Saturday moves it past the Sunday.
  CHECK(laws::deadlines(pipeda, RequestType::access, D("2026-01-22"), 0, holidays({"2026-02-21"})).due == "2026-02-23");
  // HIPAA and the LGPD are silent: the date stands, weekend or holiday.
  laws::Holidays any = holidays({"2026-02-22", "2026-02-07"});
  for (const char* name : {"hipaa-access", "lgpd"}) {
    CAPTURE(name);
    CHECK(laws::get(name).roll == laws::Roll::none);
  }
  CHECK(laws::deadlines(laws::get("hipaa-access"), RequestType::access, D("2026-01-23"), 0, any).due == "2026-02-22");  // Sunday
  CHECK(laws::deadlines(laws::get("hipaa-accounting"), RequestType::access, D("2026-01-23"), 0, any).due == "2026-03-24");
  CHECK(laws::get("hipaa-accounting").roll == laws::Roll::none);
  CHECK(laws::deadlines(laws::get("lgpd"), RequestType::access, D("2026-01-23"), 0, any).due == "2026-02-07");  // Saturday
  // Each says so in its citation.
  CHECK(std::string(pipeda.citation).find("Interpretation Act") != std::string::npos);
  for (const char* name : {"hipaa-access", "hipaa-accounting", "lgpd"})
    CHECK_MESSAGE(std::string(laws::get(name).citation).find("date stands") != std::string::npos, name);
}

TEST_CASE("laws: a paused UK GDPR clock adds the days it stood still before the roll") {
  const laws::Law& uk = laws::get("uk-gdpr");
  CHECK(uk.pausable);
  CHECK(uk.clock == laws::ClockStart::complete);
  CHECK(laws::deadlines(uk, RequestType::access, D("2026-03-02"), 0, kWeekendsOnly).due == "2026-04-02");
  CHECK(laws::deadlines(uk, RequestType::access, D("2026-03-02"), 3, kWeekendsOnly).due == "2026-04-06");  // Sun -> Mon
  laws::Holidays gb = holidays({"2026-04-06"});  // Easter Monday
  CHECK(laws::deadlines(uk, RequestType::access, D("2026-03-02"), 3, gb).due == "2026-04-07");
  CHECK(laws::deadlines(uk, RequestType::access, D("2026-03-02"), 3, gb).extended == "2026-06-05");  // 2 June + 3 days
  // The laws whose clock cannot stop.
  for (const char* name : {"gdpr", "ccpa", "lgpd", "pipeda", "vcdpa", "cpa", "ctdpa", "hipaa-access", "hipaa-accounting"})
    CHECK_MESSAGE(!laws::get(name).pausable, name);
}

TEST_CASE("laws: appeals have their own periods (VCDPA model)") {
  struct Case { const char* law; const char* due; const char* extended; };
  for (Case c : {Case{"vcdpa", "2026-04-30", ""},                // 59.1-577(C): 60 days
                 Case{"cpa", "2026-04-15", "2026-06-14"},        // 6-1-1306(3): 45 days, +60
                 Case{"ctdpa", "2026-04-30", ""},                // 42-518(d): 60 days
                 Case{"gdpr", "", ""}, Case{"ccpa", "", ""}}) {  // no statutory appeal
    CAPTURE(c.law);
    laws::Deadlines d = laws::appeal_deadlines(laws::get(c.law), D("2026-03-01"), kWeekendsOnly);
    CHECK(d.due == c.due);
    CHECK(d.extended == c.extended);
  }
}

TEST_CASE("laws: unknown laws and types are usage errors naming what exists") {
  CHECK(test::kind_thrown([] { laws::get("hipaa"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([] { laws::type_for(laws::get("gdpr"), "opt-out"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([] { laws::type_for(laws::get("hipaa-access"), "erasure"); }) == ErrorKind::usage);
  try {
    laws::get("nope");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("uk-gdpr") != std::string::npos);
  }
  CHECK(laws::text(laws::Period{10, laws::Unit::business_days}) == "10 business days");
  CHECK(laws::text(laws::Period{1, laws::Unit::months}) == "1 month");
}
