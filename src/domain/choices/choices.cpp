// Standing opt-outs (CCPA 1798.120, 1798.121; regs 7025-7027) and consents
// (GDPR Art. 7): recorded, withdrawn, listed, and read by the sharing rules
// (domain/disclosures/disclosures.cpp) and the access package.
#include "dsr/choices.hpp"

#include <algorithm>

#include "domain/core/audited_write.hpp"
#include "domain/disclosures/sharing_rules.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/holidays.hpp"
#include "dsr/input.hpp"
#include "dsr/json_values.hpp"
#include "dsr/laws.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/choice_store.hpp"
#include "store/disclosure_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

const std::vector<OptOutKind>& opt_out_kinds() {
  static const std::vector<OptOutKind> k = {
      {"sale-sharing", "CCPA 1798.120; regs 7026",
       "no sale of the person's personal information and no sharing for cross-context behavioral advertising",
       RequestType::opt_out},
      {"limit-sensitive", "CCPA 1798.121; regs 7027",
       "sensitive personal information (payment data) used and disclosed only as the service needs",
       RequestType::limit_sensitive},
  };
  return k;
}

std::string opt_out_kind_for_request(RequestType request_type) {
  for (const auto& k : opt_out_kinds())
    if (k.request_type == request_type) return k.kind;
  return "";
}

const std::vector<std::string>& consent_methods() {
  static const std::vector<std::string> m = {"web", "email", "phone", "paper", "in-person"};
  return m;
}

namespace {

// The law whose regulations (7026(f), 7027(g)) set an opt-out's clock: its
// row of the law table gives the period (the type rule of the kind's request
// type) and the jurisdiction whose imported holidays are skipped.
constexpr LawId kOptOutLaw = LawId::ccpa;
constexpr size_t kMaxEvidence = 1 << 20;

const OptOutKind& kind_info(const std::string& k) {
  for (const auto& x : opt_out_kinds())
    if (x.kind == k) return x;
  fail(ErrorKind::usage, "unknown opt-out kind " + validate::quoted(k));
}

cal::Date comply_by_of(Desk& desk, const std::string& kind, cal::Date received) {
  const laws::Law& law = laws::get(kOptOutLaw);
  laws::Periods p = laws::periods_for(law, kind_info(kind).request_type);
  return laws::add(received, p.answer, holidays_of(desk, std::string(law.jurisdiction)));
}

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
  OptOut o{subject_id, r.kind, r.source, r.origin, r.received, r.comply_by, r.signal_at, r.recorded_at, r.recorded_by,
           r.complied_on.value_or(""), r.complied_by, false};
  o.overdue = o.complied_on.empty() && cal::format(cal::today()) > o.comply_by;
  return o;
}

Consent to_consent(const std::string& subject_id, const store::ConsentRow& r) {
  return {r.id, subject_id, r.purpose, r.notice, r.method, r.evidence_name, r.given_at, r.recorded_by,
          r.withdrawn_at, r.withdrawn_by};
}

// What `read` holds for a subject that is not erased, each row made an Item
// by `make`: nothing for an unknown or erased subject.
template <class Item, class Read, class Make>
std::vector<Item> held_for_subject(Desk& desk, const std::string& subject_id, Read read, Make make) {
  std::vector<Item> out;
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == SubjectStatus::erased) return out;
  for (const auto& r : read(desk.db(), row->rowid)) out.push_back(make(row->id, r));
  return out;
}

// Whether a disclosure is one the opt-out's third parties must hear of:
// a sale or sharing (regs 7026(f)), or payment data beyond the card
// processor for billing and legal obligations (regs 7027(g), (m)).
bool to_tell(const std::string& kind, const store::DisclosureRow& d) {
  if (kind == "sale-sharing") return is_sale_or_sharing(d.recipient_type, d.purpose, d.basis);
  bool payment = ("," + d.categories + ",").find(",payment,") != std::string::npos;
  bool permitted = d.basis == "legal-obligation" ||
                   (d.recipient_type == "processor" && processor_purpose(d.purpose) == "billing");
  return payment && !permitted;
}

// The third parties that got the subject's data in a way the opt-out of
// `kind` stops: to be told of it.
nlohmann::json recipients_for(Desk& desk, int64_t subject_rowid, const std::string& kind) {
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> seen;
  for (const auto& d : store::disclosures_for(desk.db(), subject_rowid, "0001-01-01")) {
    if (!to_tell(kind, d)) continue;
    std::pair<std::string, std::string> key{d.recipient, d.recipient_type};
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;  // newest first: the first is the last
    seen.push_back(key);
    out.push_back({{"recipient", d.recipient},
                   {"recipient_type", d.recipient_type},
                   {"recipient_address", text_or_null(d.recipient_address)},
                   {"last_disclosed", d.date}});
  }
  return out;
}

