#include "dsr/ics.hpp"

#include <cctype>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"

namespace dsr::ics {

namespace {

constexpr std::size_t kMaxLine = 16 * 1024;  // an unfolded line
constexpr std::size_t kMaxSummary = 200;
constexpr int kMaxSpread = 31;  // days one event may cover

struct Line {
  std::string text;
  int number = 0;
};

[[noreturn]] void bad(int line, const std::string& why) {
  fail(ErrorKind::usage, "line " + std::to_string(line) + ": " + why);
}

// Physical lines joined where the next one starts with a space or tab (RFC 5545 3.1).
std::vector<Line> unfold(std::string_view text) {
  std::vector<Line> out;
  std::size_t i = 0;
  int number = 0;
  while (i < text.size()) {
    std::size_t end = text.find('\n', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(i, end - i);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    ++number;
    if (!raw.empty() && (raw[0] == ' ' || raw[0] == '\t') && !out.empty()) {
      if (out.back().text.size() + raw.size() > kMaxLine) bad(number, "a folded line longer than 16 KiB");
      out.back().text.append(raw.substr(1));
    } else {
      if (raw.size() > kMaxLine) bad(number, "a line longer than 16 KiB");
      out.push_back({std::string(raw), number});
    }
    i = end + 1;
  }
  return out;
}

std::string upper(std::string_view s) {
  std::string u(s);
  for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

struct Property {
  std::string name;    // uppercased, without parameters
  std::string params;  // uppercased, ";VALUE=DATE" etc.
  std::string value;
};

// NAME[;PARAM=...]:VALUE; the ':' inside a quoted parameter value does not end the name part.
bool split(const std::string& line, Property& p) {
  bool quoted = false;
  std::size_t colon = std::string::npos;
  for (std::size_t k = 0; k < line.size(); ++k) {
    if (line[k] == '"') quoted = !quoted;
    else if (line[k] == ':' && !quoted) {
      colon = k;
      break;
    }
  }
  if (colon == std::string::npos) return false;
  std::string head = upper(std::string_view(line).substr(0, colon));
  std::size_t semi = head.find(';');
  p.name = head.substr(0, semi);
  p.params = semi == std::string::npos ? "" : head.substr(semi);
  p.value = line.substr(colon + 1);
  return true;
}

// "20261225" or "20261225T..." -> the date; false when it is not one.
bool date_of(std::string_view v, cal::Date& out) {
  if (v.size() < 8) return false;
  for (int k = 0; k < 8; ++k)
    if (v[static_cast<std::size_t>(k)] < '0' || v[static_cast<std::size_t>(k)] > '9') return false;
  if (v.size() > 8 && v[8] != 'T') return false;
  std::string iso = std::string(v.substr(0, 4)) + "-" + std::string(v.substr(4, 2)) + "-" + std::string(v.substr(6, 2));
  try {
    out = cal::parse_date("DTSTART", iso);
  } catch (const Error&) {
    return false;
  }
  // A holiday calendar covers the years deadlines fall in; far dates are errors (and keep spreading in range).
  int y = static_cast<int>(out.year());
  return y >= 1900 && y <= 2199;
}

std::string unescape(std::string_view v) {
  std::string out;
  for (std::size_t k = 0; k < v.size() && out.size() < kMaxSummary; ++k) {
    char c = v[k];
    if (c == '\\' && k + 1 < v.size()) {
      char n = v[++k];
      out.push_back(n == 'n' || n == 'N' ? ' ' : n);
    } else if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) {
      out.push_back(c);
    }
  }
  // Never leave a UTF-8 sequence cut in half at the end.
  std::size_t k = out.size(), cont = 0;
  while (k > 0 && cont < 3 && (static_cast<unsigned char>(out[k - 1]) & 0xC0) == 0x80) {
    --k;
    ++cont;
  }
  if (k > 0) {
    unsigned char lead = static_cast<unsigned char>(out[k - 1]);
    std::size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (want > 1 && cont + 1 < want) out.resize(k - 1);
  }
  return out;
}

}  // namespace

Calendar parse(std::string_view text) {
  if (text.size() > kMaxBytes) fail(ErrorKind::usage, "the file is larger than 4 MiB; is it a holiday calendar?");
  Calendar out;
  bool in_calendar = false, seen_calendar = false, in_event = false;
  int depth = 0;  // components nested inside the event (VALARM)
  struct Pending {
    int line = 0;
    bool has_start = false, has_end = false, recurring = false;
    cal::Date start{}, end{};
    std::string summary;
  } ev;
  for (const Line& l : unfold(text)) {
    if (l.text.empty()) continue;
    Property p;
    if (!split(l.text, p)) {
      if (!seen_calendar) bad(l.number, "not an iCalendar file (it should begin with BEGIN:VCALENDAR)");
      continue;  // tolerated inside: some publishers leave stray lines
    }
    std::string value = upper(p.value);
    if (p.name == "BEGIN") {
      if (!in_calendar) {
        if (value != "VCALENDAR") bad(l.number, "not an iCalendar file (it should begin with BEGIN:VCALENDAR)");
        in_calendar = seen_calendar = true;
      } else if (in_event) {
        ++depth;
      } else if (value == "VEVENT") {
        in_event = true;
        ev = Pending{};
        ev.line = l.number;
      }
      continue;
    }
    if (!in_calendar) bad(l.number, "not an iCalendar file (it should begin with BEGIN:VCALENDAR)");
    if (p.name == "END") {
      if (in_event && depth > 0) {
        --depth;
      } else if (in_event && value == "VEVENT") {
        in_event = false;
        if (ev.recurring) {
          ++out.recurring;
        } else if (!ev.has_start) {
          ++out.undated;
        } else {
          int span = 1;
          if (ev.has_end) span = cal::days_between(ev.start, ev.end);
          if (span < 1) span = 1;
          if (span > kMaxSpread) bad(ev.line, "an event longer than 31 days is not a holiday");
          for (int k = 0; k < span; ++k) {
            if (out.events.size() >= kMaxEvents) bad(ev.line, "more than 20000 holidays");
            out.events.push_back({cal::format(cal::add_days(ev.start, k)), ev.summary, ev.line});
          }
        }
      } else if (!in_event && value == "VCALENDAR") {
        in_calendar = false;
      }
      continue;
    }
    if (!in_event || depth > 0) continue;
    if (p.name == "DTSTART") {
      if (!date_of(p.value, ev.start)) bad(l.number, "DTSTART is not a date (YYYYMMDD, years 1900 to 2199)");
      ev.has_start = true;
    } else if (p.name == "DTEND") {
      // Only an all-day end spreads the event; a timed end is within its day.
      cal::Date d{};
      if (!date_of(p.value, d)) bad(l.number, "DTEND is not a date (YYYYMMDD, years 1900 to 2199)");
      if (p.value.size() == 8) {
        ev.end = d;
        ev.has_end = true;
      }
    } else if (p.name == "RRULE" || p.name == "RDATE") {
      ev.recurring = true;
    } else if (p.name == "SUMMARY") {
      ev.summary = unescape(p.value);
    }
  }
  if (!seen_calendar) fail(ErrorKind::usage, "not an iCalendar file (no BEGIN:VCALENDAR)");
  if (in_event) bad(ev.line, "BEGIN:VEVENT without END:VEVENT");
  if (in_calendar) fail(ErrorKind::usage, "BEGIN:VCALENDAR without END:VCALENDAR (the file is cut short?)");
  return out;
}

}  // namespace dsr::ics
