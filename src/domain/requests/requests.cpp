// Requests: intake, deadlines, status transitions, listing.
#include "util/strings.hpp"
#include "dsr/requests.hpp"

#include <algorithm>
#include <charconv>

#include "domain/core/audited_write.hpp"
#include "domain/requests/request_model.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/choices.hpp"
#include "dsr/error.hpp"
#include "dsr/holidays.hpp"
#include "dsr/json_values.hpp"
#include "dsr/laws.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/request_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

using store::RequestRow;

namespace {

const std::vector<std::string> kChannels = {"email", "phone", "mail", "web", "in-person"};
const std::vector<RequestStatus> kOpenStatuses = {RequestStatus::received, RequestStatus::verified,
                                                  RequestStatus::in_progress};
const std::vector<RequestStatus> kClosedStatuses = {RequestStatus::fulfilled, RequestStatus::denied,
                                                    RequestStatus::cancelled};

bool one_of(const std::vector<std::string>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

// The clock of a law that starts once identity is in has not started yet.
bool waiting(const RequestRow& r) { return !r.clock_start; }

// An opt-out (of sale, sharing or targeted advertising: CCPA 1798.120, Va.
// 59.1-577(A)(5), C.R.S. 6-1-1306(1)(a), Conn. 42-518(a)(5)) or a CCPA request
// to limit the use of sensitive information, once fulfilled, is a standing
// choice the sharing rules obey: its kind (domain/choices), or "" for other
// requests. Only the laws that have these request types can open them
// (dsr/laws.hpp), so the type alone decides.
std::string standing_choice_of(const RequestRow& r) { return opt_out_kind_for_request(r.type); }

std::string reason_text(const char* field, const std::string& reason) {
  return validate::free_text(field, reason, validate::Limits::reason);
}

}  // namespace

std::string request_label(int64_t id) { return "req_" + std::to_string(id); }

std::string required_reason(const std::string& reason, const char* why) {
  if (reason.empty()) fail(ErrorKind::usage, std::string("--reason: ") + why);
  return reason_text("--reason", reason);
}

void need_open(const RequestRow& r) {
  if (r.closed_on)
    fail(ErrorKind::conflict,
         request_label(r.id) + " is already closed (" + to_string(r.outcome) + " on " + *r.closed_on + ")");
}


std::optional<int64_t> request_number(std::string_view ref) {
  std::string_view digits = ref.rfind("req_", 0) == 0 ? ref.substr(4) : ref;
  int64_t id = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (digits.empty() || ec != std::errc{} || p != digits.data() + digits.size() || id <= 0) return std::nullopt;
  return id;
}

RequestRow load_request(Desk& desk, std::string_view ref) {
  std::optional<RequestRow> row;
  if (auto id = request_number(ref)) row = store::request_by_id(desk.db(), *id);
  if (!row)
    fail(ErrorKind::not_found, "no request " + validate::quoted(ref) +
                                   "; request ids look like req_12 (`dsr request list --status all` lists them)");
  return *row;
}

void add_event(Desk& desk, int64_t request_id, const std::string& event, nlohmann::json detail) {
  store::RequestEventRow e;
  e.request_id = request_id;
  e.at = cal::now_unix();
  e.actor = desk.actor();
  e.event = event;
  e.detail = detail.dump();
  store::insert_request_event(desk.db(), e);
}

Request to_request(const RequestRow& row, cal::Date today) {
  std::string id = request_label(row.id);
  const laws::Law* law = laws::find(row.law);
  if (!law) fail(ErrorKind::integrity, id + " is under an unknown law " + validate::quoted(row.law));
  Request r{.id = id,
            .subject_id = row.subject_id,
            .subject_status = std::nullopt,
            .type = row.type,
            .law = law->id,
            .channel = row.channel.value_or(""),
            .received = row.received,
            .status = row.status,
            .first_due = row.due,
            .due = row.extended_due.value_or(row.due),
            .extended_on = row.extended_on.value_or(""),
            .extension_reason = row.extension_reason.value_or(""),
            .ack_due = row.ack_due.value_or(""),
            .acknowledged_on = row.acknowledged_on.value_or(""),
            .verified_on = row.verified_on.value_or(""),
            .closed_on = row.closed_on.value_or(""),
            .outcome = row.outcome,
            .close_reason = row.close_reason.value_or(""),
            .opened_at = row.opened_at,
            .opened_by = row.opened_by,
            .jurisdiction = row.jurisdiction.value_or(""),
            .citation = laws::has_type(*law, row.type) ? std::string(laws::periods_for(*law, row.type).citation)
                                                       : std::string(law->citation),
            .clock_start = row.clock_start.value_or(""),
            .paused_on = row.paused_on.value_or(""),
            .paused_days = static_cast<int>(row.paused_days),
            .weekends_only = row.weekends_only,
            .denial_code = row.denial_code.value_or(""),
            .duplicate_of = row.duplicate_of ? request_label(*row.duplicate_of) : std::string(),
            .appeal_received = row.appeal_received.value_or(""),
            .appeal_due = row.appeal_due.value_or(""),
            .appeal_extendable_to = row.appeal_extendable_to.value_or(""),
            .appeal_decided_on = row.appeal_decided_on.value_or(""),
            .appeal_outcome = row.appeal_outcome,
            .appeal_reason = row.appeal_reason.value_or(""),
            .appeal_extended_on = row.appeal_extended_on.value_or(""),
            .appeal_extension_reason = row.appeal_extension_reason.value_or(""),
            .representative = row.representative.value_or(""),
            .agent_name = row.agent_name.value_or(""),
            .agent_confirmed_on = row.agent_confirmed_on.value_or(""),
            .agent_confirmation_needed = !row.closed_on && agent_confirmation_needed(row)};
  r.appeal_overdue = !r.appeal_due.empty() && r.appeal_decided_on.empty() && cal::format(today) > r.appeal_due;
  if (!r.appeal_due.empty() && r.appeal_decided_on.empty())
    r.appeal_days_left = cal::days_between(today, cal::parse_date("appeal_due", r.appeal_due));
  if (r.appeal_outcome == AppealOutcome::denied)
    r.complaint = "If you disagree with this decision, you may contact " + std::string(law->regulator) + ".";
  cal::Date due = cal::parse_date("due", r.due);
  if (r.is_open()) {
    r.days_left = cal::days_between(today, due);
    // A clock that waits for identity or stands still for clarification runs no deadline.
    r.overdue = *r.days_left < 0 && !r.clock_start.empty() && r.paused_on.empty();
    r.ack_overdue = !r.ack_due.empty() && r.acknowledged_on.empty() &&
                    cal::days_between(cal::parse_date("ack_due", r.ack_due), today) > 0;
    r.late = r.overdue;
  } else {
    cal::Date closed = cal::parse_date("closed_on", r.closed_on);
    if (r.outcome != RequestStatus::cancelled) {
      r.days_to_respond = cal::days_between(cal::parse_date("received", r.received), closed);
      r.late = cal::days_between(due, closed) > 0;
    }
  }
  return r;
}

namespace {

// Who a request is for: a subject (live or erased) or a claimed identity.
struct Who {
  std::string subject_id;              // "" when unlinked
  std::vector<store::ClaimRow> claims;  // kept only while unlinked
  std::vector<std::string> kinds;       // claimed kinds, for the history (no values)
};

store::ClaimRow claim_email(const std::string& v) {
  std::string stored = validate::email(v);
  return {"email", validate::email_key(stored), stored};
}
store::ClaimRow claim_phone(const std::string& v) {
  std::string stored = validate::phone(v);
  return {"phone", stored, stored};
}
store::ClaimRow claim_name(const std::string& v) {
  std::string stored = validate::name(v);
  return {"name", validate::email_key(stored), stored};
}

// The subject a claim names, if any: a live subject by email or phone, or an
// erased one whose email is on the suppression list. Names never link by
// themselves (two people share a name).
std::string subject_claimed(Desk& desk, const store::ClaimRow& c) {
  if (c.kind == "email") {
    if (auto row = store::subject_by_email_key(desk.db(), c.key)) return row->id;
    if (auto s = store::find_suppression(desk.db(), email_hash(desk, c.key))) return s->first;
  } else if (c.kind == "phone") {
    auto ids = store::live_subjects_with_phone(desk.db(), c.key);
    if (ids.size() == 1) return ids[0];
  }
  return "";
}

Who identify(Desk& desk, const RequestInput& in) {
  Who who;
  if (!in.subject.empty()) {
    bool looks_like_email = in.subject.find('@') != std::string::npos && in.subject.rfind("sub_", 0) != 0;
    if (looks_like_email) {
      who.claims.push_back(claim_email(in.subject));
    } else {
      // An id or username names a subject the desk knows (an erased one too);
      // someone else is named by --email, --phone or --name.
      std::optional<store::SubjectRow> row;
      if (in.subject.rfind("sub_", 0) == 0) row = store::subject_by_id(desk.db(), in.subject);
      if (!row) row = store::subject_by_username_key(desk.db(), validate::username_key(in.subject));
      if (!row)
        fail(ErrorKind::not_found, "no subject matches " + validate::quoted(in.subject) +
                                       "; for someone not in the vault give what they claim: --email, --phone or --name");
      who.subject_id = row->id;
    }
  }
  if (!in.email.empty()) who.claims.push_back(claim_email(in.email));
  if (!in.phone.empty()) who.claims.push_back(claim_phone(in.phone));
  if (!in.name.empty()) who.claims.push_back(claim_name(in.name));
  if (who.subject_id.empty() && who.claims.empty())
    fail(ErrorKind::usage, "SUBJECT: give a subject, or the requester's --email, --phone or --name");
  for (const auto& c : who.claims) {
    who.kinds.push_back(c.kind);
    if (!who.subject_id.empty()) continue;
    who.subject_id = subject_claimed(desk, c);
  }
  if (!who.subject_id.empty()) who.claims.clear();  // the subject's record holds who they are
  return who;
}

std::string jurisdiction_of(const laws::Law& law, const std::string& given) {
  if (given.empty()) return std::string(law.jurisdiction);
  return validate_jurisdiction(given);
}

}  // namespace

// Recomputes a request's due dates from its clock start and pauses.
void set_deadlines(Desk& desk, RequestRow& row, cal::Date today) {
  const laws::Law& law = laws::get(row.law);
  laws::Holidays h = holidays_of(desk, row.jurisdiction.value_or(std::string(law.jurisdiction)));
  cal::Date start = row.clock_start ? cal::parse_date("clock_start", *row.clock_start)
                                    : cal::parse_date("received", row.received);
  int paused = static_cast<int>(row.paused_days);
  laws::Deadlines d = laws::deadlines(law, row.type, start, paused, h);
  row.due = d.due;
  if (!d.ack.empty()) row.ack_due = d.ack;
  if (row.extended_on) row.extended_due = d.extended;
  row.weekends_only = !h.imported;
  (void)today;
}

namespace {
// The subject's access requests received in the 12 months before `received`, this one left out.
int prior_access(Desk& desk, const RequestRow& row) {
  if (row.subject_id.empty() || row.type != RequestType::access) return 0;
  store::RequestFilter f;
  f.subject_id = row.subject_id;
  f.type = RequestType::access;
  f.received_from = cal::format(cal::subtract(cal::parse_date("received", row.received), cal::Duration{12, 'm'}));
  f.received_to = row.received;
  int n = 0;
  for (const auto& other : store::list_requests(desk.db(), f))
    if (other.id != row.id) ++n;
  return n;
}
}  // namespace

std::vector<std::string> refresh_deadlines(Desk& desk, const std::string& jurisdiction) {
  store::RequestFilter f;
  f.statuses = kOpenStatuses;
  f.jurisdiction = jurisdiction;
  std::vector<std::string> moved;
  cal::Date today = cal::today();
  for (RequestRow row : store::list_requests(desk.db(), f)) {
    const std::string due = row.due, ack = row.ack_due.value_or(""), ext = row.extended_due.value_or("");
    const bool weekends_only = row.weekends_only;
    set_deadlines(desk, row, today);
    if (row.due == due && row.ack_due.value_or("") == ack && row.extended_due.value_or("") == ext &&
        row.weekends_only == weekends_only)
      continue;
    store::update_request(desk.db(), row);
    nlohmann::json detail = {{"by", "holidays import"}, {"jurisdiction", jurisdiction}};
    if (row.due != due) detail["due"] = {{"from", due}, {"to", row.due}};
    if (row.ack_due.value_or("") != ack) detail["ack_due"] = {{"from", ack}, {"to", *row.ack_due}};
    if (row.extended_due.value_or("") != ext) detail["extended_due"] = {{"from", ext}, {"to", *row.extended_due}};
    add_event(desk, row.id, "deadlines", detail);
    moved.push_back(request_label(row.id));
  }
  return moved;
}

Request open_request(Desk& desk, const RequestInput& in) {
  const laws::Law& law = laws::get(in.law);
  RequestType type = laws::type_for(law, in.type);
  laws::Periods periods = laws::periods_for(law, type);
  if (!in.channel.empty() && !one_of(kChannels, in.channel))
    fail(ErrorKind::usage, "--channel: must be " + util::join(kChannels));
  std::string jurisdiction = jurisdiction_of(law, in.jurisdiction);
  if ((in.power_of_attorney || in.parent_of_minor) && in.agent.empty())
    fail(ErrorKind::usage, std::string(in.power_of_attorney ? "--power-of-attorney" : "--parent-of-minor") +
                               ": name who acts for the consumer with --agent NAME (and --agent-proof FILE)");
  if (in.power_of_attorney && in.parent_of_minor)
    fail(ErrorKind::usage, "--power-of-attorney and --parent-of-minor: give one");
  if (!in.agent_proof.empty() && in.agent.empty()) fail(ErrorKind::usage, "--agent-proof: give --agent NAME too");
  if (!in.agent.empty() && in.agent_proof.empty())
    fail(ErrorKind::usage, "--agent-proof: an agent's request needs the proof of their authority (the consumer's "
                           "signed permission, the power of attorney, or what shows parenthood; CCPA regs 7063(a))");
  std::string agent = in.agent.empty() ? "" : validate::free_text("--agent", in.agent, validate::Limits::name);
  EvidenceFile proof = read_evidence_file("--agent-proof", in.agent_proof);
  std::string representative = agent.empty()           ? ""
                               : in.power_of_attorney ? "power_of_attorney"
                               : in.parent_of_minor   ? "parent"
                                                      : "agent";
  cal::Date today = cal::today();
  cal::Date received = in.received.empty() ? today : cal::parse_date("--received", in.received);
  if (cal::days_between(today, received) > 0)
    fail(ErrorKind::usage, "--received: " + cal::format(received) + " is in the future (today is " +
                               cal::format(today) + ")");
  return audited_write(desk, "request open", Action::manage_requests, [&](Audit& audit) {
  Who who = identify(desk, in);
  if (!who.subject_id.empty()) audit.subject(who.subject_id);
  RequestRow row;
  row.subject_id = who.subject_id;
  row.type = type;
  row.law = std::string(law.name);
  row.jurisdiction = jurisdiction;
  if (!in.channel.empty()) row.channel = in.channel;
  row.received = cal::format(received);
  bool verified = in.verified || !periods.needs_verification;
  // A law whose clock starts once identity is in (uk-gdpr) starts it at
  // verification; the others at receipt.
  if (law.clock == laws::ClockStart::receipt || verified) row.clock_start = row.received;
  set_deadlines(desk, row, today);
  row.status = verified ? RequestStatus::verified : RequestStatus::received;
  if (verified) row.verified_on = cal::format(today);
  if (!in.duplicate_of.empty()) {
    RequestRow other = load_request(desk, in.duplicate_of);
    if (other.closed_on)
      fail(ErrorKind::conflict, "--duplicate-of: " + request_label(other.id) + " is closed; open a new request");
    row.duplicate_of = other.id;
  } else if (!row.subject_id.empty()) {
    store::RequestFilter f;
    f.subject_id = row.subject_id;
    f.type = row.type;
    f.statuses = kOpenStatuses;
    auto open = store::list_requests(desk.db(), f);
    if (!open.empty()) row.duplicate_of = open.front().id;
  }
  row.opened_at = cal::now_unix();
  row.opened_by = desk.actor();
  if (!representative.empty()) {
    row.representative = representative;
    row.agent_name = agent;
  }
  row.id = store::insert_request(desk.db(), row);
  for (const auto& c : who.claims) store::insert_claim(desk.db(), row.id, c);
  if (!representative.empty())
    seal_evidence(desk, row.id, "agent_proof", {{"representative", representative}}, proof);
  nlohmann::json detail = {{"subject", text_or_null(row.subject_id)},
                           {"type", to_string(row.type)},
                           {"law", row.law},
                           {"jurisdiction", jurisdiction},
                           {"received", row.received},
                           {"due", row.due},
                           {"verified", verified}};
  if (!who.kinds.empty()) detail["claimed"] = who.kinds;  // kinds only: the values stay out of the history
  if (row.channel) detail["channel"] = *row.channel;
  if (row.ack_due) detail["ack_due"] = *row.ack_due;
  if (!row.clock_start) detail["clock"] = "waits for the requester's identity";
  if (row.duplicate_of) detail["duplicate_of"] = request_label(*row.duplicate_of);
  if (!representative.empty()) {  // the agent's name stays on the request; the proof is sealed
    detail["representative"] = representative;
    detail["evidence"] = "agent_proof";
    if (representative == "power_of_attorney") detail["confirmation"] = "not needed (CCPA regs 7063(b))";
    else if (agent_confirmation_needed(row)) detail["confirmation"] = "needed (`dsr request confirm-agent`)";
  }
  if (verified && !in.verified) detail["note"] = "this request needs no verification (" + std::string(periods.citation) + ")";
  int prior = prior_access(desk, row);
  if (row.type == RequestType::access && prior >= 2) detail["frequent"] = prior + 1;  // the count, never who
  add_event(desk, row.id, "opened", detail);
  Request r = to_request(row, today);
  r.claimed = who.kinds;
  r.prior_access_12m = prior;
  return r;
  });
}

Request find_request(Desk& desk, std::string_view id) {
  require_audited(desk, Action::read_requests, "request show");
  RequestRow row = load_request(desk, id);
  Request r = to_request(row, cal::today());
  for (const auto& c : store::claims_of(desk.db(), row.id)) {
    r.claims.push_back({c.kind, c.value});
    r.claimed.push_back(c.kind);
  }
  if (r.linked())
    if (auto s = store::subject_by_id(desk.db(), r.subject_id)) r.subject_status = s->status;
  r.prior_access_12m = prior_access(desk, row);
  for (const auto& e : store::evidence_of(desk.db(), row.id)) r.evidence.push_back(e.kind);
  if (!r.linked()) {
    std::string statement =
        "No personal data is held about the person who made this request: the identity they gave matches no one in "
        "the records.";
    const laws::Law* law = laws::find(row.law);
    if (law && !law->confirms.empty())
      statement += " (" + std::string(law->confirms) +
                   " gives the right to learn whether or not personal data is processed; this is the answer when it "
                   "is not.)";
    r.answer = {{"held", "nothing"}, {"statement", statement}};
  } else if (r.subject_status == SubjectStatus::erased) {
    r.answer = {{"held", "kept_after_erasure"},
                {"statement", "This person's data was erased. No personal values are held; the records listed "
                              "under kept remain, for the reasons and periods given."},
                {"kept", kept_after_erasure(desk, r.subject_id)}};
  }
  for (const auto& e : store::request_events(desk.db(), row.id))
    r.history.push_back({e.at, e.actor, e.event, stored_object(e.detail)});
  return r;
}

Request verify_request(Desk& desk, std::string_view id) {
  return transition(desk, id, "verify", "verified", [&](RequestRow& row, nlohmann::json& detail) {
    if (row.status != RequestStatus::received)
      fail(ErrorKind::conflict, request_label(row.id) + " is already verified (on " + row.verified_on.value_or("?") + ")");
    row.status = RequestStatus::verified;
    row.verified_on = cal::format(cal::today());
    if (waiting(row)) {  // the clock starts now that identity is in (UK GDPR Art. 12A)
      row.clock_start = std::max(*row.verified_on, row.received);
      set_deadlines(desk, row, cal::today());
      detail = {{"clock_start", *row.clock_start}, {"due", row.due}};
    }
  });
}

Request acknowledge_request(Desk& desk, std::string_view id) {
  return transition(desk, id, "acknowledge", "acknowledged", [&](RequestRow& row, nlohmann::json& detail) {
    if (row.acknowledged_on)
      fail(ErrorKind::conflict, request_label(row.id) + " was already acknowledged on " + *row.acknowledged_on);
    row.acknowledged_on = cal::format(cal::today());
    if (row.ack_due) {
      detail["ack_due"] = *row.ack_due;
      detail["late"] = *row.acknowledged_on > *row.ack_due;
    }
  });
}

Request start_request(Desk& desk, std::string_view id) {
  return transition(desk, id, "start", "started", [&](RequestRow& row, nlohmann::json&) {
    if (row.status == RequestStatus::received)
      fail(ErrorKind::refused, request_label(row.id) + " is not verified: check the requester's identity first, then "
                                                       "`dsr request verify " + request_label(row.id) + "`");
    if (row.status == RequestStatus::in_progress)
      fail(ErrorKind::conflict, request_label(row.id) + " is already in progress");
    need_agent_confirmed(row, "it is started");
    row.status = RequestStatus::in_progress;
  });
}

Request extend_request(Desk& desk, std::string_view id, const std::string& reason_in) {
  std::string reason = required_reason(reason_in, "an extension needs a reason (it is told to the requester)");
  return transition(desk, id, "extend", "extended", [&](RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    const laws::Law& law = laws::get(row.law);
    laws::Periods p = laws::periods_for(law, row.type);
    if (p.extension.none())
      fail(ErrorKind::refused, label + ": a " + row.law + " " + to_string(row.type) + " request cannot be extended (due in " +
                                   laws::text(p.answer) + ": " + std::string(p.citation) + ")");
    if (row.extended_on)
      fail(ErrorKind::refused, label + " was already extended on " + *row.extended_on + " (to " +
                                   row.extended_due.value_or("") + "); the law allows one extension");
    cal::Date today = cal::today();
    if (cal::format(today) > row.due)
      fail(ErrorKind::refused, label + ": an extension must be given by the first due date, " + row.due +
                                   "; it is now " + cal::format(today));
    row.extended_on = cal::format(today);
    set_deadlines(desk, row, today);
    row.extension_reason = reason;
    detail = {{"from", row.due}, {"to", *row.extended_due}, {"reason", reason}};
  });
}

Request close_request(Desk& desk, std::string_view id, RequestStatus outcome, const std::string& reason_in,
                      const std::string& code) {
  if (is_open(outcome)) fail(ErrorKind::usage, "--outcome: must be fulfilled, denied or cancelled");
  const bool denied = outcome == RequestStatus::denied, fulfilled = outcome == RequestStatus::fulfilled;
  if (denied && reason_in.empty())
    fail(ErrorKind::usage, "--reason: a denial needs a reason (it is kept and told to the requester)");
  if (denied && code.empty()) fail(ErrorKind::usage, "--code: a denial needs a code: " + util::join(kDenialCodes));
  if (!code.empty() && !one_of(kDenialCodes, code))
    fail(ErrorKind::usage, "--code: must be " + util::join(kDenialCodes));
  if (!code.empty() && !denied) fail(ErrorKind::usage, "--code: only a denial takes a code");
  std::string reason = reason_in.empty() ? "" : reason_text("--reason", reason_in);
  return transition(desk, id, "close", "closed", [&](RequestRow& row, nlohmann::json& detail) {
    if (fulfilled && row.status == RequestStatus::received)
      fail(ErrorKind::refused, request_label(row.id) + " cannot be fulfilled before the requester is verified "
                                                       "(`dsr request verify`), or close it as denied with a reason");
    if (fulfilled) need_agent_confirmed(row, "it is fulfilled");
    if (code == "insuf_verification" && row.status != RequestStatus::received)
      fail(ErrorKind::refused, request_label(row.id) + " was verified on " + row.verified_on.value_or("?") +
                                   ": it cannot be denied for insufficient verification (insuf_verification is for "
                                   "a request still unverified)");
    if (code == "insuf_verification" && cal::format(cal::today()) < row.extended_due.value_or(row.due))
      detail["before_due"] = true;  // allowed: the requester failed to verify before the deadline came
    row.status = outcome;
    row.outcome = outcome;
    row.closed_on = cal::format(cal::today());
    if (!reason.empty()) row.close_reason = reason;
    if (!code.empty()) row.denial_code = code;
    if (row.paused_on) {  // the clock stops for good
      row.paused_days += cal::days_between(cal::parse_date("paused_on", *row.paused_on), cal::today());
      row.paused_on.reset();
    }
    std::string due = row.extended_due.value_or(row.due);
    detail.update({{"outcome", to_string(outcome)},
                   {"due", due},
                   {"late", outcome != RequestStatus::cancelled && *row.closed_on > due}});
    if (!reason.empty()) detail["reason"] = reason;
    // A fulfilled opt-out (or limit) stands: the sharing rules obey it from
    // now on (CCPA 1798.120(d), 1798.121; the state laws above alike), in the
    // same transaction as the close.
    if (std::string kind = standing_choice_of(row);
        fulfilled && !kind.empty() &&
        record_opt_out_for_request(desk, row.subject_id, kind, request_label(row.id), row.received)) {
      detail["opt_out_recorded"] = kind;
      // The third parties to tell (regs 7026(f)): recipients' names, no personal values.
      nlohmann::json tell = nlohmann::json::array();
      for (const auto& r : recipients_to_tell(desk, row.subject_id, kind)) tell.push_back(r["recipient"]);
      detail["third_parties_to_tell"] = tell;
    }
    if (!code.empty()) detail["code"] = code;
    if (row.subject_id.empty() && fulfilled) detail["answer"] = "nothing held";
  });
}

Request pause_request(Desk& desk, std::string_view id, const std::string& reason_in) {
  std::string reason = required_reason(reason_in, "say what clarification was asked for");
  return transition(desk, id, "pause", "paused", [&](RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    const laws::Law& law = laws::get(row.law);
    if (!law.pausable)
      fail(ErrorKind::refused, label + ": the " + row.law + " clock cannot be stopped (" + std::string(law.citation) +
                                   "); extend it instead");
    if (row.paused_on) fail(ErrorKind::conflict, label + " is already paused (since " + *row.paused_on + ")");
    if (waiting(row))
      fail(ErrorKind::refused, label + ": the clock has not started (it waits for the requester's identity)");
    row.paused_on = cal::format(cal::today());
    detail = {{"reason", reason}, {"due_before", row.extended_due.value_or(row.due)}};
  });
}

Request resume_request(Desk& desk, std::string_view id) {
  return transition(desk, id, "resume", "resumed", [&](RequestRow& row, nlohmann::json& detail) {
    if (!row.paused_on) fail(ErrorKind::conflict, request_label(row.id) + " is not paused");
    cal::Date today = cal::today();
    int stood = cal::days_between(cal::parse_date("paused_on", *row.paused_on), today);
    row.paused_days += stood;
    row.paused_on.reset();
    set_deadlines(desk, row, today);
    detail = {{"paused_days", stood}, {"due", row.extended_due.value_or(row.due)}};
  });
}

Request link_request(Desk& desk, std::string_view id, std::string_view subject) {
  return transition(desk, id, "link", "linked", [&](RequestRow& row, nlohmann::json& detail) {
    if (!row.subject_id.empty())
      fail(ErrorKind::conflict, request_label(row.id) + " is already for subject " + row.subject_id);
    store::SubjectRow s = resolve_subject(desk, subject);
    row.subject_id = s.id;
    store::delete_claims(desk.db(), row.id);
    detail = {{"subject", s.id}, {"by", "staff"}};
  });
}


Request appeal_request(Desk& desk, std::string_view id, const std::string& received_in) {
  cal::Date today = cal::today();
  cal::Date received = received_in.empty() ? today : cal::parse_date("--received", received_in);
  if (cal::days_between(today, received) > 0)
    fail(ErrorKind::usage, "--received: " + cal::format(received) + " is in the future (today is " +
                               cal::format(today) + ")");
  return request_step(desk, id, "appeal", "appealed", Need::any, [&](RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    const laws::Law& law = laws::get(row.law);
    if (row.outcome != RequestStatus::denied)
      fail(ErrorKind::refused, label + " was not denied: only a denial can be appealed");
    if (law.appeal.none())
      fail(ErrorKind::refused, label + ": the " + row.law + " sets no appeal to the business; the requester may "
                                       "complain to " + std::string(law.regulator));
    if (row.appeal_received)
      fail(ErrorKind::conflict, label + " was already appealed on " + *row.appeal_received);
    if (cal::format(received) < *row.closed_on)
      fail(ErrorKind::usage, "--received: the appeal cannot come before the denial (" + *row.closed_on + ")");
    laws::Deadlines d = laws::appeal_deadlines(law, received, holidays_of(desk, row.jurisdiction.value_or(
                                                                                  std::string(law.jurisdiction))));
    row.appeal_received = cal::format(received);
    row.appeal_due = d.due;
    if (!d.extended.empty()) row.appeal_extendable_to = d.extended;
    detail = {{"received", *row.appeal_received}, {"due", d.due}, {"citation", std::string(law.appeal_citation)}};
  });
}

Request decide_appeal(Desk& desk, std::string_view id, AppealOutcome outcome, const std::string& reason_in) {
  if (outcome == AppealOutcome::denied && reason_in.empty())
    fail(ErrorKind::usage, "--reason: an appeal denied needs the reason (it is told to the requester)");
  std::string reason = reason_in.empty() ? "" : reason_text("--reason", reason_in);
  return request_step(desk, id, "appeal-decision", "appeal decided", Need::any, [&](RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    if (!row.appeal_received) fail(ErrorKind::conflict, label + " has no appeal (`dsr request appeal " + label + "`)");
    if (row.appeal_decided_on)
      fail(ErrorKind::conflict, label + "'s appeal was already decided on " + *row.appeal_decided_on);
    row.appeal_decided_on = cal::format(cal::today());
    row.appeal_outcome = outcome;
    if (!reason.empty()) row.appeal_reason = reason;
    detail = {
        {"outcome", to_string(outcome)}, {"due", *row.appeal_due}, {"late", *row.appeal_decided_on > *row.appeal_due}};
    if (!reason.empty()) detail["reason"] = reason;
  });
}

std::vector<std::string> link_claimed_requests(Desk& desk, const std::string& subject_id) {
  auto s = store::subject_by_id(desk.db(), subject_id);
  if (!s || s->status == SubjectStatus::erased) return {};
  std::vector<std::pair<std::string, std::string>> keys;
  if (auto it = s->cols.find("email_key"); it != s->cols.end()) keys.emplace_back("email", it->second);
  if (auto it = s->cols.find("phone"); it != s->cols.end()) keys.emplace_back("phone", it->second);
  std::vector<std::string> linked;
  for (const auto& [kind, key] : keys) {
    for (int64_t rid : store::unlinked_requests_claiming(desk.db(), kind, key)) {
      audited_step(desk, "request link", [&](Audit& audit) {
        audit.subject(subject_id);
        RequestRow row = *store::request_by_id(desk.db(), rid);
        row.subject_id = subject_id;
        store::update_request(desk.db(), row);
        store::delete_claims(desk.db(), rid);
        add_event(desk, rid, "linked", {{"subject", subject_id}, {"by", "matching " + kind}});
      });
      linked.push_back(request_label(rid));
    }
  }
  return linked;
}

void set_status_filter(RequestQuery& q, std::string_view text) {
  q.status = parse<RequestStatus>(text);
  if (q.status) return;
  if (text == "open") q.group = RequestGroup::open;
  else if (text == "closed") q.group = RequestGroup::closed;
  else if (text == "all") q.group = RequestGroup::all;
  else
    fail(ErrorKind::usage, "--status: must be " + util::join(names_of<RequestStatus>()) + ", open, closed or all");
}

std::vector<Request> list_requests(Desk& desk, const RequestQuery& q) {
  require_audited(desk, Action::read_requests, "request list");
  store::RequestFilter f;
  if (q.status) f.statuses = {*q.status};
  else if (q.group == RequestGroup::open) f.statuses = kOpenStatuses;
  else if (q.group == RequestGroup::closed) f.statuses = kClosedStatuses;
  if (q.due_within && *q.due_within < 0) fail(ErrorKind::usage, "--due-within: a number of days, 0 or more");
  if (!q.subject.empty()) f.subject_id = resolve_subject(desk, q.subject).id;
  if (!q.law.empty()) f.law = laws::get(q.law).name;
  if (!q.jurisdiction.empty()) f.jurisdiction = validate_jurisdiction(q.jurisdiction);
  cal::Date today = cal::today();
  std::vector<store::RequestRow> rows = store::list_requests(desk.db(), f);
  // A denied request whose appeal waits for its decision is open work too: the
  // open view lists it, by its appeal's due date.
  if (!q.status && q.group == RequestGroup::open) {
    f.statuses = {RequestStatus::denied};
    for (auto& row : store::list_requests(desk.db(), f))
      if (row.appeal_received && !row.appeal_decided_on) rows.push_back(std::move(row));
  }
  std::vector<Request> out;
  for (const auto& row : rows) {
    Request r = to_request(row, today);
    std::optional<int> left = r.days_left ? r.days_left : r.appeal_days_left;
    if (q.overdue && !(r.overdue || r.ack_overdue || r.appeal_overdue)) continue;
    if (q.due_within && !(left && *left <= *q.due_within)) continue;
    out.push_back(std::move(r));
  }
  auto due_of = [](const Request& r) { return r.is_open() ? r.due : r.appeal_due; };
  std::stable_sort(out.begin(), out.end(), [&](const Request& a, const Request& b) { return due_of(a) < due_of(b); });
  return out;
}

nlohmann::json request_json(const Request& r) {
  nlohmann::json j = {
      {"id", r.id},
      {"subject", text_or_null(r.subject_id)},
      {"type", to_string(r.type)},
      {"law", to_string(r.law)},
      {"channel", text_or_null(r.channel)},
      {"received", r.received},
      {"status", to_string(r.status)},
      {"verified_on", text_or_null(r.verified_on)},
      {"first_due", r.first_due},
      {"due", r.due},
      {"extended", r.extended()},
      {"extended_on", text_or_null(r.extended_on)},
      {"extension_reason", text_or_null(r.extension_reason)},
      {"ack_due", text_or_null(r.ack_due)},
      {"acknowledged_on", text_or_null(r.acknowledged_on)},
      {"days_left", value_or_null(r.days_left)},
      {"overdue", r.overdue},
      {"ack_overdue", r.ack_overdue},
      {"closed_on", text_or_null(r.closed_on)},
      {"outcome", text_or_null(to_string(r.outcome))},
      {"close_reason", text_or_null(r.close_reason)},
      {"days_to_respond", value_or_null(r.days_to_respond)},
      {"late", r.late},
      {"opened_at", iso_time(r.opened_at)},
      {"opened_by", r.opened_by},
      {"jurisdiction", text_or_null(r.jurisdiction)},
      {"citation", r.citation},
      {"clock",
       {{"start", text_or_null(r.clock_start)},
        {"state", r.clock_start.empty() ? "waiting"
                  : r.paused()          ? "paused"
                                        : "running"},
        {"paused_on", text_or_null(r.paused_on)},
        {"paused_days", r.paused_days}}},
      {"calendar",
       {{"jurisdiction", text_or_null(r.jurisdiction)},
        {"holidays", !r.weekends_only},
        {"note", r.weekends_only ? nlohmann::json("only weekends were counted: no holiday "
                                                  "calendar was imported for " +
                                                  (r.jurisdiction.empty() ? std::string("it") : r.jurisdiction))
                                 : nlohmann::json(nullptr)}}},
      {"denial_code", text_or_null(r.denial_code)},
      {"duplicate_of", text_or_null(r.duplicate_of)},
      {"frequent", r.frequent()},
      {"identity",
       {{"linked", r.linked()},
        {"subject_status", r.subject_status ? nlohmann::json(to_string(*r.subject_status)) : nlohmann::json(nullptr)},
        {"claimed", r.claimed}}}};
  if (!r.claims.empty()) {
    nlohmann::json c = nlohmann::json::array();
    for (const auto& x : r.claims) c.push_back({{"kind", x.kind}, {"value", x.value}});
    j["claims"] = std::move(c);
  }
  if (!r.answer.is_null()) j["answer"] = r.answer;
  j["representative"] = nullptr;
  if (!r.representative.empty())
    j["representative"] = {{"kind", r.representative},
                           {"agent", r.agent_name},
                           {"confirmed_on", text_or_null(r.agent_confirmed_on)},
                           {"confirmation_needed", r.agent_confirmation_needed}};
  if (!r.evidence.empty()) j["evidence"] = r.evidence;  // kinds sealed; `request evidence` opens them
  j["appeal"] = nullptr;
  if (!r.appeal_received.empty())
    j["appeal"] = {{"received", r.appeal_received},
                   {"due", r.appeal_due},
                   {"days_left", value_or_null(r.appeal_days_left)},
                   {"extended_on", text_or_null(r.appeal_extended_on)},
                   {"extension_reason", text_or_null(r.appeal_extension_reason)},
                   {"extendable_to", text_or_null(r.appeal_extendable_to)},
                   {"decided_on", text_or_null(r.appeal_decided_on)},
                   {"outcome", text_or_null(to_string(r.appeal_outcome))},
                   {"reason", text_or_null(r.appeal_reason)},
                   {"overdue", r.appeal_overdue},
                   {"complaint", text_or_null(r.complaint)}};
  if (!r.history.empty()) j["history"] = history_json(r.history);
  return j;
}

}  // namespace dsr
