// A small reader of iCalendar (RFC 5545) files for public holidays: the
// DTSTART (and DTEND) dates and SUMMARY of each VEVENT. It reads untrusted
// bytes (files downloaded from governments and companies): every limit is
// checked, nothing is expanded without bound (fuzz/fuzz_ics.cpp).
//
// Read: lines unfolded (CRLF or LF, a continuation starts with a space or
// tab); property names case-insensitive; DTSTART as DATE (20261225) or
// DATE-TIME (20261225T000000[Z]: its date); an all-day DTEND (exclusive)
// spreads an event over up to 31 days. Not read: RRULE, RDATE and EXDATE (a
// recurring event is counted in `recurring` and left out: publishers of
// holiday calendars list each year's dates), time zones (a holiday is a date).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dsr::ics {

struct Event {
  std::string day;      // YYYY-MM-DD
  std::string summary;  // unescaped, control characters removed, at most 200 bytes
  int line = 0;         // the line of BEGIN:VEVENT (1-based, after unfolding: the physical line)
};

struct Calendar {
  std::vector<Event> events;  // in file order, one per day
  int recurring = 0;          // events with RRULE/RDATE, left out
  int undated = 0;            // events without a DTSTART, left out
};

inline constexpr std::size_t kMaxBytes = 4u << 20;  // larger files are refused
inline constexpr std::size_t kMaxEvents = 20000;    // days, after DTEND spreading

// Throws Error(usage) naming the line: not a VCALENDAR, an unterminated
// VEVENT, a DTSTART that is not a real date, too large.
Calendar parse(std::string_view text);

}  // namespace dsr::ics
