// store::BulkSettings with a second connection: the checkpoints of a bulk run
// on a thread of their own, while the job's connection goes on writing.
#include "store/bulk_settings.hpp"

#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>

#include "test_support.hpp"

using namespace dsr;

namespace {
long long wal_bytes(const std::string& db) {
  struct stat st {};
  return ::stat((db + "-wal").c_str(), &st) == 0 ? static_cast<long long>(st.st_size) : 0;
}
}  // namespace

TEST_CASE("store: a bulk run's checkpoints run on a second connection and keep the WAL bounded") {
  test::TempVault tv;
  Vault v = Vault::open(tv.db, tv.cred());
  SQLite::Database& db = v.db();
  db.exec("CREATE TABLE blob_rows (id INTEGER PRIMARY KEY, b BLOB)");
  constexpr int kPages = 64;  // a checkpoint every 64 pages of WAL
  long long largest_wal = 0;
  {
    store::BulkSettings bulk(db, 0, v.connect_again(), kPages);
    SQLite::Statement ins(db, "INSERT INTO blob_rows (b) VALUES (randomblob(3000))");
    for (int tx = 0; tx < 60; ++tx) {
      db.exec("BEGIN IMMEDIATE");
      for (int i = 0; i < 20; ++i) {  // about 20 pages a transaction
        ins.exec();
        ins.reset();
      }
      db.exec("COMMIT");
      largest_wal = std::max(largest_wal, wal_bytes(tv.db));
    }
    // 60 transactions of ~20 pages: ~1,200 pages went through the WAL.
    CHECK(bulk.background_checkpoints() >= 1);
  }
  // Without checkpoints the WAL would hold every page written (~1,200 frames,
  // ~5 MiB); checkpointed in the background it is restarted and stays a few
  // times the threshold.
  CHECK(largest_wal < 8LL * kPages * 4120);
  CHECK(db.execAndGet("SELECT count(*) FROM blob_rows").getInt() == 1200);
  CHECK(db.execAndGet("PRAGMA integrity_check").getString() == "ok");
  v.close();
  Vault again = Vault::open(tv.db, tv.cred());
  CHECK(again.db().execAndGet("SELECT count(*) FROM blob_rows").getInt() == 1200);
}
