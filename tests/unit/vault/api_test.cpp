// The vault's library contract: how it unlocks (and refuses to), what it
// promises about its SQLite settings, credentials from files and descriptors,
// and several connections to one vault.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dsr::Credential;
using dsr::ErrorKind;
using dsr::KdfStrength;
using dsr::Secret;
using dsr::SlotKind;
using dsr::Vault;

using TmpDir = dsr::test::TempDir;
using dsr::test::slurp;
using dsr::test::spit;
using dsr::test::kind_thrown;
using dsr::test::passphrase;

namespace {

Credential clone(const Credential& c) { return Credential{c.kind, c.secret.clone()}; }

int reserve_bytes(SQLite::Database& db) {
  int n = -1;  // a negative value only asks
  REQUIRE(sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_RESERVE_BYTES, &n) == SQLITE_OK);
  return n;
}

}  // namespace

TEST_CASE("vault: unlocking succeeds only with a credential that opens a slot") {
  TmpDir dir;
  std::string kpath = dir / "k.dsr", ppath = dir / "p.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  Credential pass = passphrase("correct horse battery staple");
  Vault::create(kpath, "ops", key, KdfStrength::interactive).close();
  Vault::create(ppath, "alice", pass, KdfStrength::interactive).close();

  {
    Vault v = Vault::open(kpath, clone(key));
    CHECK(v.slot_name() == "ops");
    CHECK(v.role() == dsr::Role::admin);
    CHECK(v.format_version() == dsr::vault::kFormatVersion);
    REQUIRE(v.slots().size() == 1);
    CHECK(v.slots()[0].kind == SlotKind::key_file);
    CHECK(v.index_key().size() == 32);
    CHECK(v.category_key() != nullptr);  // an admin may read billing and payment data
    CHECK(v.slots()[0].kdf_ops == 0);    // a key-file slot has no key derivation...
    CHECK(v.slots()[0].kdf_mem == 0);    // ...and the plaintext header no uninitialised bytes
  }
  {
    Vault v = Vault::open(ppath, pass);
    CHECK(v.slot_name() == "alice");
    CHECK(v.slots()[0].kind == SlotKind::passphrase);
    CHECK(v.slots()[0].kdf_ops > 0);
  }
  CHECK(kind_thrown([&] { Vault::open(kpath, Credential{SlotKind::key_file, Secret::random(32)}); }) ==
        ErrorKind::wrong_key);
  CHECK(kind_thrown([&] { Vault::open(ppath, passphrase("correct horse battery stapler")); }) == ErrorKind::wrong_key);
  CHECK(kind_thrown([&] { Vault::open(ppath, key); }) == ErrorKind::wrong_key);  // wrong kind of slot
  CHECK(dsr::exit_code(ErrorKind::wrong_key) == 5);
  CHECK(kind_thrown([&] { dsr::check_vault(kpath, Credential{SlotKind::key_file, Secret::random(32)}); }) ==
        ErrorKind::wrong_key);

  dsr::OpenOptions only;
  only.slot = "nobody";
  CHECK(kind_thrown([&] { Vault::open(kpath, key, only); }) == ErrorKind::not_found);
  only.slot = "ops";
  CHECK_NOTHROW(Vault::open(kpath, key, only));

  CHECK(kind_thrown([&] { Vault::open(dir / "missing.dsr", key); }) == ErrorKind::not_found);
  CHECK(dsr::exit_code(ErrorKind::not_found) == 3);
  CHECK(!fs::exists(dir / "missing.dsr"));  // opening never creates

  // Not a vault: a plain SQLite database, and random bytes.
  {
    SQLite::Database plain(dir / "plain.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    plain.exec("CREATE TABLE t(x)");
  }
  CHECK(kind_thrown([&] { Vault::open(dir / "plain.db", key); }) == ErrorKind::integrity);
  spit(dir / "noise.dsr", std::string(20000, '\x5a'));
  CHECK(kind_thrown([&] { Vault::open(dir / "noise.dsr", key); }) == ErrorKind::integrity);
}

TEST_CASE("vault: create never overwrites an existing file") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  Vault::create(path, "admin", key, KdfStrength::interactive).close();
  std::string before = slurp(path);
  CHECK(kind_thrown([&] { Vault::create(path, "admin", Credential{SlotKind::key_file, Secret::random(32)}); }) ==
        ErrorKind::conflict);
  CHECK(dsr::exit_code(ErrorKind::conflict) == 4);
  CHECK(slurp(path) == before);
  CHECK_NOTHROW(Vault::open(path, key));

  spit(dir / "notes.txt", "someone else's file");
  CHECK(kind_thrown([&] { Vault::create(dir / "notes.txt", "admin", key); }) == ErrorKind::conflict);
  CHECK(slurp(dir / "notes.txt") == "someone else's file");

  // A failed create leaves nothing behind.
  CHECK(kind_thrown([&] { Vault::create(dir / "bad.dsr", std::string(64, 'x'), key); }) == ErrorKind::usage);
  CHECK(!fs::exists(dir / "bad.dsr"));
}

