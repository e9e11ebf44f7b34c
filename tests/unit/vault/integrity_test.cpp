// Every page is authenticated: a flipped bit, a swapped page, a truncated file
// or a damaged header copy is found by check_vault and named, and reading
// through the vault either returns exactly what was written or fails with an
// integrity error. Never wrong data, never a crash (these also run under
// ASan/UBSan: -DDSR_SANITIZE=ON).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <doctest/doctest.h>
#include <sodium.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/vfs.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using dsr::Credential;
using dsr::ErrorKind;
using dsr::SlotKind;
using dsr::Vault;
using dsr::vault::kHeaderBytes;
using dsr::vault::kPageSize;

using TmpDir = dsr::test::TempDir;
using dsr::test::slurp;
using dsr::test::spit;

namespace {

constexpr size_t kCopyBytes = 12288;              // one header copy (A at 0, B at 12288; format 3)
constexpr size_t kSumAt = kCopyBytes - 32;        // BLAKE2b-256 checksum of the bytes before it
constexpr size_t kGenerationAt = 24;              // little-endian u64



using Rows = std::vector<std::pair<int64_t, std::string>>;

Rows read_all(SQLite::Database& db) {
  Rows rows;
  SQLite::Statement q(db, "SELECT id, v FROM t ORDER BY id");
  while (q.executeStep()) rows.emplace_back(q.getColumn(0).getInt64(), q.getColumn(1).getString());
  return rows;
}

// A vault of a few dozen pages: table leaves, interior pages, an index and
// overflow chains. Built once per test case; each case tampers with copies.
struct Fixture {
  TmpDir dir;
  std::string base = dir / "base.dsr";
  std::string work = dir / "work.dsr";
  Credential key{SlotKind::key_file, dsr::Secret::random(32)};
  Rows expected;
  std::string pristine;
  uint64_t pages = 0;

  Fixture() {
    Vault v = Vault::create(base, "admin", key, dsr::KdfStrength::interactive);
    auto& db = v.db();
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    db.exec("CREATE INDEX t_v ON t(v)");
    {
      SQLite::Transaction tx(db);
      SQLite::Statement ins(db, "INSERT INTO t(id, v) VALUES (?, ?)");
      for (int i = 1; i <= 160; ++i) {
        std::string value =
            "row-" + std::to_string(i) + "-" + std::string(size_t(i % 7 == 0 ? 5000 : 150 + i), char('a' + i % 26));
        ins.bind(1, i);
        ins.bind(2, value);
        ins.exec();
        ins.reset();
        expected.emplace_back(i, value);
      }
      tx.commit();
    }
    v.close();
    pristine = slurp(base);
    REQUIRE(pristine.size() > kHeaderBytes);
    REQUIRE((pristine.size() - kHeaderBytes) % kPageSize == 0);
    pages = (pristine.size() - kHeaderBytes) / kPageSize;
    REQUIRE(pages >= 20);
    REQUIRE(dsr::check_vault(base, key).ok());
  }

  Credential cred() const { return Credential{key.kind, key.secret.clone()}; }
  static size_t page_offset(uint64_t pgno) { return kHeaderBytes + (pgno - 1) * kPageSize; }

  // Writes `bytes` as the work copy (and clears any stale VFS message).
  void stage(const std::string& bytes) {
    for (const char* s : {"", "-wal", "-shm", "-journal"}) fs::remove(work + s);
    spit(work, bytes);
    dsr::vault::take_last_vfs_error();
  }
};


std::string joined(const dsr::CheckReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p + "; ";
  return s;
}

enum class Outcome { same_data, integrity_error };

// Opens the work copy and reads every row. Whatever happens must be one of:
// exactly the original rows, or an error that classifies as integrity (exit 6).
// When the rows came back intact (the damage is on a page the scan did not
// need), a full integrity check through the vault must still find it.
Outcome read_through_vault(Fixture& fx, bool expect_damage_found = true) {
  auto expect_integrity = [](const std::exception& e) {
    dsr::Error err = dsr::classify(e);
    INFO("error: " << std::string(err.what()));
    CHECK(err.kind() == ErrorKind::integrity);
    CHECK(dsr::exit_code(err.kind()) == 6);
  };
  std::optional<Vault> v;
  try {
    v.emplace(Vault::open(fx.work, fx.cred()));
    Rows rows = read_all(v->db());
    CHECK(rows == fx.expected);  // never wrong data
  } catch (const std::exception& e) {
    expect_integrity(e);
    return Outcome::integrity_error;
  }
  if (expect_damage_found) {
    bool found = false;
    try {
      SQLite::Statement q(v->db(), "PRAGMA integrity_check");
      while (q.executeStep()) found = found || q.getColumn(0).getString() != "ok";
    } catch (const std::exception& e) {
      expect_integrity(e);
      found = true;
    }
    CHECK(found);
  }
  return Outcome::same_data;
}

// A vault whose last writer was killed after `commits` commits of one 3000-byte
// row each, before any checkpoint: the WAL holds every one of them.
struct CrashedVault {
  TmpDir dir;
  std::string path = dir / "v.dsr";
  std::string wal = path + "-wal";
  Credential key{SlotKind::key_file, dsr::Secret::random(32)};
  static constexpr size_t kFrame = 24 + kPageSize;

