// The register of personal-data breaches (GDPR Art. 33(5)), the 72-hour clock
// of Art. 33(1), and the subjects a breach affects (Art. 34).
#include "dsr/breaches.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "domain/core/audited_write.hpp"
#include "domain/policy/contact_model.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/fields.hpp"
#include "dsr/json_values.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/breach_store.hpp"
#include "store/tx.hpp"
#include "util/strings.hpp"

namespace dsr {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kAuthorityHours = 72;  // Art. 33(1)

std::string label(int64_t id) { return "brc_" + std::to_string(id); }

int64_t parse_id(std::string_view id) {
  std::string_view s = id;
  if (s.rfind("brc_", 0) == 0) s.remove_prefix(4);
  int64_t n = 0;
  if (s.empty() || s.size() > 15) fail(ErrorKind::usage, "ID: a breach id looks like brc_3");
  for (char c : s) {
    if (c < '0' || c > '9') fail(ErrorKind::usage, "ID: a breach id looks like brc_3");
    n = n * 10 + (c - '0');
  }
  return n;
}

std::vector<std::string> parse_categories(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& c : in)
    for (const auto& part : util::split(c, ',')) {
      if (!validate::is_category(part))
        fail(ErrorKind::usage, "--categories: unknown category " + validate::quoted(part) +
                                   "; categories are identity, contact, billing, payment, survey, supplemental, preferences");
      if (std::find(out.begin(), out.end(), part) == out.end()) out.push_back(part);
    }
  if (out.empty()) fail(ErrorKind::usage, "--categories: give the categories of data concerned (--categories contact,identity)");
  return out;
}

int64_t past_time(const char* field, const std::string& s) {
  int64_t t = parse_time(field, s);
  if (t > cal::now_unix() + 300) fail(ErrorKind::usage, std::string(field) + ": cannot be in the future");
  return t;
}

Breach to_breach(const store::BreachRow& r, int64_t now) {
  Breach b;
  b.id = label(r.id);
  b.detected_at = r.detected_at;
  b.started_at = r.started_at;
  b.ended_at = r.ended_at;
  b.categories = util::split(r.categories, ',');
  b.description = r.description;
  b.consequences = r.consequences.value_or("");
  b.measures = r.measures.value_or("");
  b.status = r.status;
  b.authority_notified_at = r.authority_notified_at;
  b.authority_reference = r.authority_reference.value_or("");
  b.delay_reason = r.delay_reason.value_or("");
  b.subjects_notified_at = r.subjects_notified_at;
  b.closed_at = r.closed_at;
  b.close_reason = r.close_reason.value_or("");
  b.opened_at = r.opened_at;
  b.opened_by = r.opened_by;
  b.authority_due = breach_authority_due(r.detected_at);
  b.notified_late = r.authority_notified_at && *r.authority_notified_at > b.authority_due;
  b.authority_overdue = !r.authority_notified_at && r.status == BreachStatus::open && now > b.authority_due;
  int64_t left = b.authority_due - now;
  b.hours_left = left >= 0 ? left / kHour : -((-left + kHour - 1) / kHour);
  return b;
}

store::BreachRow load(Desk& desk, std::string_view id) {
  auto row = store::breach_by_id(desk.db(), parse_id(id));
  if (!row) fail(ErrorKind::not_found, "no breach " + std::string(id) + "; `dsr breach list --status all` lists them");
  return *row;
}

void event(Desk& desk, int64_t id, const std::string& what, const nlohmann::json& detail) {
  store::add_breach_event(desk.db(), id, {cal::now_unix(), desk.actor(), what, detail.dump()});
}

// The subjects columns holding values of the categories (the field table).
std::vector<std::string> columns_of(const std::vector<std::string>& categories) {
  std::vector<std::string> out;
  for (const auto& f : fields::table())
    if (std::find(categories.begin(), categories.end(), std::string(f.category)) != categories.end())
      for (auto c : f.columns) out.emplace_back(c);
  return out;
}

// The subjects affected: live, registered before the exposure ended (or the
// detection when no end is known), holding data of a category concerned.
void each_affected(Desk& desk, const store::BreachRow& r, const std::function<void(const store::ContactRow&)>& f) {
  auto cats = util::split(r.categories, ',');
  store::for_each_breach_subject(desk.db(), columns_of(cats), cats, r.ended_at.value_or(r.detected_at), f);
}

