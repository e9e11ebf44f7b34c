#include "store/request_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace dsr::store {
namespace {

const char* kCols =
    "id, subject_id, type, law, channel, received, status, due, ack_due, acknowledged_on, verified_on, "
    "extended_due, extended_on, extension_reason, closed_on, outcome, close_reason, opened_at, opened_by";

void bind_opt(SQLite::Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.bind(i, *v);
  else st.bind(i);
}

std::optional<std::string> opt(SQLite::Statement& st, int i) {
  auto c = st.getColumn(i);
  if (c.isNull()) return std::nullopt;
  return c.getString();
}

RequestRow read_row(SQLite::Statement& st) {
  RequestRow r;
  r.id = st.getColumn(0).getInt64();
  r.subject_id = st.getColumn(1).getString();
  r.type = st.getColumn(2).getString();
  r.law = st.getColumn(3).getString();
  r.channel = opt(st, 4);
  r.received = st.getColumn(5).getString();
  r.status = st.getColumn(6).getString();
  r.due = st.getColumn(7).getString();
  r.ack_due = opt(st, 8);
  r.acknowledged_on = opt(st, 9);
  r.verified_on = opt(st, 10);
  r.extended_due = opt(st, 11);
  r.extended_on = opt(st, 12);
  r.extension_reason = opt(st, 13);
  r.closed_on = opt(st, 14);
  r.outcome = opt(st, 15);
  r.close_reason = opt(st, 16);
  r.opened_at = st.getColumn(17).getInt64();
  r.opened_by = st.getColumn(18).getString();
  return r;
}

// Binds the mutable columns (subject_id .. close_reason) from index `i`; returns the next index.
int bind_mutable(SQLite::Statement& st, int i, const RequestRow& r) {
  st.bind(i++, r.subject_id);
  st.bind(i++, r.type);
  st.bind(i++, r.law);
  bind_opt(st, i++, r.channel);
  st.bind(i++, r.received);
  st.bind(i++, r.status);
  st.bind(i++, r.due);
  bind_opt(st, i++, r.ack_due);
  bind_opt(st, i++, r.acknowledged_on);
  bind_opt(st, i++, r.verified_on);
  bind_opt(st, i++, r.extended_due);
  bind_opt(st, i++, r.extended_on);
  bind_opt(st, i++, r.extension_reason);
  bind_opt(st, i++, r.closed_on);
  bind_opt(st, i++, r.outcome);
  bind_opt(st, i++, r.close_reason);
  return i;
}

}  // namespace

int64_t insert_request(SQLite::Database& db, const RequestRow& r) {
  SQLite::Statement st(db,
                       "INSERT INTO requests (subject_id, type, law, channel, received, status, due, ack_due, "
                       "acknowledged_on, verified_on, extended_due, extended_on, extension_reason, closed_on, outcome, "
                       "close_reason, opened_at, opened_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  int i = bind_mutable(st, 1, r);
  st.bind(i++, r.opened_at);
  st.bind(i, r.opened_by);
  st.exec();
  return db.getLastInsertRowid();
}

void update_request(SQLite::Database& db, const RequestRow& r) {
  SQLite::Statement st(db,
                       "UPDATE requests SET subject_id = ?, type = ?, law = ?, channel = ?, received = ?, status = ?, "
                       "due = ?, ack_due = ?, acknowledged_on = ?, verified_on = ?, extended_due = ?, extended_on = ?, "
                       "extension_reason = ?, closed_on = ?, outcome = ?, close_reason = ? WHERE id = ?");
  int i = bind_mutable(st, 1, r);
  st.bind(i, r.id);
  st.exec();
}

std::optional<RequestRow> request_by_id(SQLite::Database& db, int64_t id) {
  SQLite::Statement st(db, std::string("SELECT ") + kCols + " FROM requests WHERE id = ?");
  st.bind(1, id);
  if (!st.executeStep()) return std::nullopt;
  return read_row(st);
}

std::vector<RequestRow> list_requests(SQLite::Database& db, const RequestFilter& f) {
  std::string where;
  auto and_ = [&](const std::string& cond) { where += (where.empty() ? " WHERE " : " AND ") + cond; };
  if (!f.statuses.empty()) {
    std::string in;
    for (size_t k = 0; k < f.statuses.size(); ++k) in += k ? ",?" : "?";
    and_("status IN (" + in + ")");
  }
  if (!f.subject_id.empty()) and_("subject_id = ?");
  if (!f.received_from.empty()) and_("received >= ?");
  if (!f.received_to.empty()) and_("received <= ?");
  SQLite::Statement st(db, std::string("SELECT ") + kCols + " FROM requests" + where +
                               " ORDER BY coalesce(extended_due, due), id");
  int i = 1;
  for (const auto& s : f.statuses) st.bind(i++, s);
  if (!f.subject_id.empty()) st.bind(i++, f.subject_id);
  if (!f.received_from.empty()) st.bind(i++, f.received_from);
  if (!f.received_to.empty()) st.bind(i++, f.received_to);
  std::vector<RequestRow> out;
  while (st.executeStep()) out.push_back(read_row(st));
  return out;
}

int64_t insert_request_event(SQLite::Database& db, const RequestEventRow& e) {
  SQLite::Statement st(db, "INSERT INTO request_events (request_id, at, actor, event, detail) VALUES (?,?,?,?,?)");
  st.bind(1, e.request_id);
  st.bind(2, e.at);
  st.bind(3, e.actor);
  st.bind(4, e.event);
  st.bind(5, e.detail);
  st.exec();
  return db.getLastInsertRowid();
}

std::vector<RequestEventRow> request_events(SQLite::Database& db, int64_t request_id) {
  SQLite::Statement st(db,
                       "SELECT id, request_id, at, actor, event, detail FROM request_events WHERE request_id = ? "
                       "ORDER BY id");
  st.bind(1, request_id);
  std::vector<RequestEventRow> out;
  while (st.executeStep()) {
    RequestEventRow e;
    e.id = st.getColumn(0).getInt64();
    e.request_id = st.getColumn(1).getInt64();
    e.at = st.getColumn(2).getInt64();
    e.actor = st.getColumn(3).getString();
    e.event = st.getColumn(4).getString();
    e.detail = st.getColumn(5).getString();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace dsr::store
