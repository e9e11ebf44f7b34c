// Backups: an online, consistent, verified copy that is a vault under the same
// slots; verify and restore, and what a truncated, altered or flipped-bit
// backup does (integrity); what an old backup means for erasure.
#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/keys.hpp"
#include "dsr/subjects.hpp"
#include "store/tx.hpp"
#include "test_support.hpp"
#include "vault/vfs.hpp"

using namespace dsr;

using dsr::test::slurp;
using dsr::test::spit;
using dsr::test::kind_thrown;
using dsr::test::passphrase;

namespace {

SubjectInput person(int i) {
  SubjectInput in;
  in.set = {{"name", "Person " + std::to_string(i)},
            {"email", "p" + std::to_string(i) + "@example.com"},
            {"address", std::to_string(i) + " Long Street, Springfield"}};
  return in;
}

void fill(Desk& d, int from, int to) {
  store::WriteTx tx(d.db());
  for (int i = from; i < to; ++i) register_subject(d, person(i));
  tx.commit();
}



// A vault with 200 subjects, an admin key file, a support key file and a
// billing passphrase slot, and a backup of it.
struct Backed {
  test::TempVault tv;
  std::string bk = tv.dir.file("backup.dsr");
  Backed() {
    Desk d = tv.desk();
    fill(d, 0, 200);
    add_key(d, "sam", Role::support, make_key_file(tv.dir.file("sam.key")), KdfStrength::interactive);
    add_key(d, "pat", Role::billing, passphrase("pat's words"), KdfStrength::interactive);
    backup(d, bk);
  }
};

}  // namespace

