// Prepared statements kept for the life of a Desk, for the hot paths (bulk
// registration, the audit trail): preparing SQL costs more than running it.
#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>
#include <unordered_map>

namespace dsr::store {

class StatementCache {
 public:
  explicit StatementCache(SQLite::Database& db) : db_(db) {}
  // The statement for `sql`, reset and with its bindings cleared.
  SQLite::Statement& get(const std::string& sql) {
    auto& slot = cache_[sql];
    if (!slot) slot = std::make_unique<SQLite::Statement>(db_, sql);
    slot->reset();
    slot->clearBindings();
    return *slot;
  }

 private:
  SQLite::Database& db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace dsr::store
