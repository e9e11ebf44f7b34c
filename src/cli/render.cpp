#include "cli/render.hpp"

#include <algorithm>

#include "dsr/error.hpp"

namespace dsr::cli {

Format parse_format(const std::string& s) {
  if (s == "table") return Format::table;
  if (s == "json") return Format::json;
  if (s == "ndjson") return Format::ndjson;
  if (s == "csv") return Format::csv;
  fail(ErrorKind::usage, "--format: must be table, json, ndjson or csv");
}

std::string cell_text(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ", ") + cell_text(e);
    return s;
  }
  return v.dump();
}

std::string csv_field(const std::string& s) {
  bool quote = s.find_first_of(",\"\r\n") != std::string::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  const std::string& v = s;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += "\"\"";
    else out += c;
  }
  return out + "\"";
}

namespace {
// Display width in code points (good enough for alignment of UTF-8 text).
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\t', ' ');
  return s;
}
}  // namespace

void render_records(std::ostream& out, Format f, const std::vector<nlohmann::json>& records,
                    const std::vector<Column>& columns) {
  auto dump = [](const nlohmann::json& j, int indent) {
    return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  switch (f) {
    case Format::json:
      out << dump(nlohmann::json(records), 2) << "\n";
      return;
    case Format::ndjson:
      for (const auto& r : records) out << dump(r, -1) << "\n";
      return;
    case Format::csv: {
      for (size_t i = 0; i < columns.size(); ++i) out << (i ? "," : "") << csv_field(columns[i].key);
      out << "\r\n";
      for (const auto& r : records) {
        for (size_t i = 0; i < columns.size(); ++i)
          out << (i ? "," : "") << csv_field(cell_text(r.value(columns[i].key, nlohmann::json())));
        out << "\r\n";
      }
      return;
    }
    case Format::table: {
      std::vector<std::vector<std::string>> rows;
      std::vector<size_t> w(columns.size());
      for (size_t i = 0; i < columns.size(); ++i) w[i] = width(columns[i].header);
      for (const auto& r : records) {
        std::vector<std::string> row;
        for (size_t i = 0; i < columns.size(); ++i) {
          row.push_back(one_line(cell_text(r.value(columns[i].key, nlohmann::json()))));
          w[i] = std::max(w[i], width(row.back()));
        }
        rows.push_back(std::move(row));
      }
      auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (size_t i = 0; i < cells.size(); ++i) {
          s += cells[i];
          if (i + 1 < cells.size()) s += std::string(w[i] - width(cells[i]) + 2, ' ');
        }
        out << s << "\n";
      };
      std::vector<std::string> headers;
      for (const auto& c : columns) headers.push_back(c.header);
      line(headers);
      for (const auto& r : rows) line(r);
      return;
    }
  }
}

}  // namespace dsr::cli
