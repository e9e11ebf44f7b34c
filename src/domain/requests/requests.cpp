// Requests: intake, deadlines, status transitions, listing.
#include "dsr/requests.hpp"

#include <algorithm>
#include <charconv>

#include "domain/requests/request_model.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/choices.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/request_store.hpp"
#include "store/tx.hpp"

namespace dsr {

using store::RequestRow;

namespace {

const std::vector<std::string> kGdprTypes = {"access",      "rectification", "erasure",
                                             "restriction", "portability",   "objection"};
const std::vector<std::string> kCcpaTypes = {"access", "rectification", "erasure", "portability", "opt-out"};
const std::vector<std::string> kChannels = {"email", "phone", "mail", "web", "in-person"};

bool one_of(const std::vector<std::string>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

bool is_ccpa_opt_out(const RequestRow& r) { return r.law == "ccpa" && r.type == "opt-out"; }

std::string reason_text(const char* field, const std::string& reason) {
  return validate::free_text(field, reason, validate::Limits::reason);
}

void need_open(const RequestRow& r) {
  if (r.closed_on)
    fail(ErrorKind::conflict, request_label(r.id) + " is already closed (" + r.outcome.value_or("") + " on " +
                                  *r.closed_on + ")");
}

}  // namespace

std::string request_label(int64_t id) { return "req_" + std::to_string(id); }

RequestRow load_request(Desk& desk, std::string_view ref) {
  std::string_view digits = ref.rfind("req_", 0) == 0 ? ref.substr(4) : ref;
  int64_t id = 0;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  std::optional<RequestRow> row;
  if (!digits.empty() && ec == std::errc{} && p == digits.data() + digits.size() && id > 0)
    row = store::request_by_id(desk.db(), id);
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
  Request r;
  r.id = request_label(row.id);
  r.subject_id = row.subject_id;
  r.type = row.type;
  r.law = row.law;
  r.channel = row.channel.value_or("");
  r.received = row.received;
  r.status = row.status;
  r.first_due = row.due;
  r.due = row.extended_due.value_or(row.due);
  r.extended_on = row.extended_on.value_or("");
  r.extension_reason = row.extension_reason.value_or("");
  r.ack_due = row.ack_due.value_or("");
  r.acknowledged_on = row.acknowledged_on.value_or("");
  r.verified_on = row.verified_on.value_or("");
  r.closed_on = row.closed_on.value_or("");
  r.outcome = row.outcome.value_or("");
  r.close_reason = row.close_reason.value_or("");
  r.opened_at = row.opened_at;
  r.opened_by = row.opened_by;
  cal::Date due = cal::parse_date("due", r.due);
  if (r.is_open()) {
    r.days_left = cal::days_between(today, due);
    r.overdue = *r.days_left < 0;
    r.ack_overdue = !r.ack_due.empty() && r.acknowledged_on.empty() &&
                    cal::days_between(cal::parse_date("ack_due", r.ack_due), today) > 0;
    r.late = r.overdue;
  } else {
    cal::Date closed = cal::parse_date("closed_on", r.closed_on);
    if (r.outcome != "cancelled") {
      r.days_to_respond = cal::days_between(cal::parse_date("received", r.received), closed);
      r.late = cal::days_between(due, closed) > 0;
    }
  }
  return r;
}

Request open_request(Desk& desk, const RequestInput& in) {
  const auto& types = in.law == "gdpr" ? kGdprTypes : kCcpaTypes;
  if (in.law != "gdpr" && in.law != "ccpa") fail(ErrorKind::usage, "--law: must be gdpr or ccpa");
  if (!one_of(types, in.type))
    fail(ErrorKind::usage, "--type: " + in.law + " requests are " + joined(types) +
                               (in.type == "opt-out" ? " (under the GDPR, an objection: Art. 21)" : ""));
  if (!in.channel.empty() && !one_of(kChannels, in.channel))
    fail(ErrorKind::usage, "--channel: must be " + joined(kChannels));
  cal::Date today = cal::today();
  cal::Date received = in.received.empty() ? today : cal::parse_date("--received", in.received);
  if (cal::days_between(today, received) > 0)
    fail(ErrorKind::usage, "--received: " + cal::format(received) + " is in the future (today is " +
                               cal::format(today) + ")");
  return audited(desk, "request open", [&](Audit& audit) {
  require(desk, Action::manage_requests);
  store::WriteTx tx(desk.db());
  store::SubjectRow subject = resolve_live_subject(desk, in.subject);
  audit.subject(subject.id);
  RequestRow row;
  row.subject_id = subject.id;
  row.type = in.type;
  row.law = in.law;
  if (!in.channel.empty()) row.channel = in.channel;
  row.received = cal::format(received);
  if (in.law == "gdpr") {
    row.due = cal::format(cal::gdpr_due(received));
  } else if (in.type == "opt-out") {
    row.due = cal::format(cal::add_business_days(received, 15));
  } else {
    row.due = cal::format(cal::ccpa_due(received));
    row.ack_due = cal::format(cal::ccpa_ack_due(received));
  }
  bool verified = in.verified || is_ccpa_opt_out(row);
  row.status = verified ? "verified" : "received";
  if (verified) row.verified_on = cal::format(today);
  row.opened_at = cal::now_unix();
  row.opened_by = desk.actor();
  row.id = store::insert_request(desk.db(), row);
  nlohmann::json detail = {{"subject", row.subject_id}, {"type", row.type},   {"law", row.law},
                           {"received", row.received},  {"due", row.due},     {"verified", verified}};
  if (row.channel) detail["channel"] = *row.channel;
  if (row.ack_due) detail["ack_due"] = *row.ack_due;
  if (verified && !in.verified) detail["note"] = "a CCPA opt-out needs no verification";
  add_event(desk, row.id, "opened", detail);
  audit.ok();
  tx.commit();
  return to_request(row, today);
  });
}

Request find_request(Desk& desk, std::string_view id) {
  require_audited(desk, Action::read_requests, "request show");
  RequestRow row = load_request(desk, id);
  Request r = to_request(row, cal::today());
  for (const auto& e : store::request_events(desk.db(), row.id)) {
    RequestEvent ev{e.at, e.actor, e.event, nlohmann::json::parse(e.detail, nullptr, false)};
    if (ev.detail.is_discarded()) ev.detail = nlohmann::json::object();
    r.history.push_back(std::move(ev));
  }
  return r;
}

namespace {

// Loads, checks and changes one request in a transaction, and logs the event
// in its history and in the audit trail (as "request <command>").
template <class F>
Request transition(Desk& desk, std::string_view id, const char* command, const char* event, F&& change) {
  int64_t changed = audited(desk, (std::string("request ") + command).c_str(), [&](Audit& audit) {
    require(desk, Action::manage_requests);
    store::WriteTx tx(desk.db());
    RequestRow row = load_request(desk, id);
    audit.subject(row.subject_id);
    need_open(row);
    nlohmann::json detail = nlohmann::json::object();
    change(row, detail);
    store::update_request(desk.db(), row);
    add_event(desk, row.id, event, detail);
    audit.ok();
    tx.commit();
    return row.id;
  });
  return find_request(desk, request_label(changed));
}

}  // namespace

Request verify_request(Desk& desk, std::string_view id) {
  return transition(desk, id, "verify", "verified", [&](RequestRow& row, nlohmann::json&) {
    if (row.status != "received")
      fail(ErrorKind::conflict, request_label(row.id) + " is already verified (on " + row.verified_on.value_or("?") + ")");
    row.status = "verified";
    row.verified_on = cal::format(cal::today());
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
    if (row.status == "received")
      fail(ErrorKind::refused, request_label(row.id) + " is not verified: check the requester's identity first, then "
                                                       "`dsr request verify " + request_label(row.id) + "`");
    if (row.status == "in_progress") fail(ErrorKind::conflict, request_label(row.id) + " is already in progress");
    row.status = "in_progress";
  });
}

Request extend_request(Desk& desk, std::string_view id, const std::string& reason_in) {
  if (reason_in.empty()) fail(ErrorKind::usage, "--reason: an extension needs a reason (it is told to the requester)");
  std::string reason = reason_text("--reason", reason_in);
  return transition(desk, id, "extend", "extended", [&](RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    if (is_ccpa_opt_out(row))
      fail(ErrorKind::refused, label + ": a CCPA opt-out cannot be extended (due in 15 business days)");
    if (row.extended_on)
      fail(ErrorKind::refused, label + " was already extended on " + *row.extended_on + " (to " +
                                   row.extended_due.value_or("") + "); the law allows one extension");
    cal::Date today = cal::today();
    if (cal::format(today) > row.due)
      fail(ErrorKind::refused, label + ": an extension must be given by the first due date, " + row.due +
                                   "; it is now " + cal::format(today));
    cal::Date received = cal::parse_date("received", row.received);
    row.extended_due = cal::format(row.law == "gdpr" ? cal::gdpr_extended_due(received) : cal::ccpa_extended_due(received));
    row.extended_on = cal::format(today);
    row.extension_reason = reason;
    detail = {{"from", row.due}, {"to", *row.extended_due}, {"reason", reason}};
  });
}

Request close_request(Desk& desk, std::string_view id, const std::string& outcome, const std::string& reason_in) {
  if (outcome != "fulfilled" && outcome != "denied" && outcome != "cancelled")
    fail(ErrorKind::usage, "--outcome: must be fulfilled, denied or cancelled");
  if (outcome == "denied" && reason_in.empty())
    fail(ErrorKind::usage, "--reason: a denial needs a reason (it is kept and told to the requester)");
  std::string reason = reason_in.empty() ? "" : reason_text("--reason", reason_in);
  return transition(desk, id, "close", "closed", [&](RequestRow& row, nlohmann::json& detail) {
    if (outcome == "fulfilled" && row.status == "received")
      fail(ErrorKind::refused, request_label(row.id) + " cannot be fulfilled before the requester is verified "
                                                       "(`dsr request verify`), or close it as denied with a reason");
    row.status = outcome;
    row.outcome = outcome;
    row.closed_on = cal::format(cal::today());
    if (!reason.empty()) row.close_reason = reason;
    std::string due = row.extended_due.value_or(row.due);
    detail = {{"outcome", outcome}, {"due", due}, {"late", outcome != "cancelled" && *row.closed_on > due}};
    if (!reason.empty()) detail["reason"] = reason;
    // A fulfilled CCPA opt-out stands: the sharing rules obey it from now on
    // (CCPA 1798.120(d)), in the same transaction as the close.
    if (outcome == "fulfilled" && is_ccpa_opt_out(row) &&
        record_opt_out_for_request(desk, row.subject_id, request_label(row.id), row.received)) {
      detail["opt_out_recorded"] = "sale-sharing";
      // The third parties to tell (regs 7026(f)): recipients' names, no personal values.
      nlohmann::json tell = nlohmann::json::array();
      for (const auto& r : sale_recipients_of(desk, row.subject_id)) tell.push_back(r["recipient"]);
      detail["third_parties_to_tell"] = tell;
    }
  });
}

std::vector<Request> list_requests(Desk& desk, const RequestQuery& q) {
  require_audited(desk, Action::read_requests, "request list");
  static const std::vector<std::string> kOpen = {"received", "verified", "in_progress"};
  static const std::vector<std::string> kClosed = {"fulfilled", "denied", "cancelled"};
  store::RequestFilter f;
  if (q.status == "open") f.statuses = kOpen;
  else if (q.status == "closed") f.statuses = kClosed;
  else if (one_of(kOpen, q.status) || one_of(kClosed, q.status)) f.statuses = {q.status};
  else if (q.status != "all")
    fail(ErrorKind::usage, "--status: must be " + joined(kOpen) + ", " + joined(kClosed) + ", open, closed or all");
  if (q.due_within && *q.due_within < 0) fail(ErrorKind::usage, "--due-within: a number of days, 0 or more");
  if (!q.subject.empty()) f.subject_id = resolve_subject(desk, q.subject).id;
  cal::Date today = cal::today();
  std::vector<Request> out;
  for (const auto& row : store::list_requests(desk.db(), f)) {
    Request r = to_request(row, today);
    if (q.overdue && !(r.overdue || r.ack_overdue)) continue;
    if (q.due_within && !(r.days_left && *r.days_left <= *q.due_within)) continue;
    out.push_back(std::move(r));
  }
  return out;
}

nlohmann::json request_json(const Request& r) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
  nlohmann::json j = {{"id", r.id},
                      {"subject", r.subject_id},
                      {"type", r.type},
                      {"law", r.law},
                      {"channel", text_or_null(r.channel)},
                      {"received", r.received},
                      {"status", r.status},
                      {"verified_on", text_or_null(r.verified_on)},
                      {"first_due", r.first_due},
                      {"due", r.due},
                      {"extended", r.extended()},
                      {"extended_on", text_or_null(r.extended_on)},
                      {"extension_reason", text_or_null(r.extension_reason)},
                      {"ack_due", text_or_null(r.ack_due)},
                      {"acknowledged_on", text_or_null(r.acknowledged_on)},
                      {"days_left", r.days_left ? nlohmann::json(*r.days_left) : nlohmann::json(nullptr)},
                      {"overdue", r.overdue},
                      {"ack_overdue", r.ack_overdue},
                      {"closed_on", text_or_null(r.closed_on)},
                      {"outcome", text_or_null(r.outcome)},
                      {"close_reason", text_or_null(r.close_reason)},
                      {"days_to_respond", r.days_to_respond ? nlohmann::json(*r.days_to_respond) : nlohmann::json(nullptr)},
                      {"late", r.late},
                      {"opened_at", iso_time(r.opened_at)},
                      {"opened_by", r.opened_by}};
  if (!r.history.empty()) {
    nlohmann::json h = nlohmann::json::array();
    for (const auto& e : r.history)
      h.push_back({{"at", iso_time(e.at)}, {"actor", e.actor}, {"event", e.event}, {"detail", e.detail}});
    j["history"] = std::move(h);
  }
  return j;
}

}  // namespace dsr
