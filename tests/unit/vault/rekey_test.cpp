// Rekey: a new data key, every page re-encrypted, every slot still opening
// the vault; safe against a kill at any point and against a connection that
// still has the replaced file open.
#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/keys.hpp"
#include "dsr/subjects.hpp"
#include "store/tx.hpp"
#include "test_support.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"

using namespace dsr;

using dsr::test::slurp;
using dsr::test::kind_thrown;
using dsr::test::passphrase;

namespace {

vault::Header header_of(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  vault::HeaderRead hr = vault::read_header(fd);
  ::close(fd);
  return hr.header;
}

// The page cipher the file's header gives this credential.
vault::PageCipher cipher_of(const std::string& path, const Credential& cred) {
  vault::Header h = header_of(path);
  for (const auto& s : h.slots)
    if (auto k = vault::unlock_slot(h, s, cred)) return vault::PageCipher(vault::page_key(k->data), h.id);
  FAIL("the credential opens no slot");
  throw std::logic_error("unreachable");
}

// How many of the file's pages the cipher authenticates, of how many.
std::pair<size_t, size_t> pages_opened_by(const std::string& path, const vault::PageCipher& c) {
  std::string bytes = slurp(path);
  size_t total = (bytes.size() - vault::kHeaderBytes) / vault::kPageSize, ok = 0;
  std::vector<unsigned char> plain(vault::kPageSize);
  for (size_t p = 0; p < total; ++p)
    ok += c.decrypt(uint32_t(p + 1),
                    reinterpret_cast<const unsigned char*>(bytes.data()) + vault::kHeaderBytes + p * vault::kPageSize,
                    plain.data());
  return {ok, total};
}

void fill(Desk& d, int n) {
  store::WriteTx tx(d.db());
  for (int i = 0; i < n; ++i) {
    SubjectInput in;
    in.set = {{"name", "Person " + std::to_string(i)},
              {"email", "p" + std::to_string(i) + "@example.com"},
              {"address", std::to_string(i) + " Long Street, Springfield, a line long enough to fill pages"}};
    register_subject(d, in);
  }
  tx.commit();
}


}  // namespace

TEST_CASE("rekey: every page is re-encrypted under a new key and every slot still opens the vault") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    fill(d, 300);
    add_key(d, "sam", Role::support, make_key_file(tv.dir.file("sam.key")), KdfStrength::interactive);
    add_key(d, "pat", Role::billing, passphrase("pat's words"), KdfStrength::interactive);
  }
  std::string before = slurp(tv.db);
  vault::PageCipher old_cipher = cipher_of(tv.db, tv.cred());
  auto [old_ok, old_total] = pages_opened_by(tv.db, old_cipher);
  REQUIRE(old_total > 20);
  REQUIRE(old_ok == old_total);

  uint64_t written;
  {
    Desk d = tv.desk();
    written = rekey(d).pages;
    CHECK(test::count_subjects(d) == 300);  // the desk works on the rekeyed file
  }
  CHECK(written > 20);
  std::string after = slurp(tv.db);
  size_t pages_after = (after.size() - vault::kHeaderBytes) / vault::kPageSize;
  REQUIRE(pages_after > 0);
  // No page of the new file opens under the old key, and no page kept its bytes.
  CHECK(pages_opened_by(tv.db, old_cipher).first == 0);
  size_t same = 0;
  for (size_t p = 0; p < std::min(pages_after, old_total); ++p)
    same += after.compare(vault::kHeaderBytes + p * 4096, 4096, before, vault::kHeaderBytes + p * 4096, 4096) == 0;
  CHECK(same == 0);
  auto [new_ok, new_total] = pages_opened_by(tv.db, cipher_of(tv.db, tv.cred()));
  CHECK(new_ok == new_total);
  // Every slot: the admin key file, the support key file, the billing passphrase.
  std::vector<Credential> every_slot;
  every_slot.push_back(tv.cred());
  every_slot.push_back(read_key_file(tv.dir.file("sam.key")));
  every_slot.push_back(passphrase("pat's words"));
  for (const Credential& c : every_slot) {
    Desk d(Vault::open(tv.db, c));
    CHECK(test::count_subjects(d) == 300);
  }
  CHECK(check_vault(tv.db, tv.cred()).ok());
  // The index key stays (derived from the master key): lookups by email and the audit chain still work.
  Desk d = tv.desk();
  CHECK(find_subject(d, "p7@example.com").text("name") == "Person 7");
  CHECK(verify_audit(d).ok);
  bool recorded = false;
  for (const auto& e : audit_log(d, {}))
    recorded |= e.command == "rekey" && e.outcome == "ok";
  CHECK(recorded);
}

