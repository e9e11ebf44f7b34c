#include "dsr/timefmt.hpp"

#include <ctime>

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

}  // namespace dsr
