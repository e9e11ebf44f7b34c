// Rows of the subjects, attributes and suppressions tables. Plain data in,
// plain data out; no validation and no policy: that is the domain's job.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsr/enums.hpp"

namespace SQLite {
class Database;
}  // namespace SQLite
struct sqlite3_stmt;

namespace dsr::store {

// The personal columns of a subject row, in schema order. card_expiry and
// card_token hold sealed (binary) values.
const std::vector<std::string>& personal_columns();
bool is_blob_column(const std::string& col);

struct SubjectRow {
  int64_t rowid = 0;
  std::string id;
  SubjectStatus status = SubjectStatus::active;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> status_changed_at;
  std::optional<std::string> status_reason;
  std::map<std::string, std::string> cols;  // only the columns that hold a value
  std::string provenance = "{}";            // JSON
};

struct AttributeRow {
  std::string category;
  std::string key;
  std::string value;  // text, or sealed bytes when `sealed`
  bool sealed = false;
  std::string source;
  int64_t collected_at = 0;
  std::string policy_version;
};

int64_t insert_subject(SQLite::Database& db, const SubjectRow& row);

// A row's text for the INSERT laid out in one buffer: the id, the provenance,
// then the values of the personal columns. Built by the thread that built the
// row (the reading thread of a bulk run), so that the writing thread binds
// from a few contiguous cache lines instead of the row's map nodes.
struct PackedRow {
  static constexpr size_t kMaxColumns = 32;
  static constexpr uint32_t kNull = UINT32_MAX;
  std::string bytes;
  uint32_t id_len = 0, provenance_len = 0;
  std::array<uint32_t, kMaxColumns> offset{}, length{};  // per personal column (schema order); length kNull: no value
  uint32_t present = 0;  // bit i: personal_columns()[i] holds a value
};
// Of row as it is now: pack it after the row is complete.
PackedRow pack_subject(const SubjectRow& row);

// insert_subject() for one row after another (bulk registration): the
// statement prepared once, the row's values bound without copies. Keep it no
// longer than the transaction it inserts in (it belongs to one connection).
class SubjectInserter {
 public:
  explicit SubjectInserter(SQLite::Database& db);
  ~SubjectInserter();
  SubjectInserter(const SubjectInserter&) = delete;
  SubjectInserter& operator=(const SubjectInserter&) = delete;
  // As insert_subject(row); `packed` is pack_subject(row) (its text is what is stored).
  int64_t insert(const SubjectRow& row, const PackedRow& packed);

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* st) const;
  };
  SQLite::Database& db_;
  std::unique_ptr<sqlite3_stmt, Finalize> st_;
};
void update_subject(SQLite::Database& db, const SubjectRow& row);  // all personal columns + provenance
void set_status(SQLite::Database& db, int64_t rowid, SubjectStatus status, std::optional<int64_t> at,
                const std::optional<std::string>& reason, int64_t updated_at);
// Erasure: NULLs every personal column, deletes attributes; the row stays as the tombstone.
void erase_subject_row(SQLite::Database& db, int64_t rowid, int64_t at, const std::string& reason);

std::optional<SubjectRow> subject_by_id(SQLite::Database& db, const std::string& id);
std::optional<SubjectRow> subject_by_email_key(SQLite::Database& db, const std::string& key);
std::optional<SubjectRow> subject_by_username_key(SQLite::Database& db, const std::string& key);

struct SearchKeys {
  std::string email_key, username_key, name_key, phone_prefix;  // empty: not searched
};
// Rows where some key starts with the given text (indexed range scans).
std::vector<SubjectRow> subjects_by_prefix(SQLite::Database& db, const SearchKeys& k, int limit);
// Rows where the text appears anywhere in email, username, name or phone (full scan).
std::vector<SubjectRow> subjects_containing(SQLite::Database& db, const std::string& folded, int limit);
// status: nullopt for every status.
std::vector<SubjectRow> list_subject_rows(SQLite::Database& db, std::optional<SubjectStatus> status, int limit,
                                         int offset);
std::map<SubjectStatus, int64_t> count_by_status(SQLite::Database& db);

std::vector<AttributeRow> attributes_of(SQLite::Database& db, int64_t rowid);
void put_attribute(SQLite::Database& db, int64_t rowid, const AttributeRow& a);
bool delete_attribute(SQLite::Database& db, int64_t rowid, const std::string& category, const std::string& key);

void add_suppression(SQLite::Database& db, const std::string& email_hash, const std::string& subject_id, int64_t at);
std::optional<std::pair<std::string, int64_t>> find_suppression(SQLite::Database& db, const std::string& email_hash);
bool any_suppression(SQLite::Database& db);
// When the subject's email went onto the suppression list (erased_at), if it is there.
std::optional<int64_t> suppression_of_subject(SQLite::Database& db, const std::string& subject_id);
// Ids of subjects not erased whose phone (E.164) is `phone`; at most two (two mean: ambiguous).
std::vector<std::string> live_subjects_with_phone(SQLite::Database& db, const std::string& phone);

}  // namespace dsr::store
