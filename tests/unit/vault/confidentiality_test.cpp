// Without the key the files reveal nothing: no marker written through the
// vault appears in the main file, the WAL, the shared-memory index or a
// rollback journal, including when the writer dies before a checkpoint.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <doctest/doctest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dsr::Credential;
using dsr::SlotKind;
using dsr::Vault;

using TmpDir = dsr::test::TempDir;
using dsr::test::slurp;

namespace {



Credential new_key() { return Credential{SlotKind::key_file, dsr::Secret::random(32)}; }

// Distinct, greppable strings in the shapes personal data takes: a text
// column, an indexed column (so it lands in index pages too), a blob, and a
// value long enough to spill onto overflow pages.
const std::vector<std::string> kMarkers = {
    "MARKER-alice.liddell@example.org", "MARKER-+44-20-7946-0958", "MARKER-221B-Baker-Street",
    "MARKER-4111111111111111", "MARKER-zip-SW1A-1AA"};
std::string long_marker() {
  std::string s;
  while (s.size() < 12000) s += "MARKER-overflow-page-text/";
  return s;
}

void write_markers(SQLite::Database& db, const std::string& suffix = "") {
  db.exec("CREATE TABLE IF NOT EXISTS people(id INTEGER PRIMARY KEY, email TEXT, note TEXT, raw BLOB)");
  db.exec("CREATE INDEX IF NOT EXISTS people_email ON people(email)");
  SQLite::Transaction tx(db);
  SQLite::Statement ins(db, "INSERT INTO people(email, note, raw) VALUES (?, ?, ?)");
  for (const auto& m : kMarkers) {
    ins.bind(1, m + suffix);
    ins.bind(2, "note for " + m + suffix);
    std::string blob = "blob:" + m + suffix;
    ins.bind(3, blob.data(), int(blob.size()));
    ins.exec();
    ins.reset();
  }
  ins.bind(1, "MARKER-long" + suffix);
  ins.bind(2, long_marker());
  ins.bind(3);
  ins.exec();
  tx.commit();
}

// Every marker can be read back through the vault: proves the scans below
// look for data that really was written.
void expect_markers_readable(SQLite::Database& db, const std::string& suffix = "") {
  for (const auto& m : kMarkers) {
    SQLite::Statement q(db, "SELECT note FROM people WHERE email = ?");
    q.bind(1, m + suffix);
    REQUIRE(q.executeStep());
    CHECK(q.getColumn(0).getString() == "note for " + m + suffix);
  }
  CHECK(db.execAndGet("SELECT note FROM people WHERE email = 'MARKER-long" + suffix + "'").getString() ==
        long_marker());
}

// Fails the test for every marker (or SQLite signature) found in the file.
void expect_no_plaintext(const std::string& path) {
  std::string bytes = slurp(path);
  INFO("scanning " << path << " (" << bytes.size() << " bytes)");
  CHECK(bytes.find("MARKER") == std::string::npos);
  CHECK(bytes.find("SQLite format 3") == std::string::npos);
  CHECK(bytes.find("CREATE TABLE") == std::string::npos);
  CHECK(bytes.find("people_email") == std::string::npos);
}

// A child process that runs `body`, which ends by calling park(): the parent
// then gets a byte on the pipe and the child waits, its vault still open, to
// be killed.
using Park = std::function<void()>;
pid_t spawn_and_park(const std::function<void(const Park&)>& body, int* ready_fd) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Park park = [&] {
      char one = 1;
      if (::write(fds[1], &one, 1) != 1) _exit(4);
      for (;;) pause();  // committed and parked: the parent kills us before any checkpoint
    };
    try {
      body(park);
    } catch (const std::exception& e) {
      fprintf(stderr, "child failed: %s\n", e.what());
    }
    _exit(3);  // body returned without parking: the parent sees no byte
  }
  ::close(fds[1]);
  *ready_fd = fds[0];
  return pid;
}

