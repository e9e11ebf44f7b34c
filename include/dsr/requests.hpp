// Data-subject requests with their statutory deadlines (the law table,
// dsr/laws.hpp), their history, and the yearly metrics. Every change runs in
// one transaction and appends to the request's history.
//
// Who asked: a request names a subject (live or erased), or stands on a
// claimed identity (an email, phone or name that matches nobody in the vault)
// until it is linked to one, by `link_request` or when a matching subject is
// registered or corrected. A non-subject is answered "nothing is held"; an
// erased subject with what is still kept and why (kept_after_erasure).
//
// Statuses: received -> verified -> in_progress -> fulfilled | denied | cancelled.
//   verify       received -> verified (the requester's identity is checked)
//   start        verified -> in_progress (also done by the first action recorded
//                against the request)
//   close        fulfilled needs verified or in_progress; denied needs a reason;
//                cancelled (withdrawn by the requester) from any open status
//   acknowledge  records the confirmation of receipt (CCPA: due in 10 business days)
//   extend       once, on or before the first due date, with a reason (laws
//                without an extension refuse)
//   pause/resume stop and restart the clock while waiting for clarification
//                (laws whose row is pausable: uk-gdpr)
//   link         attach a claimed-identity request to a subject
//   verify with evidence, confirm-agent, reopen, the appeal's extension:
//                requests_verify.cpp (the rules are written beside each below)
// Errors: no such request -> not_found; a closed request, a second verify,
// start or acknowledge -> conflict; what the law or the desk's rules refuse
// (acting on or fulfilling an unverified request, a second or late extension)
// -> refused; bad values -> usage.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/calendar.hpp"
#include "dsr/desk.hpp"
#include "dsr/enums.hpp"
#include "dsr/laws.hpp"

namespace dsr {

struct RequestEvent {
  int64_t at = 0;
  std::string actor;
  std::string event;  // opened, verified, acknowledged, started, extended, action, closed
  nlohmann::json detail = nlohmann::json::object();  // ids, field names, dates, reasons; no personal values
};

struct Claim {
  std::string kind;   // email, phone, name
  std::string value;  // shown by find_request only
};

struct Request {
  std::string id;  // "req_12"
  std::string subject_id;  // empty while the request stands on a claimed identity
  std::optional<SubjectStatus> subject_status;  // find_request only; nullopt when unlinked
  RequestType type = RequestType::access;
  LawId law = LawId::gdpr;
  std::string channel;  // email, phone, mail, web, in-person; empty when not recorded
  std::string received;  // YYYY-MM-DD
  RequestStatus status = RequestStatus::received;
  std::string first_due;  // the statutory due date
  std::string due;        // the one in force: the extended due date once extended
  std::string extended_on, extension_reason;  // empty unless extended
  std::string ack_due;          // CCPA (but opt-out): confirm receipt by then; empty otherwise
  std::string acknowledged_on;  // empty until acknowledged
  std::string verified_on;
  std::string closed_on;                   // empty while open
  std::optional<RequestStatus> outcome{};  // fulfilled, denied or cancelled; none while open
  std::string close_reason;                // empty while open
  int64_t opened_at = 0;
  std::string opened_by;
  // Figures as of today:
  std::optional<int> days_left{};      // open requests: due - today (negative when overdue)
  bool overdue = false;                // open and past its due date
  bool ack_overdue = false;            // open, not acknowledged, past ack_due
  std::optional<int> days_to_respond{};  // fulfilled or denied: closed_on - received
  bool late = false;                   // answered after its due date, or open and overdue
  std::vector<RequestEvent> history{};  // filled by find_request only
  // Issue 14:
  std::string jurisdiction;           // whose holidays count (default: the law's)
  std::string citation;               // the answer period's source
  std::string clock_start;            // empty while the clock waits (uk-gdpr: identity not yet in)
  std::string paused_on;              // the clock is stopped since (clarification asked)
  int paused_days = 0;                // days the clock stood still so far
  bool weekends_only = true;          // no holiday calendar was known for the jurisdiction
  std::string denial_code;            // DRP reason of a denial
  std::string duplicate_of;           // "req_3" when opened while that one was open
  int prior_access_12m = 0;           // open/find: the subject's other access requests received in the 12 months before
  bool frequent() const { return type == RequestType::access && prior_access_12m >= 2; }  // a third in 12 months: flagged
  std::vector<std::string> claimed{};  // kinds of identity claimed (email, phone, name)
  std::vector<Claim> claims{};         // find_request only: the claimed values (unlinked requests)
  nlohmann::json answer{};             // find_request only, null for a live subject: what the answer says is held
  // An appeal of a denial (laws with an appeal period: vcdpa, cpa, ctdpa):
  std::string appeal_received, appeal_due, appeal_extendable_to, appeal_decided_on;
  std::optional<AppealOutcome> appeal_outcome{};  // none until decided
  std::string appeal_reason;
  bool appeal_overdue = false;  // received, undecided, past its due date
  std::string complaint{};      // an appeal denied: whom the requester may complain to
  std::string appeal_extended_on, appeal_extension_reason;  // the appeal's one extension (cpa)
  std::optional<int> appeal_days_left{};                    // an appeal received and undecided: appeal_due - today
  // Who asked for the consumer (migration 13): "", agent, power_of_attorney, parent.
  std::string representative, agent_name, agent_confirmed_on;
  bool agent_confirmation_needed = false;  // open, and the confirmation is still to be recorded
  std::vector<std::string> evidence{};     // find_request only: "verification", "agent_proof" (sealed, never shown)

