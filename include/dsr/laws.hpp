// THE law table: every law a request can be opened under, one row each, and
// the one deadline engine that reads it. A law's periods, extension,
// acknowledgement, appeal period, business-day rule, clock start and
// citations are data in its row (src/domain/requests/laws.cpp); no code path
// names a law. Adding a law is one row (tests/unit/domain/requests/
// deadlines_test.cpp has a table of expected dates for every row).
//
// Thread safety: the table is immutable; every function is pure.
#pragma once
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/calendar.hpp"
#include "dsr/enums.hpp"

namespace dsr {
// One enumerator per row of the law table, in its order; the row carries it
// with its name (tests/unit/domain/requests/laws_test.cpp checks they agree).
enum class LawId { gdpr, uk_gdpr, ccpa, lgpd, pipeda, vcdpa, cpa, ctdpa, hipaa_access, hipaa_accounting };
// The law's name (its row's `name`: "uk-gdpr").
std::string to_string(LawId id);
}  // namespace dsr

namespace dsr::laws {

enum class Unit { days, business_days, months };

// A period: `amount` of `unit`; amount 0 means none.
struct Period {
  int amount = 0;
  Unit unit = Unit::days;
  bool none() const { return amount == 0; }
};

// What happens when a period ends on a day that is not a working day.
enum class Roll {
  none,              // calendar days: the date stands (CCPA, the VCDPA model, HIPAA, LGPD: their texts are silent)
  next_working_day,  // Reg. 1182/71 Art. 3(4): Saturday, Sunday or public holiday -> the next working day
  next_non_holiday,  // Canada's Interpretation Act s. 26 (s. 35: a holiday is a Sunday or a listed holiday;
                     // a Saturday is not) -> the next day that is not a holiday (PIPEDA)
};

// When the clock starts.
enum class ClockStart {
  receipt,   // the day the request is received
  complete,  // UK GDPR Art. 12A: once identity (and any fee or clarification) is in; may be paused
};

// A request type whose deadlines differ from the law's (CCPA opt-out).
struct TypeRule {
  RequestType type;
  Period answer, extension, acknowledge;
  bool needs_verification = true;
  std::string_view citation;
};

struct Law {
  LawId id;
  std::string_view name;          // --law
  std::string_view title;
  std::string_view jurisdiction;  // the default --jurisdiction (ISO 3166 code, "EU" for the Union)
  std::vector<RequestType> types;
  Period answer;       // counted from the clock start
  Period extension;    // added to `answer`, once, from the same start (one period of answer + extension)
  Period acknowledge;  // confirm receipt within (none: no duty)
  Roll roll = Roll::none;
  ClockStart clock = ClockStart::receipt;
  bool pausable = false;  // the clock can be stopped while waiting for clarification
  Period appeal;          // answer an appeal within (none: the law has no appeal)
  Period appeal_extension;
  std::vector<TypeRule> type_rules;
  std::string_view citation;         // the answer period
  std::string_view extension_citation;
  std::string_view appeal_citation;  // empty when no appeal
  std::string_view note;             // other duties worth a reminder (lookback, deemed refusal)
  std::string_view regulator;        // whom the requester may complain to (told on a refusal)
  // The provision that gives a requester the right to learn whether their data
  // is processed at all (cited when nothing is held); empty: none is cited.
  std::string_view confirms;
};

// Every law, in the order they are listed.
const std::vector<Law>& table();
// The law named `name`, or null.
const Law* find(std::string_view name);
// The law named `name`; Error(usage) listing the laws otherwise (field: "--law").
const Law& get(std::string_view name);
// The row of a law.
const Law& get(LawId id);
// "gdpr, uk-gdpr, ..." for messages and help.
std::string names();
// The periods a request type has under a law: the law's, or its type rule's.
struct Periods {
  Period answer, extension, acknowledge;
  bool needs_verification = true;
  std::string_view citation;
};
// Error(usage) when the law has no such type (the message lists the law's types).
Periods periods_for(const Law& law, RequestType type);
// The type named `type` when the law has it; the same Error(usage) as
// periods_for otherwise (field: "--type").
RequestType type_for(const Law& law, std::string_view type);
// Whether the law has the type.
bool has_type(const Law& law, RequestType type);

// The days that are not working days besides Saturday and Sunday: a
// jurisdiction's public holidays (dsr holidays import). `imported` is false
// when no calendar is known for the jurisdiction: only weekends count.
struct Holidays {
  std::string jurisdiction;
  std::set<std::string> days;  // YYYY-MM-DD
  bool imported = false;
  bool is_holiday(cal::Date d) const;
  bool is_working_day(cal::Date d) const;  // Monday to Friday and not a holiday
};

// `start` moved by the period. Days and months as in calendar.hpp (months under
// Reg. 1182/71 Art. 3(2)(c): the same day number, else the month's last day);
// business days are working days (holidays skipped) counted from the day after.
cal::Date add(cal::Date start, Period p, const Holidays& h);
// The period's end with the law's roll applied (an end on a non-working day
// moves to the next working day under Roll::next_working_day).
cal::Date end_of(cal::Date start, Period p, Roll roll, const Holidays& h);
// The sum of two periods of one unit (answer + extension); usage error if the
// units differ (the table never does that).
Period plus(Period a, Period b);

// Every deadline of one request, as of its clock start and pause.
struct Deadlines {
  std::string due;       // YYYY-MM-DD: the answer period's end
  std::string extended;  // with the extension ("" when the law has none)
  std::string ack;       // acknowledge by ("" when none)
};
// start: the clock start; paused_days: days the clock stood still (added
// before the roll).
Deadlines deadlines(const Law& law, RequestType type, cal::Date start, int paused_days, const Holidays& h);
// An appeal received on `received`: its due date, and with the extension.
Deadlines appeal_deadlines(const Law& law, cal::Date received, const Holidays& h);

// "1 month", "45 days", "10 business days".
std::string text(Period p);

}  // namespace dsr::laws
