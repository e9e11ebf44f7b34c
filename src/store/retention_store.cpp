#include "store/retention_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

#include <functional>

namespace dsr::store {
namespace {

// Subjects under a legal hold, by row (holds arrive with the disclosures schema).
bool have_holds(SQLite::Database& db) { return table_exists(db, "holds"); }

int64_t count(SQLite::Database& db, const std::string& sql, const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement st(db, sql);
  bind(st);
  st.executeStep();
  return st.getColumn(0).getInt64();
}

int64_t run(SQLite::Database& db, const std::string& sql, const std::function<void(SQLite::Statement&)>& bind) {
  SQLite::Statement st(db, sql);
  bind(st);
  return st.exec();
}

// Counts what is due (kept apart by hold), then deletes the rest unless dry_run.
// `from_where` is "FROM t WHERE <due>", `not_held` an extra condition, `del` the DELETE.
PurgeCount purge(SQLite::Database& db, const std::string& from_where, const std::string& not_held,
                 const std::string& del, const std::function<void(SQLite::Statement&)>& bind, bool dry_run) {
  PurgeCount c;
  int64_t due = count(db, "SELECT count(*) " + from_where, bind);
  if (!not_held.empty() && due > 0) c.held = due - count(db, "SELECT count(*) " + from_where + " AND " + not_held, bind);
  c.removed = due - c.held;
  if (!dry_run && c.removed > 0) c.removed = run(db, del, bind);
  return c;
}

}  // namespace

std::map<std::string, RetentionRuleRow> retention_rule_rows(SQLite::Database& db) {
  std::map<std::string, RetentionRuleRow> out;
  SQLite::Statement st(db, "SELECT rule, duration, set_at, set_by FROM retention_rules");
  while (st.executeStep())
    out[st.getColumn(0).getString()] = {st.getColumn(1).getString(), st.getColumn(2).getInt64(),
                                        st.getColumn(3).getString()};
  return out;
}

void put_retention_rule(SQLite::Database& db, const std::string& rule, const RetentionRuleRow& row) {
  exec_with(db,
            "INSERT INTO retention_rules (rule, duration, set_at, set_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (rule) DO UPDATE SET duration = excluded.duration, set_at = excluded.set_at, "
            "set_by = excluded.set_by",
            rule, row.duration, row.set_at, row.set_by);
}

void delete_retention_rule(SQLite::Database& db, const std::string& rule) {
  exec_with(db, "DELETE FROM retention_rules WHERE rule = ?", rule);
}

void insert_retention_run(SQLite::Database& db, const RetentionRunRow& row) {
  SQLite::Statement st(db, "INSERT INTO retention_runs (ran_at, ran_by, summary) VALUES (?, ?, ?)");
  st.bind(1, row.ran_at);
  st.bind(2, row.ran_by);
  st.bind(3, row.summary);
  st.exec();
  // Only the latest few runs are of interest; the log must not grow without end.
  db.exec("DELETE FROM retention_runs WHERE id <= (SELECT max(id) - 100 FROM retention_runs)");
}

std::optional<RetentionRunRow> last_retention_run(SQLite::Database& db) {
  SQLite::Statement st(db, "SELECT ran_at, ran_by, summary FROM retention_runs ORDER BY id DESC LIMIT 1");
  if (!st.executeStep()) return std::nullopt;
  return RetentionRunRow{st.getColumn(0).getInt64(), st.getColumn(1).getString(), st.getColumn(2).getString()};
}

bool table_exists(SQLite::Database& db, const std::string& name) {
  SQLite::Statement st(db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?");
  st.bind(1, name);
  return st.executeStep();
}

std::vector<DueSubject> deactivated_before(SQLite::Database& db, int64_t before, DuePosition after, int limit) {
  std::string held = have_holds(db) ? "EXISTS (SELECT 1 FROM holds h WHERE h.subject_rowid = s.rowid)" : "0";
  SQLite::Statement st(db, "SELECT s.rowid, s.created_at, s.id, " + held +
                               " FROM subjects s INDEXED BY subjects_status WHERE s.status = 'deactivated' "
                               "AND (s.created_at, s.rowid) > (?, ?) AND s.status_changed_at < ? "
                               "ORDER BY s.created_at, s.rowid LIMIT ?");
  st.bind(1, after.created_at);
  st.bind(2, after.rowid);
  st.bind(3, before);
  st.bind(4, limit);
  std::vector<DueSubject> out;
  while (st.executeStep())
    out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getString(),
                   st.getColumn(3).getInt() != 0});
  return out;
}

PurgeCount purge_disclosures(SQLite::Database& db, const std::string& last_date, bool dry_run) {
  std::string not_held = have_holds(db) ? "subject_rowid NOT IN (SELECT subject_rowid FROM holds)" : "";
  std::string where = "FROM disclosures WHERE disclosed_on <= ?";
  auto bind = [&](SQLite::Statement& st) { st.bind(1, last_date); };
  PurgeCount c = purge(db, where, not_held, "DELETE " + where + (not_held.empty() ? "" : " AND " + not_held), bind,
                       dry_run);
  if (!dry_run && c.removed > 0)
    db.exec("DELETE FROM recipients WHERE id NOT IN (SELECT recipient_id FROM disclosures)");
  return c;
}

PurgeCount purge_closed_requests(SQLite::Database& db, const std::string& last_date, bool dry_run) {
  std::string not_held = have_holds(db) ? "subject_id NOT IN (SELECT s.id FROM holds h JOIN subjects s ON s.rowid = h.subject_rowid)" : "";
  std::string where = "FROM requests WHERE closed_on IS NOT NULL AND closed_on <= ?";
  auto bind = [&](SQLite::Statement& st) { st.bind(1, last_date); };
  return purge(db, where, not_held, "DELETE " + where + (not_held.empty() ? "" : " AND " + not_held), bind, dry_run);
}

PurgeCount purge_suppressions(SQLite::Database& db, int64_t before, bool dry_run) {
  std::string not_held = have_holds(db) ? "subject_id NOT IN (SELECT s.id FROM holds h JOIN subjects s ON s.rowid = h.subject_rowid)" : "";
  std::string where = "FROM suppressions WHERE erased_at < ?";
  auto bind = [&](SQLite::Statement& st) { st.bind(1, before); };
  return purge(db, where, not_held, "DELETE " + where + (not_held.empty() ? "" : " AND " + not_held), bind, dry_run);
}

PurgeCount purge_tombstones(SQLite::Database& db, int64_t before, bool dry_run) {
  std::string where = "FROM subjects WHERE status = 'erased' AND status_changed_at < ?";
  // A disclosure record still in its accounting window keeps the tombstone it points at.
  if (table_exists(db, "disclosures"))
    where += " AND NOT EXISTS (SELECT 1 FROM disclosures d WHERE d.subject_rowid = subjects.rowid)";
  std::string not_held = have_holds(db) ? "NOT EXISTS (SELECT 1 FROM holds h WHERE h.subject_rowid = subjects.rowid)" : "";
  auto bind = [&](SQLite::Statement& st) { st.bind(1, before); };
  return purge(db, where, not_held, "DELETE " + where + (not_held.empty() ? "" : " AND " + not_held), bind, dry_run);
}

int64_t count_audit_before(SQLite::Database& db, int64_t before) {
  return count(db, "SELECT count(*) FROM audit WHERE at < ? AND head = 0", [&](SQLite::Statement& st) { st.bind(1, before); });
}

}  // namespace dsr::store
