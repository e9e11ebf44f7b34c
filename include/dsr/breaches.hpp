// The register of personal-data breaches (GDPR Art. 33(5)): the facts, the
// effects and the remedial action of each, the 72-hour clock to the
// supervisory authority (Art. 33(1)), the subjects affected (Art. 34) computed
// from live data, and the history of every change. Breach records name no
// subject: the affected are computed when asked.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/enums.hpp"
#include "dsr/policy.hpp"

namespace dsr {

struct BreachEvent {
  int64_t at = 0;
  std::string actor, event;  // opened, updated, authority-notified, subjects-notified, closed
  nlohmann::json detail = nlohmann::json::object();  // field names, times, references; never personal values
};

struct Breach {
  std::string id;  // "brc_3"
  int64_t detected_at = 0;
  std::optional<int64_t> started_at, ended_at;  // the window in which data was exposed
  std::vector<std::string> categories;
  std::string description, consequences, measures;
  BreachStatus status = BreachStatus::open;
  std::optional<int64_t> authority_notified_at;
  std::string authority_reference, delay_reason;
  std::optional<int64_t> subjects_notified_at, closed_at;
  std::string close_reason;
  int64_t opened_at = 0;
  std::string opened_by;
  // The clock (Art. 33(1) counted under Reg. 1182/71 Art. 3(1): a period in
  // hours starts at the beginning of the hour after the event and, unlike
  // periods in days, is not moved past a weekend or holiday (Art. 3(4))).
  int64_t authority_due = 0;
  bool authority_overdue = false;  // not notified and past authority_due (as of now)
  bool notified_late = false;      // notified after authority_due
  int64_t hours_left = 0;          // until authority_due (negative when past)
  std::optional<int64_t> affected;  // filled by find_breach and list_breaches
  std::vector<BreachEvent> history;  // filled by find_breach only
};

// When the authority must be told of a breach detected at `detected` (unix seconds).
int64_t breach_authority_due(int64_t detected);

struct BreachInput {
  std::string detected;  // a time (parse_time); required
  std::string started, ended;  // optional window
  std::vector<std::string> categories;  // required (comma lists allowed)
  std::string description;               // required
  std::string consequences, measures;
};
Breach open_breach(Desk& desk, const BreachInput& in);

struct BreachUpdate {
  std::optional<std::string> detected, started, ended, description, consequences, measures;
  std::vector<std::string> categories;  // empty: unchanged
  std::string authority_notified;       // a time: the authority was told then
  std::string authority_reference;      // its reference for the notification
  std::string delay_reason;             // why the authority was told after 72 hours (Art. 33(1))
  std::string subjects_notified;        // a time: the subjects were told (Art. 34)
};
// Usage when the authority is recorded as told after the 72 hours without a
// delay reason; conflict on a closed breach.
Breach update_breach(Desk& desk, std::string_view id, const BreachUpdate& u);
// Closes the breach. reason: why the authority was not told (the breach is
// unlikely to result in a risk, Art. 33(1)); required when it was not.
Breach close_breach(Desk& desk, std::string_view id, const std::string& reason);
Breach find_breach(Desk& desk, std::string_view id);
// status: nullopt for all; overdue: only those past the 72 hours, not notified.
std::vector<Breach> list_breaches(Desk& desk, std::optional<BreachStatus> status = BreachStatus::open,
                                  bool overdue = false);
nlohmann::json breach_json(const Breach& b);

// The live subjects a breach affects, with their preferred contact (Art. 34).
void for_each_breach_contact(Desk& desk, std::string_view id, const std::function<void(const Contact&)>& f);

struct BreachReport {
  std::string from, to;  // detected between (dates, inclusive)
  int64_t total = 0, open = 0, closed = 0;
  int64_t notified_in_time = 0, notified_late = 0, not_notified = 0, overdue = 0;
  int64_t subjects_notified = 0;
  std::vector<std::pair<std::string, int64_t>> by_category;
};
BreachReport report_breaches(Desk& desk, const std::string& from, const std::string& to);
nlohmann::json breach_report_json(const BreachReport& r);

// For the record of processing: {"total", "open", "overdue"}.
nlohmann::json breach_counts(Desk& desk);

}  // namespace dsr
