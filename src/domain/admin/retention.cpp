// The retention rules and the cleanup that applies them.
#include "dsr/retention.hpp"

#include <algorithm>
#include <chrono>

#include "domain/bulk/batch_engine.hpp"
#include "domain/bulk/bulk_erase.hpp"

#include "domain/core/audited_write.hpp"
#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/bulk_settings.hpp"
#include "store/retention_store.hpp"
#include "store/tx.hpp"

namespace dsr {
namespace {

struct RuleDef {
  const char* name;
  const char* default_duration;
  const char* minimum;  // "" when the law sets none
  const char* description;
};

// In the order a run applies them: erasures first (they create tombstones and
// suppression hashes), tombstones after the disclosure records that pin them.
constexpr RuleDef kRules[] = {
    {"deactivated_subjects", "2y", "",
     "subjects deactivated (restricted) longer than this are erased, as `delete` erases"},
    {"disclosure_records", "6y", "6y",
     "disclosure records dated longer ago are deleted (the HIPAA accounting covers 6 years)"},
    {"request_records", "24m", "24m",
     "requests closed longer ago are deleted with their history (CCPA: at least 24 months)"},
    {"suppression_hashes", "3y", "", "keyed hashes of erased emails are deleted this long after the erasure"},
    {"tombstones", "6y", "",
     "erased subjects' tombstones are deleted this long after the erasure, once no disclosure record or hold "
     "refers to them"},
    {"audit_trail", "6y", "", "audit entries older than this are deleted"},
};

const RuleDef* find_rule(const std::string& name) {
  for (const auto& r : kRules)
    if (name == r.name) return &r;
  return nullptr;
}

std::string rule_names() {
  std::string s;
  for (const auto& r : kRules) s += (s.empty() ? "" : ", ") + std::string(r.name);
  return s;
}

// Why a rule has nothing to work on yet ("" when it applies).
std::string not_applicable(Desk& desk, const std::string& rule) {
  if ((rule == "disclosure_records" || rule == "tombstones") && !store::table_exists(desk.db(), "disclosures"))
    return "this vault keeps no disclosure records yet";
  if (rule == "request_records" && !store::table_exists(desk.db(), "requests"))
    return "this vault keeps no request records yet";
  if (rule == "audit_trail" && !store::table_exists(desk.db(), "audit")) return "this vault keeps no audit trail yet";
  return "";
}

int64_t midnight_utc(cal::Date d) {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::sys_days(d).time_since_epoch()).count();
}

bool shorter(cal::Duration a, cal::Duration b) {
  cal::Date t = cal::today();
  return cal::days_between(cal::add(t, a), cal::add(t, b)) > 0;
}

// Erases deactivated subjects due under the rule, through the bulk eraser.
// Like a batch it commits about once a second: each commit costs an fsync,
// and an interrupted run keeps what it committed (the next run finishes the
// rest). Holds are read inside the write transaction that erases, so none
// can be placed in between.
void erase_deactivated(Desk& desk, int64_t before, bool dry_run, const std::string& reason, RetentionOutcome& o,
                       const std::function<void(const RetentionProgress&)>& progress) {
  constexpr int kPage = 500;
  constexpr size_t kMaxPerCommit = 10000;
  using Clock = std::chrono::steady_clock;
  store::DuePosition after;
  BulkEraser eraser(desk, reason);
  std::optional<store::WriteTx> tx;
  Clock::time_point started{};
  size_t in_tx = 0;
  auto commit = [&] {
    if (!tx) return;
    eraser.audit().flush();
    store::release_stale_reads(desk.db());
    tx->commit();
    tx.reset();
    in_tx = 0;
    if (progress) progress({o.rule, static_cast<int64_t>(o.erased.size())});
  };
  for (;;) {
    if (!dry_run && !tx) {
      tx.emplace(desk.db());
      started = Clock::now();
    }
    auto due = store::deactivated_before(desk.db(), before, after, kPage);
    if (due.empty()) break;
    for (const auto& d : due) {
      after = {d.created_at, d.rowid};
      if (d.held) {
        o.held_ids.push_back(d.id);
        continue;
      }
      try {
        nlohmann::json notify = dry_run ? notify_list(desk, d.rowid) : eraser.erase(d.id);
        o.erased.push_back(d.id);
        ++in_tx;
        if (!notify.empty()) o.notify.push_back({{"id", d.id}, {"recipients", notify}});
      } catch (const std::exception& e) {
        Error err = classify(e);
        // A subject that is gone or already erased is that subject's error.
        // Anything else (a disk error, a lock, damage) stops the run: SQLite
        // rolls the whole transaction back on some errors (disk full, I/O),
        // and going on would erase the rest one statement at a time, outside
        // any transaction, and audit erasures that were undone (found
        // by the I/O fault sweep, tests/e2e/fault_sweep.py).
        bool tx_lost = tx && !store::in_transaction(desk.db());
        if (tx_lost || err.kind() == ErrorKind::failure || err.kind() == ErrorKind::locked ||
            err.kind() == ErrorKind::integrity) {
          eraser.audit().discard();
          throw err;
        }
        o.errors.push_back(d.id + ": " + err.what());
      }
    }
    if (tx && (in_tx >= kMaxPerCommit || Clock::now() - started >= std::chrono::seconds(1))) commit();
  }
  commit();
  o.removed = static_cast<int64_t>(o.erased.size());
  o.held = static_cast<int64_t>(o.held_ids.size());
}

void apply(Desk& desk, const std::string& rule, const std::string& cutoff, int64_t before, bool dry_run,
           RetentionOutcome& o, const std::function<void(const RetentionProgress&)>& progress) {
  if (rule == "deactivated_subjects") {
    erase_deactivated(desk, before, dry_run, "retention: deactivated longer than " + o.duration, o, progress);
    return;
  }
  std::optional<store::WriteTx> tx;
  if (!dry_run) tx.emplace(desk.db());
  store::PurgeCount c;
  if (rule == "disclosure_records") c = store::purge_disclosures(desk.db(), cutoff, dry_run);
  else if (rule == "request_records") c = store::purge_closed_requests(desk.db(), cutoff, dry_run);
  else if (rule == "suppression_hashes") c = store::purge_suppressions(desk.db(), before, dry_run);
  else if (rule == "tombstones") c = store::purge_tombstones(desk.db(), before, dry_run);
  else if (rule == "audit_trail") c.removed = dry_run ? store::count_audit_before(desk.db(), before) : prune_audit(desk, before);
  if (tx) tx->commit();
  o.removed = c.removed;
  o.held = c.held;
  if (progress) progress({rule, c.removed});
}

}  // namespace

