// CSV rows to registrations, through the batch engine.
#include "dsr/audit.hpp"
#include "dsr/import.hpp"

#include <algorithm>
#include <set>

#include "domain/bulk/batch_engine.hpp"
#include "dsr/fields.hpp"
#include "dsr/csv.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"

namespace dsr {
namespace {

std::string trim_lower(const std::string& s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  std::string out = b == std::string::npos ? "" : s.substr(b, e - b + 1);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

// How a mapped header is read: for each column the importer sees, the header
// columns whose cells make it (joined with a space).
struct Plan {
  std::vector<std::string> names;          // the columns after the map
  std::vector<std::vector<size_t>> from;   // for each, the input's columns
  bool identity = true;
};

std::string header_list(const std::vector<std::string>& raw) {
  std::string s;
  for (const auto& r : raw) s += (s.empty() ? "" : ", ") + validate::quoted(r);
  return s;
}

Plan plan_columns(const std::vector<std::string>& raw, const ColumnMap& map, std::vector<std::string>* mapping) {
  Plan p;
  std::vector<bool> used(raw.size(), false);
  auto find = [&](const std::string& name, const char* what) {
    for (size_t i = 0; i < raw.size(); ++i)
      if (trim_lower(raw[i]) == trim_lower(name)) return i;
    fail(ErrorKind::usage, std::string(what) + ": the header has no column " + validate::quoted(name) + "; its columns are " +
                               header_list(raw));
  };
  for (const auto& s : map.skip) {
    used[find(s, "--skip-columns")] = true;
    if (mapping) mapping->push_back(s + ": skipped");
  }
  for (const auto& r : map.rules) {
    std::vector<size_t> idx;
    std::string text;
    for (const auto& f : r.from) {
      idx.push_back(find(f, "--map"));
      used[idx.back()] = true;
      text += (text.empty() ? "" : " + ") + raw[idx.back()];
    }
    p.names.push_back(r.to);
    p.from.push_back(std::move(idx));
    if (mapping) mapping->push_back(text + " -> " + r.to);
  }
  for (size_t i = 0; i < raw.size(); ++i) {
    if (used[i]) continue;
    p.names.push_back(raw[i]);
    p.from.push_back({i});
    if (mapping && !map.empty()) mapping->push_back(raw[i] + " -> " + trim_lower(raw[i]));
  }
  p.identity = map.empty();
  return p;
}

// The header, checked: one entry per column, the field name each cell sets.
std::vector<std::string> check_header(const std::vector<std::string>& names) {
  const auto& known = import_columns();
  std::vector<std::string> cols;
  std::string unknown;
  int unknown_count = 0;
  std::set<std::string> seen;
  for (const auto& raw : names) {
    std::string c = trim_lower(raw);
    if (std::find(known.begin(), known.end(), c) == known.end()) {
      bool attr = false;
      if (c.find('.') != std::string::npos) {
        try {
          validate::AttrName a = validate::attr_name(c);
          c = a.category + "." + a.key;
          attr = true;
        } catch (const Error&) {
        }
      }
      if (!attr) {
        unknown += (unknown.empty() ? "" : ", ") + validate::quoted(raw);
        ++unknown_count;
        continue;
      }
    }
    if (!seen.insert(c).second) fail(ErrorKind::usage, "the header names column " + c + " twice");
    cols.push_back(c);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    fail(ErrorKind::usage, std::string(unknown_count == 1 ? "unknown column " : "unknown columns ") + unknown + " in the header; columns are " + list +
                               ", or CATEGORY.KEY for an attribute (e.g. survey.age_band); read them with --map 'COLUMN=FIELD' "
                               "or leave them out with --skip-columns; nothing was imported");
  }
  for (const auto& f : fields::table())
    if (f.required && !seen.count(std::string(f.name)))
      fail(ErrorKind::usage, "the header has no " + std::string(f.name) + " column; it is required to register");
  return cols;
}

// A line break inside a quoted cell (CRLF from spreadsheets, or a lone CR) is stored as LF.
void normalise_newlines(std::string& v) {
  if (v.find('\r') == std::string::npos) return;
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\r') out += v[i];
    else if (i + 1 >= v.size() || v[i + 1] != '\n') out += '\n';
  }
  v = std::move(out);
}

SubjectInput row_input(const std::vector<std::string>& cols, std::vector<std::string>& cells) {
  SubjectInput in;
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string& v = cells[i];
    if (blank(v)) continue;
    normalise_newlines(v);
    const std::string& c = cols[i];
    if (c == "source") {
      in.source = std::move(v);
    } else if (c == "interests") {
      size_t start = 0;
      for (;;) {
        size_t sep = v.find_first_of(";,", start);
        std::string part = v.substr(start, sep == std::string::npos ? std::string::npos : sep - start);
        if (!blank(part)) in.set.emplace_back("interest", std::move(part));
        if (sep == std::string::npos) break;
        start = sep + 1;
      }
    } else {
      in.set.emplace_back(c, std::move(v));
    }
  }
  return in;
}

}  // namespace