  explicit CrashedVault(int commits) {
    {
      Vault v = Vault::create(path, "admin", key, dsr::KdfStrength::interactive);
      v.db().exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    }
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    fflush(nullptr);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        Vault v = Vault::open(path, key);
        v.db().exec("PRAGMA wal_autocheckpoint=0");
        for (int i = 1; i <= commits; ++i)
          v.db().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", printf('%.3000d', " + std::to_string(i) + "))");
        char one = 1;
        if (::write(fds[1], &one, 1) == 1)
          for (;;) pause();
      } catch (...) {
      }
      _exit(3);
    }
    ::close(fds[1]);
    char c = 0;
    ssize_t n = ::read(fds[0], &c, 1);
    ::close(fds[0]);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    REQUIRE(n == 1);
    REQUIRE(fs::file_size(wal) > 32 + size_t(commits) * kFrame);
  }
  Credential cred() const { return Credential{key.kind, key.secret.clone()}; }
  size_t frames() const { return (fs::file_size(wal) - 32) / kFrame; }
  std::vector<int64_t> ids() {
    Vault v = Vault::open(path, cred());
    std::vector<int64_t> out;
    SQLite::Statement q(v.db(), "SELECT id FROM t ORDER BY id");
    while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
    return out;
  }
};

void recompute_checksum(std::string& bytes, size_t copy_at) {
  crypto_generichash(reinterpret_cast<unsigned char*>(&bytes[copy_at + kSumAt]), 32,
                     reinterpret_cast<const unsigned char*>(&bytes[copy_at]), kSumAt, nullptr, 0);
}

}  // namespace

TEST_CASE("vault: a flipped bit in any page is named by check and never read back as data") {
  Fixture fx;
  int failed_reads = 0;
  for (uint64_t p = 1; p <= fx.pages; ++p) {
    // Two flips per page: one in the body, one in the reserved nonce/tag bytes.
    for (size_t within : {size_t((p * 977) % (kPageSize - 40)), size_t(kPageSize - 1 - p % 40)}) {
      CAPTURE(p);
      CAPTURE(within);
      std::string bytes = fx.pristine;
      bytes[Fixture::page_offset(p) + within] ^= char(1 << (p % 8));
      fx.stage(bytes);
      auto report = dsr::check_vault(fx.work, fx.cred());
      CHECK_FALSE(report.ok());
      CHECK_MESSAGE(dsr::test::mentions(report, "page " + std::to_string(p) + " fails authentication"), joined(report));
      if (read_through_vault(fx) == Outcome::integrity_error) ++failed_reads;
      if (p == 1) CHECK(failed_reads > 0);  // page 1 is read by every open
    }
  }
  CHECK(failed_reads > int(fx.pages) / 2);  // the row scan reads most pages
}

TEST_CASE("vault: swapped pages fail authentication and are named by check") {
  Fixture fx;
  uint64_t n = fx.pages;
  for (auto [a, b] : std::vector<std::pair<uint64_t, uint64_t>>{{2, 3}, {1, n}, {n - 1, n}, {5, n / 2}}) {
    CAPTURE(a);
    CAPTURE(b);
    std::string bytes = fx.pristine;
    std::string pa = bytes.substr(Fixture::page_offset(a), kPageSize);
    std::string pb = bytes.substr(Fixture::page_offset(b), kPageSize);
    REQUIRE(pa != pb);
    bytes.replace(Fixture::page_offset(a), kPageSize, pb);
    bytes.replace(Fixture::page_offset(b), kPageSize, pa);
    fx.stage(bytes);
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "page " + std::to_string(a) + " fails"), joined(report));
    CHECK_MESSAGE(dsr::test::mentions(report, "page " + std::to_string(b) + " fails"), joined(report));
    read_through_vault(fx);
  }
}

TEST_CASE("vault: a page copied in from another vault fails authentication") {
  Fixture fx;
  Fixture other;
  std::string bytes = fx.pristine;
  bytes.replace(Fixture::page_offset(3), kPageSize, other.pristine.substr(Fixture::page_offset(3), kPageSize));
  fx.stage(bytes);
  auto report = dsr::check_vault(fx.work, fx.cred());
  CHECK_MESSAGE(dsr::test::mentions(report, "page 3 fails"), joined(report));
  read_through_vault(fx);
}

