#include <doctest/doctest.h>

#include "dsr/error.hpp"
#include "dsr/ics.hpp"
#include "test_support.hpp"

using namespace dsr;

TEST_CASE("ics: DTSTART dates and summaries of each VEVENT, folded lines, nested alarms") {
  ics::Calendar c = ics::parse(
      "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
      "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261225\r\nDTEND;VALUE=DATE:20261227\r\nSUMMARY:Christmas\\, and\r\n"
      "  St Stephen\r\nBEGIN:VALARM\r\nDTSTART:19990101\r\nEND:VALARM\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\ndtstart;tzid=\"Europe/Berlin:x\":20270101T090000\r\nSUMMARY:New Year\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nDTSTART:20260501\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n"
      "BEGIN:VEVENT\r\nSUMMARY:no date\r\nEND:VEVENT\r\n"
      "END:VCALENDAR\r\n");
  REQUIRE(c.events.size() == 3);
  CHECK(c.events[0].day == "2026-12-25");
  CHECK(c.events[1].day == "2026-12-26");  // DTEND is exclusive
  CHECK(c.events[0].summary == "Christmas, and St Stephen");
  CHECK(c.events[0].line == 3);
  CHECK(c.events[2].day == "2027-01-01");  // a DATE-TIME start counts for its date; the quoted ':' is a parameter
  CHECK(c.recurring == 1);
  CHECK(c.undated == 1);
}

TEST_CASE("ics: what is refused, with the line") {
  auto msg = [](const std::string& text) {
    try {
      ics::parse(text);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK(msg("hello\n").find("not an iCalendar file") != std::string::npos);
  CHECK(msg("").find("not an iCalendar file") != std::string::npos);
  CHECK(msg("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260230\nEND:VEVENT\nEND:VCALENDAR\n").find("line 3") !=
        std::string::npos);
  CHECK(msg("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:30000101\nEND:VEVENT\nEND:VCALENDAR\n").find("line 3") !=
        std::string::npos);
  CHECK(msg("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\n").find("without END:VEVENT") != std::string::npos);
  CHECK(msg("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nDTEND;VALUE=DATE:20260301\nEND:VEVENT\n"
            "END:VCALENDAR\n")
            .find("longer than 31 days") != std::string::npos);
  CHECK(msg(std::string(ics::kMaxBytes + 1, 'x')).find("4 MiB") != std::string::npos);
}

TEST_CASE("ics: summaries lose control characters and never end in half a UTF-8 sequence") {
  std::string long_summary(196, 'a');  // "ab " + 196 = 199 bytes, then é does not fit
  ics::Calendar c = ics::parse("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\nSUMMARY:a\x01" "b\\n" + long_summary +
                               "\xc3\xa9\nEND:VEVENT\nEND:VCALENDAR\n");
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0].summary.size() == 199);
  CHECK(c.events[0].summary.substr(0, 4) == "ab a");
  CHECK((static_cast<unsigned char>(c.events[0].summary.back()) & 0x80) == 0);  // the cut é is dropped
}
