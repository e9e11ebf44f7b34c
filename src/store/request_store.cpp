#include "store/request_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

namespace dsr::store {
namespace {

// The columns an update writes, named once: the insert adds opened_at and
// opened_by, a read adds id first and those two last.
const std::string kRequestColumns =
    "subject_id, type, law, channel, received, status, due, ack_due, acknowledged_on, verified_on, extended_due, "
    "extended_on, extension_reason, closed_on, outcome, close_reason, jurisdiction, clock_start, paused_on, "
    "paused_days, weekends_only, denial_code, duplicate_of, appeal_received, appeal_due, appeal_extendable_to, "
    "appeal_decided_on, appeal_outcome, appeal_reason, representative, agent_name, agent_confirmed_on, "
    "appeal_extended_on, appeal_extension_reason";

// The table, its update columns held in these members, in kRequestColumns' order.
const CaseTable<RequestRow, &RequestRow::subject_id, &RequestRow::type, &RequestRow::law, &RequestRow::channel,
                &RequestRow::received, &RequestRow::status, &RequestRow::due, &RequestRow::ack_due,
                &RequestRow::acknowledged_on, &RequestRow::verified_on, &RequestRow::extended_due,
                &RequestRow::extended_on, &RequestRow::extension_reason, &RequestRow::closed_on, &RequestRow::outcome,
                &RequestRow::close_reason, &RequestRow::jurisdiction, &RequestRow::clock_start, &RequestRow::paused_on,
                &RequestRow::paused_days, &RequestRow::weekends_only, &RequestRow::denial_code,
                &RequestRow::duplicate_of, &RequestRow::appeal_received, &RequestRow::appeal_due,
                &RequestRow::appeal_extendable_to, &RequestRow::appeal_decided_on, &RequestRow::appeal_outcome,
                &RequestRow::appeal_reason, &RequestRow::representative, &RequestRow::agent_name,
                &RequestRow::agent_confirmed_on, &RequestRow::appeal_extended_on, &RequestRow::appeal_extension_reason>
    kRequests{"requests", kRequestColumns};

}  // namespace

int64_t insert_request(SQLite::Database& db, const RequestRow& r) { return kRequests.insert(db, r); }
void update_request(SQLite::Database& db, const RequestRow& r) { kRequests.update(db, r); }
std::optional<RequestRow> request_by_id(SQLite::Database& db, int64_t id) { return kRequests.by_id(db, id); }

std::vector<RequestRow> list_requests(SQLite::Database& db, const RequestFilter& f) {
  std::string where;
  auto and_ = [&](const std::string& cond) { where += (where.empty() ? " WHERE " : " AND ") + cond; };
  if (!f.statuses.empty()) {
    std::string in;
    for (size_t k = 0; k < f.statuses.size(); ++k) in += k ? ",?" : "?";
    and_("status IN (" + in + ")");
  }
  if (!f.subject_id.empty()) and_("subject_id = ?");
  if (!f.law.empty()) and_("law = ?");
  if (!f.jurisdiction.empty()) and_("jurisdiction = ?");
  if (f.type) and_("type = ?");
  if (!f.received_from.empty()) and_("received >= ?");
  if (!f.received_to.empty()) and_("received <= ?");
  SQLite::Statement st(db, kRequests.select(where + " ORDER BY coalesce(extended_due, due), id"));
  int i = 1;
  for (RequestStatus s : f.statuses) st.bind(i++, to_string(s));
  if (!f.subject_id.empty()) st.bind(i++, f.subject_id);
  if (!f.law.empty()) st.bind(i++, f.law);
  if (!f.jurisdiction.empty()) st.bind(i++, f.jurisdiction);
  if (f.type) st.bind(i++, to_string(*f.type));
  if (!f.received_from.empty()) st.bind(i++, f.received_from);
  if (!f.received_to.empty()) st.bind(i++, f.received_to);
  return kRequests.rows(st);
}

void insert_claim(SQLite::Database& db, int64_t request_id, const ClaimRow& c) {
  exec_with(db, "INSERT OR IGNORE INTO request_claims (request_id, kind, key, value) VALUES (?,?,?,?)", request_id,
            c.kind, c.key, c.value);
}

std::vector<ClaimRow> claims_of(SQLite::Database& db, int64_t request_id) {
  return query_rows<ClaimRow>(
      db, "SELECT kind, key, value FROM request_claims WHERE request_id = ? ORDER BY kind, key",
      [&](SQLite::Statement& st, ClaimRow& c) { read_columns(st, c.kind, c.key, c.value); }, request_id);
}

void delete_claims(SQLite::Database& db, int64_t request_id) {
  exec_with(db, "DELETE FROM request_claims WHERE request_id = ?", request_id);
}

std::vector<int64_t> unlinked_requests_claiming(SQLite::Database& db, const std::string& kind, const std::string& key) {
  SQLite::Statement st(db,
                       "SELECT r.id FROM request_claims c JOIN requests r ON r.id = c.request_id WHERE c.kind = ? AND "
                       "c.key = ? AND r.subject_id = '' AND r.closed_on IS NULL ORDER BY r.id");
  bind_columns(st, 1, kind, key);
  std::vector<int64_t> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getInt64());
  return out;
}