TEST_CASE("vault: a file truncated mid-page or at a page boundary is an integrity error") {
  Fixture fx;
  SUBCASE("mid-page") {
    fx.stage(fx.pristine.substr(0, fx.pristine.size() - 1000));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "truncated"), joined(report));
    CHECK(dsr::test::mentions(report, "page " + std::to_string(fx.pages)));
    read_through_vault(fx, false);
  }
  SUBCASE("mid-page, early in the file") {
    fx.stage(fx.pristine.substr(0, Fixture::page_offset(4) + 100));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "truncated"), joined(report));
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
  }
  SUBCASE("at a page boundary") {
    fx.stage(fx.pristine.substr(0, fx.pristine.size() - 2 * kPageSize));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "truncated"), joined(report));
    CHECK(dsr::test::mentions(report, std::to_string(fx.pages) + " pages"));
    read_through_vault(fx, false);
  }
  SUBCASE("half the pages gone") {
    fx.stage(fx.pristine.substr(0, Fixture::page_offset(fx.pages / 2)));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "truncated"), joined(report));
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
  }
  SUBCASE("only the header left") {
    fx.stage(fx.pristine.substr(0, kHeaderBytes));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "truncated"), joined(report));
    // SQLite would take a file without pages for a new, empty database.
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
  }
  SUBCASE("inside the header") {
    fx.stage(fx.pristine.substr(0, kCopyBytes + 1000));
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "header copy B"), joined(report));
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
  }
  SUBCASE("empty") {
    fx.stage("");
    try {
      dsr::check_vault(fx.work, fx.cred());
      FAIL("check_vault accepted an empty file");
    } catch (const dsr::Error& e) {
      CHECK(e.kind() == ErrorKind::integrity);
    }
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
  }
}

TEST_CASE("vault: a damaged header copy is named by check, the other copy still opens the vault") {
  Fixture fx;
  for (size_t copy_at : {size_t(0), kCopyBytes}) {
    const char* name = copy_at == 0 ? "header copy A" : "header copy B";
    CAPTURE(name);
    for (size_t at : {size_t(3), size_t(100), size_t(2000), kSumAt + 5}) {  // magic, slots, padding, checksum
      std::string bytes = fx.pristine;
      bytes[copy_at + at] ^= 0x10;
      fx.stage(bytes);
      auto report = dsr::check_vault(fx.work, fx.cred());
      CHECK_MESSAGE(dsr::test::mentions(report, name), joined(report));
      Vault v = Vault::open(fx.work, fx.cred());
      CHECK(read_all(v.db()) == fx.expected);
    }
  }
  SUBCASE("both copies") {
    std::string bytes = fx.pristine;
    bytes[100] ^= 1;
    bytes[kCopyBytes + 100] ^= 1;
    fx.stage(bytes);
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
    CHECK_THROWS_AS(dsr::check_vault(fx.work, fx.cred()), dsr::Error);
  }
}

// Copy A's version field was trusted before its checksum: one flipped bit
// there (3 becomes 2, or a number no release wrote) made copy B read as
// damaged too, and the vault would not open.
TEST_CASE("vault: a damaged version field in header copy A does not hide copy B") {
  Fixture fx;
  constexpr size_t kVersionAt = 8;  // little-endian u32 after the magic
  for (int bit : {0x01, 0x10, 0x80}) {
    CAPTURE(bit);
    std::string bytes = fx.pristine;
    bytes[kVersionAt] = char(bytes[kVersionAt] ^ bit);
    fx.stage(bytes);
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "header copy A"), joined(report));
    CHECK_FALSE(dsr::test::mentions(report, "header copy B"));
    Vault v = Vault::open(fx.work, fx.cred());
    CHECK(read_all(v.db()) == fx.expected);
  }
}

TEST_CASE("vault: a forged header copy with a valid checksum fails authentication") {
  Fixture fx;
  SUBCASE("the copy in use (A): opening refuses") {
    std::string bytes = fx.pristine;
    bytes[kGenerationAt] = char(bytes[kGenerationAt] + 1);  // newer generation: A is chosen
    recompute_checksum(bytes, 0);
    fx.stage(bytes);
    CHECK(read_through_vault(fx, false) == Outcome::integrity_error);
    CHECK_THROWS_AS(dsr::check_vault(fx.work, fx.cred()), dsr::Error);
  }
  SUBCASE("the twin copy (B): check names it") {
    std::string bytes = fx.pristine;
    bytes[kCopyBytes + 3000] ^= 0x55;  // an unused slot place: only the admin signature covers it
    recompute_checksum(bytes, kCopyBytes);
    fx.stage(bytes);
    auto report = dsr::check_vault(fx.work, fx.cred());
    CHECK_MESSAGE(dsr::test::mentions(report, "header copy B fails authentication"), joined(report));
  }
}

