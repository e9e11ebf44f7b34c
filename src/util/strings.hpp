// The small string helpers every layer wanted a copy of. Pure functions:
// thread-safe.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dsr::util {

// The parts joined with `sep` ("a, b, c").
std::string join(const std::vector<std::string>& parts, std::string_view sep = ", ");
// `s` cut at every `sep`; parts that are empty (or only spaces and tabs, when
// `skip_blank`) are left out.
std::vector<std::string> split(std::string_view s, char sep, bool skip_blank = false);
// True when `s` holds nothing but spaces and tabs.
bool blank(std::string_view s);
// `s` without surrounding spaces and tabs, in ASCII lower case.
std::string trim_lower(std::string_view s);
// True when `s` is printable ASCII without '"' or '\\': as a JSON string it
// is `s` in quotes (what nlohmann::json writes), so it can be written directly.
bool plain_json_text(std::string_view s);

}  // namespace dsr::util
