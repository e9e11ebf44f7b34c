// Public holidays by jurisdiction, imported from iCalendar files: the days
// Regulation 1182/71 Art. 3(4) and every business-day count skip besides
// weekends (dsr/laws.hpp). Without an imported calendar only weekends count,
// and a request's JSON says so.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/laws.hpp"

namespace dsr {

// A jurisdiction code: ISO 3166-1 alpha-2 (DE), "EU", or a subdivision
// (US-CA, GB-SCT): letters uppercased. Error(usage) for anything else
// (field "--jurisdiction").
std::string validate_jurisdiction(const std::string& code);

// The holidays known for a jurisdiction (imported = false when none).
laws::Holidays holidays_of(Desk& desk, const std::string& jurisdiction);

struct HolidayImport {
  std::string jurisdiction;
  int64_t days = 0;       // days in the file (after DTEND spreading)
  int64_t added = 0;      // new to the vault
  int recurring = 0;      // recurring events left out (RRULE)
  int undated = 0;        // events without a date, left out
  std::string first, last;  // the range imported ("" when none)
  std::vector<std::string> requests_updated;  // open requests of the jurisdiction whose due dates moved
};
// Parses the file's text (dsr/ics.hpp) and adds its days, all or nothing; the
// open requests of the jurisdiction get their due dates set again in the same
// transaction (each change in the request's history).
HolidayImport import_holidays(Desk& desk, const std::string& ics_text, const std::string& jurisdiction);
nlohmann::json holiday_import_json(const HolidayImport& r);

struct Holiday {
  std::string jurisdiction, day, name;
};
// jurisdiction "": all. Ordered by jurisdiction, then date.
std::vector<Holiday> list_holidays(Desk& desk, const std::string& jurisdiction);

}  // namespace dsr
