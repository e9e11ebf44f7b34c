#include "store/choice_store.hpp"

#include <SQLiteCpp/Database.h>

#include "store/cached.hpp"
#include "store/columns.hpp"

namespace dsr::store {

bool insert_opt_out(SQLite::Database& db, const OptOutRow& r) {
  return exec_with(db,
                   "INSERT INTO opt_outs (subject_rowid, kind, source, origin, received, comply_by, signal_at, "
                   "recorded_at, recorded_by, complied_on, complied_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT (subject_rowid, kind) DO NOTHING",
                   r.subject_rowid, r.kind, r.source, or_null(r.origin), r.received, r.comply_by, r.signal_at,
                   r.recorded_at, r.recorded_by, r.complied_on, or_null(r.complied_by)) == 1;
}

bool delete_opt_out(SQLite::Database& db, int64_t subject_rowid, const std::string& kind) {
  return exec_with(db, "DELETE FROM opt_outs WHERE subject_rowid = ? AND kind = ?", subject_rowid, kind) == 1;
}

namespace {
constexpr const char* kOptOutColumns =
    "o.kind, o.source, o.origin, o.received, o.comply_by, o.signal_at, o.recorded_at, o.recorded_by, o.complied_on, "
    "o.complied_by";
OptOutRow read_opt_out(SQLite::Statement& st, int64_t subject_rowid) {
  OptOutRow r;
  r.subject_rowid = subject_rowid;
  read_columns(st, r.kind, r.source, r.origin, r.received, r.comply_by, r.signal_at, r.recorded_at, r.recorded_by,
               r.complied_on, r.complied_by);
  return r;
}
}  // namespace

std::vector<OptOutRow> opt_outs_for(SQLite::Database& db, int64_t subject_rowid) {
  Cached cached(db, std::string("SELECT ") + kOptOutColumns + " FROM opt_outs o WHERE o.subject_rowid = ? ORDER BY o.kind");
  SQLite::Statement& st = *cached;
  st.bind(1, subject_rowid);
  std::vector<OptOutRow> out;
  while (st.executeStep()) out.push_back(read_opt_out(st, subject_rowid));
  return out;
}

bool mark_opt_out_complied(SQLite::Database& db, int64_t subject_rowid, const std::string& kind,
                           const std::string& on, const std::string& by) {
  return exec_with(db, "UPDATE opt_outs SET complied_on = ?, complied_by = ? WHERE subject_rowid = ? AND kind = ?", on,
                   by, subject_rowid, kind) == 1;
}

std::vector<std::pair<std::string, OptOutRow>> all_opt_outs(SQLite::Database& db, bool open_only) {
  SQLite::Statement st(db, std::string("SELECT ") + kOptOutColumns +
                               ", s.id, s.rowid FROM opt_outs o JOIN subjects s ON s.rowid = o.subject_rowid "
                               "WHERE s.status != 'erased'" + (open_only ? " AND o.complied_on IS NULL" : "") +
                               " ORDER BY o.comply_by, s.id, o.kind");
  std::vector<std::pair<std::string, OptOutRow>> out;
  while (st.executeStep())
    out.emplace_back(st.getColumn(10).getString(), read_opt_out(st, st.getColumn(11).getInt64()));
  return out;
}

std::map<std::string, int64_t> opt_out_counts(SQLite::Database& db) {
  SQLite::Statement st(db,
                       "SELECT o.kind, count(*) FROM opt_outs o JOIN subjects s ON s.rowid = o.subject_rowid "
                       "WHERE s.status != 'erased' GROUP BY o.kind");
  std::map<std::string, int64_t> out{{"sale-sharing", 0}, {"limit-sensitive", 0}};
  while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getInt64();
  return out;
}

int64_t insert_consent(SQLite::Database& db, const ConsentRow& r) {
  SQLite::Statement st(db,
                       "INSERT INTO consents (subject_rowid, purpose, purpose_key, notice, method, evidence, "
                       "evidence_name, given_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  bind_columns(st, 1, r.subject_rowid, r.purpose, r.purpose_key, r.notice, r.method);
  if (r.evidence_name.empty()) st.bind(6);
  else bind_columns(st, 6, Blob{r.evidence});
  bind_columns(st, 7, or_null(r.evidence_name), r.given_at, r.recorded_by);
  st.exec();
  return db.getLastInsertRowid();
}

int withdraw_consents(SQLite::Database& db, int64_t subject_rowid, const std::string& purpose_key, int64_t at,
                      const std::string& by) {
  return exec_with(db,
                   "UPDATE consents SET withdrawn_at = ?, withdrawn_by = ? "
                   "WHERE subject_rowid = ? AND purpose_key = ? AND withdrawn_at IS NULL",
                   at, by, subject_rowid, purpose_key);
}

std::vector<ConsentRow> consents_for(SQLite::Database& db, int64_t subject_rowid) {
  return query_rows<ConsentRow>(
      db,
      "SELECT id, purpose, purpose_key, notice, method, evidence_name, given_at, recorded_by, "
      "withdrawn_at, withdrawn_by FROM consents WHERE subject_rowid = ? ORDER BY given_at, id",
      [&](SQLite::Statement& st, ConsentRow& r) {
        r.subject_rowid = subject_rowid;
        read_columns(st, r.id, r.purpose, r.purpose_key, r.notice, r.method, r.evidence_name, r.given_at,
                     r.recorded_by);
        if (!st.getColumn(8).isNull()) r.withdrawn_at = st.getColumn(8).getInt64();
        r.withdrawn_by = st.getColumn(9).isNull() ? "" : st.getColumn(9).getString();
      },
      subject_rowid);
}

bool has_current_consent(SQLite::Database& db, int64_t subject_rowid, const std::string& purpose_key) {
  Cached cached(db,
                "SELECT 1 FROM consents WHERE subject_rowid = ? AND purpose_key = ? AND withdrawn_at IS NULL LIMIT 1");
  SQLite::Statement& st = *cached;
  bind_columns(st, 1, subject_rowid, purpose_key);
  return st.executeStep();
}

std::map<std::string, int64_t> consent_counts(SQLite::Database& db) {
  SQLite::Statement st(db,
                       "SELECT c.withdrawn_at IS NULL, count(*) FROM consents c JOIN subjects s "
                       "ON s.rowid = c.subject_rowid WHERE s.status != 'erased' GROUP BY 1");
  std::map<std::string, int64_t> out{{"current", 0}, {"withdrawn", 0}};
  while (st.executeStep()) out[st.getColumn(0).getInt() ? "current" : "withdrawn"] = st.getColumn(1).getInt64();
  return out;
}

std::optional<std::string> statement(SQLite::Database& db, const std::string& name) {
  SQLite::Statement st(db, "SELECT text FROM statements WHERE name = ?");
  st.bind(1, name);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getString();
}

void put_statement(SQLite::Database& db, const std::string& name, const std::string& text, int64_t at,
                   const std::string& by) {
  exec_with(db,
            "INSERT INTO statements (name, text, set_at, set_by) VALUES (?, ?, ?, ?) ON CONFLICT (name) "
            "DO UPDATE SET text = excluded.text, set_at = excluded.set_at, set_by = excluded.set_by",
            name, text, at, by);
}

void delete_statement(SQLite::Database& db, const std::string& name) {
  exec_with(db, "DELETE FROM statements WHERE name = ?", name);
}

}  // namespace dsr::store