TEST_CASE("vault: SQLite runs with the settings the vault promises") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  for (bool reopened : {false, true}) {
    CAPTURE(reopened);
    Vault v = reopened ? Vault::open(path, key) : Vault::create(path, "admin", key, KdfStrength::interactive);
    auto& db = v.db();
    CHECK(reserve_bytes(db) == int(dsr::vault::kReserveBytes));  // nonce and tag live in each page
    CHECK(db.execAndGet("PRAGMA page_size").getInt() == int(dsr::vault::kPageSize));
    CHECK(db.execAndGet("PRAGMA journal_mode").getString() == "wal");
    CHECK(db.execAndGet("PRAGMA secure_delete").getInt() == 1);
    CHECK(db.execAndGet("PRAGMA temp_store").getInt() == 2);  // MEMORY
    CHECK(db.execAndGet("PRAGMA mmap_size").getInt() == 0);
    CHECK(db.execAndGet("PRAGMA synchronous").getInt() == 2);  // FULL
    CHECK(db.execAndGet("PRAGMA cache_size").getInt() == -32768);  // 32 MiB: a miss costs a decryption
    if (!reopened) db.exec("CREATE TABLE t(x)");
  }
}

TEST_CASE("vault: sorts, temp tables and VACUUM stay in memory, a temp file on disk is refused") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  Vault v = Vault::create(path, "admin", key, KdfStrength::interactive);
  auto& db = v.db();
  db.exec("PRAGMA cache_size=10");  // small enough that SQLite would spill sorts to temp files
  db.exec("CREATE TABLE t(x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
          "INSERT INTO t SELECT randomblob(200) FROM n");
  const char* spilling[] = {"SELECT count(*) FROM (SELECT x FROM t ORDER BY x)",
                            "CREATE TEMP TABLE tt AS SELECT * FROM t", "CREATE INDEX ti ON t(x)", "VACUUM"};
  for (const char* sql : spilling) {
    CAPTURE(sql);
    CHECK_NOTHROW(db.exec(sql));
  }
  CHECK(reserve_bytes(db) == int(dsr::vault::kReserveBytes));  // VACUUM kept the reserve
  db.exec("DROP TABLE tt; DROP INDEX ti");

  // Had someone switched temp storage to disk, the VFS refuses the file rather
  // than write plaintext into it.
  db.exec("PRAGMA temp_store=FILE");
  for (const char* sql : spilling) {
    CAPTURE(sql);
    CHECK_THROWS(db.exec(sql));
  }
  db.exec("PRAGMA temp_store=MEMORY");
  v.close();
  CHECK(dsr::check_vault(path, key).ok());
}

TEST_CASE("vault: a connection reads pages another connection wrote after the WAL restarted") {
  // Each connection's WAL file remembers the page number of the last frame
  // header it wrote. After a complete checkpoint the WAL starts again at frame
  // 1, so another connection may have put a different page in that frame.
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  {
    Vault v = Vault::create(path, "admin", key, KdfStrength::interactive);
    v.db().exec("CREATE TABLE a(x); CREATE TABLE b(x)");
  }
  Vault first = Vault::open(path, key);
  Vault second = Vault::open(path, key);
  first.db().exec("INSERT INTO a VALUES ('from the first connection')");  // frame 1 holds a's page
  first.checkpoint();                                                      // WAL back to zero bytes
  CHECK(fs::file_size(path + "-wal") == 0);
  second.db().exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                   "INSERT INTO b SELECT 'from the second connection ' || i || ' ' || randomblob(300) FROM n");
  // The first connection now reads frames the second one wrote at the same offsets.
  CHECK(first.db().execAndGet("SELECT count(*) FROM b").getInt() == 50);
  CHECK(first.db().execAndGet("SELECT x FROM a").getString() == "from the first connection");
  CHECK(first.db().execAndGet("SELECT count(*) FROM b WHERE x LIKE 'from the second connection %'").getInt() == 50);
}

