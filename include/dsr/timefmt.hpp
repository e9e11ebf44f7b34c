// How times are shown: ISO 8601 in UTC, second precision ("2026-11-29T18:25:34Z").
#pragma once
#include <cstdint>
#include <string>

namespace dsr {
std::string iso_time(int64_t unix_seconds);
std::string iso_date(int64_t unix_seconds);  // YYYY-MM-DD (UTC)
}  // namespace dsr
