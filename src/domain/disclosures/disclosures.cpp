#include "dsr/disclosures.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "domain/core/audited_write.hpp"
#include "domain/disclosures/sharing_rules.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/catalog.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/choice_store.hpp"
#include "store/disclosure_store.hpp"
#include "store/policy_store.hpp"
#include "store/tx.hpp"
#include "util/strings.hpp"

namespace dsr {
namespace {

const std::set<std::string> kRecipientTypes = {"processor", "authority", "partner", "acquirer", "other"};
const std::set<std::string> kBases = {"legal-obligation", "contract", "consent", "legitimate-interests",
                                      "vital-interests", "public-task"};

// Categories are stored as one comma-separated text.
std::vector<std::string> split(const std::string& s) { return util::split(s, ','); }

std::string six_years_ago() { return cal::format(cal::subtract(cal::today(), cal::Duration{6, 'y'})); }

// The request, validated and normalised.
DisclosureRequest normalise(const DisclosureRequest& in) {
  DisclosureRequest r = in;
  if (r.subjects.empty()) fail(ErrorKind::usage, "SUBJECT: give at least one subject to disclose");
  r.recipient = validate::free_text("recipient", in.recipient, 200);
  if (!kRecipientTypes.count(in.recipient_type))
    fail(ErrorKind::usage, "recipient-type: must be processor, authority, partner, acquirer or other");
  if (!in.recipient_address.empty())
    r.recipient_address = validate::free_text("recipient-address", in.recipient_address, validate::Limits::address, true);
  r.categories.clear();
  for (const auto& c : in.categories)
    for (const auto& part : split(c)) {
      if (!validate::is_category(part))
        fail(ErrorKind::usage, "categories: unknown category " + validate::quoted(part) +
                                   "; categories are identity, contact, billing, payment, survey, supplemental, preferences");
      if (std::find(r.categories.begin(), r.categories.end(), part) == r.categories.end()) r.categories.push_back(part);
    }
  if (r.categories.empty()) fail(ErrorKind::usage, "categories: give at least one category (--categories contact,identity)");
  r.purpose = validate::free_text("purpose", in.purpose, 500);
  if (!kBases.count(in.basis))
    fail(ErrorKind::usage, "basis: must be legal-obligation, contract, consent, legitimate-interests, vital-interests or public-task");
  if (!in.reference.empty()) r.reference = validate::free_text("reference", in.reference, 200);
  // Disclosures to law enforcement and courts are logged with the reference
  // of the subpoena or order they answer (dsr(1), disclose).
  if (r.recipient_type == "authority" && r.reference.empty())
    fail(ErrorKind::usage, "reference: a disclosure to an authority records the reference of the subpoena, order "
                           "or request it answers (--reference)");
  // A legal obligation lets a disclosure past every sharing rule (the email
  // rule included), so it must name the law, order or request it rests on,
  // whoever the recipient is.
  if (r.basis == "legal-obligation" && r.reference.empty())
    fail(ErrorKind::usage, "reference: a disclosure on a legal obligation records the law, order or request it "
                           "answers (--reference), whatever the recipient type");
  cal::Date today = cal::today();
  cal::Date date = in.date.empty() ? today : cal::parse_date("date", in.date);
  if (cal::days_between(today, date) > 0) fail(ErrorKind::usage, "date: a disclosure cannot be recorded in the future");
  r.date = cal::format(date);
  if (!in.withhold_until.empty()) {
    cal::Date w = cal::parse_date("withhold-until", in.withhold_until);
    if (cal::days_between(date, w) <= 0) fail(ErrorKind::usage, "withhold-until: must be after the disclosure date");
    r.withhold_until = cal::format(w);
  }
  return r;
}

DisclosureRecord to_record(const store::DisclosureRow& row) {
  return {row.id,        row.subject_id,  row.date,      row.recipient,      row.recipient_type,
          row.recipient_address, split(row.categories), row.purpose, row.basis, row.reference,
          row.withhold_until, row.recorded_at, row.recorded_by};
}

}  // namespace

DisclosureResult disclose(Desk& desk, const DisclosureRequest& in) {
  DisclosureRequest req = normalise(in);
  return audited_write(desk, "disclose", Action::disclose, [&](Audit& audit) {
  for (const auto& c : req.categories) audit.field(c, "*");
  // Resolve everyone first and apply the rules to each: all or nothing.
  std::vector<store::SubjectRow> rows;
  rows.reserve(req.subjects.size());
  std::set<int64_t> seen;
  nlohmann::json refusals = nlohmann::json::array();
  std::set<std::string> rules_broken;
  const bool check_new_uses = req.basis != "legal-obligation" && store::any_new_uses_declined(desk.db());
  for (const auto& ref : req.subjects) {
    store::SubjectRow row = resolve_live_subject(desk, ref);
    if (!seen.insert(row.rowid).second) continue;
    audit.subject(row.id);
    // The person's choices the rules obey: standing opt-outs, and a consent
    // for this purpose when consent is the basis.
    SharingCase sc{row.status, req.recipient_type, req.purpose, req.basis, req.categories, {}, false};
    std::vector<store::OptOutRow> opt_outs = store::opt_outs_for(desk.db(), row.rowid);
    for (const auto& o : opt_outs) sc.opt_outs.push_back(o.kind);
    if (req.basis == "consent") sc.consent_given = store::has_current_consent(desk.db(), row.rowid, purpose_key(req.purpose));
    auto refused = check_sharing(sc);
    for (const auto& r : refused) {
      nlohmann::json j = {{"subject", row.id}, {"rule", r.rule}, {"category", r.category}, {"message", r.message}};
      // Name the choice the disclosure would break.
      for (const auto& o : opt_outs)
        if ((r.rule == "opted-out-of-sale-sharing" && o.kind == "sale-sharing") ||
            (r.rule == "limited-sensitive-use" && o.kind == "limit-sensitive")) {
          j["choice"] = {{"kind", o.kind}, {"source", o.source}, {"received", o.received}};
          if (req.subjects.size() == 1)
            rules_broken.insert("subject " + row.id + " opted out (" + o.kind + ", by " +
                                (o.source == "gpc" ? std::string("Global Privacy Control") : o.source) + ", received " +
                                o.received + ")");
        }
      if (r.rule == "consent-on-record") {
        j["choice"] = {{"kind", "consent"}, {"purpose", req.purpose}};
        if (req.subjects.size() == 1)
          rules_broken.insert("subject " + row.id + " has no current consent for the purpose \"" + req.purpose +
                              "\" (`dsr consent record " + row.id + " --purpose ...`)");
      }
      if (refusals.size() < 100) refusals.push_back(std::move(j));
      rules_broken.insert(r.message);
    }
    // The policy's promise on new uses: a subject who declined them is not
    // disclosed to for a purpose their policy version did not state (a legal
    // obligation still is).
    if (check_new_uses)
      if (auto objection = new_use_objection(desk, row.id, req.purpose)) {
        if (refusals.size() < 100)
          refusals.push_back({{"subject", row.id}, {"rule", "declined-new-uses"}, {"category", nullptr}, {"message", *objection}});
        rules_broken.insert(req.subjects.size() == 1
                                ? *objection
                                : "subjects who declined new uses are not disclosed to for a purpose their policy "
                                  "version did not state (the error details name them)");
      }
    rows.push_back(std::move(row));
  }
  if (!refusals.empty()) {
    std::string msg = "disclosure refused by the sharing rules; nothing was logged:";
    for (const auto& m : rules_broken) msg += "\n  " + m;
    throw Error(ErrorKind::refused, msg, refusals.dump());
  }
  int64_t recipient_id = store::upsert_recipient(desk.db(), req.recipient, req.recipient_type, req.recipient_address);
  DisclosureResult result;
  result.date = req.date;
  store::DisclosureRow d;
  d.date = req.date;
  d.categories = util::join(req.categories, ",");
  d.purpose = req.purpose;
  d.basis = req.basis;
  d.reference = req.reference;
  d.withhold_until = req.withhold_until;
  d.recorded_at = cal::now_unix();
  d.recorded_by = desk.actor();
  for (const auto& row : rows) {
    d.subject_rowid = row.rowid;
    int64_t id = store::insert_disclosure(desk.db(), d, recipient_id);
    if (!result.first_id) result.first_id = id;
    result.subject_ids.push_back(row.id);
  }
  return result;
  });
}

namespace {
std::vector<DisclosureRecord> accounting(Desk& desk, int64_t rowid, const std::string& from) {
  std::vector<DisclosureRecord> out;
  for (const auto& r : store::disclosures_for(desk.db(), rowid, from)) out.push_back(to_record(r));
  return out;
}

std::vector<RecipientSummary> summarise(const std::vector<DisclosureRecord>& all) {
  std::map<std::pair<std::string, std::string>, RecipientSummary> by;
  for (const auto& d : all) {
    auto& s = by[{d.recipient, d.recipient_type}];
    if (s.count == 0) {
      s.recipient = d.recipient;
      s.recipient_type = d.recipient_type;
      s.recipient_address = d.recipient_address;
      s.first_date = s.last_date = d.date;
    }
    ++s.count;
    s.first_date = std::min(s.first_date, d.date);
    s.last_date = std::max(s.last_date, d.date);
    for (const auto& c : d.categories)
      if (std::find(s.categories.begin(), s.categories.end(), c) == s.categories.end()) s.categories.push_back(c);
  }
  std::vector<RecipientSummary> out;
  for (auto& [_, s] : by) out.push_back(std::move(s));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.last_date > b.last_date; });
  return out;
}

