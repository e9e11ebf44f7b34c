// Connection settings for one long bulk job (batch, import, retention run),
// put back when it ends.
//  - A checkpoint copies every page the WAL holds. After each chunk (SQLite's
//    default of 1,000 pages) an index page that every chunk touches is copied
//    once a chunk; with up to 64 MiB of WAL it is copied once every few
//    chunks: a bulk load runs about a fifth faster.
//  - Given a second connection to the vault (Vault::connect_again), the
//    checkpoints run on a thread of their own through it from half that
//    size, while the job's thread goes on writing (a passive checkpoint never
//    blocks the writer; SQLite's WAL allows one writer and one checkpointer
//    at once). At the full size the writer waits for it and copies the rest
//    itself, so that its next transaction restarts the WAL. A failed
//    background checkpoint leaves the WAL as it is: the next one, or the
//    vault's close, copies it.
//  - Optionally a larger page cache: retention touches index pages all over
//    a large vault, and each page read from disk is a decryption. The cache
//    grows only as pages are read, and the wiping allocator clears it.
// Thread safety: the job's connection is used by the job's thread only; the
// second connection by the checkpoint thread only.
#pragma once
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace SQLite { class Database; }

namespace dsr::store {

class BulkSettings {
 public:
  static constexpr int kCheckpointPages = 16384;  // 64 MiB of 4 KiB pages

  // `checkpoint_pages`: the WAL size (in pages) the job's thread lets it reach.
  explicit BulkSettings(SQLite::Database& db, int cache_kib = 0,
                        std::shared_ptr<SQLite::Database> checkpointer = nullptr,
                        int checkpoint_pages = kCheckpointPages);
  BulkSettings(const BulkSettings&) = delete;
  BulkSettings& operator=(const BulkSettings&) = delete;
  ~BulkSettings();

  // How many checkpoints the background thread ran (tests).
  int background_checkpoints() const;

 private:
  static int on_commit(void* self, struct sqlite3* db, const char*, int frames);
  void run();

  SQLite::Database& db_;
  std::optional<long long> cache_before_;
  int checkpoint_pages_;
  std::shared_ptr<SQLite::Database> side_;  // shared: its deleter is the vault's (an incomplete type here)
  mutable std::mutex mu_;
  std::condition_variable wake_;  // the background thread: a checkpoint is due
  std::condition_variable idle_;  // the writer: the background checkpoint ended
  bool due_ = false;
  bool busy_ = false;
  bool stop_ = false;
  int done_ = 0;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace dsr::store
