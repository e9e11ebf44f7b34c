// Rows of the policies and choices tables, and the read-only queries behind
// notices and the record of processing: contacts of active subjects, counts of
// values by category, recipients in the disclosure log, the security pragmas.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

struct PolicyRow {
  std::string version;
  std::string effective;  // YYYY-MM-DD
  bool material = false;
  std::optional<std::string> summary;
  std::optional<std::string> purposes;  // JSON array
  int64_t added_at = 0;
  std::string added_by;
};
void insert_policy(SQLite::Database& db, const PolicyRow& p);
std::vector<PolicyRow> list_policies(SQLite::Database& db);  // by effective date
std::optional<PolicyRow> policy_by_version(SQLite::Database& db, const std::string& version);
std::optional<PolicyRow> policy_effective_on(SQLite::Database& db, const std::string& effective);
// The latest version effective on or before `date`. On the registration hot
// path, so through the connection's statement cache.
std::optional<std::string> policy_in_force(SQLite::Database& db, const std::string& date);

struct ChoiceRow {
  std::string new_uses;
  int64_t decided_at = 0;
  std::string recorded_by;
  std::optional<std::string> policy_version;
};
void put_choice(SQLite::Database& db, int64_t subject_rowid, const ChoiceRow& c);
std::optional<ChoiceRow> choice_for(SQLite::Database& db, int64_t subject_rowid);
// Whether any subject declined new uses (lets a bulk disclosure skip the per-subject check).
bool any_new_uses_declined(SQLite::Database& db);

struct ContactRow {
  std::string subject_id;
  std::string name, email, phone, contact_preference;  // empty when absent
  std::string new_uses;                                // empty: no choice recorded
  std::vector<std::string> policy_versions;            // distinct; "" for values recorded without one
  std::vector<std::string> opt_outs;                   // standing opt-outs (sale-sharing, limit-sensitive)
};
// Every active subject, oldest first. policy_versions is filled only when asked.
void for_each_active_contact(SQLite::Database& db, bool with_versions, const std::function<void(const ContactRow&)>& f);

struct CategoryCount {
  int64_t subjects = 0;  // live (active or deactivated) subjects holding a value in it
  int64_t values = 0;
};
// column_categories: (column of subjects, category) for every personal column
// to count; attributes and choices (preferences) are counted too.
std::map<std::string, CategoryCount> category_counts(
    SQLite::Database& db, const std::vector<std::pair<std::string, std::string>>& column_categories);

struct RecipientRow {
  std::string name, type, address;
  int64_t disclosures = 0, subjects = 0;
  std::string first_date, last_date;
  std::vector<std::string> categories, purposes, bases;  // distinct
};
// Every recipient in the disclosure log, by name.
std::vector<RecipientRow> recipients_in_log(SQLite::Database& db);

// PRAGMA name (a fixed identifier, never user input) as text.
std::string pragma_value(SQLite::Database& db, const std::string& name);

}  // namespace dsr::store
