// Retention: how long each kind of record is kept, and the cleanup that cron
// runs. The rules live in the vault; a rule never set keeps its default.
//
//   deactivated_subjects  2y   subjects deactivated longer than this are erased
//                              as `delete` erases, through the bulk eraser
//                              (domain/bulk/bulk_erase.hpp: one audit entry
//                              per 1,000 erasures)
//   disclosure_records    6y   disclosure records dated longer ago are deleted
//                              (HIPAA 164.528 accounting covers 6 years: minimum 6y)
//   request_records       24m  requests closed longer ago are deleted, with
//                              their history (CCPA: keep at least 24 months)
//   suppression_hashes    3y   keyed hashes of erased emails are deleted
//   tombstones            6y   erased subjects' tombstones are deleted once no
//                              disclosure record or hold refers to them
//   audit_trail           6y   older audit entries are pruned (prune_audit keeps
//                              the rest of the chain verifiable)
//
// "Older than D" means: its date is on or before today minus D (UTC dates;
// today() honours the test clock). A rule set to "never" keeps everything.
// Whatever belongs to a subject under a legal hold is kept and reported.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsr/desk.hpp"

namespace dsr {

struct RetentionRule {
  std::string name;
  std::string description;
  std::string default_duration;  // "2y"
  std::string duration;          // in force: a duration, or "never"
  std::string minimum;           // shortest the law allows ("" when none)
  bool is_default = true;        // never set, or set back to the default
  int64_t set_at = 0;            // when it was last set (0: never)
  std::string set_by{};
  bool applies = true;           // false while the vault keeps no such records
};

// Every rule in the order they run.
std::vector<RetentionRule> retention_rules(Desk& desk);
// Sets a rule to DURATION ("18m", see cal::parse_duration), "never", or
// "default". Roles that manage keys only (admin; refused otherwise); audited. Usage errors for an unknown
// rule or a bad duration; refused below a legal minimum.
RetentionRule set_retention_rule(Desk& desk, const std::string& rule, const std::string& duration);
nlohmann::json retention_rule_json(const RetentionRule& r);

struct RetentionOutcome {
  std::string rule;
  std::string duration;
  std::string cutoff;  // YYYY-MM-DD: records dated on or before it are due ("" when not applied)
  bool applied = false;
  std::string note;    // why not applied, or a remark
  int64_t removed = 0;                // erased or deleted (would be, in a dry run)
  int64_t held = 0;                   // kept because of a legal hold
  std::vector<std::string> erased;    // deactivated_subjects: the subject ids
  std::vector<std::string> held_ids;  // deactivated_subjects: held subject ids
  nlohmann::json notify = nlohmann::json::array();  // [{"id","recipients":[...]}] to tell of an erasure
  std::vector<std::string> errors;    // subjects that could not be erased, with why
};

struct RetentionReport {
  bool dry_run = false;
  // A real run that removed anything: true when the pages that held the
  // removed values are wiped from the file, false when another process held
  // the checkpoint back past the lock timeout (see Desk::wipe_erased).
  std::optional<bool> wiped;
  std::string today;
  std::vector<RetentionOutcome> rules;
  int64_t removed() const;
  int64_t held() const;
  int64_t errors() const;
};

struct RetentionProgress {
  std::string rule;
  int64_t done = 0;
};

// Applies every rule. Never prompts; idempotent (a second run finds nothing
// more to do); commits in chunks, so an interrupted run keeps what it did and
// the next run finishes. Throws Error(locked) when the vault stays locked
// past the timeout, Error(refused) for a role that may not erase. Records
// the counts of a real run (retention show) and audits it.
RetentionReport run_retention(Desk& desk, bool dry_run,
                              const std::function<void(const RetentionProgress&)>& progress = {});
nlohmann::json retention_report_json(const RetentionReport& r);

// The last real run: {"ran_at","ran_by","summary"} or null.
nlohmann::json last_retention_run(Desk& desk);

}  // namespace dsr
