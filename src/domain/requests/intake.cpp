// Requests opened from other systems' documents, and their status objects (dsr/intake.hpp).
#include <algorithm>

#include "domain/core/audited_write.hpp"
#include "domain/requests/request_model.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/intake.hpp"
#include "dsr/timefmt.hpp"
#include "store/letter_store.hpp"
#include "store/request_store.hpp"

namespace dsr {

namespace {

// The end of a due date's day, as the RFC 3339 time the protocols ask for.
std::string end_of_day(const std::string& date) { return date + "T23:59:59Z"; }

}  // namespace

Request open_from_document(Desk& desk, std::string_view text, const IntakeOptions& o) {
  if (std::find(kIntakeFormats.begin(), kIntakeFormats.end(), o.format) == kIntakeFormats.end())
    fail(ErrorKind::usage, "--format: must be drp or opendsr");
  // Read inside the audited write: a refused document (bad signature, expired,
  // not for us) is an attempt worth an audit entry (ARCHITECTURE.md, Invariants).
  int64_t id = audited_write(desk, "request intake", Action::manage_requests, [&](Audit& audit) {
    IntakeDoc d = o.format == "drp" ? read_drp(text, o, cal::now_unix()) : read_opendsr(text, o);
    RequestInput in{.type = to_string(d.type),
                    .law = to_string(d.law),
                    .channel = o.channel.empty() ? "web" : o.channel,
                    .email = d.email,
                    .phone = d.phone,
                    .name = d.name,
                    .jurisdiction = o.jurisdiction};
    if (d.format == "opendsr") {  // the clock runs from the data subject's request to the controller
      in.received = iso_date(*d.issued_at);
      if (in.received > cal::format(cal::today()))
        fail(ErrorKind::usage, "--from-file (opendsr): \"submitted_time\" " + iso_time(*d.issued_at) + " is in the future");
    }
    if (!d.external_id.empty())
      if (auto prior = store::request_from_source(desk.db(), d.format, d.sender, d.external_id))
        fail(ErrorKind::conflict, "--from-file: this " + d.format + " request was already read as " +
                                      request_label(*prior));
    Request r = open_request(desk, in);
    if (!r.subject_id.empty()) audit.subject(r.subject_id);
    store::SourceRow s;
    s.request_id = load_request(desk, r.id).id;
    s.format = d.format;
    s.sender = d.sender;
    s.external_id = d.external_id;
    if (!d.business.empty()) s.business = d.business;
    s.exercise = d.exercise;
    s.issued_at = d.issued_at;
    s.expires_at = d.expires_at;
    s.received_at = cal::now_unix();
    s.signature = d.signature;
    s.callbacks = nlohmann::json(d.callbacks).dump();
    if (!d.api_version.empty()) s.api_version = d.api_version;
    store::insert_source(desk.db(), s);
    // Ids, the right and what the sender vouched for: never the identity itself.
    nlohmann::json detail = {{"format", d.format},       {"sender", d.sender},       {"exercise", d.exercise},
                             {"signature", d.signature}, {"callbacks", d.callbacks.size()}};
    if (!d.external_id.empty()) detail["external_id"] = d.external_id;
    if (d.format == "drp") {
      detail["email_verified"] = d.email_verified;
      detail["phone_verified"] = d.phone_verified;
      detail["power_of_attorney"] = d.power_of_attorney;
      detail["expires_at"] = iso_time(*d.expires_at);
    }
    if (!d.unused_identities.empty()) detail["unused_identities"] = d.unused_identities;
    add_event(desk, s.request_id, "intake", detail);
    return s.request_id;
  });
  return find_request(desk, request_label(id));
}

nlohmann::json request_status(Desk& desk, std::string_view ref, const std::string& format) {
  if (std::find(kIntakeFormats.begin(), kIntakeFormats.end(), format) == kIntakeFormats.end())
    fail(ErrorKind::usage, "--format: must be drp or opendsr");
  require_audited(desk, Action::read_requests, "request show");
  store::RequestRow row = load_request(desk, ref);
  Request r = to_request(row, cal::today());
  auto src = store::source_of(desk.db(), row.id);
  if (!src || src->format != format)
    fail(ErrorKind::usage, "--format " + format + ": " + r.id + " was not read from a " + format + " document (" +
                               (src ? "it came as " + src->format : std::string("it was opened by hand")) + ")");
  nlohmann::json j;
  if (format == "drp") {
    // DRP section 3.02: open until acknowledged or verified, then in_progress;
    // a withdrawn request is revoked; a denial carries its code as the reason.
    std::string status = r.status == RequestStatus::fulfilled   ? "fulfilled"
                         : r.status == RequestStatus::denied    ? "denied"
                         : r.status == RequestStatus::cancelled ? "revoked"
                         : (r.status == RequestStatus::received && r.acknowledged_on.empty()) ? "open"
                                                                                               : "in_progress";
    j["request_id"] = r.id;
    j["received_at"] = iso_time(src->received_at);
    j["expected_by"] = end_of_day(r.due);
    if (!src->external_id.empty()) j["agent_request_id"] = src->external_id;
    j["status"] = status;
    if (status == "denied" && !r.denial_code.empty()) j["reason"] = r.denial_code;
    std::string details;
    if (r.extended()) details = "extended on " + r.extended_on + " to " + r.due + ": " + r.extension_reason;
    if (status == "denied" && !r.close_reason.empty()) details = r.close_reason;
    if (!details.empty()) j["processing_details"] = details;
  } else {
    std::string status = r.status == RequestStatus::fulfilled ? "completed"
                         : (r.status == RequestStatus::denied || r.status == RequestStatus::cancelled) ? "cancelled"
                         : r.status == RequestStatus::in_progress ? "in_progress"
                                                                  : "pending";
    j["controller_id"] = src->sender;
    j["expected_completion_time"] = end_of_day(r.due);
    j["subject_request_id"] = src->external_id;
    j["request_status"] = status;
    if (src->api_version) j["api_version"] = *src->api_version;
  }
  return j;
}

}  // namespace dsr