int64_t count_affected(Desk& desk, const store::BreachRow& r) {
  int64_t n = 0;
  each_affected(desk, r, [&](const store::ContactRow&) { ++n; });
  return n;
}

// Validates the window against the detection time.
void check_window(const store::BreachRow& b) {
  if (b.started_at && b.ended_at && *b.ended_at < *b.started_at)
    fail(ErrorKind::usage, "--ended: the exposure cannot end before it started");
  if (b.started_at && *b.started_at > b.detected_at)
    fail(ErrorKind::usage, "--started: the exposure cannot start after it was detected");
}

template <class F>
Breach change(Desk& desk, std::string_view id, const char* command, F&& body) {
  return audited_write(desk, command, Action::manage_requests, [&](Audit& audit) {
    store::BreachRow row = load(desk, id);
    if (row.status == BreachStatus::closed) fail(ErrorKind::conflict, label(row.id) + " is closed");
    body(row);
    store::update_breach(desk.db(), row);
    for (const auto& c : util::split(row.categories, ',')) audit.field(c, "*");
    return to_breach(row, cal::now_unix());
  });
}

}  // namespace

int64_t breach_authority_due(int64_t detected) {
  // Reg. 1182/71 Art. 3(1): the hour in which the event occurs does not count.
  int64_t start = (detected / kHour + 1) * kHour;
  return start + kAuthorityHours * kHour;
}

Breach open_breach(Desk& desk, const BreachInput& in) {
  if (in.detected.empty()) fail(ErrorKind::usage, "--detected: when the breach was detected is required (it starts the 72 hours)");
  store::BreachRow r;
  r.detected_at = past_time("--detected", in.detected);
  if (!in.started.empty()) r.started_at = past_time("--started", in.started);
  if (!in.ended.empty()) r.ended_at = past_time("--ended", in.ended);
  r.categories = util::join(parse_categories(in.categories), ",");
  r.description = validate::free_text("--description", in.description, validate::Limits::free_text, true);
  if (!in.consequences.empty()) r.consequences = validate::free_text("--consequences", in.consequences, validate::Limits::free_text, true);
  if (!in.measures.empty()) r.measures = validate::free_text("--measures", in.measures, validate::Limits::free_text, true);
  r.status = BreachStatus::open;
  check_window(r);
  audited_write(desk, "breach open", Action::manage_requests, [&](Audit& audit) {
    r.opened_at = cal::now_unix();
    r.opened_by = desk.actor();
    r.id = store::insert_breach(desk.db(), r);
    event(desk, r.id, "opened",
          {{"detected_at", iso_time(r.detected_at)}, {"categories", util::split(r.categories, ',')},
           {"authority_due", iso_time(breach_authority_due(r.detected_at))}});
    for (const auto& c : util::split(r.categories, ',')) audit.field(c, "*");
  });
  Breach b = to_breach(r, cal::now_unix());
  b.affected = count_affected(desk, r);
  return b;
}