// A read of the accounting, with its audit entry.
template <class F>
auto read_accounting(Desk& desk, const char* command, std::string_view subject, F&& body) {
  return audited_write(desk, command, Action::read_disclosures, [&](Audit& audit) {
    store::SubjectRow row = resolve_subject(desk, subject);
    audit.subject(row.id);
    auto out = body(row);
    return out;
  }, store::Durability::relaxed);
}
}  // namespace

std::vector<DisclosureRecord> disclosures_of(Desk& desk, std::string_view subject, const std::string& since) {
  std::string from = since.empty() ? six_years_ago() : cal::format(cal::parse_date("since", since));
  return read_accounting(desk, "disclosures", subject,
                         [&](const store::SubjectRow& row) { return accounting(desk, row.rowid, from); });
}

nlohmann::json disclosure_json(const DisclosureRecord& r) {
  return {{"id", r.id},
          {"subject", r.subject_id},
          {"date", r.date},
          {"recipient", r.recipient},
          {"recipient_type", r.recipient_type},
          {"recipient_address", text_or_null(r.recipient_address)},
          {"categories", r.categories},
          {"purpose", r.purpose},
          {"basis", r.basis},
          {"reference", text_or_null(r.reference)},
          {"withhold_until", text_or_null(r.withhold_until)},
          {"recorded_at", iso_time(r.recorded_at)},
          {"recorded_by", r.recorded_by}};
}

