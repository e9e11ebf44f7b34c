// The lifecycle of a data subject's record: register, look up, correct,
// export, deactivate (restrict), reactivate and erase. Every function runs in
// one transaction: it either does all it says or leaves the vault unchanged.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/enums.hpp"

namespace dsr {

// Where a value came from and when: the subject, staff, or a named third party.
struct Provenance {
  std::string source;  // "subject", "staff", or the third party's name
  int64_t collected_at = 0;
  std::string policy_version;  // empty when no policy version was recorded
};

struct FieldValue {
  std::string field;     // name, email, ..., or CATEGORY.KEY for an attribute
  std::string category;  // identity, contact, billing, payment, survey, supplemental, preferences
  nlohmann::json value;  // string, or array of strings for interests
  Provenance provenance;
  bool restricted = false;  // billing/payment value this role may not read (value is masked)
};

struct Subject {
  std::string id;
  SubjectStatus status = SubjectStatus::active;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> status_changed_at;  // deactivated or erased at
  std::string status_reason;
  std::vector<FieldValue> values;

  const FieldValue* get(std::string_view field) const;
  std::string text(std::string_view field) const;  // "" when absent
};

// Values given on the command line or in a batch line, before validation.
struct SubjectInput {
  std::vector<std::pair<std::string, std::string>> set;  // FIELD=VALUE, in order (interests may repeat)
  std::vector<std::string> unset;                        // FIELDs (correct only)
  std::string source;                                    // default: "subject" on register, "staff" on correct
};

struct RegisterResult {
  Subject subject;
  // Set when the email's keyed hash matches an erased subject (re-registration is flagged, not refused).
  std::optional<std::pair<std::string, int64_t>> previously_erased;  // subject id, erased at
  // Requests made on a claimed email or phone that this subject now matches,
  // linked to it (dsr/requests.hpp: register_under).
  std::vector<std::string> linked_requests;
};

struct ChangeResult {
  Subject subject;
  std::vector<std::string> changed;  // fields whose value changed
  std::vector<std::string> linked_requests;  // claimed-identity requests linked by the change (correct_under)
  nlohmann::json notify = nlohmann::json::array();  // recipients to tell (GDPR Art. 19)
};

struct EraseResult {
  std::string id;
  int64_t erased_at = 0;
  std::vector<std::string> fields;  // what was (or would be) erased
  nlohmann::json notify = nlohmann::json::array();
  bool dry_run = false;
  bool erased_now = false;  // this call erased the values (not a dry run, not erased before)
  // Set by erase_under once the change is out of every transaction: true when
  // the old pages holding the values are wiped from the file (the WAL
  // checkpointed into it), false when another process held the checkpoint back
  // past the lock timeout (the values stay in the file until a later command
  // completes it). Unset for a dry run, an erased subject, or an erasure inside
  // a larger transaction (a batch chunk), whose caller wipes.
  std::optional<bool> wiped;
};

// The fields a subject can have, with their categories (for help and completion).
const std::vector<std::pair<std::string, std::string>>& subject_fields();

RegisterResult register_subject(Desk& desk, const SubjectInput& in);
// SUBJECT: an id, an email or a username. Erased subjects are returned with status erased;
// an email that belonged to an erased subject is a not_found error that says so.
Subject find_subject(Desk& desk, std::string_view ref);
std::vector<Subject> search_subjects(Desk& desk, std::string_view text, int limit = 50);
struct ListQuery {
  std::optional<SubjectStatus> status = SubjectStatus::active;  // nullopt: all
  int limit = 100;
  int offset = 0;
};
std::vector<Subject> list_subjects(Desk& desk, const ListQuery& q, bool* more = nullptr);  // *more: a next page exists
ChangeResult correct_subject(Desk& desk, std::string_view ref, const SubjectInput& in);
ChangeResult deactivate_subject(Desk& desk, std::string_view ref, const std::string& reason);
ChangeResult reactivate_subject(Desk& desk, std::string_view ref);
EraseResult erase_subject(Desk& desk, std::string_view ref, const std::string& reason, bool dry_run);
// The access package (GDPR Art. 15 / 20): see schema/export.schema.json.
nlohmann::json export_subject(Desk& desk, std::string_view ref);
// What is still kept about an erased subject and why, one entry a record:
// {"record": tombstone|disclosure_log|suppression_hash|legal_hold|request_records,
//  "what", "why", "count" (where many), "retention": {"rule", "duration", "deleted_from"}}.
// Empty for a subject that is not erased. Holds no personal values.
nlohmann::json kept_after_erasure(Desk& desk, const std::string& subject_id);
// The stable JSON shape of a subject (show/list/register --json).
nlohmann::json subject_json(const Subject& s);
// The stable JSON shape of a correction, deactivation or reactivation (the
// CLI's --json and batch): {"id","status","changed","notify"}.
nlohmann::json change_json(const ChangeResult& r);
// The stable JSON shape of an erasure (delete --json and batch):
// {"id","dry_run","erased","already_erased","erased_at","fields","notify"}.
nlohmann::json erase_json(const EraseResult& r, bool already_erased);

}  // namespace dsr
