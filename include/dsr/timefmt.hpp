// How times are shown: ISO 8601 in UTC, second precision ("2026-11-29T18:25:34Z").
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace dsr {
std::string iso_time(int64_t unix_seconds);
std::string iso_date(int64_t unix_seconds);  // YYYY-MM-DD (UTC)
// A time given on the command line, in UTC: "YYYY-MM-DDTHH:MM[:SS]Z" (the T
// may be a space, the Z may be left out) or a date "YYYY-MM-DD" (midnight).
// Throws Error(usage) whose message starts with `field`.
int64_t parse_time(std::string_view field, std::string_view s);
}  // namespace dsr