std::vector<RetentionRule> retention_rules(Desk& desk) {
  auto rows = store::retention_rule_rows(desk.db());
  std::vector<RetentionRule> out;
  for (const auto& d : kRules) {
    RetentionRule r{.name = d.name,
                    .description = d.description,
                    .default_duration = d.default_duration,
                    .duration = d.default_duration,
                    .minimum = d.minimum};
    if (auto it = rows.find(d.name); it != rows.end()) {
      r.duration = it->second.duration;
      r.is_default = false;
      r.set_at = it->second.set_at;
      r.set_by = it->second.set_by;
    }
    r.applies = not_applicable(desk, r.name).empty();
    out.push_back(std::move(r));
  }
  return out;
}

RetentionRule set_retention_rule(Desk& desk, const std::string& rule, const std::string& duration_in) {
  const RuleDef* def = find_rule(rule);
  if (!def) fail(ErrorKind::usage, "RULE: unknown rule " + validate::quoted(rule) + "; rules are " + rule_names());
  std::string duration = duration_in;
  if (duration != "never" && duration != "default") {
    cal::Duration d = cal::parse_duration(duration);
    if (*def->minimum && shorter(d, cal::parse_duration(def->minimum)))
      fail(ErrorKind::refused, rule + ": the law requires keeping these records at least " + def->minimum +
                                   "; refusing " + duration);
    duration = cal::format(d);
  }
  audited_write(desk, "retention set", Action::manage_keys, [&](Audit&) {
    if (duration == "default") store::delete_retention_rule(desk.db(), rule);
    else store::put_retention_rule(desk.db(), rule, {duration, cal::now_unix(), desk.actor()});
  });
  for (auto& r : retention_rules(desk))
    if (r.name == rule) return r;
  fail(ErrorKind::failure, "rule vanished: " + rule);
}

