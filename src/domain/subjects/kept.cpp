// What is still kept about an erased subject, and why: the answer an erased
// person gets to an access request, and what `export` of a tombstone says.
// Ids, dates, counts and rules only: the values themselves are gone.
#include <algorithm>

#include "domain/subjects/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/retention.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "store/disclosure_store.hpp"
#include "store/request_store.hpp"
#include "store/subject_store.hpp"

namespace dsr {

namespace {

// "deleted 6y after 2026-02-02 (from 2032-02-02)" for a rule, from a date.
nlohmann::json rule_json(const std::vector<RetentionRule>& rules, const std::string& name, const std::string& from) {
  auto it = std::find_if(rules.begin(), rules.end(), [&](const RetentionRule& r) { return r.name == name; });
  nlohmann::json j = {{"rule", name}};
  if (it == rules.end()) return j;
  j["duration"] = it->duration;
  if (it->duration != "never" && !from.empty()) {
    cal::Date d = cal::add(cal::parse_date("date", from), cal::parse_duration(it->duration));
    j["deleted_from"] = cal::format(d);
  }
  return j;
}

}  // namespace

nlohmann::json kept_after_erasure(Desk& desk, const std::string& subject_id) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  nlohmann::json kept = nlohmann::json::array();
  if (!row || row->status != SubjectStatus::erased) return kept;
  auto rules = retention_rules(desk);
  std::string erased = iso_date(row->status_changed_at.value_or(0));
  nlohmann::json tomb = {{"record", "tombstone"},
                         {"what", "the subject id, the dates of registration and erasure and the reason given"},
                         {"why", "proof that the erasure was carried out, and the anchor of the records below"},
                         {"retention", rule_json(rules, "tombstones", erased)}};
  tomb["retention"]["note"] = "kept past that date while a disclosure record or a legal hold refers to it";
  kept.push_back(std::move(tomb));
  auto disclosures = store::disclosures_for(desk.db(), row->rowid, "");
  if (!disclosures.empty()) {
    std::string newest;
    for (const auto& d : disclosures) newest = std::max(newest, d.date);
    kept.push_back({{"record", "disclosure_log"},
                    {"count", disclosures.size()},
                    {"what", "to whom data was disclosed, when, which categories, the purpose and the legal basis "
                             "(no values of the subject)"},
                    {"why", "the accounting of disclosures (GDPR Art. 19, HIPAA 45 CFR 164.528) and the defence of "
                            "legal claims (GDPR Art. 17(3)(e))"},
                    {"retention", rule_json(rules, "disclosure_records", newest)}});
  }
  if (auto at = store::suppression_of_subject(desk.db(), subject_id)) {
    kept.push_back({{"record", "suppression_hash"},
                    {"what", "a keyed hash of the email address (the address itself is not kept)"},
                    {"why", "to recognise the address if it comes back, so the erasure is not undone by mistake "
                            "and no mail is sent to it"},
                    {"retention", rule_json(rules, "suppression_hashes", iso_date(*at))}});
  }
  auto holds = store::holds_for(desk.db(), row->rowid);
  if (!holds.empty())
    kept.push_back({{"record", "legal_hold"},
                    {"count", holds.size()},
                    {"what", "the hold's reason and reference"},
                    {"why", "a legal proceeding is running (GDPR Art. 17(3)(e))"},
                    {"retention", {{"rule", "until released"}}}});
  store::RequestFilter f;
  f.subject_id = subject_id;
  auto requests = store::list_requests(desk.db(), f);
  if (!requests.empty()) {
    std::string newest;
    for (const auto& r : requests) newest = std::max(newest, r.closed_on.value_or(cal::format(cal::today())));
    kept.push_back({{"record", "request_records"},
                    {"count", requests.size()},
                    {"what", "the requests made, their dates, outcomes and history (ids and field names, no values)"},
                    {"why", "the record of requests the CCPA regulations require (11 CCR 7101: 24 months)"},
                    {"retention", rule_json(rules, "request_records", newest)}});
  }
  return kept;
}

}  // namespace dsr
