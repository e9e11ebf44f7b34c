// Choices that bind: standing opt-outs of the sale or sharing of personal
// information and limits on the use of sensitive information (CCPA 1798.120,
// 1798.121; regs 7025-7027), and consents with their withdrawal (GDPR Art. 7).
// The sharing rules (dsr/disclosures.hpp) obey both: a sale or sharing for a
// person who opted out, and a disclosure on consent without a current consent
// for its purpose, are refused. Opt-outs and consents are personal data: they
// are erased with the subject.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/enums.hpp"

namespace dsr {

// ---- standing opt-outs -----------------------------------------------------------
// One kind of opt-out, as the law names it (the one table of them).
struct OptOutKind {
  std::string kind;  // sale-sharing, limit-sensitive
  std::string law;   // its citation
  std::string text;  // what it stops, in a sentence
  RequestType request_type;  // the CCPA request type that records it when fulfilled (dsr/laws.hpp)
};
const std::vector<OptOutKind>& opt_out_kinds();
// The kind a fulfilled CCPA request of this type records ("" for none).
std::string opt_out_kind_for_request(RequestType request_type);

struct OptOut {
  std::string subject_id;
  std::string kind;    // sale-sharing, limit-sensitive
  std::string source;  // request (a fulfilled CCPA opt-out request), gpc (Global Privacy Control), staff
  std::string origin;  // the request id, or where the GPC signal was seen; may be empty
  std::string received;   // YYYY-MM-DD: the request or signal came in
  std::string comply_by;  // received + 15 business days (regs 7026(f), 7027(g))
  std::optional<int64_t> signal_at;  // GPC: when the signal was seen
  int64_t recorded_at = 0;
  std::string recorded_by;
  // Complied with: dsr refuses the disclosures that would break an opt-out
  // from the moment it is recorded, so what is left is telling the third
  // parties that got the data (regs 7026(f)(2), 7027(g)(2)). With none to
  // tell it is complied with when recorded; otherwise staff record the day
  // they were told (comply_opt_out). Empty while still to do.
  std::string complied_on;  // YYYY-MM-DD
  std::string complied_by;
  bool overdue = false;  // not complied with and comply_by has passed (today, the test clock included)
  bool late() const { return !complied_on.empty() && complied_on > comply_by; }
};

struct OptOutInput {
  std::string subject;               // SUBJECT
  std::string kind = "sale-sharing";
  std::string source = "staff";      // staff or gpc (requests record theirs when closed)
  std::string origin;                // GPC: where the signal was seen (a site, "Sec-GPC header")
  std::string signal_at;             // GPC: when (a time, see parse_time); empty: now
  std::string received;              // YYYY-MM-DD; empty: the signal's date, or today
};

struct OptOutResult {
  OptOut opt_out;
  bool already = false;  // a standing opt-out of that kind was already recorded (it is kept)
  // The third parties the person's data went to in a sale or sharing, to be
  // told of the opt-out (regs 7026(f)): recipient, recipient_type, last_disclosed.
  nlohmann::json notify = nlohmann::json::array();
};

// Records a standing opt-out for a live subject (usage for a bad kind, source
// or time; not_found for an unknown subject). A second opt-out of the same
// kind keeps the first record and says so (already). comply_by is received +
// the law table's period for the kind's request type (15 business days),
// skipping the public holidays imported for the law's jurisdiction (US-CA).
OptOutResult record_opt_out(Desk& desk, const OptOutInput& in);
// Staff record that the third parties were told (on: YYYY-MM-DD, default
// today; not before the opt-out was received, not in the future): the
// opt-out is complied with. not_found when there is no such opt-out,
// conflict when it was already complied with. Audited ("choice complied").
OptOut comply_opt_out(Desk& desk, std::string_view subject, const std::string& kind, const std::string& on);
// Every live subject's standing opt-outs, soonest comply_by first; with
// open_only, only those not yet complied with (the overdue ones among them
// have overdue set). An audited read (names the subjects).
std::vector<OptOut> list_opt_outs(Desk& desk, bool open_only);
// The person opted back in (staff records it); returns the subject id
// (not_found when there was no such opt-out).
std::string lift_opt_out(Desk& desk, std::string_view subject, const std::string& kind);
// Inside the caller's transaction: the opt-out of `kind` a fulfilled CCPA
// request records (close_request calls it). Returns whether it was new.
bool record_opt_out_for_request(Desk& desk, const std::string& subject_id, const std::string& kind,
                                const std::string& request_label, const std::string& received);
// The third parties to tell of an opt-out of `kind`, newest first: for
// sale-sharing those the subject's data went to in a sale or sharing (regs
// 7026(f)), for limit-sensitive those that got payment data other than the
// card processor for billing or on a legal obligation (regs 7027(g), (m)):
// {"recipient", "recipient_type", "recipient_address", "last_disclosed"}.
nlohmann::json recipients_to_tell(Desk& desk, const std::string& subject_id, const std::string& kind);
// A subject's standing opt-outs (none for erased or unknown subjects).
std::vector<OptOut> opt_outs_of(Desk& desk, const std::string& subject_id);
// The opt-out as the access package carries it (export schema format 2).
nlohmann::json opt_out_json(const OptOut& o);
// For staff (show, report opt-outs, choice): the same with "complied_on",
// "complied_by", "overdue" and "late".
nlohmann::json opt_out_status_json(const OptOut& o);

// ---- one `dsr choice` (and a batch "choice" line) ------------------------------
struct ChoiceInput {
  std::string subject;
  std::string new_uses;  // accept or decline (dsr/policy.hpp)
  std::string opt_out;   // a kind, recorded by staff
  bool gpc = false;      // a Global Privacy Control signal: a sale-sharing opt-out
  std::string signal_at, signal_source, received;  // see OptOutInput
  std::string opt_in;    // a kind to lift
  std::string complied;     // a kind whose third parties were told (comply_opt_out)
  std::string complied_on;  // YYYY-MM-DD; default today
};
struct ChoiceResult {
  std::string subject_id;
  nlohmann::json new_uses;         // choice_json, or null
  std::optional<OptOutResult> opt_out;
  std::string opted_in;            // the kind lifted, or ""
  std::optional<OptOut> complied;
};
// Checks the combination (usage: nothing to record; signal details without
// gpc; complied_on without complied), then records each part in turn, each
// its own audited write (a batch line runs them in its savepoint).
ChoiceResult apply_choice(Desk& desk, const ChoiceInput& in);
// {"subject", and as given: "new_uses", "at", "policy_version" (the shape
// `choice --new-uses --json` always had), "opt_out", "already", "notify",
// "opted_in", "complied"}.
nlohmann::json choice_result_json(const ChoiceResult& r);

// ---- consents --------------------------------------------------------------------
struct Consent {
  int64_t id = 0;
  std::string subject_id;
  std::string purpose, notice, method;
  std::string evidence_name;  // the evidence file's name; empty when none was kept
  int64_t given_at = 0;
  std::string recorded_by;
  std::optional<int64_t> withdrawn_at;
  std::string withdrawn_by;
  bool current() const { return !withdrawn_at; }
};

struct ConsentInput {
  std::string subject;
  std::string purpose;  // free text; compared without regard to case and spacing
  std::string notice;   // the version of the notice the person saw
  std::string method;   // web, email, phone, paper, in-person
  std::string evidence_file;  // optional: a file kept in the vault as the evidence (at most 1 MiB)
  std::string given_at;       // optional: when it was given (parse_time); default now
};
const std::vector<std::string>& consent_methods();

Consent record_consent(Desk& desk, const ConsentInput& in);
// Withdraws the subject's current consents for the purpose; not_found when
// there is none. As easy as giving it: no reason, no evidence needed.
int withdraw_consent(Desk& desk, std::string_view subject, const std::string& purpose);
// Every consent of the subject, given and withdrawn, oldest first (audited read).
std::vector<Consent> list_consents(Desk& desk, std::string_view subject);
// The same without an audit entry of its own (for show and export).
std::vector<Consent> consents_of(Desk& desk, const std::string& subject_id);
nlohmann::json consent_json(const Consent& c);

// ---- the Art. 15(1)(h) statement --------------------------------------------------
// What the access package says about automated decision-making, including
// profiling (GDPR Art. 15(1)(h): said even when there is none). Default:
// kDefaultAutomatedDecisions. Setting needs the admin role; an empty text
// puts the default back.
extern const char* const kDefaultAutomatedDecisions;
std::string automated_decisions_statement(Desk& desk);
std::string set_automated_decisions_statement(Desk& desk, const std::string& text);

// The subject's choices as show --json and the access package carry them:
// {"new_uses": {...} or null, "opt_outs": [...], "consents": [...]}.
nlohmann::json subject_choices_json(Desk& desk, const std::string& subject_id);

}  // namespace dsr
