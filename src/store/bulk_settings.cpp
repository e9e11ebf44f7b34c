#include "store/bulk_settings.hpp"

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <string>

namespace dsr::store {

BulkSettings::BulkSettings(SQLite::Database& db, int cache_kib, std::shared_ptr<SQLite::Database> checkpointer,
                           int checkpoint_pages)
    : db_(db), checkpoint_pages_(checkpoint_pages), side_(std::move(checkpointer)) {
  if (cache_kib > 0) {
    cache_before_ = db_.execAndGet("PRAGMA cache_size").getInt64();
    db_.exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
  }
  if (side_) {
    // Replaces SQLite's own auto-checkpoint hook on this connection.
    sqlite3_wal_hook(db_.getHandle(), &BulkSettings::on_commit, this);
    thread_ = std::thread([this] { run(); });
  } else {
    db_.exec("PRAGMA wal_autocheckpoint=" + std::to_string(checkpoint_pages_));
  }
}

int BulkSettings::on_commit(void* self, sqlite3* db, const char*, int frames) {
  auto* s = static_cast<BulkSettings*>(self);
  if (frames >= s->checkpoint_pages_) {
    // The WAL restarts only at a write transaction that finds every frame
    // copied, and the writer begins its next one at once: so at the limit it
    // waits for the background checkpoint and copies what came since, as
    // SQLite's own hook would (most of the WAL is in the main file already).
    std::unique_lock<std::mutex> lock(s->mu_);
    s->idle_.wait(lock, [s] { return !s->busy_; });
    s->due_ = false;
    lock.unlock();
    int log = 0, copied = 0;
    sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
  } else if (frames >= s->checkpoint_pages_ / 2) {
    std::lock_guard<std::mutex> lock(s->mu_);
    s->due_ = true;
    s->wake_.notify_one();
  }
  return SQLITE_OK;
}

void BulkSettings::run() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stop_ || due_; });
    if (stop_) return;
    due_ = false;
    busy_ = true;
    lock.unlock();
    int log = 0, copied = 0;
    // Errors leave the WAL for the next checkpoint (see the header).
    sqlite3_wal_checkpoint_v2(side_->getHandle(), "main", SQLITE_CHECKPOINT_PASSIVE, &log, &copied);
    lock.lock();
    busy_ = false;
    ++done_;
    idle_.notify_all();
  }
}

int BulkSettings::background_checkpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

BulkSettings::~BulkSettings() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
    side_.reset();
  }
  try {
    db_.exec("PRAGMA wal_autocheckpoint=1000");  // SQLite's default (and its hook back), as every other command runs
    if (cache_before_) db_.exec("PRAGMA cache_size=" + std::to_string(*cache_before_));
  } catch (...) {
    // The connection closes at the end of the command anyway.
  }
}

}  // namespace dsr::store
