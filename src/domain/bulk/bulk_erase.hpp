// Erasure in bulk, for `retention run`: what erase_subject() does to one
// subject, for many in one transaction, without what a run of them does not
// need one at a time: the subject comes by row (the caller found it due and
// not held inside the same transaction), its statements are prepared once,
// and the audit trail gets one entry for up to 1,000 erasures (BulkAudit).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/desk.hpp"

namespace dsr {

class BulkEraser {
 public:
  BulkEraser(Desk& desk, std::string reason);
  // Erases subject `id` inside the caller's open write transaction (a failure
  // leaves it as it was) and returns whom to tell (GDPR Art. 19).
  nlohmann::json erase(const std::string& id);
  // The audit trail of the erasures (flush before each commit; discard after a rollback).
  BulkAudit& audit() { return audit_; }

 private:
  Desk& desk_;
  std::string reason_;
  BulkAudit audit_;
};

}  // namespace dsr
