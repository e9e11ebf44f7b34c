// Standing opt-outs (CCPA 1798.120, 1798.121; regs 7025-7027) and consents
// (GDPR Art. 7): recorded, withdrawn, listed, and read by the sharing rules
// (domain/disclosures/disclosures.cpp) and the access package.
#include "dsr/choices.hpp"

#include <algorithm>

#include "domain/disclosures/sharing_rules.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/choice_store.hpp"
#include "store/disclosure_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"
#include "domain/core/audited_write.hpp"

namespace dsr {

const std::vector<OptOutKind>& opt_out_kinds() {
  static const std::vector<OptOutKind> k = {
      {"sale-sharing", "CCPA 1798.120; regs 7026",
       "no sale of the person's personal information and no sharing for cross-context behavioral advertising"},
      {"limit-sensitive", "CCPA 1798.121; regs 7027",
       "sensitive personal information (payment data) used and disclosed only as the service needs"},
  };
  return k;
}

const std::vector<std::string>& consent_methods() {
  static const std::vector<std::string> m = {"web", "email", "phone", "paper", "in-person"};
  return m;
}

namespace {

constexpr int kOptOutBusinessDays = 15;  // regs 7026(f), 7027(g)
constexpr size_t kMaxEvidence = 1 << 20;

bool known_kind(const std::string& k) {
  const auto& all = opt_out_kinds();
  return std::any_of(all.begin(), all.end(), [&](const OptOutKind& x) { return x.kind == k; });
}

std::string kinds_list() {
  std::string out;
  for (const auto& k : opt_out_kinds()) out += (out.empty() ? "" : " or ") + k.kind;
  return out;
}

OptOut to_opt_out(const std::string& subject_id, const store::OptOutRow& r) {
  return {subject_id, r.kind, r.source, r.origin, r.received, r.comply_by, r.signal_at, r.recorded_at, r.recorded_by};
}

Consent to_consent(const std::string& subject_id, const store::ConsentRow& r) {
  return {r.id, subject_id, r.purpose, r.notice, r.method, r.evidence_name, r.given_at, r.recorded_by,
          r.withdrawn_at, r.withdrawn_by};
}

// The third parties that got the subject's data in a sale or sharing: to be
// told of the opt-out (regs 7026(f)).
nlohmann::json sale_recipients(Desk& desk, int64_t subject_rowid) {
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& d : store::disclosures_for(desk.db(), subject_rowid, "0001-01-01")) {
    if (!is_sale_or_sharing(d.recipient_type, d.purpose, d.basis)) continue;
    std::pair<std::string, std::string> key{d.recipient, d.recipient_type};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;  // newest first: the first is the last
    seen.push_back(key);
    out.push_back({{"recipient", d.recipient},
                   {"recipient_type", d.recipient_type},
                   {"recipient_address", d.recipient_address.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.recipient_address)},
                   {"last_disclosed", d.date}});
  }
  return out;
}

store::OptOutRow opt_out_row(Desk& desk, int64_t rowid, const std::string& kind, const std::string& source,
                             const std::string& origin, cal::Date received) {
  store::OptOutRow r;
  r.subject_rowid = rowid;
  r.kind = kind;
  r.source = source;
  r.origin = origin;
  r.received = cal::format(received);
  r.comply_by = cal::format(cal::add_business_days(received, kOptOutBusinessDays));
  r.recorded_at = cal::now_unix();
  r.recorded_by = desk.actor();
  return r;
}

}  // namespace

