// Public holidays by jurisdiction (dsr/holidays.hpp).
#include "dsr/holidays.hpp"

#include "domain/core/audited_write.hpp"
#include "domain/requests/request_model.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/ics.hpp"
#include "dsr/json_values.hpp"
#include "dsr/roles.hpp"
#include "dsr/validate.hpp"
#include "store/request_store.hpp"
#include "store/tx.hpp"

namespace dsr {

std::string validate_jurisdiction(const std::string& code) {
  std::string u;
  for (char c : code) u.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  auto alpha = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto alnum = [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); };
  bool ok = u.size() >= 2 && alpha(u[0]) && alpha(u[1]);
  if (ok && u.size() > 2) {
    ok = u[2] == '-' && u.size() >= 4 && u.size() <= 6;
    for (std::size_t k = 3; ok && k < u.size(); ++k) ok = alnum(u[k]);
  }
  if (!ok)
    fail(ErrorKind::usage, "--jurisdiction: " + validate::quoted(code) +
                               " is not a jurisdiction code; use ISO 3166 (DE, FR, GB, US-CA) or EU");
  return u;
}

laws::Holidays holidays_of(Desk& desk, const std::string& jurisdiction) {
  laws::Holidays h;
  h.jurisdiction = jurisdiction;
  if (jurisdiction.empty()) return h;
  for (const auto& row : store::list_holidays(desk.db(), jurisdiction)) h.days.insert(row.day);
  h.imported = !h.days.empty();
  return h;
}

HolidayImport import_holidays(Desk& desk, const std::string& ics_text, const std::string& jurisdiction_in) {
  std::string jurisdiction = validate_jurisdiction(jurisdiction_in);
  ics::Calendar parsed = ics::parse(ics_text);  // before any write: a bad file changes nothing
  return audited_write(desk, "holidays import", Action::manage_requests, [&](Audit&) {
    HolidayImport r;
    r.jurisdiction = jurisdiction;
    r.recurring = parsed.recurring;
    r.undated = parsed.undated;
    auto before = holidays_of(desk, jurisdiction).days;
    int64_t at = cal::now_unix();
    for (const auto& e : parsed.events) {
      ++r.days;
      if (!before.count(e.day)) {
        ++r.added;
        before.insert(e.day);
      }
      if (r.first.empty() || e.day < r.first) r.first = e.day;
      if (r.last.empty() || e.day > r.last) r.last = e.day;
      store::put_holiday(desk.db(), {jurisdiction, e.day, e.summary, at, desk.actor()});
    }
    r.requests_updated = refresh_deadlines(desk, jurisdiction);
    if (parsed.events.empty())
      fail(ErrorKind::usage, "the file holds no dated holiday" +
                                 std::string(parsed.recurring ? " (only recurring events, which are not read)" : ""));
    return r;
  });
}

nlohmann::json holiday_import_json(const HolidayImport& r) {
  return {{"jurisdiction", r.jurisdiction},
          {"days", r.days},
          {"added", r.added},
          {"recurring_skipped", r.recurring},
          {"undated_skipped", r.undated},
          {"first", text_or_null(r.first)},
          {"last", text_or_null(r.last)},
          {"requests_updated", r.requests_updated}};
}

std::vector<Holiday> list_holidays(Desk& desk, const std::string& jurisdiction) {
  require_audited(desk, Action::read_requests, "holidays list");
  std::string j = jurisdiction.empty() ? "" : validate_jurisdiction(jurisdiction);
  std::vector<Holiday> out;
  for (const auto& row : store::list_holidays(desk.db(), j)) out.push_back({row.jurisdiction, row.day, row.name});
  return out;
}

}  // namespace dsr
