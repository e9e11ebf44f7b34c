#include "store/breach_store.hpp"

#include <SQLiteCpp/Database.h>

#include "store/columns.hpp"

namespace dsr::store {
namespace {

void put_opt(SQLite::Statement& st, int i, const std::optional<int64_t>& v) {
  if (v) st.bind(i, *v);
  else st.bind(i);
}
std::optional<int64_t> get_opt(SQLite::Statement& st, int i) {
  if (st.getColumn(i).isNull()) return std::nullopt;
  return st.getColumn(i).getInt64();
}

constexpr const char* kColumns =
    "id, detected_at, started_at, ended_at, categories, description, consequences, measures, status, "
    "authority_notified_at, authority_reference, delay_reason, subjects_notified_at, closed_at, close_reason, opened_at, opened_by";

BreachRow read_breach(SQLite::Statement& st) {
  BreachRow b;
  b.id = st.getColumn(0).getInt64();
  b.detected_at = st.getColumn(1).getInt64();
  b.started_at = get_opt(st, 2);
  b.ended_at = get_opt(st, 3);
  b.categories = st.getColumn(4).getString();
  b.description = st.getColumn(5).getString();
  detail::get(st.getColumn(6), b.consequences);
  detail::get(st.getColumn(7), b.measures);
  b.status = st.getColumn(8).getString();
  b.authority_notified_at = get_opt(st, 9);
  detail::get(st.getColumn(10), b.authority_reference);
  detail::get(st.getColumn(11), b.delay_reason);
  b.subjects_notified_at = get_opt(st, 12);
  b.closed_at = get_opt(st, 13);
  detail::get(st.getColumn(14), b.close_reason);
  b.opened_at = st.getColumn(15).getInt64();
  b.opened_by = st.getColumn(16).getString();
  return b;
}

// Binds every column but id, opened_at and opened_by from `first` on; returns the next index.
int bind_breach(SQLite::Statement& st, int first, const BreachRow& b) {
  int i = first;
  st.bind(i++, b.detected_at);
  put_opt(st, i++, b.started_at);
  put_opt(st, i++, b.ended_at);
  i = bind_columns(st, i, b.categories, b.description, b.consequences, b.measures, b.status);
  put_opt(st, i++, b.authority_notified_at);
  i = bind_columns(st, i, b.authority_reference, b.delay_reason);
  put_opt(st, i++, b.subjects_notified_at);
  put_opt(st, i++, b.closed_at);
  i = bind_columns(st, i, b.close_reason);
  return i;
}

}  // namespace

int64_t insert_breach(SQLite::Database& db, const BreachRow& b) {
  SQLite::Statement st(db,
                       "INSERT INTO breaches (detected_at, started_at, ended_at, categories, description, "
                       "consequences, measures, status, authority_notified_at, authority_reference, delay_reason, "
                       "subjects_notified_at, closed_at, close_reason, opened_at, opened_by) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  int i = bind_breach(st, 1, b);
  bind_columns(st, i, b.opened_at, b.opened_by);
  st.exec();
  return db.getLastInsertRowid();
}

void update_breach(SQLite::Database& db, const BreachRow& b) {
  SQLite::Statement st(db,
                       "UPDATE breaches SET detected_at = ?, started_at = ?, ended_at = ?, categories = ?, "
                       "description = ?, consequences = ?, measures = ?, status = ?, authority_notified_at = ?, "
                       "authority_reference = ?, delay_reason = ?, subjects_notified_at = ?, closed_at = ?, close_reason = ? "
                       "WHERE id = ?");
  int i = bind_breach(st, 1, b);
  st.bind(i, b.id);
  st.exec();
}

std::optional<BreachRow> breach_by_id(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db, std::string("SELECT ") + kColumns + " FROM breaches WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return read_breach(st);
}

std::vector<BreachRow> list_breaches(SQLite::Database& db) {
  SQLite::Statement st(db, std::string("SELECT ") + kColumns + " FROM breaches ORDER BY detected_at, id");
  std::vector<BreachRow> out;
  while (st.executeStep()) out.push_back(read_breach(st));
  return out;
}

void add_breach_event(SQLite::Database& db, int64_t breach_id, const BreachEventRow& e) {
  SQLite::Statement st(db, "INSERT INTO breach_events (breach_id, at, actor, event, detail) VALUES (?, ?, ?, ?, ?)");
  bind_columns(st, 1, breach_id, e.at, e.actor, e.event, e.detail);
  st.exec();
}

std::vector<BreachEventRow> breach_events(SQLite::Database& db, int64_t breach_id) {
  SQLite::Statement st(db, "SELECT at, actor, event, detail FROM breach_events WHERE breach_id = ? ORDER BY id");
  st.bind(1, breach_id);
  std::vector<BreachEventRow> out;
  while (st.executeStep()) {
    BreachEventRow e;
    read_columns(st, e.at, e.actor, e.event, e.detail);
    out.push_back(std::move(e));
  }
  return out;
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
