// Key slots: adding, removing and re-wrapping them (header only, under the
// write lock), the last-admin refusal, the roles' keys (a support slot never
// holds the category key), and who may manage keys.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <doctest/doctest.h>
#include <sodium.h>

#include <fstream>
#include <iterator>

#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/keys.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"

using namespace dsr;

using dsr::test::slurp;
using dsr::test::kind_thrown;
using dsr::test::passphrase;

namespace {

template <class Fn>
std::string message_thrown(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::string register_alice(Desk& d) {
  SubjectInput in;
  in.set = {{"name", "Alice Doe"},         {"email", "alice@example.com"}, {"card_number", "4111 1111 1111 1111"},
            {"card_expiry", "12/39"},      {"card_token", "tok_SECRET42"}, {"account_type", "corporate"}};
  return register_subject(d, in).subject.id;
}

}  // namespace

TEST_CASE("keys: a support slot opens the vault, yet card expiry, token and account type stay ciphertext in the "
          "decrypted database") {
  test::TempVault tv;
  std::string sup_key = tv.dir.file("support.key");
  {
    Desk admin = tv.desk();
    register_alice(admin);
    admin.vault().add_slot("sam", Role::support, make_key_file(sup_key), KdfStrength::interactive);
  }
  Vault v = Vault::open(tv.db, read_key_file(sup_key));
  CHECK(v.role() == Role::support);
  CHECK(v.category_key() == nullptr);
  {
    // The pages are decrypted (SQLite reads them), but the sealed columns are not.
    SQLite::Statement q(v.db(), "SELECT card_token, card_expiry, account_type, card_last4 FROM subjects");
    REQUIRE(q.executeStep());
    for (int c = 0; c < 3; ++c) {
      std::string raw(static_cast<const char*>(q.getColumn(c).getBlob()), size_t(q.getColumn(c).getBytes()));
      CHECK(raw.size() >= 40);  // nonce + tag at least
      CHECK(raw.find("tok_SECRET42") == std::string::npos);
      CHECK(raw.find("2039") == std::string::npos);
      CHECK(raw.find("corporate") == std::string::npos);
    }
    CHECK(q.getColumn(3).getString() == "1111");  // brand and last 4 are not restricted
  }
  // Through the desk the values are masked, never decrypted.
  Desk d(std::move(v));
  Subject s = find_subject(d, "alice@example.com");
  REQUIRE(s.get("card_token") != nullptr);
  CHECK(s.get("card_token")->restricted);
  CHECK(s.get("card_expiry")->restricted);
  CHECK(s.text("card_token").find("tok_SECRET42") == std::string::npos);
  CHECK(s.text("card_last4") == "1111");
}

TEST_CASE("keys: a billing slot carries the category key and reads card data, an auditor slot does not") {
  test::TempVault tv;
  {
    Desk admin = tv.desk();
    register_alice(admin);
    admin.vault().add_slot("bill", Role::billing, make_key_file(tv.dir.file("b.key")), KdfStrength::interactive);
    admin.vault().add_slot("audit", Role::auditor, make_key_file(tv.dir.file("au.key")), KdfStrength::interactive);
  }
  {
    Desk billing(Vault::open(tv.db, read_key_file(tv.dir.file("b.key"))));
    CHECK(billing.vault().category_key() != nullptr);
    CHECK(find_subject(billing, "alice@example.com").text("card_token") == "tok_SECRET42");
  }
  Vault auditor = Vault::open(tv.db, read_key_file(tv.dir.file("au.key")));
  CHECK(auditor.role() == Role::auditor);
  CHECK(auditor.category_key() == nullptr);
}

TEST_CASE("keys: adding a slot rewrites the header only, removing one re-encrypts every page under a new key") {
  test::TempVault tv;
  {
    Desk admin = tv.desk();
    for (int i = 0; i < 50; ++i) {
      SubjectInput in;
      in.set = {{"name", "Person " + std::to_string(i)}, {"email", "p" + std::to_string(i) + "@example.com"}};
      register_subject(admin, in);
    }
  }
  std::string before = slurp(tv.db);
  REQUIRE(before.size() > vault::kHeaderBytes + 4 * 4096);
  {
    Vault v = Vault::open(tv.db, tv.cred());
    v.add_slot("kim", Role::support, make_key_file(tv.dir.file("kim.key")), KdfStrength::interactive);
    v.add_slot("pat", Role::billing, passphrase("correct horse"), KdfStrength::interactive);
  }
  std::string added = slurp(tv.db);
  REQUIRE(added.size() == before.size());
  CHECK(added.compare(vault::kHeaderBytes, std::string::npos, before, vault::kHeaderBytes, std::string::npos) == 0);
  CHECK(added.compare(0, vault::kHeaderBytes, before, 0, vault::kHeaderBytes) != 0);  // the header did change
  {
    Vault v = Vault::open(tv.db, tv.cred());
    auto r = v.rekey({}, "kim");
    CHECK(r.removed == "kim");
    CHECK(r.pages > 4);
  }
  std::string after = slurp(tv.db);
  size_t same = 0, pages = (std::min(after.size(), added.size()) - vault::kHeaderBytes) / 4096;
  for (size_t p = 0; p < pages; ++p)
    same += after.compare(vault::kHeaderBytes + p * 4096, 4096, added, vault::kHeaderBytes + p * 4096, 4096) == 0;
  CHECK(same == 0);  // not one page is left under the key the removed slot held
  Vault pat = Vault::open(tv.db, passphrase("correct horse"));
  CHECK(pat.slot_name() == "pat");
  CHECK(pat.role() == Role::billing);
  CHECK(kind_thrown([&] { Vault::open(tv.db, read_key_file(tv.dir.file("kim.key"))); }) == ErrorKind::wrong_key);
  CHECK(check_vault(tv.db, tv.cred()).ok());
}

TEST_CASE("keys: a taken name is a conflict, a missing slot is not found, the last admin slot stays") {
  test::TempVault tv;
  Vault v = Vault::open(tv.db, tv.cred());
  CHECK(kind_thrown([&] { v.add_slot("admin", Role::support, passphrase("x"), KdfStrength::interactive); }) ==
        ErrorKind::conflict);
  CHECK(kind_thrown([&] { v.add_slot("", Role::support, passphrase("x"), KdfStrength::interactive); }) ==
        ErrorKind::usage);
  CHECK(kind_thrown([&] { v.add_slot("two words", Role::support, passphrase("x"), KdfStrength::interactive); }) ==
        ErrorKind::usage);
  CHECK(kind_thrown([&] { v.rekey({}, "nobody"); }) == ErrorKind::not_found);
  CHECK(kind_thrown([&] { v.rekey({}, "admin"); }) == ErrorKind::refused);
  CHECK(message_thrown([&] { v.rekey({}, "admin"); }).find("last admin slot") != std::string::npos);
  // With a second admin, the first may go (even the one in use); then the second is the last.
  v.add_slot("second", Role::admin, make_key_file(tv.dir.file("second.key")), KdfStrength::interactive);
  v.add_slot("helper", Role::support, passphrase("h"), KdfStrength::interactive);
  v.rekey({}, "admin");
  v.reopen();
  CHECK(kind_thrown([&] { v.rekey({}, "second"); }) == ErrorKind::refused);
  v.close();
  CHECK(kind_thrown([&] { Vault::open(tv.db, tv.cred()); }) == ErrorKind::wrong_key);
  Vault second = Vault::open(tv.db, read_key_file(tv.dir.file("second.key")));
  CHECK(second.role() == Role::admin);
  CHECK(second.category_key() != nullptr);  // an admin slot made by an admin carries the category key
}

TEST_CASE("keys: at most 16 slots") {
  test::TempVault tv;
  Vault v = Vault::open(tv.db, tv.cred());
  for (int i = 1; i < 16; ++i)
    v.add_slot("s" + std::to_string(i), Role::auditor, make_key_file(tv.dir.file("s" + std::to_string(i) + ".key")),
               KdfStrength::interactive);
  CHECK(v.slots().size() == 16);
  CHECK(kind_thrown([&] { v.add_slot("s16", Role::auditor, passphrase("p"), KdfStrength::interactive); }) ==
        ErrorKind::conflict);
}

TEST_CASE("keys: what a slot change records commits with it, and a failed record leaves the header as it was") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    d.db().exec("CREATE TABLE slot_log (what TEXT)");
  }
  Vault v = Vault::open(tv.db, tv.cred());
  size_t before = v.slots().size();
  CHECK(kind_thrown([&] {
          v.add_slot("kim", Role::support, passphrase("kim's words"), KdfStrength::interactive, [&] {
            v.db().exec("INSERT INTO slot_log VALUES ('kim')");
            fail(ErrorKind::failure, "the record could not be written");
          });
        }) == ErrorKind::failure);
  CHECK(v.slots().size() == before);
  v.close();
  {
    // Re-read from disk: neither the slot nor the row landed.
    Vault again = Vault::open(tv.db, tv.cred());
    CHECK(again.slots().size() == before);
    CHECK(again.db().execAndGet("SELECT count(*) FROM slot_log").getInt() == 0);
    CHECK(kind_thrown([&] { Vault::open(tv.db, passphrase("kim's words")); }) == ErrorKind::wrong_key);
    again.add_slot("pat", Role::billing, passphrase("pat's words"), KdfStrength::interactive,
                   [&] { again.db().exec("INSERT INTO slot_log VALUES ('pat')"); });
  }
  Vault pat = Vault::open(tv.db, passphrase("pat's words"));
  CHECK(pat.slot_name() == "pat");
  CHECK(pat.db().execAndGet("SELECT group_concat(what) FROM slot_log").getString() == "pat");
  pat.change_passphrase(passphrase("pat's new words"), KdfStrength::interactive,
                        [&] { pat.db().exec("INSERT INTO slot_log VALUES ('pat passwd')"); });
  pat.close();
  Vault renewed = Vault::open(tv.db, passphrase("pat's new words"));
  CHECK(renewed.db().execAndGet("SELECT count(*) FROM slot_log").getInt() == 2);
}

