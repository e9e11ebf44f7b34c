// Rows of the requests and request_events tables. Dates are YYYY-MM-DD text;
// the domain decides what they mean.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/enums.hpp"

namespace SQLite { class Database; }

namespace dsr::store {

struct RequestRow {
  int64_t id = 0;
  std::string subject_id;
  RequestType type = RequestType::access;
  std::string law;  // a name of the law table (dsr/laws.hpp), which the store does not know
  std::optional<std::string> channel;
  std::string received;
  RequestStatus status = RequestStatus::received;
  std::string due;
  std::optional<std::string> ack_due, acknowledged_on, verified_on;
  std::optional<std::string> extended_due, extended_on, extension_reason;
  std::optional<std::string> closed_on;
  std::optional<RequestStatus> outcome;  // fulfilled, denied or cancelled
  std::optional<std::string> close_reason;
  int64_t opened_at = 0;
  std::string opened_by;
  // Migration 10:
  std::optional<std::string> jurisdiction, clock_start, paused_on;
  int64_t paused_days = 0;
  bool weekends_only = true;
  std::optional<std::string> denial_code;
  std::optional<int64_t> duplicate_of;
  std::optional<std::string> appeal_received, appeal_due, appeal_extendable_to, appeal_decided_on;
  std::optional<AppealOutcome> appeal_outcome;
  std::optional<std::string> appeal_reason;
  // Migration 14:
  std::optional<std::string> representative, agent_name, agent_confirmed_on, appeal_extended_on,
      appeal_extension_reason;
};

// A claimed identity of a request not (yet) linked to a subject.
struct ClaimRow {
  std::string kind;  // email, phone, name
  std::string key;   // lookup form
  std::string value;
};

struct RequestEventRow {
  int64_t id = 0;
  int64_t request_id = 0;
  int64_t at = 0;
  std::string actor;
  std::string event;
  std::string detail = "{}";  // JSON
};

int64_t insert_request(SQLite::Database& db, const RequestRow& r);
void update_request(SQLite::Database& db, const RequestRow& r);  // every column but id and opened_*
std::optional<RequestRow> request_by_id(SQLite::Database& db, int64_t id);

struct RequestFilter {
  std::vector<RequestStatus> statuses;  // empty: any
  std::string subject_id;             // empty: any
  std::string law, jurisdiction;      // empty: any
  std::optional<RequestType> type;    // nullopt: any
  std::string received_from, received_to;  // inclusive; empty: unbounded
};
// Ordered by due date (the extended one when set), then id.
std::vector<RequestRow> list_requests(SQLite::Database& db, const RequestFilter& f);

void insert_claim(SQLite::Database& db, int64_t request_id, const ClaimRow& c);
std::vector<ClaimRow> claims_of(SQLite::Database& db, int64_t request_id);
void delete_claims(SQLite::Database& db, int64_t request_id);
// Open requests with no subject whose claims include (kind, key), by id.
std::vector<int64_t> unlinked_requests_claiming(SQLite::Database& db, const std::string& kind, const std::string& key);
// Whether any open request stands on claims alone.
bool any_unlinked_claims(SQLite::Database& db);

// Public holidays by jurisdiction.
struct HolidayRow {
  std::string jurisdiction, day, name;
  int64_t imported_at = 0;
  std::string imported_by;
};
// Inserts or replaces (the same day imported again keeps the newer name).
void put_holiday(SQLite::Database& db, const HolidayRow& h);
// jurisdiction "": every jurisdiction. Ordered by jurisdiction, day.
std::vector<HolidayRow> list_holidays(SQLite::Database& db, const std::string& jurisdiction);

// Sealed evidence of a request (verification, an agent's proof); the store
// never sees it open.
struct EvidenceRow {
  int64_t id = 0;
  int64_t request_id = 0;
  std::string kind;  // verification, agent_proof
  int64_t at = 0;
  std::string actor;
  std::string sealed;
};
int64_t insert_evidence(SQLite::Database& db, const EvidenceRow& e);
std::vector<EvidenceRow> evidence_of(SQLite::Database& db, int64_t request_id);  // by id

int64_t insert_request_event(SQLite::Database& db, const RequestEventRow& e);
std::vector<RequestEventRow> request_events(SQLite::Database& db, int64_t request_id);

}  // namespace dsr::store