bool any_unlinked_claims(SQLite::Database& db) {
  SQLite::Statement st(db,
                       "SELECT EXISTS (SELECT 1 FROM request_claims c JOIN requests r ON r.id = c.request_id WHERE "
                       "r.subject_id = '' AND r.closed_on IS NULL)");
  st.executeStep();
  return st.getColumn(0).getInt() != 0;
}

void put_holiday(SQLite::Database& db, const HolidayRow& h) {
  exec_with(db,
            "INSERT OR REPLACE INTO holidays (jurisdiction, day, name, imported_at, imported_by) "
            "VALUES (?,?,?,?,?)",
            h.jurisdiction, h.day, or_null(h.name), h.imported_at, h.imported_by);
}

std::vector<HolidayRow> list_holidays(SQLite::Database& db, const std::string& jurisdiction) {
  SQLite::Statement st(db, std::string("SELECT jurisdiction, day, name, imported_at, imported_by FROM holidays") +
                               (jurisdiction.empty() ? "" : " WHERE jurisdiction = ?") + " ORDER BY jurisdiction, day");
  if (!jurisdiction.empty()) st.bind(1, jurisdiction);
  return read_rows<HolidayRow>(st, [&](HolidayRow& h) {
    read_columns(st, h.jurisdiction, h.day, h.name, h.imported_at, h.imported_by);
  });
}

namespace {

// A request's log tables (request_evidence, request_events): id and
// request_id, then these columns, named once for the insert and the read.
const std::string kEvidenceColumns = "kind, at, actor, sealed";
const std::string kEventColumns = "at, actor, event, detail";

// The rows of a log table for one request, oldest first: id, request_id,
// then `columns` into `fields`.
template <class Row, class... F>
std::vector<Row> request_log(SQLite::Database& db, const std::string& table, const std::string& columns,
                             int64_t request_id, F Row::*... fields) {
  return query_rows<Row>(
      db, "SELECT id, request_id, " + columns + " FROM " + table + " WHERE request_id = ? ORDER BY id",
      [&](SQLite::Statement& st, Row& r) { read_columns(st, r.id, r.request_id, (r.*fields)...); }, request_id);
}

}  // namespace

int64_t insert_evidence(SQLite::Database& db, const EvidenceRow& e) {
  return insert_row(db, "request_evidence", "request_id, " + kEvidenceColumns, e.request_id, e.kind, e.at, e.actor,
                    Blob{e.sealed});
}

std::vector<EvidenceRow> evidence_of(SQLite::Database& db, int64_t request_id) {
  return request_log<EvidenceRow>(db, "request_evidence", kEvidenceColumns, request_id, &EvidenceRow::kind,
                                  &EvidenceRow::at, &EvidenceRow::actor, &EvidenceRow::sealed);
}

int64_t insert_request_event(SQLite::Database& db, const RequestEventRow& e) {
  return insert_row(db, "request_events", "request_id, " + kEventColumns, e.request_id, e.at, e.actor, e.event,
                    e.detail);
}

std::vector<RequestEventRow> request_events(SQLite::Database& db, int64_t request_id) {
  return request_log<RequestEventRow>(db, "request_events", kEventColumns, request_id, &RequestEventRow::at,
                                      &RequestEventRow::actor, &RequestEventRow::event, &RequestEventRow::detail);
}

}  // namespace dsr::store
