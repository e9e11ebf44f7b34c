// The access package (GDPR Art. 15, portability under Art. 20): everything
// held about one person, with why, where from, for how long and who got it.
#include <set>

#include "domain/core/audited_write.hpp"
#include "domain/disclosures/sharing_rules.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/catalog.hpp"
#include "dsr/choices.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "store/tx.hpp"

namespace dsr {

nlohmann::json subject_json(const Subject& s) {
  nlohmann::json values = nlohmann::json::array();
  for (const auto& v : s.values) {
    nlohmann::json j = {{"field", v.field},
                        {"category", v.category},
                        {"value", v.value},
                        {"source", v.provenance.source},
                        {"collected_at", iso_time(v.provenance.collected_at)}};
    if (!v.provenance.policy_version.empty()) j["policy_version"] = v.provenance.policy_version;
    if (v.restricted) j["restricted"] = true;
    values.push_back(std::move(j));
  }
  nlohmann::json j = {{"id", s.id},
                      {"status", to_string(s.status)},
                      {"created_at", iso_time(s.created_at)},
                      {"updated_at", iso_time(s.updated_at)},
                      {"values", values}};
  if (s.status_changed_at) j[s.status == SubjectStatus::erased ? "erased_at" : "deactivated_at"] = iso_time(*s.status_changed_at);
  if (!s.status_reason.empty()) j["reason"] = s.status_reason;
  return j;
}

nlohmann::json change_json(const ChangeResult& r) {
  nlohmann::json j = {{"ok", true}, {"id", r.subject.id}, {"status", to_string(r.subject.status)}, {"changed", r.changed}, {"notify", r.notify}};
  if (!r.linked_requests.empty()) j["linked_requests"] = r.linked_requests;
  return j;
}

nlohmann::json erase_json(const EraseResult& r, bool already_erased) {
  return {{"ok", true},
          {"id", r.id},
          {"dry_run", r.dry_run},
          {"erased", !r.dry_run},
          {"already_erased", already_erased},
          {"erased_at", iso_time(r.erased_at)},
          {"fields", r.fields},
          {"notify", r.notify},
          {"wiped", value_or_null(r.wiped)}};
}

nlohmann::json export_subject(Desk& desk, std::string_view ref) {
  return audited_read(desk, "export", Action::export_subjects, [&](Audit& audit) {
  Subject s = decode_subject(desk, resolve_subject(desk, ref));
  audit.subject(s.id);
  nlohmann::json rights = nlohmann::json::array();
  for (const auto& r : subject_rights()) rights.push_back({{"right", r.name}, {"basis", r.basis}, {"how", r.how}});
  // Choices outlive erasure where they must be honoured (an opt-out), so both
  // package shapes list them (schema/export.schema.json requires them).
  std::vector<OptOut> opt_outs = opt_outs_of(desk, s.id);
  nlohmann::json opt_outs_json = nlohmann::json::array();
  for (const auto& o : opt_outs) opt_outs_json.push_back(opt_out_json(o));
  nlohmann::json consents_json = nlohmann::json::array();
  for (const auto& c : consents_of(desk, s.id)) consents_json.push_back(consent_json(c));
  if (!opt_outs.empty()) audit.field("preferences", "opt_outs");
  if (!consents_json.empty()) audit.field("preferences", "consents");
  const nlohmann::json adm = {{"basis", "GDPR Art. 15(1)(h)"}, {"statement", automated_decisions_statement(desk)}};
  if (s.status == SubjectStatus::erased) {
    // No values are left, but some records are: say which, why and until when
    // (GDPR Art. 15(1)(a)-(d) asks the same of whatever is still held).
    nlohmann::json status = {{"status", to_string(SubjectStatus::erased)},
                             {"registered_at", iso_time(s.created_at)},
                             {"erased_at", iso_time(s.status_changed_at.value_or(0))}};
    nlohmann::json package = {
        {"format", "dsr-access-package"},
        {"format_version", 2},
        {"generated_at", iso_time(cal::now_unix())},
        {"subject", {{"id", s.id}, {"status", status}}},
        {"data", nlohmann::json::array()},
        {"categories", nlohmann::json::array()},
        {"purposes", nlohmann::json::array()},
        {"sources", nlohmann::json::array()},
        {"recipients", subject_recipients_json(desk, s.id)},
        {"opt_outs", opt_outs_json},
        {"consents", consents_json},
        {"automated_decision_making", adm},
        {"rights", rights},
        {"statement", "This person's data was erased on " + iso_date(s.status_changed_at.value_or(0)) +
                          ". No personal values are held; the records listed under \"kept\" remain, for the "
                          "reasons and periods given."},
        {"kept", kept_after_erasure(desk, s.id)}};
    return package;
  }
  // The access package must be whole: a role that cannot read a held category may not make it.
  for (const auto& v : s.values)
    if (v.restricted)
      fail(ErrorKind::refused, "export of " + s.id + " needs the admin role: it holds " + v.category +
                                   " data (" + v.field + ") that slot '" + desk.actor() + "' (" +
                                   role_name(desk.vault().role()) + ") may not read");
  nlohmann::json data = nlohmann::json::array();
  std::set<std::string> held, third_parties;
  for (const auto& v : s.values) {
    nlohmann::json j = {{"field", v.field},
                        {"category", v.category},
                        {"value", v.value},
                        {"source", v.provenance.source},
                        {"collected_at", iso_time(v.provenance.collected_at)},
                        {"policy_version", text_or_null(v.provenance.policy_version)}};
    if (v.restricted) j["restricted"] = true;
    data.push_back(std::move(j));
    held.insert(v.category);
    audit.field(v.category, v.field);
    if (v.provenance.source != "subject" && v.provenance.source != "staff") third_parties.insert(v.provenance.source);
  }
  nlohmann::json cats = nlohmann::json::array();
  std::set<std::string> purposes;
  for (const auto& c : categories()) {
    if (!held.count(c.name)) continue;
    cats.push_back({{"category", c.name}, {"description", c.description}, {"purposes", c.purposes},
                    {"retention", c.retention}});
    purposes.insert(c.purposes.begin(), c.purposes.end());
  }
  // What was recorded decides the wording: a standing opt-out, disclosures
  // that were a sale or sharing, or neither (never a blanket "we do not sell").
  const OptOut* sale_opt_out = nullptr;
  for (const auto& o : opt_outs)
    if (o.kind == "sale-sharing") sale_opt_out = &o;
  nlohmann::json recipients = subject_recipients_json(desk, s.id);
  bool sold_or_shared = false;
  for (const auto& r : recipients)
    sold_or_shared = sold_or_shared || is_sale_or_sharing(r["recipient_type"].get<std::string>(),
                                                          r["purpose"].get<std::string>(), r["basis"].get<std::string>());
  std::string sale_how =
      sale_opt_out
          ? "you opted out of the sale and sharing of your personal information (" +
                std::string(sale_opt_out->source == "gpc" ? "by a Global Privacy Control signal"
                            : sale_opt_out->source == "request" ? "by request " + sale_opt_out->origin
                                                                : "recorded by our staff") +
                ", received " + sale_opt_out->received + "); we no longer sell or share it"
      : sold_or_shared
          ? "your personal information was disclosed to third parties in a way that is a sale or sharing (see "
            "recipients); ask us, or send a Global Privacy Control signal, to opt out"
          : "we have no record of selling or sharing your personal information; ask us, or send a Global Privacy "
            "Control signal, to opt out";
  rights = nlohmann::json::array();  // the opt-out's wording follows what is recorded
  for (const auto& r : subject_rights())
    rights.push_back({{"right", r.name}, {"basis", r.basis}, {"how", r.name == "opt-out of sale or sharing" ? sale_how : r.how}});
  nlohmann::json status = {{"status", to_string(s.status)}, {"registered_at", iso_time(s.created_at)}};
  if (s.status_changed_at) status["deactivated_at"] = iso_time(*s.status_changed_at);
  nlohmann::json subject = {{"id", s.id}, {"status", status}};
  if (auto c = choice_of(desk, s.id)) subject["choices"] = choice_json(*c);  // the choice about new uses
  nlohmann::json package = {{"format", "dsr-access-package"},
          {"format_version", 2},
          {"generated_at", iso_time(cal::now_unix())},
          {"subject", subject},
          {"data", data},
          {"categories", cats},
          {"purposes", std::vector<std::string>(purposes.begin(), purposes.end())},
          {"sources", std::vector<std::string>(third_parties.begin(), third_parties.end())},
          {"recipients", recipients},
          {"opt_outs", opt_outs_json},
          {"consents", consents_json},
          {"automated_decision_making", adm},
          {"rights", rights}};
  return package;
  });
}

}  // namespace dsr
