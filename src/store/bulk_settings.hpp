// Connection settings for one long bulk job (batch, import, retention run),
// put back when it ends.
//  - A checkpoint copies every page the WAL holds. After each chunk (SQLite's
//    default of 1,000 pages) an index page that every chunk touches is copied
//    once a chunk; with up to 64 MiB of WAL it is copied once every few
//    chunks: a bulk load runs about a fifth faster.
//  - Optionally a larger page cache: retention touches index pages all over
//    a large vault, and each page read from disk is a decryption. The cache
//    grows only as pages are read, and the wiping allocator clears it.
// Thread safety: the connection's thread only.
#pragma once
#include <optional>

namespace SQLite { class Database; }

namespace dsr::store {

class BulkSettings {
 public:
  static constexpr int kCheckpointPages = 16384;  // 64 MiB of 4 KiB pages

  explicit BulkSettings(SQLite::Database& db, int cache_kib = 0);
  BulkSettings(const BulkSettings&) = delete;
  BulkSettings& operator=(const BulkSettings&) = delete;
  ~BulkSettings();

 private:
  SQLite::Database& db_;
  std::optional<long long> cache_before_;
};

}  // namespace dsr::store
