// The one statement cache: prepared statements kept for the life of a Desk's
// connection, for the hot paths (bulk registration, the audit trail, a
// disclosure to 100,000 subjects): preparing SQL often costs more than
// running it. Store code reaches it through Cached (store/cached.hpp), which
// finds the cache of the connection it is given.
//
// Thread safety: a cache belongs to its connection's thread. Creating and
// destroying caches, and finding one, may happen on any thread.
#pragma once
#include <memory>

namespace SQLite { class Database; }

namespace dsr::store {

class StatementCache {
 public:
  // Registers the cache for `db`; there is at most one per connection.
  explicit StatementCache(SQLite::Database& db);
  // Finalizes the statements: destroy it before the connection closes.
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace dsr::store