TEST_CASE("keys: two connections adding slots at once both keep theirs (the header is re-read under the lock)") {
  test::TempVault tv;
  Vault a = Vault::open(tv.db, tv.cred());
  Vault b = Vault::open(tv.db, tv.cred());
  a.add_slot("from-a", Role::support, make_key_file(tv.dir.file("a.key")), KdfStrength::interactive);
  b.add_slot("from-b", Role::support, make_key_file(tv.dir.file("b.key")), KdfStrength::interactive);
  CHECK(test::has_slot(b, "from-a"));  // b learnt of a's slot when it wrote
  a.close();
  b.close();
  Vault fresh = Vault::open(tv.db, tv.cred());
  CHECK(test::has_slot(fresh, "from-a"));
  CHECK(test::has_slot(fresh, "from-b"));
  CHECK(Vault::open(tv.db, read_key_file(tv.dir.file("a.key"))).slot_name() == "from-a");
  CHECK(Vault::open(tv.db, read_key_file(tv.dir.file("b.key"))).slot_name() == "from-b");
}

TEST_CASE("keys: a forged header refuses slot changes") {
  test::TempVault tv;
  Vault v = Vault::open(tv.db, tv.cred());
  // Rewrite an unused slot place in both copies and fix their checksums: only
  // the admin signature can tell.
  constexpr size_t kCopy = vault::kCopyBytes;
  std::string bytes = slurp(tv.db);
  bytes[3000] ^= 0x5a;
  bytes[kCopy + 3000] ^= 0x5a;
  for (size_t copy : {size_t(0), kCopy}) {
    unsigned char sum[32];
    crypto_generichash(sum, 32, reinterpret_cast<const unsigned char*>(bytes.data() + copy), kCopy - 32, nullptr, 0);
    bytes.replace(copy + kCopy - 32, 32, reinterpret_cast<const char*>(sum), 32);
  }
  // Swap the forged header in under the open connection (same inode: write in place).
  {
    std::fstream f(tv.db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.write(bytes.data(), std::streamsize(2 * kCopy));
  }
  CHECK(kind_thrown([&] { v.add_slot("mallory", Role::admin, passphrase("m"), KdfStrength::interactive); }) ==
        ErrorKind::integrity);
}

TEST_CASE("keys: passwd re-wraps the slot that opened the vault, the old passphrase stops working") {
  test::TempDir dir;
  std::string db = dir.file("v.dsr");
  int64_t created;
  {
    Vault v = Vault::create(db, "ops", passphrase("old secret"), KdfStrength::interactive);
    created = v.slots().front().created;
    v.add_slot("cron", Role::support, make_key_file(dir.file("cron.key")), KdfStrength::interactive);
  }
  {
    Vault v = Vault::open(db, passphrase("old secret"));
    v.change_passphrase(passphrase("new secret"));
  }
  CHECK(kind_thrown([&] { Vault::open(db, passphrase("old secret")); }) == ErrorKind::wrong_key);
  Vault v = Vault::open(db, passphrase("new secret"));
  CHECK(v.slot_name() == "ops");
  CHECK(v.role() == Role::admin);
  CHECK(v.category_key() != nullptr);
  CHECK(v.slots().front().created == created);
  CHECK(v.slots().front().kdf_mem == crypto_pwhash_MEMLIMIT_INTERACTIVE);  // the cost kept
  // A key-file slot has no passphrase to change.
  Vault cron = Vault::open(db, read_key_file(dir.file("cron.key")));
  CHECK(kind_thrown([&] { cron.change_passphrase(passphrase("x")); }) == ErrorKind::usage);
}

TEST_CASE("keys: only admin slots manage keys, a refusal names the admin role and is audited") {
  test::TempVault tv;
  {
    Desk admin = tv.desk();
    add_key(admin, "sam", Role::support, make_key_file(tv.dir.file("sam.key")), KdfStrength::interactive);
    add_key(admin, "aud", Role::auditor, make_key_file(tv.dir.file("aud.key")), KdfStrength::interactive);
  }
  {
    Desk sam(Vault::open(tv.db, read_key_file(tv.dir.file("sam.key"))));
    CHECK(kind_thrown([&] { list_keys(sam); }) == ErrorKind::refused);
    std::string why = message_thrown([&] { add_key(sam, "eve", Role::admin, passphrase("e"), KdfStrength::interactive); });
    CHECK(why.find("admin role") != std::string::npos);
    CHECK(why.find("support") != std::string::npos);
    CHECK(kind_thrown([&] { remove_key(sam, "aud"); }) == ErrorKind::refused);
    CHECK(kind_thrown([&] { rekey(sam); }) == ErrorKind::refused);
    CHECK(kind_thrown([&] { backup(sam, tv.dir.file("b.dsr")); }) == ErrorKind::refused);
    // A support slot may change its own passphrase? It is a key-file slot: usage, not refused.
    CHECK(kind_thrown([&] { change_own_passphrase(sam, passphrase("p"), std::nullopt); }) == ErrorKind::usage);
  }
  Desk aud(Vault::open(tv.db, read_key_file(tv.dir.file("aud.key"))));
  CHECK(kind_thrown([&] { list_keys(aud); }) == ErrorKind::refused);
  int refused_key_ops = 0;
  AuditQuery q;
  q.actor = "sam";
  for (const auto& e : audit_log(aud, q))
    if (e.outcome == "refused" && (e.command == "key list" || e.command == "key add" || e.command == "key remove"))
      ++refused_key_ops;
  CHECK(refused_key_ops == 3);
  CHECK(verify_audit(aud).ok);
}

TEST_CASE("keys: list shows each slot's role and kind, and when it was last used (from the audit trail)") {
  test::TempVault tv;
  {
    Desk admin = tv.desk();
    register_alice(admin);
    add_key(admin, "sam", Role::support, make_key_file(tv.dir.file("sam.key")), KdfStrength::interactive);
    add_key(admin, "bea", Role::billing, passphrase("bea pass"), KdfStrength::interactive);
  }
  {
    Desk sam(Vault::open(tv.db, read_key_file(tv.dir.file("sam.key"))));
    find_subject(sam, "alice@example.com");
  }
  Desk admin = tv.desk();
  auto keys = list_keys(admin);
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].info.name == "admin");
  CHECK(keys[0].current);
  CHECK(keys[0].last_used.has_value());  // the registration
  CHECK(keys[1].info.name == "sam");
  CHECK(keys[1].info.role == Role::support);
  CHECK(keys[1].info.kind == SlotKind::key_file);
  CHECK(keys[1].last_used.has_value());
  CHECK_FALSE(keys[1].current);
  CHECK(keys[2].info.kind == SlotKind::passphrase);
  CHECK_FALSE(keys[2].last_used.has_value());
  CHECK(kind_thrown([&] { find_key(admin, "nobody"); }) == ErrorKind::not_found);
}