const std::vector<std::string>& import_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> out;
    for (const auto& f : fields::table()) out.emplace_back(f.name);
    out.emplace_back("source");
    return out;
  }();
  return cols;
}

ColumnMap::Rule parse_map_rule(const std::string& spec) {
  auto eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    fail(ErrorKind::usage, "--map: expected 'COLUMN=FIELD' or 'COLUMN+COLUMN=FIELD', got " + validate::quoted(spec));
  ColumnMap::Rule r;
  r.to = trim_lower(spec.substr(eq + 1));
  std::string from = spec.substr(0, eq);
  size_t start = 0;
  for (;;) {
    size_t plus = from.find('+', start);
    std::string part = from.substr(start, plus == std::string::npos ? std::string::npos : plus - start);
    if (blank(part)) fail(ErrorKind::usage, "--map: an empty column name in " + validate::quoted(spec));
    r.from.push_back(part);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return r;
}

void read_map_file(const std::string& text, ColumnMap& map) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos && line[b] != '#') {
      line = line.substr(b);
      if (line[0] == '-') map.skip.push_back(line.substr(1));
      else map.rules.push_back(parse_map_rule(line));
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
}

BatchSummary import_csv(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink, const ColumnMap& map,
                        std::vector<std::string>* mapping) {
  require_audited(desk, Action::write_subjects, "import");  // once, rather than a refusal on every row
  csv::Reader reader(in, opts.max_line, opts.delimiter);
  csv::Record h;
  if (!reader.next(h)) fail(ErrorKind::usage, "the input is empty: the first line must name the columns (email,name,...)");
  if (!h.error.empty()) fail(ErrorKind::usage, "line " + std::to_string(h.line) + " (the header): " + h.error);
  Plan plan = plan_columns(h.fields, map, mapping);
  std::vector<std::string> cols = check_header(plan.names);
  const size_t input_columns = h.fields.size();
  BatchEngine engine(desk, opts, sink);
  const AheadContext ctx = engine.registrar().ahead_context();
  // Rows are read and validated on a thread of their own, ahead of the writing.
  ReadAhead rows(kAheadBlock, kAheadBlocks, [&](ReadAhead::Sink& out) {
    csv::Record rec;
    for (;;) {
      if (reader.would_block() && !pause_for_input([&] { return reader.would_block(); }, in, out)) return;
      if (!reader.next(rec)) break;
      LineAhead a;
      a.line = rec.line;
      a.op = "register";
      a.kind = LineAhead::Kind::failed;
      if (!rec.error.empty()) {
        a.error = Error(ErrorKind::usage, rec.error);
      } else if (rec.fields.size() != input_columns) {
        a.error = Error(ErrorKind::usage, std::to_string(rec.fields.size()) + " fields, but the header names " +
                                              std::to_string(input_columns) + " columns");
      } else {
        a.kind = LineAhead::Kind::registration;
        if (!plan.identity) {  // the mapped row: joined columns with a space, blank cells left out
          std::vector<std::string> cells;
          for (const auto& from : plan.from) {
            std::string v;
            for (size_t i : from)
              if (!blank(rec.fields[i])) v += (v.empty() ? "" : " ") + rec.fields[i];
            cells.push_back(std::move(v));
          }
          rec.fields = std::move(cells);
        }
        a.registration = Ahead(row_input(cols, rec.fields), desk, ctx);
      }
      out.push(std::move(a));
    }
  });
  return engine.drain(rows, opts);
}

}  // namespace dsr
