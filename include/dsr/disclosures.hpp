// The accounting of disclosures (HIPAA 164.528, GDPR Art. 15(1)(c) and 19),
// the policy's sharing rules that decide whether a disclosure may happen, and
// legal holds that block erasure while a proceeding runs.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsr/desk.hpp"

namespace dsr {

struct DisclosureRequest {
  std::vector<std::string> subjects;  // SUBJECT refs (id, email, username)
  std::string recipient;
  std::string recipient_type;  // processor, authority, partner, acquirer, other
  std::string recipient_address;
  std::vector<std::string> categories;
  std::string purpose;
  std::string basis;  // legal-obligation, contract, consent, legitimate-interests, vital-interests, public-task
  std::string reference;
  std::string date;            // YYYY-MM-DD; empty: today
  std::string withhold_until;  // YYYY-MM-DD; empty: not withheld
};

struct DisclosureResult {
  std::vector<std::string> subject_ids;  // in request order
  int64_t first_id = 0;                  // disclosure record ids are first_id .. first_id+n-1
  std::string date;
};

// Logs one disclosure per subject, all or nothing. A disclosure the sharing
// rules forbid throws Error(refused) naming the rule; its details() hold the
// refusals as JSON ([{"subject","rule","message"}]). Nothing is logged then.
DisclosureResult disclose(Desk& desk, const DisclosureRequest& req);

// One sharing rule of the policy, as printed by `dsr disclose --rules`.
struct SharingRule {
  std::string id;
  std::string policy_section;
  std::string text;
};
const std::vector<SharingRule>& sharing_rules();
// What a processor may receive for each purpose it may be engaged for.
const std::vector<std::pair<std::string, std::vector<std::string>>>& processor_purposes();

struct DisclosureRecord {
  int64_t id = 0;
  std::string subject_id;
  std::string date;
  std::string recipient, recipient_type, recipient_address;
  std::vector<std::string> categories;
  std::string purpose, basis, reference, withhold_until;
  int64_t recorded_at = 0;
  std::string recorded_by;
};
// The accounting for one subject (erased subjects too, by id), newest first,
// since `since` (YYYY-MM-DD; empty: six years before today).
std::vector<DisclosureRecord> disclosures_of(Desk& desk, std::string_view subject, const std::string& since = "");
nlohmann::json disclosure_json(const DisclosureRecord& r);

struct RecipientSummary {
  std::string recipient, recipient_type, recipient_address;
  std::string first_date, last_date;
  int64_t count = 0;
  std::vector<std::string> categories;
};
std::vector<RecipientSummary> recipients_of(Desk& desk, std::string_view subject);
nlohmann::json recipient_summary_json(const RecipientSummary& r);

// Recipients the subject's data was disclosed to, as listed in the access
// package (disclosures withheld until a later date are left out until then).
nlohmann::json subject_recipients_json(Desk& desk, const std::string& subject_id);
// Recipients to tell of a correction, restriction or erasure (GDPR Art. 19).
nlohmann::json notify_list(Desk& desk, const std::string& subject_id);
nlohmann::json notify_list(Desk& desk, int64_t subject_rowid);  // the subject's row, already resolved

// ---- legal holds -------------------------------------------------------------
struct Hold {
  int64_t id = 0;
  std::string subject_id;
  std::string reason, reference;
  int64_t placed_at = 0;
  std::string placed_by;
};
Hold place_hold(Desk& desk, std::string_view subject, const std::string& reason, const std::string& reference);
// Releases the subject's holds (only the one with `reference` when given); returns how many.
int release_holds(Desk& desk, std::string_view subject, const std::string& reference);
std::vector<Hold> list_holds(Desk& desk);
std::vector<Hold> holds_on(Desk& desk, const std::string& subject_id);
nlohmann::json hold_json(const Hold& h);

}  // namespace dsr
