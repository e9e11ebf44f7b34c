#include "dsr/timefmt.hpp"

#include <chrono>
#include <ctime>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"

namespace dsr {

std::string iso_time(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string iso_date(int64_t t) { return iso_time(t).substr(0, 10); }

int64_t parse_time(std::string_view field, std::string_view s) {
  auto bad = [&]() -> int64_t {
    fail(ErrorKind::usage, std::string(field) + ": expected a UTC time YYYY-MM-DDTHH:MM[:SS]Z or a date YYYY-MM-DD");
  };
  if (s.size() < 10) return bad();
  cal::Date d = cal::parse_date(field, s.substr(0, 10));
  int64_t secs = 0;
  std::string_view rest = s.substr(10);
  if (!rest.empty()) {
    if (rest.back() == 'Z') rest.remove_suffix(1);
    if (rest.size() != 6 && rest.size() != 9) return bad();
    if (rest[0] != 'T' && rest[0] != ' ') return bad();
    auto two = [&](size_t at) -> int {
      char a = rest[at], b = rest[at + 1];
      if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
      return (a - '0') * 10 + (b - '0');
    };
    int h = two(1), m = rest[3] == ':' ? two(4) : -1, sec = 0;
    if (rest.size() == 9) sec = rest[6] == ':' ? two(7) : -1;
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59) return bad();
    secs = h * 3600 + m * 60 + sec;
  }
  auto days = std::chrono::sys_days(d).time_since_epoch().count();
  return static_cast<int64_t>(days) * 86400 + secs;
}

}  // namespace dsr
