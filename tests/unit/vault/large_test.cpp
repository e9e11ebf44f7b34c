// A vault past 1 GiB: SQLite never writes the page that holds its lock bytes
// (the first byte past 1 GiB), so that page stays a hole with no ciphertext.
// Whole-file checks (check, backup verification) must pass over it.
#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>

#include <string>

#include "dsr/vault.hpp"
#include "test_support.hpp"
#include "vault/page_cipher.hpp"

using namespace dsr;

TEST_CASE("vault: past 1 GiB the lock-byte page is skipped by check and by backup verification") {
  test::TempVault tv;
  {
    Vault v = Vault::open(tv.db, tv.cred());
    // Two 560 MB zero blobs (SQLite caps one value at 1e9 bytes): ~273k pages.
    v.db().exec("CREATE TABLE big(b BLOB)");
    v.db().exec("INSERT INTO big VALUES (zeroblob(560000000)), (zeroblob(560000000))");
    REQUIRE(v.db().execAndGet("PRAGMA page_count").getInt64() > int64_t(vault::kLockBytePage));
  }
  CheckReport c = check_vault(tv.db, tv.cred());
  const std::string first_problem = c.problems.empty() ? std::string() : c.problems.front();
  INFO(first_problem);
  CHECK(c.ok());
  CHECK(c.pages > vault::kLockBytePage);

  std::string bk = tv.dir.file("big-backup.dsr");
  {
    Vault v = Vault::open(tv.db, tv.cred());
    BackupReport r = v.backup(bk);  // throws when its own verification fails
    CHECK(r.pages > vault::kLockBytePage);
  }
  CheckReport vb = verify_backup(bk, tv.cred());
  const std::string first_backup_problem = vb.problems.empty() ? std::string() : vb.problems.front();
  INFO(first_backup_problem);
  CHECK(vb.ok());
}
