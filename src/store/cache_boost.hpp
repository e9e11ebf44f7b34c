// A larger page cache for one long job (retention run): it touches index pages
// all over a large vault, and each page read from disk is a decryption. The
// cache grows only as pages are read, and the wiping allocator clears it.
#pragma once
#include <SQLiteCpp/Database.h>

#include <string>

namespace dsr::store {

class CacheBoost {
 public:
  CacheBoost(SQLite::Database& db, int kib) : db_(db) {
    before_ = db_.execAndGet("PRAGMA cache_size").getInt64();
    db_.exec("PRAGMA cache_size=-" + std::to_string(kib));
  }
  CacheBoost(const CacheBoost&) = delete;
  CacheBoost& operator=(const CacheBoost&) = delete;
  ~CacheBoost() {
    try {
      db_.exec("PRAGMA cache_size=" + std::to_string(before_));
    } catch (...) {
      // The connection closes at the end of the command anyway.
    }
  }

 private:
  SQLite::Database& db_;
  long long before_ = 0;
};

}  // namespace dsr::store