std::vector<RecipientSummary> recipients_of(Desk& desk, std::string_view subject) {
  return read_accounting(desk, "recipients", subject, [&](const store::SubjectRow& row) {
    return summarise(accounting(desk, row.rowid, "0001-01-01"));
  });
}

nlohmann::json recipient_summary_json(const RecipientSummary& r) {
  return {{"recipient", r.recipient},
          {"recipient_type", r.recipient_type},
          {"recipient_address", text_or_null(r.recipient_address)},
          {"disclosures", r.count},
          {"first_date", r.first_date},
          {"last_date", r.last_date},
          {"categories", r.categories}};
}

nlohmann::json subject_recipients_json(Desk& desk, const std::string& subject_id) {
  std::string today = cal::format(cal::today());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : accounting(desk, resolve_subject(desk, subject_id).rowid, "0001-01-01")) {
    if (!d.withhold_until.empty() && d.withhold_until > today) continue;  // confidentiality order still running
    // The accounting's view of the disclosure, less the desk's own bookkeeping.
    nlohmann::json j = disclosure_json(d);
    for (const char* k : {"id", "subject", "withhold_until", "recorded_at", "recorded_by"}) j.erase(k);
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json notify_list(Desk& desk, const std::string& subject_id) {
  return notify_list(desk, resolve_subject(desk, subject_id).rowid);
}

nlohmann::json notify_list(Desk& desk, int64_t subject_rowid) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : summarise(accounting(desk, subject_rowid, "0001-01-01")))
    out.push_back({{"recipient", r.recipient},
                   {"recipient_type", r.recipient_type},
                   {"recipient_address", text_or_null(r.recipient_address)},
                   {"last_disclosed", r.last_date},
                   {"categories", r.categories}});
  return out;
}

// ---- legal holds -------------------------------------------------------------
namespace {
Hold to_hold(const store::HoldRow& h) { return {h.id, h.subject_id, h.reason, h.reference, h.placed_at, h.placed_by}; }
}  // namespace

Hold place_hold(Desk& desk, std::string_view subject, const std::string& reason, const std::string& reference) {
  return audited_write(desk, "hold place", Action::disclose, [&](Audit& audit) {
  store::SubjectRow row = resolve_live_subject(desk, subject);
  audit.subject(row.id);
  store::HoldRow h;
  h.subject_rowid = row.rowid;
  h.subject_id = row.id;
  h.reason = validate::free_text("reason", reason, validate::Limits::reason);
  if (!reference.empty()) h.reference = validate::free_text("reference", reference, 200);
  h.placed_at = cal::now_unix();
  h.placed_by = desk.actor();
  h.id = store::insert_hold(desk.db(), h);
  return to_hold(h);
  });
}

int release_holds(Desk& desk, std::string_view subject, const std::string& reference) {
  return audited_write(desk, "hold release", Action::disclose, [&](Audit& audit) {
  store::SubjectRow row = resolve_subject(desk, subject);
  audit.subject(row.id);
  int n = store::delete_holds(desk.db(), row.rowid, reference.empty() ? std::nullopt : std::optional(reference));
  if (n == 0)
    fail(ErrorKind::not_found, "no legal hold on " + row.id + (reference.empty() ? "" : " with reference " + reference));
  return n;
  });
}

std::vector<Hold> list_holds(Desk& desk) {
  require_audited(desk, Action::read_disclosures, "hold list");
  std::vector<Hold> out;
  for (const auto& h : store::holds_for(desk.db(), std::nullopt)) out.push_back(to_hold(h));
  return out;
}

std::vector<Hold> holds_on(Desk& desk, const std::string& subject_id) {
  store::SubjectRow row = resolve_subject(desk, subject_id);
  std::vector<Hold> out;
  for (const auto& h : store::holds_for(desk.db(), row.rowid)) out.push_back(to_hold(h));
  return out;
}

nlohmann::json hold_json(const Hold& h) {
  return {{"id", h.id},
          {"subject", h.subject_id},
          {"reason", h.reason},
          {"reference", text_or_null(h.reference)},
          {"placed_at", iso_time(h.placed_at)},
          {"placed_by", h.placed_by}};
}

}  // namespace dsr