nlohmann::json retention_rule_json(const RetentionRule& r) {
  nlohmann::json j = {{"rule", r.name},       {"duration", r.duration},     {"default", r.default_duration},
                      {"is_default", r.is_default}, {"applies", r.applies}, {"description", r.description}};
  j["minimum"] = text_or_null(r.minimum);
  if (!r.is_default) {
    j["set_at"] = iso_time(r.set_at);
    j["set_by"] = r.set_by;
  }
  return j;
}

int64_t RetentionReport::removed() const {
  int64_t n = 0;
  for (const auto& o : rules) n += o.removed;
  return n;
}
int64_t RetentionReport::held() const {
  int64_t n = 0;
  for (const auto& o : rules) n += o.held;
  return n;
}
int64_t RetentionReport::errors() const {
  int64_t n = 0;
  for (const auto& o : rules) n += static_cast<int64_t>(o.errors.size());
  return n;
}

RetentionReport run_retention(Desk& desk, bool dry_run, const std::function<void(const RetentionProgress&)>& progress) {
  try {
    require_audited(desk, Action::erase_subjects, "retention run");
    store::BulkSettings bulk(desk.db(), 64 * 1024);  // a 64 MiB page cache (bench/RESULTS.md)
    RetentionReport rep;
    rep.dry_run = dry_run;
    cal::Date today = cal::today();
    rep.today = cal::format(today);
    for (const auto& rule : retention_rules(desk)) {
      RetentionOutcome o;
      o.rule = rule.name;
      o.duration = rule.duration;
      if (rule.duration == "never") {
        o.note = "kept: the rule is set to never";
      } else if (!rule.applies) {
        o.note = not_applicable(desk, rule.name);
      } else {
        cal::Date last = cal::subtract(today, cal::parse_duration(rule.duration));
        o.cutoff = cal::format(last);
        o.applied = true;
        apply(desk, rule.name, o.cutoff, midnight_utc(cal::add_days(last, 1)), dry_run, o, progress);
      }
      rep.rules.push_back(std::move(o));
    }
    if (!dry_run) {
      nlohmann::json counts = nlohmann::json::object();
      for (const auto& o : rep.rules)
        if (o.applied) counts[o.rule] = {{"removed", o.removed}, {"held", o.held}};
      audited_write(desk, "retention run", Action::erase_subjects, [&](Audit&) {
        store::insert_retention_run(desk.db(), {cal::now_unix(), desk.actor(), counts.dump()});
      });
      if (rep.removed() > 0) rep.wiped = desk.wipe_erased();
    }
    return rep;
  } catch (const std::exception& e) {
    throw classify(e);
  }
}

nlohmann::json retention_report_json(const RetentionReport& r) {
  nlohmann::json rules = nlohmann::json::array();
  for (const auto& o : r.rules) {
    nlohmann::json j = {{"rule", o.rule}, {"duration", o.duration}, {"applied", o.applied},
                        {"removed", o.removed}, {"held", o.held}};
    j["cutoff"] = text_or_null(o.cutoff);
    if (!o.note.empty()) j["note"] = o.note;
    if (o.rule == "deactivated_subjects" && o.applied) {
      j["erased"] = o.erased;
      j["held_ids"] = o.held_ids;
      j["notify"] = o.notify;
    }
    if (!o.errors.empty()) j["errors"] = o.errors;
    rules.push_back(std::move(j));
  }
  return {{"dry_run", r.dry_run}, {"today", r.today}, {"removed", r.removed()},         {"held", r.held()},
          {"errors", r.errors()}, {"rules", rules},   {"wiped", value_or_null(r.wiped)}};
}

nlohmann::json last_retention_run(Desk& desk) {
  auto row = store::last_retention_run(desk.db());
  if (!row) return nullptr;
  return {{"ran_at", iso_time(row->ran_at)},
          {"ran_by", row->ran_by},
          {"summary", nlohmann::json::parse(row->summary, nullptr, false)}};
}

}  // namespace dsr
