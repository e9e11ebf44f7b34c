// Erasure in bulk, for `retention run`: what erase_subject() does to one
// subject, for many in one transaction, without what a run of them does not
// need one at a time: the subject comes by row (the caller found it due and
// not held inside the same transaction), its statements are prepared once,
// and the audit trail gets one entry for up to kSubjectsPerEntry erasures.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/desk.hpp"

namespace dsr {

class BulkEraser {
 public:
  static constexpr size_t kSubjectsPerEntry = 1000;

  BulkEraser(Desk& desk, std::string reason);
  // Erases subject `id` inside the caller's open write transaction (a failure
  // leaves it as it was) and returns whom to tell (GDPR Art. 19).
  nlohmann::json erase(const std::string& id);
  // Appends the audit entry for the erasures since the last flush; call it
  // inside their transaction, before it commits.
  void flush();
  // Their transaction rolled back: forget them.
  void discard();

 private:
  Desk& desk_;
  std::string reason_;
  std::optional<Audit> pending_;
  size_t pending_count_ = 0;
  std::vector<std::string> pending_fields_;  // the fields already named in pending_
};

}  // namespace dsr