// With no third party to tell, recording the opt-out is complying with it
// (the sharing rules obey it at once): complied_on is today.
store::OptOutRow opt_out_row(Desk& desk, int64_t rowid, const std::string& kind, const std::string& source,
                             const std::string& origin, cal::Date received, bool none_to_tell) {
  store::OptOutRow r;
  r.subject_rowid = rowid;
  r.kind = kind;
  r.source = source;
  r.origin = origin;
  r.received = cal::format(received);
  r.comply_by = cal::format(comply_by_of(desk, kind, received));
  r.recorded_at = cal::now_unix();
  r.recorded_by = desk.actor();
  if (none_to_tell) {
    r.complied_on = cal::format(cal::today());
    r.complied_by = desk.actor();
  }
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
    OptOutResult res;
    res.notify = recipients_for(desk, row.rowid, in.kind);
    store::OptOutRow r = opt_out_row(desk, row.rowid, in.kind, in.source, origin, received, res.notify.empty());
    r.signal_at = signal_at;
    res.already = !store::insert_opt_out(desk.db(), r);
    auto stored = store::opt_outs_for(desk.db(), row.rowid);
    for (const auto& o : stored)
      if (o.kind == in.kind) res.opt_out = to_opt_out(row.id, o);
    return res;
  });
}

std::string lift_opt_out(Desk& desk, std::string_view subject, const std::string& kind) {
  if (!known_kind(kind)) fail(ErrorKind::usage, "--opt-in: must be " + kinds_list());
  return audited_write(desk, "choice opt-in", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "opt_out." + kind);
    if (!store::delete_opt_out(desk.db(), row.rowid, kind))
      fail(ErrorKind::not_found, "subject " + row.id + " has no standing " + kind + " opt-out");
    return row.id;
  });
}

bool record_opt_out_for_request(Desk& desk, const std::string& subject_id, const std::string& kind,
                                const std::string& request_label, const std::string& received) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row || row->status == SubjectStatus::erased) return false;
  bool none_to_tell = recipients_for(desk, row->rowid, kind).empty();
  return store::insert_opt_out(desk.db(), opt_out_row(desk, row->rowid, kind, "request", request_label,
                                                      cal::parse_date("received", received), none_to_tell));
}

nlohmann::json recipients_to_tell(Desk& desk, const std::string& subject_id, const std::string& kind) {
  auto row = store::subject_by_id(desk.db(), subject_id);
  if (!row) return nlohmann::json::array();
  return recipients_for(desk, row->rowid, kind);
}

OptOut comply_opt_out(Desk& desk, std::string_view subject, const std::string& kind, const std::string& on_in) {
  if (!known_kind(kind)) fail(ErrorKind::usage, "--complied: must be " + kinds_list());
  cal::Date today = cal::today();
  cal::Date on = on_in.empty() ? today : cal::parse_date("--complied-on", on_in);
  if (cal::days_between(today, on) > 0) fail(ErrorKind::usage, "--complied-on: cannot be in the future");
  return audited_write(desk, "choice complied", Action::manage_requests, [&](Audit& audit) {
    store::SubjectRow row = resolve_live_subject(desk, subject);
    audit.subject(row.id);
    audit.field("preferences", "opt_out." + kind);
    std::optional<store::OptOutRow> found;
    for (auto& o : store::opt_outs_for(desk.db(), row.rowid))
      if (o.kind == kind) found = o;
    if (!found)
      fail(ErrorKind::not_found, "subject " + row.id + " has no standing " + kind + " opt-out");
    if (found->complied_on)
      fail(ErrorKind::conflict, "the " + kind + " opt-out of " + row.id + " was already complied with on " +
                                    *found->complied_on + " (recorded by " + found->complied_by + ")");
    if (cal::format(on) < found->received)
      fail(ErrorKind::usage, "--complied-on: " + cal::format(on) + " is before the opt-out was received (" +
                                 found->received + ")");
    found->complied_on = cal::format(on);
    found->complied_by = desk.actor();
    store::mark_opt_out_complied(desk.db(), row.rowid, kind, *found->complied_on, found->complied_by);
    return to_opt_out(row.id, *found);
  });
}

std::vector<OptOut> list_opt_outs(Desk& desk, bool open_only) {
  return audited_write(desk, "report opt-outs", Action::read_subjects, [&](Audit& audit) {
    audit.field("preferences", "opt_outs");
    std::vector<OptOut> out;
    for (const auto& [id, r] : store::all_opt_outs(desk.db(), open_only)) {
      audit.subject(id);
      out.push_back(to_opt_out(id, r));
    }
    return out;
  }, store::Durability::relaxed);
}

std::vector<OptOut> opt_outs_of(Desk& desk, const std::string& subject_id) {
  return held_for_subject<OptOut>(desk, subject_id, store::opt_outs_for, to_opt_out);
}

nlohmann::json opt_out_json(const OptOut& o) {
  std::string law;
  for (const auto& k : opt_out_kinds())
    if (k.kind == o.kind) law = k.law;
  return {{"kind", o.kind},
          {"law", law},
          {"source", o.source},
          {"origin", text_or_null(o.origin)},
          {"received", o.received},
          {"comply_by", o.comply_by},
          {"signal_at", time_or_null(o.signal_at)},
          {"recorded_at", iso_time(o.recorded_at)}};
}