TEST_CASE("backup: a verified vault under the same slots, mode 0600, an existing file is refused") {
  Backed b;
  struct stat st{};
  REQUIRE(::stat(b.bk.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string bytes = slurp(b.bk);
  CHECK(bytes.find("SQLite format 3") == std::string::npos);
  CHECK(bytes.find("p17@example.com") == std::string::npos);
  CheckReport r = verify_backup(b.bk, b.tv.cred());
  CHECK_MESSAGE(r.ok(), (r.problems.empty() ? "" : r.problems.front()));
  CHECK(r.pages > 10);
  // Every slot opens it, with its role.
  CHECK(open_backup_header(b.bk, b.tv.cred()).role == Role::admin);
  CHECK(open_backup_header(b.bk, read_key_file(b.tv.dir.file("sam.key"))).role == Role::support);
  CHECK(open_backup_header(b.bk, passphrase("pat's words")).name == "pat");
  CHECK(kind_thrown([&] { open_backup_header(b.bk, passphrase("nope")); }) == ErrorKind::wrong_key);
  CHECK(kind_thrown([&] { verify_backup(b.tv.dir.file("missing.dsr"), b.tv.cred()); }) == ErrorKind::not_found);
  // Its pages are its own: the vault's key does not open them as the vault's pages.
  Desk d = b.tv.desk();
  CHECK(kind_thrown([&] { backup(d, b.bk); }) == ErrorKind::conflict);
  CHECK(slurp(b.bk) == bytes);  // left untouched
  bool recorded = false;
  for (const auto& e : audit_log(d, {})) recorded |= e.command == "backup" && e.outcome == "ok";
  CHECK(recorded);
}

TEST_CASE("backup: restore round trip, the target must not exist") {
  Backed b;
  std::string dest = b.tv.dir.file("restored.dsr");
  BackupSlot s = restore(b.bk, dest, b.tv.cred());
  CHECK(s.role == Role::admin);
  CHECK(check_vault(dest, b.tv.cred()).ok());
  struct stat st{};
  REQUIRE(::stat(dest.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  {
    Desk r(Vault::open(dest, read_key_file(b.tv.dir.file("sam.key"))));
    CHECK(test::count_subjects(r) == 200);
    CHECK(find_subject(r, "p150@example.com").text("name") == "Person 150");
  }
  {
    Desk r(Vault::open(dest, b.tv.cred()));
    CHECK(verify_audit(r).ok);
    bool recorded = false;
    for (const auto& e : audit_log(r, {})) recorded |= e.command == "restore" && e.outcome == "ok";
    CHECK(recorded);
  }
  std::string dest_bytes = slurp(dest);
  CHECK(kind_thrown([&] { restore(b.bk, dest, b.tv.cred()); }) == ErrorKind::conflict);
  CHECK(slurp(dest) == dest_bytes);
  CHECK(kind_thrown([&] { restore(b.bk, b.tv.db, b.tv.cred()); }) == ErrorKind::conflict);
  // A leftover WAL at the target would be replayed into it: refused too.
  std::string other = b.tv.dir.file("other.dsr");
  spit(other + "-wal", "stale");
  CHECK(kind_thrown([&] { restore(b.bk, other, b.tv.cred()); }) == ErrorKind::conflict);
  CHECK(::access(other.c_str(), F_OK) != 0);
}

TEST_CASE("backup: a support slot may not restore") {
  Backed b;
  std::string dest = b.tv.dir.file("restored.dsr");
  CHECK(kind_thrown([&] { restore(b.bk, dest, read_key_file(b.tv.dir.file("sam.key"))); }) == ErrorKind::refused);
  CHECK(::access(dest.c_str(), F_OK) != 0);
}

TEST_CASE("backup: a truncated, a bit-flipped or an altered backup fails verification and is not restored") {
  Backed b;
  const std::string good = slurp(b.bk);
  const size_t pages = (good.size() - vault::kHeaderBytes) / vault::kPageSize;
  REQUIRE(pages > 10);
  std::string dest = b.tv.dir.file("restored.dsr");
  auto expect_bad = [&](const std::string& bytes, const std::string& why) {
    CAPTURE(why);
    spit(b.bk, bytes);
    ErrorKind k = ErrorKind::failure;
    bool reported = false;
    try {
      CheckReport r = verify_backup(b.bk, b.tv.cred());
      reported = !r.ok();
    } catch (const std::exception& e) {
      k = classify(e).kind();
    }
    CHECK((reported || k == ErrorKind::integrity));
    CHECK(kind_thrown([&] { restore(b.bk, dest, b.tv.cred()); }) == ErrorKind::integrity);
    CHECK(::access(dest.c_str(), F_OK) != 0);
  };
  SUBCASE("cut at a page boundary") { expect_bad(good.substr(0, good.size() - 3 * vault::kPageSize), "truncated"); }
  SUBCASE("cut inside a page") { expect_bad(good.substr(0, good.size() - 1000), "truncated"); }
  SUBCASE("cut inside the header") { expect_bad(good.substr(0, 5000), "header"); }
  SUBCASE("one bit flipped in a page") {
    std::string bad = good;
    bad[vault::kHeaderBytes + 5 * vault::kPageSize + 123] ^= 0x01;
    spit(b.bk, bad);
    CheckReport r = verify_backup(b.bk, b.tv.cred());
    CHECK_FALSE(r.ok());
    CHECK(test::mentions(r, "page 6 fails authentication"));
    expect_bad(bad, "bit flip");
  }
  SUBCASE("two pages swapped") {
    std::string bad = good;
    std::string p3 = bad.substr(vault::kHeaderBytes + 2 * 4096, 4096);
    bad.replace(vault::kHeaderBytes + 2 * 4096, 4096, bad.substr(vault::kHeaderBytes + 3 * 4096, 4096));
    bad.replace(vault::kHeaderBytes + 3 * 4096, 4096, p3);
    expect_bad(bad, "swapped");
  }
  SUBCASE("both header copies altered") {
    std::string bad = good;
    bad[100] ^= 0x01;
    bad[4096 + 100] ^= 0x01;
    expect_bad(bad, "header");
  }
}

TEST_CASE("backup: a consistent copy while another connection keeps writing") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    fill(d, 0, 500);
  }
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      // As `dsr register` run again and again: a desk (connection) per subject.
      for (int i = 500; !stop && i < 100000; ++i) {
        Desk w = tv.desk();
        register_subject(w, person(i));
        ++written;
      }
    } catch (const std::exception& e) {
      writer_error = classify(e).what();
    }
  });
  while (written < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::string bk = tv.dir.file("online.dsr");
  int at_start = written;
  {
    Desk d = tv.desk();
    backup(d, bk);
  }
  int at_end = written;
  CHECK(at_end > at_start);  // the writer kept committing while the backup ran
  stop = true;
  writer.join();
  CHECK_MESSAGE(writer_error.empty(), writer_error);
  CHECK(at_end >= 20);
  CHECK(verify_backup(bk, tv.cred()).ok());
  std::string dest = tv.dir.file("restored.dsr");
  restore(bk, dest, tv.cred());
  Desk r(Vault::open(dest, tv.cred()));
  int64_t n = test::count_subjects(r);
  CHECK(n >= 520);
  CHECK(n <= 500 + written);
  // Consistent: the subjects it holds are exactly the first n registered, each whole.
  CHECK(find_subject(r, "p" + std::to_string(n - 1) + "@example.com").text("name") == "Person " + std::to_string(n - 1));
  CHECK(kind_thrown([&] { find_subject(r, "p" + std::to_string(n) + "@example.com"); }) == ErrorKind::not_found);
  CHECK(r.db().execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("backup: an old backup keeps an erased subject, and a rekey does not change that") {
  test::TempVault tv;
  std::string bk = tv.dir.file("before-erasure.dsr");
  {
    Desk d = tv.desk();
    fill(d, 0, 10);
    backup(d, bk);
    std::string id = find_subject(d, "p3@example.com").id;
    erase_subject(d, id, "erasure request", false);
    rekey(d);
    CHECK(find_subject(d, id).status == SubjectStatus::erased);
  }
  std::string dest = tv.dir.file("old.dsr");
  restore(bk, dest, tv.cred());
  Desk old(Vault::open(dest, tv.cred()));
  Subject s = find_subject(old, "p3@example.com");
  CHECK(s.status == SubjectStatus::active);
  CHECK(s.text("name") == "Person 3");
}

TEST_CASE("backup: a connection opened before another one's rekey is told to run again, and writes nothing") {
  test::TempVault tv;
  Vault before = Vault::open(tv.db, tv.cred());
  {
    Vault other = Vault::open(tv.db, tv.cred());
    other.rekey();
    other.reopen();
  }
  std::string bk = tv.dir.file("late.dsr");
  CHECK(kind_thrown([&] { before.backup(bk); }) == ErrorKind::locked);
  CHECK(::access(bk.c_str(), F_OK) != 0);
}