OptOutResult record_opt_out(Desk& desk, const OptOutInput& in) {
  if (!known_kind(in.kind)) fail(ErrorKind::usage, "--opt-out: must be " + kinds_list());
  if (in.source != "staff" && in.source != "gpc")
    fail(ErrorKind::usage, "source: an opt-out is recorded by staff or from a Global Privacy Control signal "
                           "(a request records its own when it is closed as fulfilled)");
  if (in.source == "gpc" && in.kind != "sale-sharing")
    fail(ErrorKind::usage, "--gpc: a Global Privacy Control signal is an opt-out of sale and sharing (regs 7025)");
  std::string origin = in.origin.empty() ? "" : validate::free_text("--signal-source", in.origin, validate::Limits::source);
  if (in.source == "gpc" && origin.empty()) origin = "Sec-GPC: 1";
  std::optional<int64_t> signal_at;
  if (in.source == "gpc") {
    signal_at = in.signal_at.empty() ? cal::now_unix() : parse_time("--signal-at", in.signal_at);
    if (*signal_at > cal::now_unix() + 300) fail(ErrorKind::usage, "--signal-at: the signal cannot come from the future");
  } else if (!in.signal_at.empty()) {
    fail(ErrorKind::usage, "--signal-at: only a Global Privacy Control signal (--gpc) has a signal time");
  }
  cal::Date received = !in.received.empty() ? cal::parse_date("--received", in.received)
                       : signal_at          ? cal::parse_date("--signal-at", iso_date(*signal_at))
                                            : cal::today();
  if (cal::days_between(cal::today(), received) > 0) fail(ErrorKind::usage, "--received: cannot be in the future");
  return audited_write(desk, "choice opt-out", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, in.subject);
    audit.subject(row.id);
    audit.field("preferences", "opt_out." + in.kind);
    store::OptOutRow r = opt_out_row(desk, row.rowid, in.kind, in.source, origin, received);
    r.signal_at = signal_at;
    OptOutResult res;
    res.already = !store::insert_opt_out(desk.db(), r);
    auto stored = store::opt_outs_for(desk.db(), row.rowid);
    for (const auto& o : stored)
      if (o.kind == in.kind) res.opt_out = to_opt_out(row.id, o);
    res.notify = sale_recipients(desk, row.rowid);
    return res;
  });
}

bool lift_opt_out(Desk& desk, std::string_view subject, const std::string& kind) {
  if (!known_kind(kind)) fail(ErrorKind::usage, "--opt-in: must be " + kinds_list());
  return audited_write(desk, "choice opt-in", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "opt_out." + kind);
    if (!store::delete_opt_out(desk.db(), row.rowid, kind))
      fail(ErrorKind::not_found, "subject " + row.id + " has no standing " + kind + " opt-out");
    return true;
  });
}

bool record_opt_out_for_request(Desk& desk, const std::string& subject_id, const std::string& request_label,
                                const std::string& received) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == "erased") return false;
  return store::insert_opt_out(
      desk.db(), opt_out_row(desk, row->rowid, "sale-sharing", "request", request_label,
                             cal::parse_date("received", received)));
}

nlohmann::json sale_recipients_of(Desk& desk, const std::string& subject_id) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row) return nlohmann::json::array();
  return sale_recipients(desk, row->rowid);
}

std::vector<OptOut> opt_outs_of(Desk& desk, const std::string& subject_id) {
  std::vector<OptOut> out;
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == "erased") return out;
  for (const auto& r : store::opt_outs_for(desk.db(), row->rowid)) out.push_back(to_opt_out(row->id, r));
  return out;
}

nlohmann::json opt_out_json(const OptOut& o) {
  std::string law;
  for (const auto& k : opt_out_kinds())
    if (k.kind == o.kind) law = k.law;
  return {{"kind", o.kind},
          {"law", law},
          {"source", o.source},
          {"origin", o.origin.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.origin)},
          {"received", o.received},
          {"comply_by", o.comply_by},
          {"signal_at", o.signal_at ? nlohmann::json(iso_time(*o.signal_at)) : nlohmann::json(nullptr)},
          {"recorded_at", iso_time(o.recorded_at)}};
}

Consent record_consent(Desk& desk, const ConsentInput& in) {
  std::string purpose = validate::free_text("--purpose", in.purpose, validate::Limits::reason);
  std::string notice = validate::free_text("--notice", in.notice, 64);
  if (std::find(consent_methods().begin(), consent_methods().end(), in.method) == consent_methods().end())
    fail(ErrorKind::usage, "--method: must be web, email, phone, paper or in-person");
  int64_t given_at = in.given_at.empty() ? cal::now_unix() : parse_time("--given-at", in.given_at);
  if (given_at > cal::now_unix() + 300) fail(ErrorKind::usage, "--given-at: consent cannot be given in the future");
  std::string evidence, evidence_name;
  if (!in.evidence_file.empty()) {
    auto input = file_input(in.evidence_file);
    char buf[65536];
    for (size_t n; (n = input->read(buf, sizeof buf)) > 0;) {
      evidence.append(buf, n);
      if (evidence.size() > kMaxEvidence) fail(ErrorKind::usage, "--evidence: the file is larger than 1 MiB");
    }
    if (evidence.empty()) fail(ErrorKind::usage, "--evidence: the file is empty");
    std::string base = in.evidence_file.substr(in.evidence_file.find_last_of('/') + 1);
    evidence_name = validate::free_text("--evidence", base, 255);
  }
  return audited_write(desk, "consent record", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, in.subject);
    audit.subject(row.id);
    audit.field("preferences", "consent");
    store::ConsentRow r;
    r.subject_rowid = row.rowid;
    r.purpose = purpose;
    r.purpose_key = purpose_key(purpose);
    r.notice = notice;
    r.method = in.method;
    r.evidence = std::move(evidence);
    r.evidence_name = evidence_name;
    r.given_at = given_at;
    r.recorded_by = desk.actor();
    r.id = store::insert_consent(desk.db(), r);
    return to_consent(row.id, r);
  });
}