TEST_CASE("vault: two vault handles on one file in one process, closing one leaves the other working") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, Secret::random(32)};
  Vault::create(path, "admin", key, KdfStrength::interactive).close();
  Vault first = Vault::open(path, key);
  {
    Vault second = Vault::open(path, key);
    second.db().exec("CREATE TABLE t(x)");
    CHECK(dsr::check_vault(path, key).ok());  // a third handle, opened and closed
  }
  // The first handle must still be able to open files through the VFS (here a rollback journal).
  REQUIRE(first.db().execAndGet("PRAGMA journal_mode=DELETE").getString() == "delete");
  first.db().exec("INSERT INTO t VALUES ('still works')");
  CHECK(first.db().execAndGet("SELECT x FROM t").getString() == "still works");
}

TEST_CASE("vault: key files are 64 hex digits in a new 0600 file and read back to the same key") {
  TmpDir dir;
  std::string path = dir / "a.key";
  Credential made = dsr::make_key_file(path);
  CHECK(made.kind == SlotKind::key_file);
  CHECK(made.secret.size() == 32);
  std::string text = slurp(path);
  CHECK(text.size() == 65);
  CHECK(text.back() == '\n');
  CHECK(text.find_first_not_of("0123456789abcdef") == 64);
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(dsr::read_key_file(path).secret.equals(made.secret));

  // Never overwrites.
  CHECK(kind_thrown([&] { dsr::make_key_file(path); }) == ErrorKind::conflict);
  CHECK(slurp(path) == text);
  // Two key files differ.
  CHECK_FALSE(dsr::make_key_file(dir / "b.key").secret.equals(made.secret));

  CHECK(kind_thrown([&] { dsr::read_key_file(dir / "missing.key"); }) == ErrorKind::not_found);
  spit(dir / "short.key", text.substr(0, 40) + "\n");
  CHECK(kind_thrown([&] { dsr::read_key_file(dir / "short.key"); }) == ErrorKind::usage);
  spit(dir / "nothex.key", std::string(64, 'z').append(1, '\n'));
  CHECK(kind_thrown([&] { dsr::read_key_file(dir / "nothex.key"); }) == ErrorKind::usage);
  spit(dir / "crlf.key", text.substr(0, 64) + "\r\n");
  CHECK(dsr::read_key_file(dir / "crlf.key").secret.equals(made.secret));
}

TEST_CASE("vault: a passphrase is the first line of its file or descriptor") {
  TmpDir dir;
  spit(dir / "p1", "open sesame\nsecond line is ignored\n");
  CHECK(dsr::read_passphrase_file(dir / "p1").secret.view() == "open sesame");
  spit(dir / "p2", "windows line\r\n");
  CHECK(dsr::read_passphrase_file(dir / "p2").secret.view() == "windows line");
  spit(dir / "p3", "no newline at all");
  CHECK(dsr::read_passphrase_file(dir / "p3").secret.view() == "no newline at all");
  spit(dir / "empty", "\n");
  CHECK(kind_thrown([&] { dsr::read_passphrase_file(dir / "empty"); }) == ErrorKind::usage);
  CHECK(kind_thrown([&] { dsr::read_passphrase_file(dir / "missing"); }) == ErrorKind::not_found);

  int fds[2];
  REQUIRE(pipe(fds) == 0);
  std::string input = "from a pipe\nthe rest stays unread\n";
  REQUIRE(::write(fds[1], input.data(), input.size()) == ssize_t(input.size()));
  ::close(fds[1]);
  CHECK(dsr::read_passphrase_fd(fds[0]).secret.view() == "from a pipe");
  char rest[64] = {};
  CHECK(::read(fds[0], rest, sizeof rest - 1) > 0);
  CHECK(std::string(rest) == "the rest stays unread\n");
  ::close(fds[0]);
  CHECK(kind_thrown([&] { dsr::read_passphrase_fd(987); }) == ErrorKind::usage);  // not an open descriptor
}
