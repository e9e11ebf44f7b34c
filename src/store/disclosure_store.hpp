// Rows of the recipients, disclosures and holds tables.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

int64_t upsert_recipient(SQLite::Database& db, const std::string& name, const std::string& type,
                         const std::string& address);

struct DisclosureRow {
  int64_t id = 0;
  int64_t subject_rowid = 0;
  std::string subject_id;
  std::string date;
  std::string recipient, recipient_type, recipient_address;
  std::string categories;  // comma-separated
  std::string purpose, basis, reference, withhold_until;
  int64_t recorded_at = 0;
  std::string recorded_by;
};

// One disclosure to a recipient (upsert_recipient); its INSERT is prepared
// once per connection (store/cached.hpp), for a bulk disclosure.
int64_t insert_disclosure(SQLite::Database& db, const DisclosureRow& r, int64_t recipient_id);

// Newest first; `since` is YYYY-MM-DD.
std::vector<DisclosureRow> disclosures_for(SQLite::Database& db, int64_t subject_rowid, const std::string& since);

struct HoldRow {
  int64_t id = 0;
  int64_t subject_rowid = 0;
  std::string subject_id;
  std::string reason, reference;
  int64_t placed_at = 0;
  std::string placed_by;
};
int64_t insert_hold(SQLite::Database& db, const HoldRow& h);
int delete_holds(SQLite::Database& db, int64_t subject_rowid, const std::optional<std::string>& reference);
std::vector<HoldRow> holds_for(SQLite::Database& db, std::optional<int64_t> subject_rowid);

}  // namespace dsr::store
