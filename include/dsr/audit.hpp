// The audit trail: who did what to whose record, and how it ended. Entries
// hold ids, command names, categories and field names, never personal values.
// Each entry's hash covers the previous one's (keyed BLAKE2b under the index
// key), and each entry is signed with the acting slot's own signing key
// (Ed25519), which an admin certifies: `audit verify` finds an entry altered,
// removed, reordered or forged under another slot's name, even by a slot
// holder editing the file outside dsr. The tail is proved by an anchor kept
// outside the vault (audit_anchor). ARCHITECTURE.md, "Keys and slots".
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <unordered_set>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/roles.hpp"

namespace dsr {

struct AuditEntry {
  int64_t id = 0;
  int64_t at = 0;
  std::string actor;
  std::string command;
  std::vector<std::string> subjects;  // subject ids
  std::vector<std::string> fields;    // "category.field"
  std::string request;                // request reference, if the action was made under one
  std::string outcome;                // "ok", or the error kind ("refused", ...)
};

// Collects what one operation touched, then appends it. Operations use it
// through audited() below.
class Audit {
 public:
  Audit(Desk& desk, std::string command);
  void subject(const std::string& id);
  void field(const std::string& category, const std::string& field);
  // Appends the entry with outcome "ok" (inside the caller's transaction).
  void ok();
  // Appends the entry with the error's kind, in a transaction of its own.
  void failed(const std::exception& e);

 private:
  friend class BulkAudit;
  // ok() with the subjects as the JSON array text BulkAudit built.
  void ok(std::string subjects_json);
  Desk& desk_;
  AuditEntry e_;
  std::unordered_set<std::string> seen_subjects_, seen_fields_;  // a bulk disclosure names 100k subjects
};

// The audit trail of a bulk run (batch and import registrations, retention's
// erasures): one entry for up to kSubjectsPerEntry subjects and the union of
// their fields, appended by flush() inside the run's transaction.
class BulkAudit {
 public:
  static constexpr size_t kSubjectsPerEntry = 1000;

  BulkAudit(Desk& desk, std::string command) : desk_(desk), command_(std::move(command)) {}
  // A subject the run just wrote (not named before), and the fields it held;
  // appends the entry when it is full.
  void add(const std::string& id, const std::vector<std::pair<std::string, std::string>>& fields);
  // Appends the entry for the subjects since the last flush. Call it inside
  // their transaction, before it commits and before any other entry is written.
  void flush();
  // Their transaction rolled back: forget them.
  void discard();

 private:
  Desk& desk_;
  std::string command_;
  std::optional<Audit> pending_;
  std::string subjects_json_;  // the pending entry's subjects: the JSON array text it stores, without the ']'
  size_t count_ = 0;
  std::vector<std::string> fields_;  // named already: a repeat costs a compare, not a string built
};

// Runs body(Audit&); a refusal (exit 7) is recorded before it propagates.
// The body calls audit.ok() before committing.
template <class F>
auto audited(Desk& desk, const char* command, F&& body) -> decltype(body(std::declval<Audit&>())) {
  Audit a(desk, command);
  try {
    return body(a);
  } catch (const std::exception& e) {
    a.failed(e);
    throw;
  }
}

// Runs `work`, which opens, uses and commits a transaction around other
// audited operations (a write under --request: the operation and the
// request's record commit together). A refusal inside it appends its entry
// in that transaction, so the rollback would take the entry with it: when
// `work` throws, the refusals are appended again after the rollback (inside
// an enclosing transaction if there is one, as batch has).
void keep_refusals(Desk& desk, const std::function<void()>& work);

// For reads that leave no entry of their own: a refusal is still recorded,
// under `command`, before it propagates.
void require_audited(Desk& desk, Action a, const char* command);

struct AuditQuery {
  std::string subject;  // a subject id
  std::string actor;
  std::string since;    // YYYY-MM-DD
  int limit = 1000;
};
std::vector<AuditEntry> audit_log(Desk& desk, const AuditQuery& q);

struct AuditVerify {
  bool ok = true;
  int64_t checked = 0;
  int64_t first_bad = 0;  // id of the first bad entry (or the last good one's successor)
  std::string problem;
  int64_t unsigned_entries = 0;     // written before signing began, or by a slot of format 2
  bool anchor_checked = false;      // an anchor was given and checked
  std::vector<std::string> notes;   // what the check could not prove
};
// With `anchor_text` (what `audit anchor` printed, alone or at the end of a
// log line), also proves the chain extends that anchor. usage: no anchor in it.
AuditVerify verify_audit(Desk& desk, const std::string* anchor_text = nullptr);

// A signed checkpoint of the trail's head (one JSON line: entry count, head
// hash, time, the slots' public keys, the signing slot and its signature) to
// keep outside the vault, e.g. `dsr audit anchor | logger -t dsr`.
std::string audit_anchor(Desk& desk);

// Before a slot leaves the header (key remove, rekey): an admin slot
// certifies, with the admin signing key, every slot's signing key not yet
// certified, so entries of a removed slot stay verifiable. Slots in the header
// need no certificate: the admin-signed header vouches for their keys. Does
// nothing for other roles or a read-only open.
void certify_signers(Desk& desk);

// Removes entries older than `before` (unix seconds), keeping the chain
// verifiable from the first entry that remains. Returns how many went.
int64_t prune_audit(Desk& desk, int64_t before);

}  // namespace dsr
