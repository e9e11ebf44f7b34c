#include "store/breach_store.hpp"

#include <SQLiteCpp/Database.h>

#include "store/columns.hpp"

namespace dsr::store {
namespace {

// The columns a breach's update writes, named once: the insert adds
// opened_at and opened_by, a read adds id first and those two last.
constexpr const char* kBreachColumns =
    "detected_at, started_at, ended_at, categories, description, consequences, measures, status, "
    "authority_notified_at, authority_reference, delay_reason, subjects_notified_at, closed_at, close_reason";

// The table, its update columns held in these members, in kBreachColumns' order.
const CaseTable<BreachRow, &BreachRow::detected_at, &BreachRow::started_at, &BreachRow::ended_at,
                &BreachRow::categories, &BreachRow::description, &BreachRow::consequences, &BreachRow::measures,
                &BreachRow::status, &BreachRow::authority_notified_at, &BreachRow::authority_reference,
                &BreachRow::delay_reason, &BreachRow::subjects_notified_at, &BreachRow::closed_at,
                &BreachRow::close_reason>
    kBreaches{"breaches", kBreachColumns};

}  // namespace

int64_t insert_breach(SQLite::Database& db, const BreachRow& b) { return kBreaches.insert(db, b); }
void update_breach(SQLite::Database& db, const BreachRow& b) { kBreaches.update(db, b); }
std::optional<BreachRow> breach_by_id(SQLite::Database& db, int64_t id) { return kBreaches.by_id(db, id); }

std::vector<BreachRow> list_breaches(SQLite::Database& db) {
  SQLite::Statement st(db, kBreaches.select("ORDER BY detected_at, id"));
  return kBreaches.rows(st);
}

void add_breach_event(SQLite::Database& db, int64_t breach_id, const BreachEventRow& e) {
  exec_with(db, "INSERT INTO breach_events (breach_id, at, actor, event, detail) VALUES (?, ?, ?, ?, ?)", breach_id,
            e.at, e.actor, e.event, e.detail);
}

std::vector<BreachEventRow> breach_events(SQLite::Database& db, int64_t breach_id) {
  return query_rows<BreachEventRow>(
      db, "SELECT at, actor, event, detail FROM breach_events WHERE breach_id = ? ORDER BY id",
      [&](SQLite::Statement& st, BreachEventRow& e) { read_columns(st, e.at, e.actor, e.event, e.detail); }, breach_id);
}

void for_each_breach_subject(SQLite::Database& db, const std::vector<std::string>& columns,
                             const std::vector<std::string>& categories, int64_t until,
                             const std::function<void(const ContactRow&)>& f) {
  // Column names come from the field table (never user input); categories are bound.
  std::string placeholders;
  for (size_t i = 0; i < categories.size(); ++i) placeholders += i ? ", ?" : "?";
  std::string held;
  for (const auto& c : columns) held += "s." + c + " IS NOT NULL OR ";
  held += "EXISTS (SELECT 1 FROM attributes a WHERE a.subject_rowid = s.rowid AND a.category IN (" + placeholders + "))";
  bool preferences = false;
  for (const auto& c : categories) preferences = preferences || c == "preferences";
  if (preferences) held += " OR EXISTS (SELECT 1 FROM choices c WHERE c.subject_rowid = s.rowid)";
  SQLite::Statement st(db, "SELECT s.id, s.name, s.email, s.phone, s.contact_preference FROM subjects s "
                           "WHERE s.status != 'erased' AND s.created_at <= ? AND (" + held +
                           ") ORDER BY s.created_at, s.rowid");
  st.bind(1, until);
  int i = 2;
  for (const auto& c : categories) st.bind(i++, c);
  while (st.executeStep()) {
    ContactRow r;
    read_columns(st, r.subject_id, r.name, r.email, r.phone, r.contact_preference);
    f(r);
  }
}

}  // namespace dsr::store
