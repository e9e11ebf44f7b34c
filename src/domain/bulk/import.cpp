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

// The header, checked: one entry per column, the field name each cell sets.
std::vector<std::string> read_header(csv::Reader& reader) {
  csv::Record h;
  if (!reader.next(h)) fail(ErrorKind::usage, "the input is empty: the first line must name the columns (email,name,...)");
  if (!h.error.empty()) fail(ErrorKind::usage, "line " + std::to_string(h.line) + " (the header): " + h.error);
  const auto& known = import_columns();
  std::vector<std::string> cols;
  std::string unknown;
  int unknown_count = 0;
  std::set<std::string> seen;
  for (const auto& raw : h.fields) {
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
                               ", or CATEGORY.KEY for an attribute (e.g. survey.age_band); nothing was imported");
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

BatchSummary import_csv(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink) {
  require_audited(desk, Action::write_subjects, "import");  // once, rather than a refusal on every row
  csv::Reader reader(in, opts.max_line);
  std::vector<std::string> cols = read_header(reader);
  BatchEngine engine(desk, opts, sink);
  const std::string policy = engine.registrar().policy();
  const cal::Date day = engine.registrar().policy_day();
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
      } else if (rec.fields.size() != cols.size()) {
        a.error = Error(ErrorKind::usage, std::to_string(rec.fields.size()) + " fields, but the header names " +
                                              std::to_string(cols.size()) + " columns");
      } else {
        a.kind = LineAhead::Kind::registration;
        a.registration = Ahead(row_input(cols, rec.fields), desk, policy, day);
      }
      out.push(std::move(a));
    }
  });
  return engine.drain(rows, opts);
}

}  // namespace dsr