nlohmann::json opt_out_status_json(const OptOut& o) {
  nlohmann::json j = opt_out_json(o);
  j["subject"] = o.subject_id;
  j["complied_on"] = text_or_null(o.complied_on);
  j["complied_by"] = text_or_null(o.complied_by);
  j["overdue"] = o.overdue;
  j["late"] = o.late();
  return j;
}

ChoiceResult apply_choice(Desk& desk, const ChoiceInput& in) {
  if (in.new_uses.empty() && in.opt_out.empty() && in.opt_in.empty() && !in.gpc && in.complied.empty())
    fail(ErrorKind::usage, "choice: give --new-uses, --opt-out, --opt-in, --gpc or --complied");
  if (!in.gpc && (!in.signal_at.empty() || !in.signal_source.empty()))
    fail(ErrorKind::usage, "--signal-at and --signal-source describe a Global Privacy Control signal: add --gpc");
  if (in.complied.empty() && !in.complied_on.empty())
    fail(ErrorKind::usage, "--complied-on: give the kind complied with (--complied sale-sharing|limit-sensitive)");
  ChoiceResult r;
  r.new_uses = nullptr;
  if (!in.new_uses.empty()) {
    Choice c = record_choice(desk, in.subject, in.new_uses);
    r.subject_id = c.subject_id;
    r.new_uses = choice_json(c);
  }
  if (in.gpc || !in.opt_out.empty()) {
    OptOutInput o;
    o.subject = in.subject;
    o.kind = in.opt_out.empty() ? "sale-sharing" : in.opt_out;
    o.source = in.gpc ? "gpc" : "staff";
    o.origin = in.signal_source;
    o.signal_at = in.signal_at;
    o.received = in.received;
    r.opt_out = record_opt_out(desk, o);
    r.subject_id = r.opt_out->opt_out.subject_id;
  } else if (!in.received.empty()) {
    fail(ErrorKind::usage, "--received: the date an opt-out came in; give --opt-out or --gpc");
  }
  if (!in.complied.empty()) {
    r.complied = comply_opt_out(desk, in.subject, in.complied, in.complied_on);
    r.subject_id = r.complied->subject_id;
  }
  if (!in.opt_in.empty()) {
    r.subject_id = lift_opt_out(desk, in.subject, in.opt_in);
    r.opted_in = in.opt_in;
  }
  return r;
}

nlohmann::json choice_result_json(const ChoiceResult& r) {
  nlohmann::json out = {{"subject", text_or_null(r.subject_id)}};
  if (!r.new_uses.is_null()) out.update(r.new_uses);
  if (r.opt_out) {
    out["opt_out"] = opt_out_status_json(r.opt_out->opt_out);
    out["already"] = r.opt_out->already;
    out["notify"] = r.opt_out->notify;
  }
  if (r.complied) out["complied"] = opt_out_status_json(*r.complied);
  if (!r.opted_in.empty()) out["opted_in"] = r.opted_in;
  return out;
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
    auto bytes = read_at_most(*file_input(in.evidence_file), kMaxEvidence);
    if (!bytes) fail(ErrorKind::usage, "--evidence: the file is larger than 1 MiB");
    evidence = std::move(*bytes);
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
  return held_for_subject<Consent>(desk, subject_id, store::consents_for, to_consent);
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
          {"evidence", text_or_null(c.evidence_name)},
          {"given_at", iso_time(c.given_at)},
          {"status", c.current() ? "current" : "withdrawn"},
          {"withdrawn_at", time_or_null(c.withdrawn_at)}};
}

const char* const kDefaultAutomatedDecisions =
    "No automated decision-making, including profiling, as described in GDPR Art. 22(1) and (4) takes place: "
    "no decision about you is based solely on automated processing.";

std::string automated_decisions_statement(Desk& desk) {
  return store::statement(desk.db(), "automated-decisions").value_or(kDefaultAutomatedDecisions);
}

std::string set_automated_decisions_statement(Desk& desk, const std::string& text_in) {
  std::string text = text_in.empty() ? "" : validate::free_text("--automated-decisions", text_in, validate::Limits::free_text, true);
  // A statement every access package carries: the admin's.
  return audited_write(desk, "policy automated-decisions", Action::manage_keys, [&](Audit&) {
    if (text.empty()) store::delete_statement(desk.db(), "automated-decisions");
    else store::put_statement(desk.db(), "automated-decisions", text, cal::now_unix(), desk.actor());
    return text.empty() ? std::string(kDefaultAutomatedDecisions) : text;
  });
}

nlohmann::json subject_choices_json(Desk& desk, const std::string& subject_id) {
  nlohmann::json j = {{"new_uses", nullptr}, {"opt_outs", nlohmann::json::array()}, {"consents", nlohmann::json::array()}};
  if (auto c = choice_of(desk, subject_id)) j["new_uses"] = choice_json(*c);
  for (const auto& o : opt_outs_of(desk, subject_id)) j["opt_outs"].push_back(opt_out_status_json(o));
  for (const auto& c : consents_of(desk, subject_id)) j["consents"].push_back(consent_json(c));
  return j;
}

}  // namespace dsr
