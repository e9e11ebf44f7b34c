// Choices about new uses, who a new policy version affects, and whether a new
// purpose meets a subject's objection.
#include <algorithm>
#include <map>
#include <set>

#include "domain/core/audited_write.hpp"
#include "domain/disclosures/sharing_rules.hpp"
#include "domain/policy/contact_model.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "store/policy_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

// Purposes compare without regard to case and runs of white space.
std::string purpose_key(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

// A contact list reads the name, email and phone of many subjects: the audit
// entry names the fields (listing every subject would make it as long as the list).
void audit_contact_list(Desk& desk, const char* command) {
  audited_read(desk, command, Action::notices, [&](Audit& audit) {
    audit.field("identity", "name");
    for (const char* f : {"email", "phone", "contact_preference"}) audit.field("contact", f);
  });
}

namespace {

Choice from_row(const std::string& subject_id, const store::ChoiceRow& r) {
  return Choice{subject_id, r.new_uses, r.decided_at, r.policy_version.value_or(""), r.recorded_by};
}

}  // namespace

Contact to_contact(const store::ContactRow& row, Reach reach) {
  Contact c;
  c.subject_id = row.subject_id;
  c.name = row.name;
  c.email = row.email;
  c.phone = row.phone;
  bool by_phone = reach == Reach::by_preference && row.contact_preference == "phone" && !row.phone.empty();
  c.method = by_phone ? "phone" : "email";
  c.address = by_phone ? row.phone : row.email;
  c.new_uses = row.new_uses;
  c.policy_versions = row.policy_versions;
  c.opt_outs = row.opt_outs;
  std::sort(c.policy_versions.begin(), c.policy_versions.end());
  return c;
}

Choice record_choice(Desk& desk, std::string_view subject, const std::string& new_uses) {
  if (new_uses != "accept" && new_uses != "decline") fail(ErrorKind::usage, "--new-uses: must be accept or decline");
  return audited_write(desk, "choice", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "new_uses");
    std::string version = policy_in_force(desk);
    store::ChoiceRow c{new_uses, cal::now_unix(), desk.actor(), std::nullopt};
    if (!version.empty()) c.policy_version = version;
    store::put_choice(desk.db(), row.rowid, c);
    return from_row(row.id, c);
  });
}

std::optional<Choice> choice_of(Desk& desk, const std::string& subject_id) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row) return std::nullopt;
  auto c = store::choice_for(desk.db(), row->rowid);
  if (!c) return std::nullopt;
  return from_row(row->id, *c);
}

nlohmann::json choice_json(const Choice& c) {
  return {{"new_uses", c.new_uses}, {"at", iso_time(c.at)}, {"policy_version", text_or_null(c.policy_version)}};
}

AffectedReport policy_affected(Desk& desk, std::string_view version) {
  audit_contact_list(desk, "policy affected");
  AffectedReport rep;
  rep.policy = find_policy(desk, version);
  // A value is under an earlier version when its version took effect before
  // this one, or when it was stored before any version was recorded ("").
  std::set<std::string> later_or_same;
  for (const auto& p : list_policies(desk))
    if (p.effective >= rep.policy.effective) later_or_same.insert(p.version);
  store::for_each_active_contact(desk.db(), /*with_versions=*/true, [&](const store::ContactRow& row) {
    bool earlier = std::any_of(row.policy_versions.begin(), row.policy_versions.end(),
                               [&](const std::string& v) { return !later_or_same.count(v); });
    if (!earlier) return;
    rep.subjects.push_back(to_contact(row, Reach::by_email));
    if (row.new_uses == "decline") ++rep.declined;
  });
  return rep;
}

std::optional<std::string> new_use_objection(Desk& desk, const std::string& subject_id, const std::string& purpose) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == SubjectStatus::erased) return std::nullopt;
  auto choice = store::choice_for(desk.db(), row->rowid);
  if (!choice || choice->new_uses != "decline") return std::nullopt;
  std::set<std::string> versions;
  for (const auto& v : decode_subject(desk, *row).values) versions.insert(v.provenance.policy_version);
  // "billing: May invoices" names the processor purpose "billing".
  std::string key = purpose_key(purpose), named = processor_purpose(purpose);
  for (const auto& v : versions) {
    auto stated = policy_purposes(desk, v);
    bool known = std::any_of(stated.begin(), stated.end(), [&](const std::string& p) {
      return purpose_key(p) == key || (!named.empty() && purpose_key(p) == named);
    });
    if (!known)
      return "subject " + row->id + " declined new uses of their data (on " + iso_date(choice->decided_at) +
             "), and the purpose \"" + purpose + "\" is not among those of policy " +
             (v.empty() ? std::string("in force before any recorded version") : "version " + v) +
             ", under which their data was collected";
  }
  return std::nullopt;
}

}  // namespace dsr