Breach update_breach(Desk& desk, std::string_view id, const BreachUpdate& u) {
  // Values validated before the transaction.
  std::optional<int64_t> detected, started, ended, authority, subjects;
  if (u.detected) detected = past_time("--detected", *u.detected);
  if (u.started) started = past_time("--started", *u.started);
  if (u.ended) ended = past_time("--ended", *u.ended);
  if (!u.authority_notified.empty()) authority = past_time("--authority-notified", u.authority_notified);
  if (!u.subjects_notified.empty()) subjects = past_time("--subjects-notified", u.subjects_notified);
  std::string cats = u.categories.empty() ? "" : util::join(parse_categories(u.categories), ",");
  auto text = [](const char* f, const std::optional<std::string>& v) -> std::optional<std::string> {
    if (!v) return std::nullopt;
    return validate::free_text(f, *v, validate::Limits::free_text, true);
  };
  auto description = text("--description", u.description), consequences = text("--consequences", u.consequences),
       measures = text("--measures", u.measures);
  std::string reference = u.authority_reference.empty() ? "" : validate::free_text("--authority-reference", u.authority_reference, 200);
  std::string delay = u.delay_reason.empty() ? "" : validate::free_text("--delay-reason", u.delay_reason, validate::Limits::reason);
  if (!reference.empty() && !authority)
    fail(ErrorKind::usage, "--authority-reference: give it with --authority-notified TIME");
  return change(desk, id, "breach update", [&](store::BreachRow& row) {
    nlohmann::json changed = nlohmann::json::array();
    if (detected) row.detected_at = *detected, changed.push_back("detected_at");
    if (started) row.started_at = *started, changed.push_back("started_at");
    if (ended) row.ended_at = *ended, changed.push_back("ended_at");
    if (!cats.empty()) row.categories = cats, changed.push_back("categories");
    if (description) row.description = *description, changed.push_back("description");
    if (consequences) row.consequences = *consequences, changed.push_back("consequences");
    if (measures) row.measures = *measures, changed.push_back("measures");
    if (!delay.empty()) {
      row.delay_reason = delay;
      if (!authority) changed.push_back("delay_reason");  // else part of the notification's event
    }
    check_window(row);
    if (!changed.empty()) event(desk, row.id, "updated", {{"fields", changed}});
    if (authority) {
      if (*authority < row.detected_at)
        fail(ErrorKind::usage, "--authority-notified: before the breach was detected");
      int64_t due = breach_authority_due(row.detected_at);
      if (*authority > due && !row.delay_reason)
        fail(ErrorKind::usage, "--delay-reason: the authority was told after the 72 hours (due " + iso_time(due) +
                                   "); Art. 33(1) needs the reasons for the delay");
      row.authority_notified_at = *authority;
      if (!reference.empty()) row.authority_reference = reference;
      event(desk, row.id, "authority-notified",
            {{"at", iso_time(*authority)},
             {"due", iso_time(due)},
             {"late", *authority > due},
             {"reference", text_or_null(reference)},
             {"delay_reason", text_or_null(delay)}});
    }
    if (subjects) {
      row.subjects_notified_at = *subjects;
      event(desk, row.id, "subjects-notified", {{"at", iso_time(*subjects)}, {"affected", count_affected(desk, row)}});
    }
    if (changed.empty() && !authority && !subjects) fail(ErrorKind::usage, "breach update: nothing to change");
  });
}

Breach close_breach(Desk& desk, std::string_view id, const std::string& reason_in) {
  std::string reason = reason_in.empty() ? "" : validate::free_text("--reason", reason_in, validate::Limits::reason);
  return change(desk, id, "breach close", [&](store::BreachRow& row) {
    if (!row.authority_notified_at && reason.empty())
      fail(ErrorKind::usage, "--reason: the authority was not told of " + label(row.id) +
                                 "; record it (`dsr breach update " + label(row.id) +
                                 " --authority-notified TIME`) or give the reason it is unlikely to result in a risk");
    row.status = BreachStatus::closed;
    row.closed_at = cal::now_unix();
    if (!reason.empty()) row.close_reason = reason;
    event(desk, row.id, "closed", {{"reason", text_or_null(reason)}});
  });
}

Breach find_breach(Desk& desk, std::string_view id) {
  require_audited(desk, Action::read_requests, "breach show");
  store::BreachRow row = load(desk, id);
  Breach b = to_breach(row, cal::now_unix());
  b.affected = count_affected(desk, row);
  for (const auto& e : store::breach_events(desk.db(), row.id))
    b.history.push_back({e.at, e.actor, e.event, stored_object(e.detail)});
  return b;
}

std::vector<Breach> list_breaches(Desk& desk, std::optional<BreachStatus> status, bool overdue) {
  require_audited(desk, Action::read_requests, "breach list");
  int64_t now = cal::now_unix();
  std::vector<Breach> out;
  for (const auto& row : store::list_breaches(desk.db())) {
    if (status && row.status != *status) continue;
    Breach b = to_breach(row, now);
    if (overdue && !b.authority_overdue) continue;
    b.affected = count_affected(desk, row);
    out.push_back(std::move(b));
  }
  return out;
}

