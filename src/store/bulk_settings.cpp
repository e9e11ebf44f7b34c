#include "store/bulk_settings.hpp"

#include <SQLiteCpp/Database.h>

#include <string>

namespace dsr::store {

BulkSettings::BulkSettings(SQLite::Database& db, int cache_kib) : db_(db) {
  db_.exec("PRAGMA wal_autocheckpoint=" + std::to_string(kCheckpointPages));
  if (cache_kib > 0) {
    cache_before_ = db_.execAndGet("PRAGMA cache_size").getInt64();
    db_.exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
  }
}

BulkSettings::~BulkSettings() {
  try {
    db_.exec("PRAGMA wal_autocheckpoint=1000");  // SQLite's default, as every other command runs
    if (cache_before_) db_.exec("PRAGMA cache_size=" + std::to_string(*cache_before_));
  } catch (...) {
    // The connection closes at the end of the command anyway.
  }
}

}  // namespace dsr::store
