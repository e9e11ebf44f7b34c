// Commits survive a SIGKILL; files are private (0600); two processes share a
// vault: a writer waits for the other's lock up to the timeout, then fails as
// "locked" (exit 75), and nobody stalls at exit behind another process.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dsr::Credential;
using dsr::ErrorKind;
using dsr::SlotKind;
using dsr::Vault;
using Clock = std::chrono::steady_clock;

using TmpDir = dsr::test::TempDir;

namespace {


double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// The value of row i: deterministic, of varied length (some rows need overflow pages).
std::string value_of(int i) {
  std::mt19937 g{uint32_t(i)};
  size_t len = 20 + g() % (i % 5 == 0 ? 9000 : 400);
  std::string s = "v" + std::to_string(i) + ":";
  while (s.size() < len) s += char('a' + g() % 26);
  return s;
}

struct Child {
  pid_t pid = -1;
  int from_child = -1;  // the child's reports
  int to_child = -1;    // closing it tells the child to go on
};

// Runs body(report_fd, go_fd) in a child process that exits when body returns.
Child spawn(const std::function<void(int, int)>& body) {
  int up[2], down[2];
  REQUIRE(pipe(up) == 0);
  REQUIRE(pipe(down) == 0);
  fflush(nullptr);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(up[0]);
    ::close(down[1]);
    int rc = 0;
    try {
      body(up[1], down[0]);
    } catch (const std::exception& e) {
      fprintf(stderr, "child failed: %s\n", dsr::classify(e).what());
      rc = 3;
    }
    _exit(rc);
  }
  ::close(up[1]);
  ::close(down[0]);
  return Child{pid, up[0], down[1]};
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

mode_t mode_of(const std::string& path) {
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("vault: every commit reported before a SIGKILL is there after reopening, and the vault checks clean") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, dsr::Secret::random(32)};
  {
    Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
    v.db().exec("CREATE TABLE log(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    v.db().exec("CREATE INDEX log_v ON log(v)");
  }
  std::mt19937 rng(20240607);
  int next = 1;  // the first id the next writer will commit
  for (int round = 0; round < 6; ++round) {
    CAPTURE(round);
    int first = next;
    Child c = spawn([&](int report, int) {
      Vault v = Vault::open(path, key);
      auto& db = v.db();
      db.exec("PRAGMA wal_autocheckpoint=16");  // checkpoints mid-stream: kills land inside them too
      SQLite::Statement ins(db, "INSERT INTO log(id, v) VALUES (?, ?)");
      for (int i = first;; ++i) {
        SQLite::Transaction tx(db);
        ins.bind(1, i);
        ins.bind(2, value_of(i));
        ins.exec();
        ins.reset();
        if (i % 7 == 0) db.exec("DELETE FROM log WHERE id = " + std::to_string(i - 3));  // secure_delete churn
        tx.commit();
        if (::write(report, &i, sizeof i) != sizeof i) return;
      }
    });
    // Let it run for a random while (a random number of commits), then kill it mid-stream.
    int target = 5 + int(rng() % 120);
    int last = first - 1, got = 0;
    while (got < target) {
      int i;
      if (::read(c.from_child, &i, sizeof i) != sizeof i) break;
      last = i;
      ++got;
    }
    usleep(useconds_t(rng() % 3000));
    kill(c.pid, SIGKILL);
    int i;
    while (::read(c.from_child, &i, sizeof i) == sizeof i) last = i;  // reports already in the pipe
    ::close(c.from_child);
    ::close(c.to_child);
    int status = wait_for(c.pid);
    REQUIRE(WIFSIGNALED(status));  // it was still writing when killed
    REQUIRE(last >= first + target - 1);

    {
      Vault v = Vault::open(path, key);
      SQLite::Statement q(v.db(), "SELECT v FROM log WHERE id = ?");
      for (int id = 1; id <= last; ++id) {  // every round's commits, not only this one's
        // Commit i deletes row i-3 when i is a multiple of 7; commit last+1 may or may not have landed.
        bool deleted = (id + 3) % 7 == 0 && id + 3 <= last;
        bool unsure = (id + 3) % 7 == 0 && id + 3 == last + 1;
        q.bind(1, id);
        bool found = q.executeStep();
        CAPTURE(id);
        if (!unsure) CHECK(found == !deleted);
        if (found) CHECK(q.getColumn(0).getString() == value_of(id));
        q.reset();
      }
      // At most the one commit in flight when the kill landed is extra.
      int64_t max_id = v.db().execAndGet("SELECT coalesce(max(id), 0) FROM log").getInt64();
      CHECK(max_id >= last);
      CHECK(max_id <= last + 1);
      next = std::max(int(max_id), last) + 1;
    }
    auto report = dsr::check_vault(path, key);
    CHECK(report.ok());
    for (const auto& p : report.problems) MESSAGE(p);
  }
}

TEST_CASE("vault: the vault, its WAL and shared-memory file, and key files are created with mode 0600") {
  TmpDir dir;
  mode_t saved = umask(0);  // the most permissive umask: the modes must not depend on it
  std::string path = dir / "v.dsr";
  std::string key_path = dir / "v.key";
  Credential key = dsr::make_key_file(key_path);
  Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
  v.db().exec("CREATE TABLE t(x); INSERT INTO t VALUES (1)");
  umask(saved);
  CHECK(mode_of(path) == 0600);
  CHECK(mode_of(key_path) == 0600);
  REQUIRE(fs::exists(path + "-wal"));
  CHECK(mode_of(path + "-wal") == 0600);
  CHECK(mode_of(path + "-shm") == 0600);

  // A passphrase vault, and a vault in a directory that does not exist yet.
  umask(0);
  std::string nested = dir / "sub/dir/p.dsr";
  Credential pass{SlotKind::passphrase, dsr::Secret::copy_of(reinterpret_cast<const unsigned char*>("pw"), 2)};
  Vault::create(nested, "admin", pass, dsr::KdfStrength::interactive).close();
  umask(saved);
  CHECK(mode_of(nested) == 0600);
  CHECK((mode_of(dir / "sub/dir") & 077) == 0);  // created private
}

TEST_CASE("vault: a write waits for another process's write lock up to the timeout, then fails as locked (exit 75)") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, dsr::Secret::random(32)};
  {
    Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
    v.db().exec("CREATE TABLE t(x)");
  }
  Child holder = spawn([&](int report, int go) {
    Vault v = Vault::open(path, key);
    v.db().exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('held')");
    char one = 1;
    if (::write(report, &one, 1) != 1) return;
    char c;
    while (::read(go, &c, 1) > 0) {
    }  // hold the write lock until the parent closes the pipe
    v.db().exec("COMMIT");
  });
  char c = 0;
  REQUIRE(::read(holder.from_child, &c, 1) == 1);

  dsr::OpenOptions opts;
  opts.lock_timeout_ms = 300;
  {
    // Opening and reading need no write lock.
    Vault v = Vault::open(path, key, opts);
    CHECK(v.db().execAndGet("SELECT count(*) FROM t").getInt() == 0);
    auto t0 = Clock::now();
    try {
      v.db().exec("INSERT INTO t VALUES ('mine')");
      FAIL("a write went through while another process held the write lock");
    } catch (const std::exception& e) {
      double waited = ms_since(t0);
      dsr::Error err = dsr::classify(e);
      CHECK(err.kind() == ErrorKind::locked);
      CHECK(dsr::exit_code(err.kind()) == 75);
      CHECK(std::string(err.what()).find("retry") != std::string::npos);
      CHECK(waited >= 250);   // it waited for the lock...
      CHECK(waited < 5000);   // ...for about the timeout, not forever
    }
    // BEGIN IMMEDIATE (how write commands start) fails the same way.
    try {
      v.db().exec("BEGIN IMMEDIATE");
      FAIL("BEGIN IMMEDIATE succeeded under another process's write lock");
    } catch (const std::exception& e) {
      CHECK(dsr::classify(e).kind() == ErrorKind::locked);
    }
    // Closing while the other process still writes must not wait for it.
    auto t1 = Clock::now();
    v.close();
    CHECK(ms_since(t1) < 200);
  }
  {
    // A reader with a long timeout also leaves at once.
    opts.lock_timeout_ms = 5000;
    auto t0 = Clock::now();
    Vault v = Vault::open(path, key, opts);
    CHECK(v.db().execAndGet("SELECT count(*) FROM t").getInt() == 0);
    v.close();
    CHECK(ms_since(t0) < 1000);
  }

  ::close(holder.to_child);  // let the holder commit
  int status = wait_for(holder.pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  ::close(holder.from_child);

  // With the lock free, the same write goes through.
  Vault v = Vault::open(path, key, opts);
  v.db().exec("INSERT INTO t VALUES ('mine')");
  CHECK(v.db().execAndGet("SELECT group_concat(x, ',') FROM (SELECT x FROM t ORDER BY x)").getString() ==
        "held,mine");
}

TEST_CASE("vault: a writer that waits gets the lock when the other process commits within the timeout") {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  Credential key{SlotKind::key_file, dsr::Secret::random(32)};
  {
    Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
    v.db().exec("CREATE TABLE t(x)");
  }
  Child holder = spawn([&](int report, int) {
    Vault v = Vault::open(path, key);
    v.db().exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('first')");
    char one = 1;
    if (::write(report, &one, 1) != 1) return;
    usleep(300 * 1000);
    v.db().exec("COMMIT");
  });
  char c = 0;
  REQUIRE(::read(holder.from_child, &c, 1) == 1);
  dsr::OpenOptions opts;
  opts.lock_timeout_ms = 5000;
  Vault v = Vault::open(path, key, opts);
  auto t0 = Clock::now();
  v.db().exec("BEGIN IMMEDIATE; INSERT INTO t VALUES ('second'); COMMIT");
  CHECK(ms_since(t0) >= 150);
  int status = wait_for(holder.pid);
  CHECK(WIFEXITED(status));
  ::close(holder.from_child);
  ::close(holder.to_child);
  CHECK(v.db().execAndGet("SELECT count(*) FROM t").getInt() == 2);
}