nlohmann::json breach_json(const Breach& b) {
  nlohmann::json j = {
      {"id", b.id},
      {"status", to_string(b.status)},
      {"detected_at", iso_time(b.detected_at)},
      {"started_at", time_or_null(b.started_at)},
      {"ended_at", time_or_null(b.ended_at)},
      {"categories", b.categories},
      {"description", b.description},
      {"consequences", text_or_null(b.consequences)},
      {"measures", text_or_null(b.measures)},
      {"authority_due", iso_time(b.authority_due)},
      {"authority_overdue", b.authority_overdue},
      {"hours_left", b.authority_notified_at || b.status == BreachStatus::closed ? nlohmann::json(nullptr)
                                                                                 : nlohmann::json(b.hours_left)},
      {"authority_notified_at", time_or_null(b.authority_notified_at)},
      {"authority_reference", text_or_null(b.authority_reference)},
      {"notified_late", b.notified_late},
      {"delay_reason", text_or_null(b.delay_reason)},
      {"subjects_notified_at", time_or_null(b.subjects_notified_at)},
      {"affected", value_or_null(b.affected)},
      {"closed_at", time_or_null(b.closed_at)},
      {"close_reason", text_or_null(b.close_reason)},
      {"opened_at", iso_time(b.opened_at)},
      {"opened_by", b.opened_by}};
  if (!b.history.empty()) j["history"] = history_json(b.history);
  return j;
}

void for_each_breach_contact(Desk& desk, std::string_view id, const std::function<void(const Contact&)>& f) {
  store::BreachRow row = load(desk, id);  // a usage or not_found error before the audit entry
  audit_contact_list(desk, "contacts");
  each_affected(desk, row, [&](const store::ContactRow& c) { f(to_contact(c, Reach::by_preference)); });
}

BreachReport report_breaches(Desk& desk, const std::string& from_in, const std::string& to_in) {
  cal::Date to = to_in.empty() ? cal::today() : cal::parse_date("--to", to_in);
  cal::Date from = from_in.empty() ? cal::Date{to.year(), std::chrono::January, std::chrono::day{1}}
                                   : cal::parse_date("--from", from_in);
  if (cal::days_between(from, to) < 0) fail(ErrorKind::usage, "--from: after --to");
  require_audited(desk, Action::read_requests, "report breaches");
  BreachReport r;
  r.from = cal::format(from);
  r.to = cal::format(to);
  int64_t now = cal::now_unix();
  std::map<std::string, int64_t> cats;
  for (const auto& row : store::list_breaches(desk.db())) {
    std::string day = iso_date(row.detected_at);
    if (day < r.from || day > r.to) continue;
    Breach b = to_breach(row, now);
    ++r.total;
    ++(b.status == BreachStatus::open ? r.open : r.closed);
    if (b.authority_notified_at) ++(b.notified_late ? r.notified_late : r.notified_in_time);
    else ++r.not_notified;
    if (b.authority_overdue) ++r.overdue;
    if (b.subjects_notified_at) ++r.subjects_notified;
    for (const auto& c : b.categories) ++cats[c];
  }
  r.by_category.assign(cats.begin(), cats.end());
  return r;
}

nlohmann::json breach_report_json(const BreachReport& r) {
  nlohmann::json by = nlohmann::json::object();
  for (const auto& [c, n] : r.by_category) by[c] = n;
  return {{"from", r.from},
          {"to", r.to},
          {"total", r.total},
          {"open", r.open},
          {"closed", r.closed},
          {"authority_notified_in_time", r.notified_in_time},
          {"authority_notified_late", r.notified_late},
          {"authority_not_notified", r.not_notified},
          {"overdue", r.overdue},
          {"subjects_notified", r.subjects_notified},
          {"by_category", by}};
}

nlohmann::json breach_counts(Desk& desk) {
  int64_t total = 0, open = 0, overdue = 0, now = cal::now_unix();
  for (const auto& row : store::list_breaches(desk.db())) {
    Breach b = to_breach(row, now);
    ++total;
    if (b.status == BreachStatus::open) ++open;
    if (b.authority_overdue) ++overdue;
  }
  return {{"total", total}, {"open", open}, {"overdue", overdue}};
}

}  // namespace dsr