TEST_CASE("rekey: a slot added by another connection after this one opened survives the rekey") {
  test::TempVault tv;
  Vault mine = Vault::open(tv.db, tv.cred());
  {
    Vault other = Vault::open(tv.db, tv.cred());
    other.add_slot("late", Role::auditor, make_key_file(tv.dir.file("late.key")), KdfStrength::interactive);
  }
  mine.rekey();
  mine.reopen();
  mine.close();
  CHECK(Vault::open(tv.db, read_key_file(tv.dir.file("late.key"))).slot_name() == "late");
  CHECK(check_vault(tv.db, tv.cred()).ok());
}

TEST_CASE("rekey: a connection still on the replaced file refuses to work (retry) and loses nothing") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    fill(d, 20);
  }
  Desk stale = tv.desk();
  CHECK(test::count_subjects(stale) == 20);
  {
    Vault v = Vault::open(tv.db, tv.cred());
    v.rekey();
    v.reopen();
    CHECK(v.db().execAndGet("SELECT count(*) FROM subjects").getInt64() == 20);
  }
  SubjectInput in;
  in.set = {{"name", "Late Comer"}, {"email", "late@example.com"}};
  CHECK(kind_thrown([&] { register_subject(stale, in); }) == ErrorKind::locked);
  CHECK(kind_thrown([&] { test::count_subjects(stale); }) == ErrorKind::locked);
  {
    Desk d = tv.desk();
    CHECK(test::count_subjects(d) == 20);
    register_subject(d, in);  // the new file takes writes: they sit in the WAL
    // Closing the stale connection must neither checkpoint into nor truncate that WAL.
    { Desk gone = std::move(stale); }
    CHECK(test::count_subjects(d) == 21);
  }
  CHECK(check_vault(tv.db, tv.cred()).ok());
  Desk d = tv.desk();
  CHECK(test::count_subjects(d) == 21);
}

TEST_CASE("rekey: a copy left by a killed rekey is removed by the next rekey") {
  test::TempVault tv;
  std::ofstream(tv.db + "-rekey") << "left over";
  Vault v = Vault::open(tv.db, tv.cred());
  v.rekey();
  CHECK(::access((tv.db + "-rekey").c_str(), F_OK) != 0);
  v.reopen();
  v.close();
  CHECK(check_vault(tv.db, tv.cred()).ok());
}

TEST_CASE("rekey: killed (SIGKILL) at any point, the vault opens with the old or the new key and passes check") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    fill(d, 1500);
  }
  const std::string pristine = slurp(tv.db);
  const auto original_epoch = header_of(tv.db).epoch;
  struct Point {
    Progress::Stage stage;
    int nth;  // the nth report of that stage
    const char* name;
    bool rekeyed;  // the file must carry the new data key afterwards
  };
  const Point points[] = {
      {Progress::Stage::copying, 1, "before the copy", false},
      {Progress::Stage::copying, 2, "during the copy", false},
      {Progress::Stage::syncing, 1, "before syncing the copy", false},
      {Progress::Stage::verifying, 1, "while checking the copy", false},
      {Progress::Stage::replacing, 1, "just before the rename", false},
      {Progress::Stage::done, 1, "after the rename", true},
  };
  for (const Point& pt : points) {
    std::string point = pt.name;
    CAPTURE(point);
    {
      std::ofstream out(tv.db, std::ios::binary | std::ios::trunc);
      out.write(pristine.data(), std::streamsize(pristine.size()));
    }
    ::unlink((tv.db + "-rekey").c_str());
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        Vault v = Vault::open(tv.db, tv.cred());
        int seen = 0;
        v.rekey([&](const Progress& p) {
          if (p.stage == pt.stage && ++seen == pt.nth) ::raise(SIGKILL);
        });
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);  // the point was never reached
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK_MESSAGE(WIFSIGNALED(status), "the child exited with " << WEXITSTATUS(status));
    CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
    CHECK((header_of(tv.db).epoch != original_epoch) == pt.rekeyed);
    CheckReport r = check_vault(tv.db, tv.cred());
    CHECK_MESSAGE(r.ok(), (r.problems.empty() ? "" : r.problems.front()));
    {
      Desk d = tv.desk();
      CHECK(test::count_subjects(d) == 1500);
      CHECK(find_subject(d, "p1499@example.com").text("name") == "Person 1499");
    }
    // The next rekey finishes the job and clears what the killed one left.
    Vault v = Vault::open(tv.db, tv.cred());
    v.rekey();
    CHECK(::access((tv.db + "-rekey").c_str(), F_OK) != 0);
    v.reopen();
    v.close();
    CHECK(check_vault(tv.db, tv.cred()).ok());
  }
}
