// The law table and the deadline engine (dsr/laws.hpp). Each number below was
// checked against the text it cites; dsr(1), LAWS, quotes the same citations.
#include "dsr/laws.hpp"

#include <chrono>

#include "dsr/error.hpp"

namespace dsr::laws {

namespace {

using std::chrono::sys_days;
using std::chrono::weekday;

constexpr Period days(int n) { return {n, Unit::days}; }
constexpr Period months(int n) { return {n, Unit::months}; }
constexpr Period business_days(int n) { return {n, Unit::business_days}; }
constexpr Period none() { return {}; }

}  // namespace

const std::vector<Law>& table() {
  using enum RequestType;
  static const std::vector<Law> t = {
      {LawId::gdpr, "gdpr", "EU General Data Protection Regulation", "EU",
       {access, rectification, erasure, restriction, portability, objection},
       months(1), months(2), none(), Roll::next_working_day, ClockStart::receipt, false, none(), none(), {},
       "GDPR Art. 12(3); months counted under Reg. 1182/71 Art. 3 (Art. 3(4): an end on a Saturday, Sunday or "
       "public holiday moves to the next working day)",
       "GDPR Art. 12(3): two further months where necessary, the requester told within the first month with the reasons",
       "", "a refusal gives the reasons and the right to complain and to a judicial remedy (Art. 12(4))",
       "the supervisory authority of the Member State (GDPR Art. 77)",
       "GDPR Art. 15(1)"},
      {LawId::uk_gdpr, "uk-gdpr", "UK GDPR (as amended by the Data (Use and Access) Act 2025)", "GB",
       {access, rectification, erasure, restriction, portability, objection},
       months(1), months(2), none(), Roll::next_working_day, ClockStart::complete, true, none(), none(), {},
       "UK GDPR Art. 12(3) and Art. 12A: one month from the day the request, the identity evidence reasonably "
       "required and any fee are in; an end on a non-working day moves to the next working day (ICO guidance)",
       "UK GDPR Art. 12A: two further months, the requester told within the first month with the reasons",
       "", "the clock stops while the controller waits for clarification it reasonably requires (Art. 12A)",
       "the Information Commissioner's Office (ico.org.uk)",
       "UK GDPR Art. 15(1)"},
      {LawId::ccpa, "ccpa", "California Consumer Privacy Act (as amended by the CPRA)", "US-CA",
       {access, rectification, erasure, portability, opt_out, limit_sensitive},
       days(45), days(45), business_days(10), Roll::none, ClockStart::receipt, false, none(), none(),
       {{opt_out, business_days(15), none(), none(), false, "11 CCR 7026(f): stop within 15 business days"},
        {limit_sensitive, business_days(15), none(), none(), false,
         "11 CCR 7027(g): limit the use of sensitive personal information within 15 business days"}},
       "Cal. Civ. Code 1798.130(a)(2); 11 CCR 7021(b): 45 calendar days from receipt, whatever time verification takes",
       "11 CCR 7021(b): up to 45 more days (90 in all), with notice and the reason within the first 45",
       "", "acknowledge within 10 business days (11 CCR 7021(a)); access covers the 12 months before receipt "
           "(Civ. Code 1798.130(a)(2)(B)), more back to 2022-01-01 on request (11 CCR 7024(h)); records kept 24 "
           "months (11 CCR 7101)",
       "the California Privacy Protection Agency (cppa.ca.gov) or the Attorney General",
       ""},
      {LawId::lgpd, "lgpd", "Lei Geral de Protecao de Dados (Brazil, Lei 13.709/2018)", "BR",
       {access, rectification, erasure, restriction, portability, objection},
       days(15), none(), none(), Roll::none, ClockStart::receipt, false, none(), none(), {},
       "LGPD Art. 19(II): a clear and complete statement within 15 days of the request; the LGPD sets no rule for a "
       "period ending on a weekend or holiday, so the date stands (the Civil Code's Art. 132 s. 1, an end on a "
       "holiday moved to the next working day, is not applied: the earlier date is kept)", "", "",
       "a simplified answer is due immediately (Art. 19(I))", "the Autoridade Nacional de Protecao de Dados (ANPD)",
       "LGPD Art. 18(I)"},
      {LawId::pipeda, "pipeda", "Personal Information Protection and Electronic Documents Act (Canada)", "CA",
       {access, rectification},
       days(30), days(30), none(), Roll::next_non_holiday, ClockStart::receipt, false, none(), none(), {},
       "PIPEDA s. 8(3): within 30 days of receipt; an end on a holiday (a Sunday or a holiday of the jurisdiction's "
       "calendar, not a Saturday) moves to the next day that is not one (Interpretation Act, R.S.C. 1985 c. I-21, "
       "ss. 26 and 35(1))",
       "PIPEDA s. 8(4): up to 30 more days, notice within the first 30 with the reason and the right to complain",
       "", "no answer in time is a deemed refusal (s. 8(5)); keep the information until recourse is exhausted (s. 8(8))",
       "the Office of the Privacy Commissioner of Canada",
       "PIPEDA Schedule 1, principle 4.9"},
      {LawId::vcdpa, "vcdpa", "Virginia Consumer Data Protection Act", "US-VA",
       {access, rectification, erasure, portability, opt_out},
       days(45), days(45), none(), Roll::none, ClockStart::receipt, false, days(60), none(), {},
       "Va. Code 59.1-577(B)(1): within 45 days of receipt",
       "Va. Code 59.1-577(B)(1): once by 45 more days, notice with the reason within the first 45",
       "Va. Code 59.1-577(C): an appeal answered in writing within 60 days, with a way to contact the Attorney General",
       "a refusal gives the reason and how to appeal (59.1-577(B)(2))", "the Virginia Attorney General",
       "Va. Code 59.1-577(A)(1)"},
      {LawId::cpa, "cpa", "Colorado Privacy Act", "US-CO",
       {access, rectification, erasure, portability, opt_out},
       days(45), days(45), none(), Roll::none, ClockStart::receipt, false, days(45), days(60), {},
       "C.R.S. 6-1-1306(2)(a): within 45 days of receipt",
       "C.R.S. 6-1-1306(2)(b): by 45 more days where reasonably necessary, notice within the first 45",
       "C.R.S. 6-1-1306(3): an appeal answered within 45 days, extendable by 60 with notice",
       "a refusal gives the reason and how to appeal (6-1-1306(2)(c))", "the Colorado Attorney General",
       "C.R.S. 6-1-1306(1)(b)"},
      {LawId::ctdpa, "ctdpa", "Connecticut Data Privacy Act", "US-CT",
       {access, rectification, erasure, portability, opt_out},
       days(45), days(45), none(), Roll::none, ClockStart::receipt, false, days(60), none(), {},
       "Conn. Gen. Stat. 42-518(b)(1): within 45 days of receipt",
       "Conn. Gen. Stat. 42-518(b)(1): once by 45 more days, notice with the reason within the first 45",
       "Conn. Gen. Stat. 42-518(d): an appeal answered in writing within 60 days, with a way to contact the Attorney "
       "General",
       "a refusal gives the reason and how to appeal (42-518(b)(2))", "the Connecticut Attorney General",
       "Conn. Gen. Stat. 42-518(a)(1)"},
      {LawId::hipaa_access, "hipaa-access", "HIPAA right of access (45 CFR 164.524)", "US",
       {access},
       days(30), days(30), none(), Roll::none, ClockStart::receipt, false, none(), none(), {},
       "45 CFR 164.524(b)(2)(i): act no later than 30 days after receipt; the rule sets no roll for a weekend or "
       "holiday, so the date stands",
       "45 CFR 164.524(b)(2)(ii): once, by no more than 30 days, a written statement of the reason and date within "
       "the first 30",
       "", "", "the HHS Office for Civil Rights", ""},
      {LawId::hipaa_accounting, "hipaa-accounting", "HIPAA accounting of disclosures (45 CFR 164.528)", "US",
       {access},
       days(60), days(30), none(), Roll::none, ClockStart::receipt, false, none(), none(), {},
       "45 CFR 164.528(c)(1): act no later than 60 days after receipt; the rule sets no roll for a weekend or "
       "holiday, so the date stands",
       "45 CFR 164.528(c)(1)(ii): once, by no more than 30 days, a written statement of the reason and date within "
       "the first 60",
       "", "covers six years before the request (164.528(a)); the first accounting in 12 months is free (164.528(c)(2))",
       "the HHS Office for Civil Rights", ""},
  };
  return t;
}

const Law* find(std::string_view name) {
  for (const auto& l : table())
    if (l.name == name) return &l;
  return nullptr;
}

const Law& get(LawId id) {
  for (const auto& l : table())
    if (l.id == id) return l;
  fail(ErrorKind::failure, "no row in the law table for law " + std::to_string(static_cast<int>(id)));
}

std::string names() {
  std::string s;
  for (const auto& l : table()) s += (s.empty() ? "" : ", ") + std::string(l.name);
  return s;
}

const Law& get(std::string_view name) {
  if (const Law* l = find(name)) return *l;
  fail(ErrorKind::usage, "--law: must be one of " + names());
}

bool has_type(const Law& law, RequestType type) {
  for (auto t : law.types)
    if (t == type) return true;
  return false;
}

namespace {
[[noreturn]] void no_such_type(const Law& law, std::string_view type) {
  std::string list;
  for (auto t : law.types) list += (list.empty() ? "" : ", ") + to_string(t);
  fail(ErrorKind::usage, "--type: " + std::string(law.name) + " requests are " + list +
                             (type == name_of(RequestType::opt_out) ? " (under the GDPR, an objection: Art. 21)" : ""));
}
}  // namespace

RequestType type_for(const Law& law, std::string_view type) {
  std::optional<RequestType> t = parse<RequestType>(type);
  if (!t || !has_type(law, *t)) no_such_type(law, type);
  return *t;
}

Periods periods_for(const Law& law, RequestType type) {
  if (!has_type(law, type)) no_such_type(law, name_of(type));
  for (const auto& r : law.type_rules)
    if (r.type == type) return {r.answer, r.extension, r.acknowledge, r.needs_verification, r.citation};
  return {law.answer, law.extension, law.acknowledge, true, law.citation};
}

bool Holidays::is_holiday(cal::Date d) const { return days.count(cal::format(d)) > 0; }

bool Holidays::is_working_day(cal::Date d) const { return !cal::is_weekend(d) && !is_holiday(d); }

cal::Date add(cal::Date start, Period p, const Holidays& h) {
  switch (p.unit) {
    case Unit::days: return cal::add_days(start, p.amount);
    case Unit::months: return cal::add(start, cal::Duration{p.amount, 'm'});
    case Unit::business_days: {
      cal::Date d = start;
      for (int left = p.amount; left > 0;) {
        d = cal::add_days(d, 1);
        if (h.is_working_day(d)) --left;
      }
      return d;
    }
  }
  fail(ErrorKind::failure, "unknown period unit");
}

namespace {
cal::Date rolled(cal::Date d, Roll roll, const Holidays& h) {
  if (roll == Roll::next_working_day)
    while (!h.is_working_day(d)) d = cal::add_days(d, 1);
  if (roll == Roll::next_non_holiday)
    while (std::chrono::weekday(std::chrono::sys_days(d)) == std::chrono::Sunday || h.is_holiday(d))
      d = cal::add_days(d, 1);
  return d;
}
}  // namespace

cal::Date end_of(cal::Date start, Period p, Roll roll, const Holidays& h) { return rolled(add(start, p, h), roll, h); }

Period plus(Period a, Period b) {
  if (b.none()) return a;
  if (a.unit != b.unit) fail(ErrorKind::failure, "a period and its extension must have the same unit");
  return {a.amount + b.amount, a.unit};
}

namespace {
// The period's end, with paused days added before the roll.
std::string end_text(cal::Date start, Period p, int paused, Roll roll, const Holidays& h) {
  return cal::format(rolled(cal::add_days(add(start, p, h), paused), roll, h));
}
}  // namespace

Deadlines deadlines(const Law& law, RequestType type, cal::Date start, int paused_days, const Holidays& h) {
  Periods p = periods_for(law, type);
  Deadlines d;
  d.due = end_text(start, p.answer, paused_days, law.roll, h);
  if (!p.extension.none()) d.extended = end_text(start, plus(p.answer, p.extension), paused_days, law.roll, h);
  if (!p.acknowledge.none()) d.ack = cal::format(add(start, p.acknowledge, h));
  return d;
}

Deadlines appeal_deadlines(const Law& law, cal::Date received, const Holidays& h) {
  Deadlines d;
  if (law.appeal.none()) return d;
  d.due = end_text(received, law.appeal, 0, law.roll, h);
  if (!law.appeal_extension.none())
    d.extended = end_text(received, plus(law.appeal, law.appeal_extension), 0, law.roll, h);
  return d;
}

std::string text(Period p) {
  if (p.none()) return "none";
  std::string n = std::to_string(p.amount);
  switch (p.unit) {
    case Unit::days: return n + (p.amount == 1 ? " day" : " days");
    case Unit::business_days: return n + (p.amount == 1 ? " business day" : " business days");
    case Unit::months: return n + (p.amount == 1 ? " month" : " months");
  }
  return n;
}

}  // namespace dsr::laws

namespace dsr {
std::string to_string(LawId id) { return std::string(laws::get(id).name); }
}  // namespace dsr
