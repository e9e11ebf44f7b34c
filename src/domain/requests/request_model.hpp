// Between a request's row and the Request the library hands out (shared by the
// request operations, actions and the report).
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/core/audited_write.hpp"
#include "dsr/requests.hpp"
#include "dsr/roles.hpp"
#include "store/request_store.hpp"

namespace dsr {

std::string request_label(int64_t id);  // "req_12"
// The --reason an action cannot go without: a usage error naming `why` when empty.
std::string required_reason(const std::string& reason, const char* why);
// ID ("req_12" or "12") to its number; nothing when it is no request id.
std::optional<int64_t> request_number(std::string_view id);
// ID ("req_12" or "12") to its row; not_found otherwise.
store::RequestRow load_request(Desk& desk, std::string_view id);
// Appends one entry to the request's history, by the desk's actor, now.
void add_event(Desk& desk, int64_t request_id, const std::string& event, nlohmann::json detail);
// The row with its figures as of `today` (history left empty).
Request to_request(const store::RequestRow& row, cal::Date today);
// Sets the due dates of the open requests of a jurisdiction again (after its
// holidays changed), recording each change in the request's history; returns
// the ids of those whose dates moved. Run inside the caller's transaction.
std::vector<std::string> refresh_deadlines(Desk& desk, const std::string& jurisdiction);
// Sets the row's due dates from its clock start, pauses and extension.
void set_deadlines(Desk& desk, store::RequestRow& row, cal::Date today);
// conflict when the request is closed.
void need_open(const store::RequestRow& r);
// refused while an authorised agent's or a parent's request lacks the
// confirmation it needs (requests_verify.cpp); `doing` names what waits.
void need_agent_confirmed(const store::RequestRow& r, const std::string& doing);
bool agent_confirmation_needed(const store::RequestRow& r);
// A file given as evidence (a declaration, an agent's proof), read whole: at
// most 1 MiB, not empty (usage otherwise, naming `option`).
struct EvidenceFile {
  std::string name;   // the file's base name; empty when no file was given
  std::string bytes;
};
EvidenceFile read_evidence_file(const char* option, const std::string& path);
// Seals `record` (and the file) as the request's evidence of `kind`; inside the caller's transaction.
void seal_evidence(Desk& desk, int64_t request_id, const std::string& kind, nlohmann::json record,
                   const EvidenceFile& file);

// Which requests a step applies to: an open one (verify ... link), or any
// (an appeal concerns a closed request; reopen a closed one).
enum class Need { open, any };

// Loads, checks and changes one request in a transaction, and logs the event
// in its history and in the audit trail (as "request <command>").
template <class F>
Request request_step(Desk& desk, std::string_view id, const char* command, const char* event, Need need,
                     F&& change) {
  // Appended, not `std::string("request ") + command`: GCC 12 at -O1 warns
  // (-Warray-bounds, a false positive) on that temporary once it is inlined
  // into the unity batch of requests.cpp.
  std::string what = "request ";
  what += command;
  int64_t changed = audited_write(desk, what.c_str(), Action::manage_requests, [&](Audit& audit) {
    store::RequestRow row = load_request(desk, id);
    if (!row.subject_id.empty()) audit.subject(row.subject_id);
    if (need == Need::open) need_open(row);
    nlohmann::json detail = nlohmann::json::object();
    change(row, detail);
    store::update_request(desk.db(), row);
    add_event(desk, row.id, event, detail);
    return row.id;
  });
  return find_request(desk, request_label(changed));
}

template <class F>
Request transition(Desk& desk, std::string_view id, const char* command, const char* event, F&& change) {
  return request_step(desk, id, command, event, Need::open, std::forward<F>(change));
}

}  // namespace dsr
