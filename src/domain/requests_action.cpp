// What the subject commands do for a request (--request ID): checked before,
// recorded after, in the same transaction as the operation itself.
#include "domain/request_model.hpp"
#include "domain/subject_codec.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/requests.hpp"
#include "store/tx.hpp"

namespace dsr {

namespace {

store::RequestRow checked(Desk& desk, std::string_view request_id, std::string_view subject_ref) {
  require(desk, Action::manage_requests);
  store::RequestRow row = load_request(desk, request_id);
  std::string label = request_label(row.id);
  if (row.closed_on)
    fail(ErrorKind::conflict, label + " is already closed (" + row.outcome.value_or("") + " on " + *row.closed_on +
                                  "); open a new request");
  if (row.status == "received")
    fail(ErrorKind::refused, label + " is not verified: check the requester's identity first, then `dsr request verify " +
                                 label + "`");
  if (!subject_ref.empty()) {
    std::string id = resolve_subject(desk, subject_ref).id;
    if (id != row.subject_id)
      fail(ErrorKind::usage, "--request: " + label + " is for subject " + row.subject_id + ", not " + id);
  }
  return row;
}

}  // namespace

void check_request_action(Desk& desk, std::string_view request_id, std::string_view subject_ref) {
  checked(desk, request_id, subject_ref);
}

void record_request_action(Desk& desk, std::string_view request_id, const std::string& action,
                           const RequestAction& done) {
  store::WriteTx tx(desk.db());
  store::RequestRow row = checked(desk, request_id, "");
  if (row.status == "verified") {
    row.status = "in_progress";
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
  store::WriteTx tx(desk.db());
  check_request_action(desk, request_id, subject_ref);
  // The operation's audit entry names the request it was made under.
  struct RequestScope {
    Desk& desk;
    std::string saved;
    ~RequestScope() { desk.set_request(saved); }
  } scope{desk, desk.request()};
  desk.set_request(request_label(load_request(desk, request_id).id));
  RequestAction done = op();
  record_request_action(desk, request_id, action, done);
  tx.commit();
}

}  // namespace dsr
