#include "store/letter_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace dsr::store {
namespace {

TemplateRow read_template(SQLite::Statement& st) {
  TemplateRow t;
  read_columns(st, t.kind, t.format, t.body, t.set_at, t.set_by);
  return t;
}

const char* kSourceCols =
    "request_id, format, sender, external_id, business, exercise, issued_at, expires_at, received_at, signature, "
    "callbacks, api_version";

}  // namespace

std::optional<TemplateRow> letter_template(SQLite::Database& db, const std::string& kind, const std::string& format) {
  SQLite::Statement st(db, "SELECT kind, format, body, set_at, set_by FROM letter_templates WHERE kind = ? AND format = ?");
  bind_columns(st, 1, kind, format);
  if (!st.executeStep()) return std::nullopt;
  return read_template(st);
}

std::vector<TemplateRow> letter_templates(SQLite::Database& db) {
  SQLite::Statement st(db, "SELECT kind, format, body, set_at, set_by FROM letter_templates ORDER BY kind, format");
  std::vector<TemplateRow> out;
  while (st.executeStep()) out.push_back(read_template(st));
  return out;
}

void put_letter_template(SQLite::Database& db, const TemplateRow& t) {
  exec_with(db,
            "INSERT INTO letter_templates (kind, format, body, set_at, set_by) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, format) DO UPDATE SET body = excluded.body, set_at = excluded.set_at, "
            "set_by = excluded.set_by",
            t.kind, t.format, t.body, t.set_at, t.set_by);
}

bool delete_letter_template(SQLite::Database& db, const std::string& kind, const std::string& format) {
  return exec_with(db, "DELETE FROM letter_templates WHERE kind = ? AND format = ?", kind, format) > 0;
}

void insert_source(SQLite::Database& db, const SourceRow& s) {
  exec_with(db, std::string("INSERT INTO request_sources (") + kSourceCols + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            s.request_id, s.format, s.sender, or_null(s.external_id), s.business, s.exercise, s.issued_at, s.expires_at,
            s.received_at, s.signature, s.callbacks, s.api_version);
}

std::optional<SourceRow> source_of(SQLite::Database& db, int64_t request_id) {
  SQLite::Statement st(db, std::string("SELECT ") + kSourceCols + " FROM request_sources WHERE request_id = ?");
  bind_columns(st, 1, request_id);
  if (!st.executeStep()) return std::nullopt;
  SourceRow s;
  read_columns(st, s.request_id, s.format, s.sender, s.external_id, s.business, s.exercise, s.issued_at, s.expires_at,
               s.received_at, s.signature, s.callbacks, s.api_version);
  return s;
}

std::optional<int64_t> request_from_source(SQLite::Database& db, const std::string& format, const std::string& sender,
                                           const std::string& external_id) {
  SQLite::Statement st(db, "SELECT request_id FROM request_sources WHERE format = ? AND sender = ? AND external_id = ?");
  bind_columns(st, 1, format, sender, external_id);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

}  // namespace dsr::store