void kill_when_ready(pid_t pid, int ready_fd) {
  char c = 0;
  ssize_t n = ::read(ready_fd, &c, 1);
  ::close(ready_fd);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(n == 1);  // the child finished its work (else it died: see its stderr)
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

bool have_sqlite3_cli() { return std::system("command -v sqlite3 >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("vault: markers written through the vault appear in no file, open or closed") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key = new_key();
  {
    Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
    write_markers(v.db());
    expect_markers_readable(v.db());
    // Still open: the committed frames sit in the WAL, not yet checkpointed.
    REQUIRE(fs::exists(path + "-wal"));
    CHECK(fs::file_size(path + "-wal") > 0);
    expect_no_plaintext(path);
    expect_no_plaintext(path + "-wal");
    expect_no_plaintext(path + "-shm");
  }
  // Closed: checkpointed into the main file, the WAL gone or empty.
  CHECK((!fs::exists(path + "-wal") || fs::file_size(path + "-wal") == 0));
  std::string bytes = slurp(path);
  CHECK(bytes.rfind("DSRVAULT", 0) == 0);
  CHECK(bytes.rfind("SQLite format 3", 0) != 0);
  expect_no_plaintext(path);
  if (have_sqlite3_cli()) {
    // SQLite itself cannot make sense of the file.
    std::string cmd = "sqlite3 '" + path + "' .tables >/dev/null 2>&1";
    CHECK(std::system(cmd.c_str()) != 0);
  }
  Vault v = Vault::open(path, key);
  expect_markers_readable(v.db());
}

TEST_CASE("vault: a writer killed before a checkpoint leaves no marker in the WAL, and its commits survive") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key = new_key();
  Vault::create(path, "admin", key, dsr::KdfStrength::interactive).close();

  int ready = -1;
  pid_t pid = spawn_and_park(
      [&](const Park& park) {
        Vault v = Vault::open(path, key);
        v.db().exec("PRAGMA wal_autocheckpoint=0");  // keep every frame in the WAL
        write_markers(v.db());
        write_markers(v.db(), "-second-commit");
        park();
      },
      &ready);
  kill_when_ready(pid, ready);

  REQUIRE(fs::exists(path + "-wal"));
  CHECK(fs::file_size(path + "-wal") > 8 * 4096);  // the commits are in the WAL only
  expect_no_plaintext(path);
  expect_no_plaintext(path + "-wal");
  expect_no_plaintext(path + "-shm");

  // Recovery replays the WAL through the vault: every committed marker is back.
  {
    Vault v = Vault::open(path, key);
    expect_markers_readable(v.db());
    expect_markers_readable(v.db(), "-second-commit");
  }
  CHECK(dsr::check_vault(path, key).ok());
  expect_no_plaintext(path);
}

TEST_CASE("vault: rollback-journal pages are encrypted and roll back correctly (journal_mode=PERSIST)") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  std::string journal = path + "-journal";
  Credential key = new_key();
  Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
  auto& db = v.db();
  REQUIRE(db.execAndGet("PRAGMA journal_mode=PERSIST").getString() == "persist");
  write_markers(db);

  // Mid-transaction the journal holds the original pages, markers and all.
  db.exec("BEGIN");
  db.exec("UPDATE people SET note = 'overwritten', raw = NULL");
  REQUIRE(fs::exists(journal));
  CHECK(fs::file_size(journal) > 3 * 4096);
  expect_no_plaintext(journal);
  // ROLLBACK plays the journal back through the vault: the original values return.
  db.exec("ROLLBACK");
  expect_markers_readable(db);

  // PERSIST keeps the journal (and its old page images) after a commit.
  db.exec("UPDATE people SET note = 'overwritten', raw = NULL");
  REQUIRE(fs::exists(journal));
  CHECK(fs::file_size(journal) > 3 * 4096);
  expect_no_plaintext(journal);
  expect_no_plaintext(path);
  CHECK(db.execAndGet("SELECT count(*) FROM people WHERE note = 'overwritten'").getInt() == int(kMarkers.size()) + 1);
}

TEST_CASE("vault: a writer killed mid-transaction in rollback mode leaves an encrypted hot journal that restores the data") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key = new_key();
  Vault::create(path, "admin", key, dsr::KdfStrength::interactive).close();

  int ready = -1;
  pid_t pid = spawn_and_park(
      [&](const Park& park) {
        Vault v = Vault::open(path, key);
        auto& db = v.db();
        if (db.execAndGet("PRAGMA journal_mode=DELETE").getString() != "delete") throw std::runtime_error("mode");
        write_markers(db);
        db.exec("CREATE TABLE filler(x BLOB)");
        // A tiny page cache makes SQLite spill uncommitted pages into the main
        // file, so that only the journal can put the committed state back.
        db.exec("PRAGMA cache_size=5");
        db.exec("BEGIN");
        db.exec("UPDATE people SET email = 'UNCOMMITTED-' || email, note = 'UNCOMMITTED-' || note");
        db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                "INSERT INTO filler SELECT 'MARKER-filler-' || printf('%.1000d', i) FROM n");
        park();
      },
      &ready);
  kill_when_ready(pid, ready);

  std::string journal = path + "-journal";
  REQUIRE(fs::exists(journal));
  CHECK(fs::file_size(journal) > 3 * 4096);
  expect_no_plaintext(journal);
  expect_no_plaintext(path);

  {
    Vault v = Vault::open(path, key);  // SQLite rolls the hot journal back through the vault
    expect_markers_readable(v.db());
    CHECK(v.db().execAndGet("SELECT count(*) FROM people WHERE email LIKE 'UNCOMMITTED%'").getInt() == 0);
    CHECK(v.db().execAndGet("SELECT count(*) FROM filler").getInt() == 0);
  }
  CHECK(!fs::exists(journal));
  auto report = dsr::check_vault(path, key);
  INFO(report.problems.size());
  CHECK(report.ok());
}
