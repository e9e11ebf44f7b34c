// Registration in bulk, for `batch` and `import`: the same validation and the
// same row as register_subject(), without what a lone registration needs but
// a run of them does not. The policy version in force is looked up once a
// day; rows are validated and built on the reading thread (Ahead), ahead of
// the writing; a row goes in with one prepared INSERT whose UNIQUE indexes
// are the uniqueness check (a failed INSERT undoes itself, so no savepoint is
// needed); and the audit trail gets one entry for up to 1,000 registrations
// instead of one each (BulkAudit).
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/subjects.hpp"
#include "store/subject_store.hpp"

namespace dsr {

// A registration validated and built, ready to insert.
struct PreparedRegistration {
  store::SubjectRow row;
  std::vector<store::AttributeRow> attrs;
  std::string email_hash;  // for the suppression list; empty when prepared without it
  store::PackedRow packed;  // row's text for the INSERT, laid out by the thread that built it
};

// Validates `in` and builds its row: no database, so any thread may call it
// while another writes. `policy`: the version in force at `at`. Without
// `hash_email` the email's suppression hash is left empty (BulkRegistrar::add
// works it out if the suppression list is not empty).
PreparedRegistration prepare_registration(Desk& desk, const SubjectInput& in, const std::string& policy, int64_t at,
                                          bool hash_email = true);

// What the reading thread prepares registrations under: a copy taken on the
// writing thread before it starts.
struct AheadContext {
  std::string policy;  // in force on `day`
  cal::Date day;
  bool hash_email = true;  // the suppression list held entries when the run began
};

struct Registered {
  std::string id;
  std::optional<std::pair<std::string, int64_t>> previously_erased;  // subject id, erased at
  std::vector<std::string> linked_requests;  // claimed-identity requests the new subject's email or phone matched
};

// What `batch` and `import` report for a registration: {"id", "previously_erased"?, "linked_requests"?}.
nlohmann::json registered_json(const Registered& r);
std::string registered_text(const Registered& r);  // the same as JSON text

class BulkRegistrar {
 public:
  explicit BulkRegistrar(Desk& desk);
  // The policy version in force today, and the day it was looked up for.
  const std::string& policy();
  cal::Date policy_day() const { return *policy_day_; }
  // The policy in force today, and whether rows need their email's
  // suppression hash (most bulk loads go into a vault that erased nobody).
  AheadContext ahead_context();
  // Registers the subject make() prepares (or the error it throws) inside the
  // caller's open write transaction; throws what register_subject() would
  // (refusals are audited as it audits them).
  Registered add(const std::function<PreparedRegistration&()>& make);
  // Appends the audit entry for the registrations since the last flush. Call
  // it inside the transaction that holds them, before it commits and before
  // any other operation writes its own entry (the trail stays in order).
  void flush();
  // The transaction that held the pending registrations rolled back: forget them.
  void discard();

 private:
  Desk& desk_;
  std::string policy_;
  std::optional<cal::Date> policy_day_;  // the day policy_ was looked up for
  BulkAudit audit_;
  std::optional<bool> any_suppression_;  // known since the last flush
  std::optional<bool> any_claims_;       // open unlinked requests with claims, known since the last flush
  std::optional<store::SubjectInserter> inserter_;  // prepared at the first row after a flush
  const std::vector<std::pair<std::string, std::string>>& fields_of_row(const PreparedRegistration& p);
  std::vector<std::pair<std::string, std::string>> fields_;  // the last row's, for the audit entry
  std::optional<uint32_t> fields_columns_;  // the columns fields_ came from (PackedRow::present), if no attributes
};

// One registration prepared on the reading thread: its input, and the row or
// the error that preparing it gave.
class Ahead {
 public:
  Ahead() = default;
  Ahead(SubjectInput in, Desk& desk, const AheadContext& ctx);  // never throws
  // On the writing thread: the prepared row, or the error rethrown. A row
  // prepared under the day before (the batch ran past midnight) is prepared
  // again under today's policy.
  PreparedRegistration& take(Desk& desk, BulkRegistrar& bulk);
  // Asks the CPU to bring what take() and the INSERT will read into the cache
  // (memory the reading thread wrote): called for the next row while this one
  // is written. Changes nothing.
  void prefetch() const;

 private:
  SubjectInput in_;
  std::optional<PreparedRegistration> prepared_;
  std::exception_ptr error_;
  cal::Date day_{};
  bool hash_email_ = true;
};

}  // namespace dsr