  bool is_open() const { return closed_on.empty(); }
  bool linked() const { return !subject_id.empty(); }
  bool paused() const { return !paused_on.empty(); }
  bool extended() const { return !extended_on.empty(); }
};

// Values as given on the command line or in a document, before validation:
// open_request parses type and law (laws::get, laws::type_for).
struct RequestInput {
  std::string subject{};  // SUBJECT: id, email or username; may be empty when a claim is given
  std::string type;
  std::string law;
  std::string received{};  // YYYY-MM-DD; empty: today. Never in the future.
  std::string channel;   // empty: not recorded
  bool verified = false;  // identity already verified at intake
  // A claimed identity (--email, --phone, --name): who asked, when SUBJECT is
  // not given or matches nobody. An email or phone of a live subject links the
  // request to it; an erased email links it to the tombstone.
  std::string email, phone, name;
  std::string jurisdiction;  // empty: the law's
  std::string duplicate_of{};  // REQ: link as a duplicate of an open request
  // Made for the consumer by someone else (CCPA regs 7063, 7070(c)): the
  // agent's name and a file proving their authority (sealed in the vault).
  // power_of_attorney: the proof is one (Probate Code 4121-4130), and no
  // confirmation is needed (7063(b)); parent_of_minor: a parent or guardian
  // of a child under 13. Either needs agent and agent_proof.
  std::string agent{}, agent_proof{};
  bool power_of_attorney = false, parent_of_minor = false;
};

// ---- verification, agents, reopening (requests_verify.cpp) -------------------
// How the requester's identity was verified (CCPA regs 7060-7062). The
// evidence is sealed in the vault (never in the history or the audit trail,
// which name it: "evidence": "verification"). level "reasonable": at least
// two data points matched (7062(a)); "high": at least three and a declaration
// signed under penalty of perjury (7062(b)); method "account" (7061: the
// account's own authentication) needs neither count. Refused otherwise.
struct VerificationEvidence {
  std::string method;                // account, data-points, document, in-person, other
  std::vector<std::string> matched;  // what matched, by kind: email, phone, name, address, ...
  std::string level;                 // reasonable, high
  std::string declaration_file;      // optional (required for high unless method account): at most 1 MiB
  bool given() const { return !method.empty() || !matched.empty() || !level.empty() || !declaration_file.empty(); }
};
// received -> verified with the evidence sealed; without evidence (given()
// false) as verify_request(desk, id).
Request verify_request(Desk& desk, std::string_view id, const VerificationEvidence& ev);
// Records the confirmation an agent's or a parent's request needs before it
// is started, acted on or fulfilled: method "identity" (the consumer verified
// their own identity directly, 7063(a)(1)), "permission" (the consumer
// confirmed directly that they gave the agent permission, 7063(a)(2)), or for
// a parent "guardian" (the parent or guardian relation was determined,
// 7070(c)). refused for a request that needs none (no agent, a power of
// attorney, an opt-out); conflict when already confirmed.
Request confirm_agent(Desk& desk, std::string_view id, const std::string& method);
inline const std::vector<std::string> kAgentMethods = {"identity", "permission", "guardian"};
// A closed request back to open (received, or verified when it was), its
// history kept and the reopening recorded with the reason. Its due dates
// stay: the law's clock runs from receipt and closing did not stop it. The
// outcome, reason and denial code are cleared. refused while an appeal
// waits for its decision (decide it: granted reverses the denial); conflict
// when open.
Request reopen_request(Desk& desk, std::string_view id, const std::string& reason);
// Extends an undecided appeal's clock once, by the law's appeal extension
// (cpa: 60 days), on or before its due date, with the reason. refused when
// the law has none or it was extended.
Request extend_appeal(Desk& desk, std::string_view id, const std::string& reason);
// The sealed evidence of a request, opened (role: managing requests; the
// read is audited). record: what was sealed besides the file; file: its bytes.
struct RequestEvidence {
  std::string kind;  // verification, agent_proof
  int64_t at = 0;
  std::string actor;
  nlohmann::json record;
  std::string file_name, file;  // empty when no file was given
};
std::vector<RequestEvidence> request_evidence(Desk& desk, std::string_view id);

// The types each law knows and every due date come from the law's row
// (laws::periods_for, laws::deadlines) and the jurisdiction's holidays. A
// type that needs no verification (CCPA opt-out) opens verified.
// SUBJECT that is an email matching nobody becomes a claimed email; a subject
// id or username matching nobody is not_found. An open request of the same
// type for the same subject makes the new one its duplicate (duplicate_of).
// A third access request by one subject within 12 months is flagged
// (frequent(); it may be denied with too_many_requests).
Request open_request(Desk& desk, const RequestInput& in);
// Links a claimed-identity request to SUBJECT (its claims are then dropped:
// the subject's record holds them). conflict when already linked.
Request link_request(Desk& desk, std::string_view id, std::string_view subject);
// Links the open unlinked requests whose claimed email or phone is the
// subject's; returns their ids. Run inside the caller's transaction.
std::vector<std::string> link_claimed_requests(Desk& desk, const std::string& subject_id);
// Stops the clock (reason required); resume restarts it and moves the due
// dates by the days it stood still. refused for a law whose clock cannot stop.
Request pause_request(Desk& desk, std::string_view id, const std::string& reason);
// An appeal of a denied request, received on `received` (empty: today), due
// within the law's appeal period (laws::appeal_deadlines). refused when the
// request was not denied or its law sets no appeal (the message names the
// regulator); conflict when already appealed.
Request appeal_request(Desk& desk, std::string_view id, const std::string& received);
// The appeal's outcome: granted (the denial is reversed: act on the request)
// or denied (reason required; the answer names the regulator to complain to).
Request decide_appeal(Desk& desk, std::string_view id, AppealOutcome outcome, const std::string& reason);
Request resume_request(Desk& desk, std::string_view id);
// ID: "req_12" or "12". Returns the request with its whole history.
Request find_request(Desk& desk, std::string_view id);
Request verify_request(Desk& desk, std::string_view id);
Request acknowledge_request(Desk& desk, std::string_view id);
Request start_request(Desk& desk, std::string_view id);
Request extend_request(Desk& desk, std::string_view id, const std::string& reason);
// outcome: fulfilled, denied (reason and a denial code required) or cancelled
// (usage for an open status). Denial codes are the Data Rights Protocol's: kDenialCodes.
Request close_request(Desk& desk, std::string_view id, RequestStatus outcome, const std::string& reason,
                      const std::string& code = "");
inline const std::vector<std::string> kDenialCodes = {"suspected_fraud",   "insuf_verification", "no_match",
                                                      "claim_not_covered", "outside_jurisdiction", "too_many_requests",
                                                      "other"};

// Requests by status: the open ones (an appeal waiting for its decision
// included), the closed ones, or all.
enum class RequestGroup { open, closed, all };
struct RequestQuery {
  std::optional<RequestStatus> status;  // only requests in this status; nullopt: those of `group`
  RequestGroup group = RequestGroup::open;
  bool overdue = false;         // only open requests past their due date or acknowledgement date
  std::optional<int> due_within;  // only open requests due within this many days (overdue ones included)
  std::string subject;          // SUBJECT; empty: every subject
  std::string law, jurisdiction;  // empty: any
};
// --status as given: a status, or open, closed, all (Error(usage) otherwise).
void set_status_filter(RequestQuery& q, std::string_view text);
// Ordered by due date, soonest first.
std::vector<Request> list_requests(Desk& desk, const RequestQuery& q);

// The stable JSON shape of a request (with "history" when it was filled).
nlohmann::json request_json(const Request& r);

// ---- actions taken for a request (the subject commands' --request ID) --------
struct RequestAction {
  std::string subject_id;           // the subject acted on
  std::vector<std::string> fields;  // field names touched (never values)
};
// Throws unless the slot's role may act on requests (refused, recorded in the
// audit trail under `command`), the request exists (not_found), is open
// (conflict), is verified (refused) and, when subject_ref is given, names that
// subject (usage).
void check_request_action(Desk& desk, std::string_view request_id, std::string_view subject_ref,
                          const std::string& command);
// Appends the action to the request's history; a verified request moves to in_progress.
void record_request_action(Desk& desk, std::string_view request_id, const std::string& action,
                           const RequestAction& done);
// The check, then op, then the record, in one transaction: when the check
// fails op never runs, when op fails nothing is recorded. With an empty
// request_id it only runs op.
void act_for_request(Desk& desk, std::string_view request_id, const std::string& action,
                     std::string_view subject_ref, const std::function<RequestAction()>& op);

// The subject operations as the CLI and batch make them, under a request or
// not (an empty request_id): one definition for both front ends. Each is
// act_for_request around the operation of dsr/subjects.hpp, recording the
// fields it touched. A dry run of erase is never recorded against a request.
struct SubjectInput;
struct RegisterResult;
struct ChangeResult;
struct EraseResult;
RegisterResult register_under(Desk& desk, std::string_view request_id, const SubjectInput& in);
ChangeResult correct_under(Desk& desk, std::string_view request_id, std::string_view ref, const SubjectInput& in);
ChangeResult deactivate_under(Desk& desk, std::string_view request_id, std::string_view ref, const std::string& reason);
ChangeResult reactivate_under(Desk& desk, std::string_view request_id, std::string_view ref);
EraseResult erase_under(Desk& desk, std::string_view request_id, std::string_view ref, const std::string& reason,
                        bool dry_run);
// The access package; `deliver` (may be empty) receives it inside the
// request's transaction, so a failed delivery records nothing.
nlohmann::json export_under(Desk& desk, std::string_view request_id, std::string_view ref,
                            const std::function<void(const nlohmann::json&)>& deliver = {});

// ---- the yearly metrics (CCPA regulations 7102) -------------------------------
struct RequestFigures {
  int64_t received = 0, fulfilled = 0, denied = 0, cancelled = 0, open = 0, late = 0;
  int64_t unlinked = 0;                         // on a claimed identity alone
  int64_t appeals = 0, appeals_granted = 0, appeals_denied = 0;
  int64_t appeals_overdue = 0;  // undecided past the appeal's due date (as of today)
  int64_t appeals_late = 0;     // decided after it
  std::map<std::string, int64_t> denial_codes;  // denied, by DRP code
  int64_t responses = 0;         // fulfilled + denied: those with days to respond
  std::optional<double> median_days, mean_days;
};
struct RequestReport {
  std::string from, to;  // received between, inclusive
  std::optional<LawId> law;  // nullopt: every law
  RequestFigures all;
  std::vector<std::pair<RequestType, RequestFigures>> by_type;  // every type, in a fixed order
  std::vector<std::pair<LawId, RequestFigures>> by_law;         // every law of the table, in its order
};
// Requests received from `from` to `to` (YYYY-MM-DD; defaults: 1 January of
// to's year, and today). Late: answered after the due date in force, or still
// open past it (as of today). Days to respond: closed_on - received.
RequestReport report_requests(Desk& desk, const std::string& from, const std::string& to,
                              std::optional<LawId> law = std::nullopt);
nlohmann::json report_json(const RequestReport& r);

// Request records are kept at least 24 months after closing (CCPA regulations
// 7101): the retention rule request_records (dsr/retention.hpp) deletes them.

}  // namespace dsr
