#include "cli/render.hpp"

#include <utf8proc.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "dsr/csv.hpp"
#include "dsr/error.hpp"

namespace dsr::cli {

namespace {
char g_delimiter = ',';
}  // namespace

void set_csv_delimiter(char d) { g_delimiter = d; }
char csv_delimiter() { return g_delimiter; }

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

namespace {
// Calls fn(bytes, columns) for each character of s, until fn returns false.
// A byte that is not UTF-8 is one character one column wide, as a terminal
// shows its replacement.
template <class F>
void each_char(const std::string& s, F&& fn) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  while (left > 0) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    size_t cw = 1;
    if (n <= 0) n = 1;
    else cw = static_cast<size_t>(std::max(utf8proc_charwidth(cp), 0));
    if (!fn(std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n)), cw)) return;
    p += n;
    left -= n;
  }
}
}  // namespace

size_t display_width(const std::string& s) {
  size_t w = 0;
  each_char(s, [&](std::string_view, size_t cw) {
    w += cw;
    return true;
  });
  return w;
}

std::string csv_header(const std::vector<Column>& columns) {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) s += g_delimiter;
    s += csv::quote(columns[i].key, g_delimiter);
  }
  return s + "\r\n";
}

std::string csv_line(const nlohmann::json& record, const std::vector<Column>& columns) {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) s += g_delimiter;
    const nlohmann::json v = record.value(columns[i].key, nlohmann::json());
    // Numbers and booleans are dsr's own (a negative count of days is no formula).
    s += v.is_number() || v.is_boolean() ? csv::quote(cell_text(v), g_delimiter) : csv::cell(cell_text(v), g_delimiter);
  }
  return s + "\r\n";
}

namespace {
// Columns of the terminal on standard output, or 0 when it is not one.
size_t terminal_columns(const std::ostream& out) {
  if (&out != &std::cout || ::isatty(STDOUT_FILENO) != 1) return 0;
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0) return 0;
  return ws.ws_col;
}

// The longest start of s that fits `width` columns with a "…" after it.
std::string truncate_to(const std::string& s, size_t width) {
  if (display_width(s) <= width) return s;
  std::string out;
  size_t w = 0;
  each_char(s, [&](std::string_view c, size_t cw) {
    if (w + cw + 1 > width) return false;
    out.append(c);
    w += cw;
    return true;
  });
  return out + "\u2026";
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
      out << csv_header(columns);
      for (const auto& r : records) out << csv_line(r, columns);
      return;
    }
    case Format::table: {
      std::vector<std::vector<std::string>> rows;
      std::vector<size_t> w(columns.size());
      for (size_t i = 0; i < columns.size(); ++i) w[i] = display_width(columns[i].header);
      for (const auto& r : records) {
        std::vector<std::string> row;
        for (size_t i = 0; i < columns.size(); ++i) {
          row.push_back(one_line(cell_text(r.value(columns[i].key, nlohmann::json()))));
          w[i] = std::max(w[i], display_width(row.back()));
        }
        rows.push_back(std::move(row));
      }
      // At a terminal, the widest columns give way (down to 4) until the table fits.
      if (size_t cols = terminal_columns(out); cols > 0 && !w.empty()) {
        auto total = [&] {
          size_t t = 2 * (w.size() - 1);
          for (size_t x : w) t += x;
          return t;
        };
        while (total() > cols) {
          auto widest = std::max_element(w.begin(), w.end());
          if (*widest <= 4) break;
          --*widest;
        }
      }
      auto line = [&](const std::vector<std::string>& raw) {
        std::string s;
        for (size_t i = 0; i < raw.size(); ++i) {
          std::string cell = truncate_to(raw[i], w[i]);
          s += cell;
          if (i + 1 < raw.size()) s += std::string(w[i] - display_width(cell) + 2, ' ');
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
