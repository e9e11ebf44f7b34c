// Vault::slot_credential: the derived key the unlock agent keeps
// (src/cli/agent.hpp). It opens its own slot without the Argon2id step, and
// stops opening anything once the slot is removed or re-wrapped.
#include <chrono>

#include "test_support.hpp"

namespace dsr::test {

TEST_CASE("slot credential: opens its slot as that slot, with no passphrase and without the Argon2id step") {
  TempVault tv;
  {
    Vault v = Vault::open(tv.db, read_key_file(tv.key));
    v.add_slot("pia", Role::support, passphrase("pia pass"), KdfStrength::moderate);
  }
  Credential derived = [&] {
    Vault v = Vault::open(tv.db, passphrase("pia pass"));
    return v.slot_credential();
  }();
  CHECK(derived.derived);
  CHECK(derived.kind == SlotKind::passphrase);
  CHECK(derived.secret.size() == 32);
  OpenOptions o;
  o.slot = "pia";
  auto t0 = std::chrono::steady_clock::now();
  Vault v = Vault::open(tv.db, derived, o);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  CHECK(v.slot_name() == "pia");
  CHECK(v.role() == Role::support);
  // Argon2id moderate takes the better part of a second and 256 MiB; the
  // derived key opens in milliseconds (bounded loosely: sanitizer builds).
  CHECK(ms < 400);
  // Without naming the slot it is tried against every passphrase slot: still only pia's.
  Vault any = Vault::open(tv.db, derived);
  CHECK(any.slot_name() == "pia");
}

TEST_CASE("slot credential: a key-file slot's works too, and a derived key never opens another slot") {
  TempVault tv;
  Credential admin_derived = [&] {
    Vault v = Vault::open(tv.db, read_key_file(tv.key));
    v.add_slot("pia", Role::admin, passphrase("pia pass"), KdfStrength::interactive);
    return v.slot_credential();
  }();
  CHECK(admin_derived.kind == SlotKind::key_file);
  OpenOptions o;
  o.slot = "admin";
  CHECK(Vault::open(tv.db, admin_derived, o).slot_name() == "admin");
  // pia's derived key against the admin slot, and a random key against pia's.
  Credential pia = [&] { return Vault::open(tv.db, passphrase("pia pass")).slot_credential(); }();
  CHECK(kind_thrown([&] { Vault::open(tv.db, pia, o); }) == ErrorKind::wrong_key);
  Credential random{SlotKind::passphrase, Secret::random(32), true};
  CHECK(kind_thrown([&] { Vault::open(tv.db, random); }) == ErrorKind::wrong_key);
}

TEST_CASE("slot credential: revoked by key remove (even with the name and passphrase reused) and by passwd") {
  TempVault tv;
  Vault admin = Vault::open(tv.db, read_key_file(tv.key));
  admin.add_slot("pia", Role::admin, passphrase("pia pass"), KdfStrength::interactive);
  Credential derived = [&] { return Vault::open(tv.db, passphrase("pia pass")).slot_credential(); }();
  OpenOptions o;
  o.slot = "pia";
  CHECK(Vault::open(tv.db, derived, o).slot_name() == "pia");
  admin.rekey({}, "pia");  // key remove
  admin.reopen();
  CHECK(kind_thrown([&] { Vault::open(tv.db, derived, o); }) == ErrorKind::not_found);
  CHECK(kind_thrown([&] { Vault::open(tv.db, derived); }) == ErrorKind::wrong_key);
  // The same name and passphrase again: a new salt, so the old derived key is useless.
  admin.add_slot("pia", Role::admin, passphrase("pia pass"), KdfStrength::interactive);
  CHECK(kind_thrown([&] { Vault::open(tv.db, derived, o); }) == ErrorKind::wrong_key);
  // passwd re-wraps under a new salt: the derived key of before stops opening.
  Credential again = [&] { return Vault::open(tv.db, passphrase("pia pass")).slot_credential(); }();
  CHECK(Vault::open(tv.db, again, o).slot_name() == "pia");
  {
    Vault v = Vault::open(tv.db, passphrase("pia pass"));
    v.change_passphrase(passphrase("new pass"), KdfStrength::interactive);
  }
  CHECK(kind_thrown([&] { Vault::open(tv.db, again, o); }) == ErrorKind::wrong_key);
  // A rotation caused by another slot's removal keeps a live slot's derived key working.
  admin.add_slot("tom", Role::support, passphrase("tom pass"), KdfStrength::interactive);
  Credential now = [&] { return Vault::open(tv.db, passphrase("new pass")).slot_credential(); }();
  admin.rekey({}, "tom");
  CHECK(Vault::open(tv.db, now, o).slot_name() == "pia");
}

TEST_CASE("slot credential: never makes or re-wraps a slot") {
  TempVault tv;
  Vault admin = Vault::open(tv.db, read_key_file(tv.key));
  Credential derived = admin.slot_credential();
  CHECK(kind_thrown([&] { admin.add_slot("x", Role::support, derived, KdfStrength::interactive); }) ==
        ErrorKind::usage);
}

}  // namespace dsr::test
