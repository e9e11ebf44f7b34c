#include <doctest/doctest.h>

#include "dsr/breaches.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {
int64_t at(const char* t) { return parse_time("t", t); }
}  // namespace

TEST_CASE("breaches: the 72-hour clock starts at the next full hour and runs through weekends") {
  // Reg. 1182/71 Art. 3(1): the hour of the event does not count; Art. 3(4)
  // moves only periods not expressed in hours, so a weekend changes nothing.
  CHECK(iso_time(breach_authority_due(at("2026-11-20T16:30:00Z"))) == "2026-11-23T17:00:00Z");  // Friday -> Monday
  CHECK(iso_time(breach_authority_due(at("2026-11-21T00:00:00Z"))) == "2026-11-24T01:00:00Z");  // Saturday midnight
  CHECK(iso_time(breach_authority_due(at("2026-11-22T23:59:59Z"))) == "2026-11-26T00:00:00Z");  // Sunday night
  CHECK(iso_time(breach_authority_due(at("2026-12-30T10:15:00Z"))) == "2027-01-02T11:00:00Z");  // over New Year
  CHECK(iso_time(breach_authority_due(at("2028-02-27T08:00:00Z"))) == "2028-03-01T09:00:00Z");  // leap year
}

TEST_CASE("breaches: parse_time takes UTC times and dates, and refuses the rest") {
  CHECK(iso_time(at("2026-11-20T16:30:00Z")) == "2026-11-20T16:30:00Z");
  CHECK(iso_time(at("2026-11-20 16:30")) == "2026-11-20T16:30:00Z");
  CHECK(iso_time(at("2026-11-20")) == "2026-11-20T00:00:00Z");
  for (const char* bad : {"2026-11-20T24:00Z", "2026-11-20T16", "2026-02-30", "yesterday", "2026-11-20T16:30:00+01:00"})
    CHECK(test::kind_thrown([&] { parse_time("--detected", bad); }) == ErrorKind::usage);
}

TEST_CASE("breaches: open, notify late only with reasons, close, and the history") {
  test::TempVault tv;
  Desk d = tv.desk();
  BreachInput in;
  in.detected = "2026-01-02T10:00:00Z";
  in.categories = {"contact,identity"};
  in.description = "mailbox compromised";
  Breach b = open_breach(d, in);
  CHECK(b.authority_overdue);
  BreachUpdate late;
  late.authority_notified = "2026-01-06T10:00:00Z";
  CHECK(test::kind_thrown([&] { update_breach(d, b.id, late); }) == ErrorKind::usage);
  late.delay_reason = "forensics took four days";
  Breach u = update_breach(d, b.id, late);
  CHECK(u.notified_late);
  CHECK_FALSE(u.authority_overdue);
  Breach c = close_breach(d, b.id, "");
  CHECK(c.status == BreachStatus::closed);
  CHECK(test::kind_thrown([&] { close_breach(d, b.id, ""); }) == ErrorKind::conflict);
  Breach s = find_breach(d, b.id);
  // The delay reason given with the notification is part of its event.
  REQUIRE(s.history.size() == 3);
  CHECK(s.history[0].event == "opened");
  CHECK(s.history[1].event == "authority-notified");
  CHECK(s.history[1].detail["delay_reason"] == "forensics took four days");
  CHECK(s.history[2].event == "closed");
  CHECK(test::kind_thrown([&] { find_breach(d, "brc_77"); }) == ErrorKind::not_found);
}
