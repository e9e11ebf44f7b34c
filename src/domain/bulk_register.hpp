// Registration in bulk, for `batch` and `import`: the same validation and the
// same row as register_subject(), without what a lone registration needs but
// a run of them does not. The policy version in force is looked up once; the
// row goes in with one prepared INSERT whose UNIQUE indexes are the
// uniqueness check (a failed INSERT undoes itself, so no savepoint is needed);
// and the audit trail gets one entry for up to kSubjectsPerEntry
// registrations instead of one each.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/subjects.hpp"

namespace dsr {

struct Registered {
  std::string id;
  std::optional<std::pair<std::string, int64_t>> previously_erased;  // subject id, erased at
};

// What `batch` and `import` report for a registration: {"id", "previously_erased"?}.
nlohmann::json registered_json(const Registered& r);

class BulkRegistrar {
 public:
  static constexpr size_t kSubjectsPerEntry = 1000;

  explicit BulkRegistrar(Desk& desk);
  // Registers one subject inside the caller's open write transaction; throws
  // what register_subject() would (refusals are audited as it audits them).
  Registered add(const SubjectInput& in);
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
  std::optional<Audit> pending_;
  size_t pending_count_ = 0;
};

}  // namespace dsr
