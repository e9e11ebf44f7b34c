// Rows of letter_templates and request_sources (migration 15): the letter
// templates set in the vault, and where a request read from another system's
// document came from.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

struct TemplateRow {
  std::string kind, format, body;
  int64_t set_at = 0;
  std::string set_by;
};
std::optional<TemplateRow> letter_template(SQLite::Database& db, const std::string& kind, const std::string& format);
std::vector<TemplateRow> letter_templates(SQLite::Database& db);  // by kind, format
void put_letter_template(SQLite::Database& db, const TemplateRow& t);
// Whether a row was removed.
bool delete_letter_template(SQLite::Database& db, const std::string& kind, const std::string& format);

struct SourceRow {
  int64_t request_id = 0;
  std::string format, sender, external_id;
  std::optional<std::string> business;
  std::string exercise;  // the right as the document names it
  std::optional<int64_t> issued_at, expires_at;
  int64_t received_at = 0;
  std::string signature;  // verified, unverified, unsigned
  std::string callbacks = "[]";
  std::optional<std::string> api_version;
};
void insert_source(SQLite::Database& db, const SourceRow& s);
std::optional<SourceRow> source_of(SQLite::Database& db, int64_t request_id);
// The request already read from (format, sender, external_id), if any.
std::optional<int64_t> request_from_source(SQLite::Database& db, const std::string& format, const std::string& sender,
                                           const std::string& external_id);

}  // namespace dsr::store
