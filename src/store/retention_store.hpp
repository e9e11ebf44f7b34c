// Rows of the retention rules and runs, and the queries that find and remove
// what a rule says must go. Dates are compared as the domain computed them:
// unix seconds for timestamps, YYYY-MM-DD text for calendar dates.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

struct RetentionRuleRow {
  std::string duration;  // "24m", or "never"
  int64_t set_at = 0;
  std::string set_by;
};
std::map<std::string, RetentionRuleRow> retention_rule_rows(SQLite::Database& db);
void put_retention_rule(SQLite::Database& db, const std::string& rule, const RetentionRuleRow& row);
void delete_retention_rule(SQLite::Database& db, const std::string& rule);

struct RetentionRunRow {
  int64_t ran_at = 0;
  std::string ran_by;
  std::string summary;  // JSON: counts per rule, never personal values
};
void insert_retention_run(SQLite::Database& db, const RetentionRunRow& row);
std::optional<RetentionRunRow> last_retention_run(SQLite::Database& db);

bool table_exists(SQLite::Database& db, const std::string& name);

// Deactivated subjects whose status changed before `before` (unix seconds),
// in (created_at, rowid) order after `after`: the order of the status index,
// so that each page reads only its own entries. A subject erased meanwhile
// has left the index; the position stays valid.
struct DueSubject {
  int64_t rowid = 0;
  int64_t created_at = 0;
  std::string id;
  bool held = false;  // under a legal hold
};
struct DuePosition {
  int64_t created_at = INT64_MIN;
  int64_t rowid = 0;
};
std::vector<DueSubject> deactivated_before(SQLite::Database& db, int64_t before, DuePosition after, int limit);

// What a purge removed (or, with dry_run, would remove), and what it kept
// because the subject is under a legal hold.
struct PurgeCount {
  int64_t removed = 0;
  int64_t held = 0;
};
// Disclosure records dated on or before `last_date` (then recipients no record names any more).
PurgeCount purge_disclosures(SQLite::Database& db, const std::string& last_date, bool dry_run);
// Requests closed on or before `last_date` (their events go with them).
PurgeCount purge_closed_requests(SQLite::Database& db, const std::string& last_date, bool dry_run);
// Suppression hashes of emails erased before `before` (unix seconds).
PurgeCount purge_suppressions(SQLite::Database& db, int64_t before, bool dry_run);
// Tombstones of subjects erased before `before` that no disclosure record or hold refers to.
PurgeCount purge_tombstones(SQLite::Database& db, int64_t before, bool dry_run);

// Audit entries written before `before` (a dry run's count; pruning is the audit trail's own).
int64_t count_audit_before(SQLite::Database& db, int64_t before);

}  // namespace dsr::store
