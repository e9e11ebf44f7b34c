// Pure date arithmetic for statutory deadlines: GDPR Art. 12(3) months counted
// under Regulation (EEC, Euratom) 1182/71, CCPA calendar and business days, and
// the durations retention rules are written in. No database, no terminal; the
// only outside input is the clock behind today() / now_unix().
//
// All dates are proleptic Gregorian civil dates with no time zone attached.
// Weekends are Saturday and Sunday. Public holidays are NOT known to this
// library: Art. 3(4) of Regulation 1182/71 also moves a period ending on a
// public holiday, but which holidays apply depends on the Member State, so only
// the weekend part of that rule is applied here.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsr::cal {

using Date = std::chrono::year_month_day;

// Parses strict "YYYY-MM-DD": exactly 4+2+2 digits with '-' separators, no
// spaces or signs, and a real calendar date (2026-02-29 is rejected). Throws
// Error(usage) whose message starts with `field` (e.g. "--received: ...").
Date parse_date(std::string_view field, std::string_view s);
// "YYYY-MM-DD" (zero padded).
std::string format(Date d);

// d plus n calendar days (n may be negative).
Date add_days(Date d, int n);
// Number of days from `from` to `to` (to - from); negative when to is earlier.
int days_between(Date from, Date to);
// Saturday or Sunday.
bool is_weekend(Date d);
// d itself when it is Monday to Friday, otherwise the following Monday.
Date next_working_day(Date d);
// The n-th working day (Mon-Fri) counted from the day after d; n == 0 gives d,
// a negative n counts backwards from the day before d.
Date add_business_days(Date d, int n);

// GDPR Art. 12(3) read with Regulation 1182/71 Art. 3: a period of `months`
// months runs from the day after receipt and ends on the day of the month
// `months` later with the same number as the receipt day, or on the last day of
// that month when it has no such day (Art. 3(2)(c)); an end on a Saturday or
// Sunday moves to the next Monday (Art. 3(4)).
//   2026-03-15 -> 2026-04-15, 2025-01-31 -> 2025-02-28,
//   2026-01-31 -> 2026-02-28 is a Saturday -> 2026-03-02.
// Throws Error(usage) when months < 1.
Date gdpr_due(Date received, int months = 1);
// The Art. 12(3) extension by two further months, added to the original period:
// gdpr_due(received, 3). The end-of-month clamp is applied once to the whole
// three-month period, not chained month by month, and the weekend move of the
// first deadline does not shift the extended one.
Date gdpr_extended_due(Date received);

// CCPA: answer within 45 calendar days of receipt (received + 45), no weekend
// adjustment.
Date ccpa_due(Date received);
// CCPA extension by up to 45 more days: received + 90.
Date ccpa_extended_due(Date received);
// CCPA acknowledgement: 10 business days after receipt,
// add_business_days(received, 10).
Date ccpa_ack_due(Date received);

// A retention or similar period: "30d", "6w", "24m", "6y", "0d".
struct Duration {
  int amount;  // >= 0
  char unit;   // 'd' days, 'w' weeks, 'm' months, 'y' years
  friend bool operator==(const Duration&, const Duration&) = default;
};
// Strict: one or more decimal digits, then exactly one lowercase unit letter
// (d, w, m, y); no sign, spaces or other text. Amount is at most 100000.
// Throws Error(usage) quoting the bad text.
Duration parse_duration(std::string_view s);
// The canonical text: amount then unit ("24m"); parse_duration(format(d)) == d.
std::string format(Duration d);
// d moved forward (add) or back (subtract) by the duration. Days and weeks are
// exact; months and years are calendar arithmetic clamped to the end of the
// target month (2026-01-31 + 1m = 2026-02-28, 2024-02-29 + 1y = 2025-02-28).
// Note: clamping makes subtract not always the inverse of add.
Date add(Date d, Duration dur);
Date subtract(Date d, Duration dur);

// Today's date. Precedence:
//   1. a value given to set_today_for_tests (in-process override);
//   2. only when this library was compiled with DSR_TEST_CLOCK defined: the
//      DSR_TODAY environment variable, strict YYYY-MM-DD (a malformed value
//      throws Error(usage) "DSR_TODAY: ..."); in normal builds DSR_TODAY is
//      ignored entirely;
//   3. the system clock, as the calendar date in the local time zone (TZ).
Date today();
// Sets (or with std::nullopt clears) the in-process override used by today()
// and now_unix(). Thread-safe, meant for tests only.
void set_today_for_tests(std::optional<Date> d);
// Current Unix time in seconds. Without an override this is the real time.
// With an override (either kind above) it is midnight UTC of the overriding
// date plus the real seconds elapsed since the last real midnight UTC, so time
// still advances within a run and the UTC date of now_unix() equals today().
std::int64_t now_unix();

}  // namespace dsr::cal
