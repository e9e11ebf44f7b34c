#include "store/policy_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <set>

#include "store/cached.hpp"
#include "store/columns.hpp"

namespace dsr::store {
namespace {

std::optional<std::string> opt(SQLite::Statement& st, int i) {
  auto c = st.getColumn(i);
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

std::string text(SQLite::Statement& st, int i) { return opt(st, i).value_or(""); }

void bind_opt(SQLite::Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.bind(i, *v);
  else st.bind(i);
}

const char* kPolicyCols = "version, effective, material, summary, purposes, added_at, added_by";

PolicyRow read_policy(SQLite::Statement& st) {
  PolicyRow p;
  read_columns(st, p.version, p.effective, p.material, p.summary, p.purposes, p.added_at, p.added_by);
  return p;
}

std::optional<PolicyRow> one_policy(SQLite::Database& db, const char* where, const std::string& arg) {
  SQLite::Statement st(db, std::string("SELECT ") + kPolicyCols + " FROM policies WHERE " + where);
  st.bind(1, arg);
  if (!st.executeStep()) return std::nullopt;
  return read_policy(st);
}

// Splits a text SQLite built with a separator that cannot occur in the values.
// "" is one empty value (a value stored before any policy version was recorded).
std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

}  // namespace

void insert_policy(SQLite::Database& db, const PolicyRow& p) {
  SQLite::Statement st(db, "INSERT INTO policies (version, effective, material, summary, purposes, added_at, added_by) "
                           "VALUES (?,?,?,?,?,?,?)");
  st.bind(1, p.version);
  st.bind(2, p.effective);
  st.bind(3, p.material ? 1 : 0);
  bind_opt(st, 4, p.summary);
  bind_opt(st, 5, p.purposes);
  st.bind(6, p.added_at);
  st.bind(7, p.added_by);
  st.exec();
}

std::vector<PolicyRow> list_policies(SQLite::Database& db) {
  SQLite::Statement st(db, std::string("SELECT ") + kPolicyCols + " FROM policies ORDER BY effective");
  std::vector<PolicyRow> out;
  while (st.executeStep()) out.push_back(read_policy(st));
  return out;
}

std::optional<PolicyRow> policy_by_version(SQLite::Database& db, const std::string& version) {
  return one_policy(db, "version = ?", version);
}

std::optional<PolicyRow> policy_effective_on(SQLite::Database& db, const std::string& effective) {
  return one_policy(db, "effective = ?", effective);
}

std::optional<std::string> policy_in_force(SQLite::Database& db, const std::string& date) {
  Cached cached(db, "SELECT version FROM policies WHERE effective <= ? ORDER BY effective DESC LIMIT 1");
  SQLite::Statement& st = *cached;
  st.bind(1, date);
  std::optional<std::string> out;
  if (st.executeStep()) out = st.getColumn(0).getString();
  return out;
}

void put_choice(SQLite::Database& db, int64_t subject_rowid, const ChoiceRow& c) {
  exec_with(db,
            "INSERT INTO choices (subject_rowid, new_uses, decided_at, recorded_by, policy_version) "
            "VALUES (?,?,?,?,?) ON CONFLICT (subject_rowid) DO UPDATE SET new_uses = excluded.new_uses, "
            "decided_at = excluded.decided_at, recorded_by = excluded.recorded_by, "
            "policy_version = excluded.policy_version",
            subject_rowid, c.new_uses, c.decided_at, c.recorded_by, c.policy_version);
}

bool any_new_uses_declined(SQLite::Database& db) {
  SQLite::Statement st(db, "SELECT 1 FROM choices WHERE new_uses = 'decline' LIMIT 1");
  return st.executeStep();
}

std::optional<ChoiceRow> choice_for(SQLite::Database& db, int64_t subject_rowid) {
  SQLite::Statement st(db, "SELECT new_uses, decided_at, recorded_by, policy_version FROM choices WHERE subject_rowid = ?");
  st.bind(1, subject_rowid);
  if (!st.executeStep()) return std::nullopt;
  return ChoiceRow{st.getColumn(0).getString(), st.getColumn(1).getInt64(), st.getColumn(2).getString(), opt(st, 3)};
}

void for_each_active_contact(SQLite::Database& db, bool with_versions, const std::function<void(const ContactRow&)>& f) {
  // The versions of a subject's values: the "policy" key of each field's
  // provenance, and the attributes' policy_version; NULL (none recorded) as ''.
  // char(31) separates them: a version name cannot contain it.
  const std::string versions =
      with_versions
          ? "(SELECT group_concat(v, char(31)) FROM (SELECT DISTINCT coalesce(v, '') AS v FROM ("
            "SELECT json_extract(p.value, '$.policy') AS v FROM json_each(s.provenance) p "
            "UNION ALL SELECT a.policy_version FROM attributes a WHERE a.subject_rowid = s.rowid)))"
          : "NULL";
  SQLite::Statement st(db, "SELECT s.id, s.name, s.email, s.phone, s.contact_preference, c.new_uses, " + versions +
                               ", (SELECT group_concat(o.kind) FROM opt_outs o WHERE o.subject_rowid = s.rowid)"
                               " FROM subjects s LEFT JOIN choices c ON c.subject_rowid = s.rowid "
                               "WHERE s.status = 'active' ORDER BY s.created_at, s.rowid");
  while (st.executeStep()) {
    ContactRow r;
    std::optional<std::string> versions_text, opt_outs;
    read_columns(st, r.subject_id, r.name, r.email, r.phone, r.contact_preference, r.new_uses, versions_text, opt_outs);
    if (versions_text) r.policy_versions = split(*versions_text, '\x1f');
    if (opt_outs) r.opt_outs = split(*opt_outs, ',');
    f(r);
  }
}

std::map<std::string, CategoryCount> category_counts(
    SQLite::Database& db, const std::vector<std::pair<std::string, std::string>>& column_categories) {
  // One pass over the live subjects per column, one over attributes and choices.
  std::string sql;
  for (const auto& [column, category] : column_categories) {
    sql += "SELECT rowid AS rid, '" + category + "' AS category FROM subjects WHERE status != 'erased' AND " + column +
           " IS NOT NULL UNION ALL ";
  }
  sql += "SELECT a.subject_rowid, a.category FROM attributes a JOIN subjects s ON s.rowid = a.subject_rowid "
         "WHERE s.status != 'erased' UNION ALL "
         "SELECT c.subject_rowid, 'preferences' FROM choices c JOIN subjects s ON s.rowid = c.subject_rowid "
         "WHERE s.status != 'erased'";
  SQLite::Statement st(db, "SELECT category, count(DISTINCT rid), count(*) FROM (" + sql + ") GROUP BY category");
  std::map<std::string, CategoryCount> out;
  while (st.executeStep())
    out[st.getColumn(0).getString()] = CategoryCount{st.getColumn(1).getInt64(), st.getColumn(2).getInt64()};
  return out;
}

std::vector<RecipientRow> recipients_in_log(SQLite::Database& db) {
  std::vector<RecipientRow> out;
  std::map<int64_t, size_t> index;
  SQLite::Statement totals(db,
                           "SELECT r.id, r.name, r.type, r.address, count(*), count(DISTINCT d.subject_rowid), "
                           "min(d.disclosed_on), max(d.disclosed_on) FROM disclosures d JOIN recipients r ON "
                           "r.id = d.recipient_id GROUP BY r.id ORDER BY r.name, r.type");
  while (totals.executeStep()) {
    RecipientRow r;
    r.name = totals.getColumn(1).getString();
    r.type = totals.getColumn(2).getString();
    r.address = text(totals, 3);
    r.disclosures = totals.getColumn(4).getInt64();
    r.subjects = totals.getColumn(5).getInt64();
    r.first_date = totals.getColumn(6).getString();
    r.last_date = totals.getColumn(7).getString();
    index[totals.getColumn(0).getInt64()] = out.size();
    out.push_back(std::move(r));
  }
  SQLite::Statement kinds(db, "SELECT DISTINCT recipient_id, categories, purpose, basis FROM disclosures");
  std::map<size_t, std::set<std::string>> cats, purposes, bases;
  while (kinds.executeStep()) {
    auto it = index.find(kinds.getColumn(0).getInt64());
    if (it == index.end()) continue;
    for (const auto& c : split(kinds.getColumn(1).getString(), ','))
      if (!c.empty()) cats[it->second].insert(c);
    purposes[it->second].insert(kinds.getColumn(2).getString());
    bases[it->second].insert(kinds.getColumn(3).getString());
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].categories.assign(cats[i].begin(), cats[i].end());
    out[i].purposes.assign(purposes[i].begin(), purposes[i].end());
    out[i].bases.assign(bases[i].begin(), bases[i].end());
  }
  return out;
}

std::string pragma_value(SQLite::Database& db, const std::string& name) {
  return db.execAndGet("PRAGMA " + name).getString();
}

}  // namespace dsr::store
