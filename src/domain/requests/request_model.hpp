// Between a request's row and the Request the library hands out (shared by the
// request operations, actions and the report).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "dsr/requests.hpp"
#include "store/request_store.hpp"

namespace dsr {

std::string request_label(int64_t id);  // "req_12"
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

}  // namespace dsr
