// The yearly request metrics (CCPA regulations 7102).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "domain/requests/request_model.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/laws.hpp"
#include "dsr/roles.hpp"
#include "dsr/requests.hpp"
#include "store/request_store.hpp"

namespace dsr {

namespace {


struct Tally {
  RequestFigures f;
  std::vector<int> days;

  void add(const Request& r) {
    ++f.received;
    if (r.outcome == RequestStatus::fulfilled)
      ++f.fulfilled;
    else if (r.outcome == RequestStatus::denied) {
      ++f.denied;
      ++f.denial_codes[r.denial_code.empty() ? "unrecorded" : r.denial_code];
    } else if (r.outcome == RequestStatus::cancelled)
      ++f.cancelled;
    else ++f.open;
    if (r.late) ++f.late;
    if (!r.linked()) ++f.unlinked;
    if (!r.appeal_received.empty()) ++f.appeals;
    if (r.appeal_outcome == AppealOutcome::granted) ++f.appeals_granted;
    if (r.appeal_outcome == AppealOutcome::denied) ++f.appeals_denied;
    if (r.appeal_overdue) ++f.appeals_overdue;
    if (!r.appeal_decided_on.empty() && r.appeal_decided_on > r.appeal_due) ++f.appeals_late;
    if (r.days_to_respond) days.push_back(*r.days_to_respond);
  }

  RequestFigures done() {
    f.responses = static_cast<int64_t>(days.size());
    if (!days.empty()) {
      std::sort(days.begin(), days.end());
      size_t n = days.size();
      f.median_days = n % 2 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2.0;
      f.mean_days = std::accumulate(days.begin(), days.end(), 0.0) / static_cast<double>(n);
    }
    return f;
  }
};

nlohmann::json figures_json(const RequestFigures& f) {
  auto num = [](const std::optional<double>& v) {
    // Two decimals are plenty for days, and keep the JSON free of float noise.
    return v ? nlohmann::json(std::round(*v * 100) / 100) : nlohmann::json(nullptr);
  };
  return {{"received", f.received}, {"fulfilled", f.fulfilled},         {"denied", f.denied},
          {"cancelled", f.cancelled}, {"open", f.open},                 {"late", f.late},
          {"responses", f.responses}, {"median_days", num(f.median_days)}, {"mean_days", num(f.mean_days)},
          {"unlinked", f.unlinked}, {"denial_codes", f.denial_codes}, {"appeals", f.appeals},
          {"appeals_granted", f.appeals_granted}, {"appeals_denied", f.appeals_denied},
          {"appeals_overdue", f.appeals_overdue}, {"appeals_late", f.appeals_late}};
}

}  // namespace

RequestReport report_requests(Desk& desk, const std::string& from_in, const std::string& to_in,
                              std::optional<LawId> law) {
  require_audited(desk, Action::read_requests, "report");
  cal::Date today = cal::today();
  cal::Date to = to_in.empty() ? today : cal::parse_date("--to", to_in);
  cal::Date from = from_in.empty() ? cal::Date{to.year(), std::chrono::January, std::chrono::day{1}}
                                   : cal::parse_date("--from", from_in);
  if (cal::days_between(from, to) < 0)
    fail(ErrorKind::usage, "--from: " + cal::format(from) + " is after --to " + cal::format(to));
  RequestReport rep;
  rep.from = cal::format(from);
  rep.to = cal::format(to);
  rep.law = law;
  store::RequestFilter f;
  f.received_from = rep.from;
  f.received_to = rep.to;
  Tally all;
  std::vector<Tally> by(kRequestTypeNames.size());
  std::vector<Tally> by_law(laws::table().size());
  for (const auto& row : store::list_requests(desk.db(), f)) {
    if (law && row.law != laws::get(*law).name) continue;
    Request r = to_request(row, today);
    all.add(r);
    by[static_cast<size_t>(r.type)].add(r);  // the enumerators count 0, 1, ... in the name table's order
    for (size_t k = 0; k < laws::table().size(); ++k)
      if (laws::table()[k].id == r.law) by_law[k].add(r);
  }
  rep.all = all.done();
  for (size_t i = 0; i < kRequestTypeNames.size(); ++i) rep.by_type.emplace_back(kRequestTypeNames[i].value, by[i].done());
  for (size_t k = 0; k < laws::table().size(); ++k) rep.by_law.emplace_back(laws::table()[k].id, by_law[k].done());
  return rep;
}

nlohmann::json report_json(const RequestReport& r) {
  nlohmann::json types = nlohmann::json::array();
  for (const auto& [type, f] : r.by_type) {
    nlohmann::json j = figures_json(f);
    j["type"] = to_string(type);
    types.push_back(std::move(j));
  }
  nlohmann::json by_law = nlohmann::json::array();
  for (const auto& [law, f] : r.by_law) {
    nlohmann::json j = figures_json(f);
    j["law"] = to_string(law);
    by_law.push_back(std::move(j));
  }
  return {{"from", r.from},
          {"by_law", by_law},
          {"to", r.to},
          {"law", r.law ? nlohmann::json(to_string(*r.law)) : nlohmann::json(nullptr)},
          {"total", figures_json(r.all)},
          {"by_type", types}};
}

}  // namespace dsr
