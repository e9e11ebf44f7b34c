// What the subject commands do for a request (--request ID): checked before,
// recorded after, in the same transaction as the operation itself.
#include <algorithm>

#include "domain/requests/request_model.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "store/tx.hpp"

namespace dsr {

namespace {

// The audit entries made while it lives name `request` (the label).
struct RequestScope {
  Desk& desk;
  std::string saved;
  RequestScope(Desk& d, const std::string& request) : desk(d), saved(d.request()) { desk.set_request(request); }
  ~RequestScope() { desk.set_request(saved); }
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;
};

// The label of a request reference as typed, before it is looked up; "" when
// it is no request id (so no typed text reaches the audit trail).
std::string label_as_typed(std::string_view ref) {
  auto id = request_number(ref);
  return id ? request_label(*id) : std::string();
}

store::RequestRow checked(Desk& desk, std::string_view request_id, std::string_view subject_ref,
                          const std::string& command) {
  {
    // A role that may not act on requests is refused before the request is
    // looked up; the refusal is recorded, naming the request as typed.
    RequestScope scope(desk, label_as_typed(request_id));
    require_audited(desk, Action::manage_requests, command.c_str());
  }
  store::RequestRow row = load_request(desk, request_id);
  std::string label = request_label(row.id);
  if (row.closed_on)
    fail(ErrorKind::conflict,
         label + " is already closed (" + to_string(row.outcome) + " on " + *row.closed_on + "); open a new request");
  if (row.status == RequestStatus::received)
    fail(ErrorKind::refused, label + " is not verified: check the requester's identity first, then `dsr request verify " +
                                 label + "`");
  need_agent_confirmed(row, "acting on it");
  if (row.subject_id.empty())
    fail(ErrorKind::usage, "--request: " + label + " stands on a claimed identity and names no subject yet; link it "
                           "first: dsr request link " + label + " SUBJECT");
  if (!subject_ref.empty()) {
    std::string id = resolve_subject(desk, subject_ref).id;
    if (id != row.subject_id)
      fail(ErrorKind::usage, "--request: " + label + " is for subject " + row.subject_id + ", not " + id);
  }
  return row;
}

}  // namespace

void check_request_action(Desk& desk, std::string_view request_id, std::string_view subject_ref,
                          const std::string& command) {
  checked(desk, request_id, subject_ref, command);
}

void record_request_action(Desk& desk, std::string_view request_id, const std::string& action,
                           const RequestAction& done) {
  store::WriteTx tx(desk.db());
  store::RequestRow row = checked(desk, request_id, "", action);
  if (row.status == RequestStatus::verified) {
    row.status = RequestStatus::in_progress;
    store::update_request(desk.db(), row);
    add_event(desk, row.id, "started", {{"by", action}});
  }
  nlohmann::json detail = {{"action", action}, {"subject", done.subject_id}};
  if (!done.fields.empty()) detail["fields"] = done.fields;
  add_event(desk, row.id, "action", detail);
  tx.commit();
}

void act_for_request(Desk& desk, std::string_view request_id, const std::string& action,
                     std::string_view subject_ref, const std::function<RequestAction()>& op) {
  if (request_id.empty()) {
    op();
    return;
  }
  keep_refusals(desk, [&] {
    store::WriteTx tx(desk.db());
    check_request_action(desk, request_id, subject_ref, action);
    // The operation's audit entry names the request it was made under.
    RequestScope scope(desk, request_label(load_request(desk, request_id).id));
    RequestAction done = op();
    record_request_action(desk, request_id, action, done);
    tx.commit();
  });
}

namespace {
// A change recorded with the fields it changed.
ChangeResult change_under(Desk& desk, std::string_view request_id, const char* action, std::string_view ref,
                          const std::function<ChangeResult()>& op) {
  ChangeResult r;
  act_for_request(desk, request_id, action, ref, [&] {
    r = op();
    return RequestAction{r.subject.id, r.changed};
  });
  return r;
}
}  // namespace

// A registration or correction that gives a subject the email or phone a
// pending request claimed links that request.
// The link runs in a transaction of its own, after the operation committed:
// wrapping both would roll back the audit entry of a refused registration.
RegisterResult register_under(Desk& desk, std::string_view request_id, const SubjectInput& in) {
  RegisterResult r;
  act_for_request(desk, request_id, "register", "", [&] {
    r = register_subject(desk, in);
    RequestAction done{r.subject.id, {}};
    for (const auto& v : r.subject.values) done.fields.push_back(v.field);
    return done;
  });
  store::WriteTx tx(desk.db());
  r.linked_requests = link_claimed_requests(desk, r.subject.id);
  tx.commit();
  return r;
}

ChangeResult correct_under(Desk& desk, std::string_view request_id, std::string_view ref, const SubjectInput& in) {
  ChangeResult r = change_under(desk, request_id, "correct", ref, [&] { return correct_subject(desk, ref, in); });
  if (std::find(r.changed.begin(), r.changed.end(), "email") != r.changed.end() ||
      std::find(r.changed.begin(), r.changed.end(), "phone") != r.changed.end()) {
    store::WriteTx tx(desk.db());
    r.linked_requests = link_claimed_requests(desk, r.subject.id);
    tx.commit();
  }
  return r;
}

ChangeResult deactivate_under(Desk& desk, std::string_view request_id, std::string_view ref, const std::string& reason) {
  return change_under(desk, request_id, "deactivate", ref, [&] { return deactivate_subject(desk, ref, reason); });
}

ChangeResult reactivate_under(Desk& desk, std::string_view request_id, std::string_view ref) {
  return change_under(desk, request_id, "reactivate", ref, [&] { return reactivate_subject(desk, ref); });
}

EraseResult erase_under(Desk& desk, std::string_view request_id, std::string_view ref, const std::string& reason,
                        bool dry_run) {
  EraseResult r;
  act_for_request(desk, dry_run ? "" : request_id, "delete", ref, [&] {
    r = erase_subject(desk, ref, reason, dry_run);
    return RequestAction{r.id, r.fields};
  });
  if (r.erased_now && !store::in_transaction(desk.db())) r.wiped = desk.wipe_erased();
  return r;
}

nlohmann::json export_under(Desk& desk, std::string_view request_id, std::string_view ref,
                            const std::function<void(const nlohmann::json&)>& deliver) {
  nlohmann::json pkg;
  act_for_request(desk, request_id, "export", ref, [&] {
    pkg = export_subject(desk, ref);
    if (deliver) deliver(pkg);
    return RequestAction{pkg["subject"]["id"].get<std::string>(), {}};
  });
  return pkg;
}

}  // namespace dsr
