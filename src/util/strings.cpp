#include "util/strings.hpp"

#include <algorithm>

namespace dsr::util {

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::vector<std::string> split(std::string_view s, char sep, bool skip_blank) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t at = s.find(sep, start);
    std::string_view part = s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start);
    if (skip_blank ? !blank(part) : !part.empty()) out.emplace_back(part);
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

bool plain_json_text(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  return true;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

std::string trim_lower(std::string_view s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  std::string out(b == std::string_view::npos ? std::string_view() : s.substr(b, e - b + 1));
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace dsr::util
