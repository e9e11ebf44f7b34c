// Fuzzes the iCalendar reader (dsr/ics.hpp) that `dsr holidays import` reads
// downloaded holiday calendars with.
//
// Input: the file's bytes.
//
// Findings: a crash or a hang; an error that is not a usage error; a day that
// is not a real YYYY-MM-DD date; a summary over 200 bytes or holding a control
// character; more days than the limit; events that do not survive being
// written out as a plain calendar and read again unchanged.
#include <string>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/ics.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace dsr;

namespace {

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == ';' || c == ',') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ics::Calendar c;
  try {
    c = ics::parse(text);
  } catch (const Error& e) {
    DSR_FUZZ_CHECK(e.kind() == ErrorKind::usage, "a parse error of kind %d", static_cast<int>(e.kind()));
    return 0;
  }
  DSR_FUZZ_CHECK(c.events.size() <= ics::kMaxEvents, "%zu days passed the limit", c.events.size());
  std::string again = "BEGIN:VCALENDAR\r\n";
  for (const auto& e : c.events) {
    try {
      DSR_FUZZ_CHECK(cal::format(cal::parse_date("day", e.day)) == e.day, "day %s is not canonical", e.day.c_str());
    } catch (const Error&) {
      DSR_FUZZ_CHECK(false, "day %s is not a date", e.day.c_str());
    }
    DSR_FUZZ_CHECK(e.summary.size() <= 200, "a summary of %zu bytes", e.summary.size());
    for (unsigned char ch : e.summary) DSR_FUZZ_CHECK(ch >= 0x20 && ch != 0x7f, "a control character 0x%02x", ch);
    DSR_FUZZ_CHECK(e.line >= 1, "event line %d", e.line);
    std::string compact = e.day.substr(0, 4) + e.day.substr(5, 2) + e.day.substr(8, 2);
    again += "BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:" + compact + "\r\nSUMMARY:" + escaped(e.summary) + "\r\nEND:VEVENT\r\n";
  }
  again += "END:VCALENDAR\r\n";
  if (again.size() > ics::kMaxBytes) return 0;
  ics::Calendar back = ics::parse(again);
  DSR_FUZZ_CHECK(back.events.size() == c.events.size(), "%zu days read back as %zu", c.events.size(), back.events.size());
  for (size_t i = 0; i < c.events.size() && i < back.events.size(); ++i) {
    DSR_FUZZ_CHECK(back.events[i].day == c.events[i].day, "day %zu changed in a round trip", i);
    DSR_FUZZ_CHECK(back.events[i].summary == c.events[i].summary, "summary %zu changed in a round trip", i);
  }
  return 0;
}