int withdraw_consent(Desk& desk, std::string_view subject, const std::string& purpose_in) {
  std::string purpose = validate::free_text("--purpose", purpose_in, validate::Limits::reason);
  return audited_write(desk, "consent withdraw", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "consent");
    int n = store::withdraw_consents(desk.db(), row.rowid, purpose_key(purpose), cal::now_unix(), desk.actor());
    if (n == 0)
      fail(ErrorKind::not_found, "subject " + row.id + " has no current consent for that purpose; `dsr consent list " +
                                     row.id + "` shows what is on record");
    return n;
  });
}

std::vector<Consent> consents_of(Desk& desk, const std::string& subject_id) {
  std::vector<Consent> out;
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == "erased") return out;
  for (const auto& r : store::consents_for(desk.db(), row->rowid)) out.push_back(to_consent(row->id, r));
  return out;
}

std::vector<Consent> list_consents(Desk& desk, std::string_view subject) {
  return audited_write(desk, "consent list", Action::read_subjects, [&](Audit& audit) {
    store::SubjectRow row = resolve_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "consent");
    auto out = consents_of(desk, row.id);
    return out;
  }, store::Durability::relaxed);
}

nlohmann::json consent_json(const Consent& c) {
  return {{"id", c.id},
          {"purpose", c.purpose},
          {"notice", c.notice},
          {"method", c.method},
          {"evidence", c.evidence_name.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.evidence_name)},
          {"given_at", iso_time(c.given_at)},
          {"status", c.current() ? "current" : "withdrawn"},
          {"withdrawn_at", c.withdrawn_at ? nlohmann::json(iso_time(*c.withdrawn_at)) : nlohmann::json(nullptr)}};
}

const char* const kDefaultAutomatedDecisions =
    "No automated decision-making, including profiling, as described in GDPR Art. 22(1) and (4) takes place: "
    "no decision about you is based solely on automated processing.";

std::string automated_decisions_statement(Desk& desk) {
  return store::statement(desk.db(), "automated-decisions").value_or(kDefaultAutomatedDecisions);
}

std::string set_automated_decisions_statement(Desk& desk, const std::string& text_in) {
  std::string text = text_in.empty() ? "" : validate::free_text("--automated-decisions", text_in, validate::Limits::free_text, true);
  return audited(desk, "policy automated-decisions", [&](Audit& audit) {
    require(desk, Action::manage_keys);  // a statement every access package carries: the admin's
    store::WriteTx tx(desk.db());
    if (text.empty()) store::delete_statement(desk.db(), "automated-decisions");
    else store::put_statement(desk.db(), "automated-decisions", text, cal::now_unix(), desk.actor());
    audit.ok();
    tx.commit();
    return text.empty() ? std::string(kDefaultAutomatedDecisions) : text;
  });
}

nlohmann::json subject_choices_json(Desk& desk, const std::string& subject_id) {
  nlohmann::json j = {{"new_uses", nullptr}, {"opt_outs", nlohmann::json::array()}, {"consents", nlohmann::json::array()}};
  if (auto c = choice_of(desk, subject_id)) j["new_uses"] = choice_json(*c);
  for (const auto& o : opt_outs_of(desk, subject_id)) j["opt_outs"].push_back(opt_out_json(o));
  for (const auto& c : consents_of(desk, subject_id)) j["consents"].push_back(consent_json(c));
  return j;
}

}  // namespace dsr