TEST_CASE("vault: check passes on an intact vault and counts its pages") {
  Fixture fx;
  fx.stage(fx.pristine);
  auto report = dsr::check_vault(fx.work, fx.cred());
  CHECK_MESSAGE(report.ok(), joined(report));
  CHECK(report.pages == fx.pages);
  CHECK(read_through_vault(fx, false) == Outcome::same_data);
}

// The VFS refuses to read a rollback journal past 1 GiB (dsr's journals hold
// one transaction); check used to read any size into memory and then fail on
// opening the vault. It names the journal instead, without reading it.
TEST_CASE("vault: check names a rollback journal larger than the VFS reads, without reading it") {
  Fixture fx;
  fx.stage(fx.pristine);
  const std::string journal = fx.work + "-journal";
  spit(journal, "");
  fs::resize_file(journal, (uintmax_t(1) << 30) + 1);  // sparse: nothing on disk
  auto report = dsr::check_vault(fx.work, fx.cred());
  CHECK_FALSE(report.ok());
  CHECK_MESSAGE(dsr::test::mentions(report, "larger than dsr ever writes one"), joined(report));
  fs::remove(journal);
}

TEST_CASE("vault: a damaged WAL frame before an intact commit is named by check, which leaves the WAL alone") {
  CrashedVault cv(6);
  std::string wal = slurp(cv.wal);
  std::string main_file = slurp(cv.path);
  wal[32 + 1 * CrashedVault::kFrame + 24 + 500] ^= 0x08;  // the second frame's page
  spit(cv.wal, wal);
  auto report = dsr::check_vault(cv.path, cv.cred());
  CHECK_FALSE(report.ok());
  CHECK_MESSAGE(dsr::test::mentions(report, "frame 2 of the WAL"), joined(report));
  CHECK_MESSAGE(dsr::test::mentions(report, "would be lost"), joined(report));
  // check did not open the vault: no recovery, no checkpoint made the loss permanent.
  CHECK(slurp(cv.wal) == wal);
  CHECK(slurp(cv.path) == main_file);
}

TEST_CASE("vault: a torn last WAL frame after a crash is normal: earlier commits survive and check passes") {
  SUBCASE("cut in the middle of the last frame") {
    CrashedVault cv(4);
    fs::resize_file(cv.wal, fs::file_size(cv.wal) - 1000);
    CHECK(dsr::check_vault(cv.path, cv.cred()).ok());
    CHECK(cv.ids() == std::vector<int64_t>{1, 2, 3});
  }
  SUBCASE("garbage in the last frame") {
    CrashedVault cv(4);
    std::string wal = slurp(cv.wal);
    wal[wal.size() - 100] ^= 0x40;
    spit(cv.wal, wal);
    auto report = dsr::check_vault(cv.path, cv.cred());
    CHECK_MESSAGE(report.ok(), joined(report));
    // The frame's raw bytes fail SQLite's frame checksum: the last transaction is
    // dropped as never committed, not read as data.
    CHECK(cv.ids() == std::vector<int64_t>{1, 2, 3});
  }
  SUBCASE("intact: every commit is there") {
    CrashedVault cv(4);
    CHECK(cv.ids() == std::vector<int64_t>{1, 2, 3, 4});
    CHECK(dsr::check_vault(cv.path, cv.cred()).ok());
  }
}

TEST_CASE("vault: a header forged to demand an absurd key-derivation cost is damage, not a hang") {
  TmpDir dir;
  std::string path = dir / "p.dsr";
  std::string pw = "correct horse";
  Credential pass{SlotKind::passphrase, dsr::Secret::copy_of(reinterpret_cast<const unsigned char*>(pw.data()), pw.size())};
  Vault::create(path, "alice", pass, dsr::KdfStrength::interactive).close();
  constexpr size_t kSlotOpsAt = 192 + 400;  // first slot's Argon2id opslimit, little-endian u64 (format 3)
  std::string bytes = slurp(path);
  for (size_t copy_at : {size_t(0), kCopyBytes}) {
    bytes[copy_at + kSlotOpsAt + 5] = 1;  // opslimit 2^40
    recompute_checksum(bytes, copy_at);
  }
  spit(path, bytes);
  auto t0 = std::chrono::steady_clock::now();
  try {
    Vault::open(path, Credential{pass.kind, pass.secret.clone()});
    FAIL("a forged header opened");
  } catch (const dsr::Error& e) {
    CHECK(e.kind() == ErrorKind::integrity);
    CHECK(std::string(e.what()).find("both copies") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
}
