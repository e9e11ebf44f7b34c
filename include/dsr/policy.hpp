// Versions of the privacy policy, and each subject's choice about new uses of
// their data. The policy promises that data is used under the version it was
// collected under, and that users are told, and given a choice, before their
// data is used in a way that version did not state (Notification of Changes,
// Business Transitions).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/calendar.hpp"
#include "dsr/desk.hpp"

namespace dsr {

struct PolicyVersion {
  std::string version;    // 1..32 of [A-Za-z0-9._-], starting with a letter or digit
  std::string effective;  // YYYY-MM-DD
  bool material = false;
  std::string summary;
  // The purposes this version states. Empty: what the built-in policy states,
  // the catalog's purposes (dsr::categories()) and the processor purposes
  // (dsr::processor_purposes(): billing, address-verification, ...).
  std::vector<std::string> purposes;
  int64_t added_at = 0;
  std::string added_by;
};

// Adds a version. Conflict when the version exists or another one takes effect
// on the same date; usage when it takes effect before the latest version (the
// versions are a sequence) or a value is malformed.
PolicyVersion add_policy(Desk& desk, const PolicyVersion& v);
// Oldest first (by effective date).
std::vector<PolicyVersion> list_policies(Desk& desk);
// not_found when there is no such version.
PolicyVersion find_policy(Desk& desk, std::string_view version);
// The version in force on `on` (default: today): the latest one whose effective
// date is not after it; empty when none was in force. Every value stored
// records it (provenance "policy", attributes.policy_version).
std::string policy_in_force(Desk& desk);
std::string policy_in_force(Desk& desk, cal::Date on);
// The purposes of a version ("" or unknown, or none stated: the built-in ones above).
std::vector<std::string> policy_purposes(Desk& desk, const std::string& version);
nlohmann::json policy_json(const PolicyVersion& v);

// A purpose as purposes are compared (policy versions, consents): lowercased,
// runs of white space folded to one space, trimmed.
std::string purpose_key(std::string_view purpose);

// ---- choices about new uses ---------------------------------------------------
struct Choice {
  std::string subject_id;
  std::string new_uses;  // accept, decline
  int64_t at = 0;
  std::string policy_version;  // in force when the choice was recorded; may be empty
  std::string recorded_by;
};
// Records (or replaces) the subject's choice. The subject must not be erased.
// A choice is personal data: it is erased with the subject.
Choice record_choice(Desk& desk, std::string_view subject, const std::string& new_uses);
std::optional<Choice> choice_of(Desk& desk, const std::string& subject_id);
// {"new_uses", "at", "policy_version"}: the shape of the access package's subject.choices.
nlohmann::json choice_json(const Choice& c);

// ---- who is affected by a new version ------------------------------------------
struct Contact {
  std::string subject_id;
  std::string name;
  std::string method;   // email, or phone when the subject prefers phone and has one
  std::string address;  // the email address or the phone number
  std::string email, phone;
  std::string new_uses;  // accept, decline, or empty when no choice was recorded
  std::vector<std::string> policy_versions;  // versions their values were collected under ("" = before any)
  std::vector<std::string> opt_outs;         // standing opt-outs (sale-sharing, limit-sensitive)
};
struct AffectedReport {
  PolicyVersion policy;
  std::vector<Contact> subjects;  // active subjects only
  int64_t declined = 0;           // of them, those who declined new uses
};
// The active subjects holding a value collected under a version earlier than
// VERSION (or before any version was recorded), with each one's preferred
// contact; those who declined new uses are counted and carry new_uses=decline.
AffectedReport policy_affected(Desk& desk, std::string_view version);

// The hook for disclosures: when the subject declined new uses and `purpose` is
// not among the purposes of every policy version their data was collected under
// (compared without regard to case and spacing), a message saying so;
// otherwise nullopt. Erased or unknown subjects: nullopt.
std::optional<std::string> new_use_objection(Desk& desk, const std::string& subject_id, const std::string& purpose);

}  // namespace dsr
