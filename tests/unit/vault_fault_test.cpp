// I/O faults injected into vault operations (src/vault/fault.hpp). Only in
// builds made with -DDSR_FAULT_INJECTION=ON (scripts/test.sh makes both of its
// builds so); the end-to-end sweep over whole commands is
// tests/e2e/fault_sweep.py.
#ifdef DSR_FAULT_INJECTION
#include <algorithm>
#include <stdexcept>

#include "test_support.hpp"
#include "vault/fault.hpp"

using namespace dsr;
using dsr::test::TempVault;

namespace {

struct NoFaults {  // whatever a test leaves configured is cleared
  ~NoFaults() { fault::configure(""); }
};

Credential new_key() { return Credential{SlotKind::key_file, Secret::random(32)}; }

}  // namespace

TEST_CASE("fault injection: a spec names the Nth call of a kind and fails it once") {
  NoFaults clear;
  CHECK_THROWS_AS(fault::configure("write"), std::invalid_argument);
  CHECK_THROWS_AS(fault::configure("write:0:EIO"), std::invalid_argument);
  CHECK_THROWS_AS(fault::configure("scribble:1:EIO"), std::invalid_argument);
  CHECK_THROWS_AS(fault::configure("write:1:EPERM"), std::invalid_argument);
  CHECK_THROWS_AS(fault::configure("write:1:EIO:later"), std::invalid_argument);
  fault::configure("sync:2:ENOSPC");
  CHECK(fault::at(fault::Op::write, "t") == 0);
  CHECK(fault::at(fault::Op::sync, "t") == 0);
  CHECK(fault::at(fault::Op::sync, "t") == ENOSPC);
  CHECK(fault::at(fault::Op::sync, "t") == 0);  // once, unless sticky
  fault::Counts c = fault::counts();
  CHECK(c.total == 4);
  CHECK(c.by_op[int(fault::Op::sync)] == 3);
  CHECK(c.fired == 1);
  CHECK(fault::report().find("fired=sync#2:ENOSPC(t)") != std::string::npos);
  fault::configure("any:1:EIO:sticky");
  CHECK(fault::at(fault::Op::read, "t") == EIO);
  CHECK(fault::at(fault::Op::open, "t") == EIO);
}

TEST_CASE("fault injection: a header change whose second copy cannot be written is made, whose first is not (written, synced or torn)") {
  NoFaults clear;
  TempVault tv;
  {
    Vault v = Vault::open(tv.db, tv.cred());
    // add_slot writes two copies, each one write and one sync: write 1 is the
    // first copy, write 2 the second.
    fault::configure("write:2:EIO");
    v.add_slot("second-failed", Role::support, new_key(), KdfStrength::interactive);  // the change is made
    CHECK(fault::counts().fired == 1);
    fault::configure("write:2:EIO:torn");  // the second copy torn: written again, not left damaged
    v.add_slot("second-torn", Role::support, new_key(), KdfStrength::interactive);
    fault::configure("write:1:ENOSPC");
    CHECK_THROWS_AS(v.add_slot("first-failed", Role::support, new_key(), KdfStrength::interactive), Error);
    // Written but its sync failing: not known to be on disk, so put back as it was.
    fault::configure("sync:1:EIO");
    CHECK_THROWS_AS(v.add_slot("first-unsynced", Role::support, new_key(), KdfStrength::interactive), Error);
    fault::configure("write:1:EIO:torn");
    CHECK_THROWS_AS(v.add_slot("first-torn", Role::support, new_key(), KdfStrength::interactive), Error);
    fault::configure("");
  }
  Vault v = Vault::open(tv.db, tv.cred());
  CHECK(test::has_slot(v, "second-failed"));
  CHECK(test::has_slot(v, "second-torn"));
  CHECK_FALSE(test::has_slot(v, "first-failed"));
  CHECK_FALSE(test::has_slot(v, "first-unsynced"));
  CHECK_FALSE(test::has_slot(v, "first-torn"));
  v.close();
  CHECK(check_vault(tv.db, tv.cred()).ok());
}

TEST_CASE("fault injection: after a copy fell behind, a device dying in the next header write keeps the last change") {
  NoFaults clear;
  TempVault tv;
  {
    Vault v = Vault::open(tv.db, tv.cred());
    // The second copy's write, its retry and its restore all fail: copy A
    // stays one generation behind B, the only copy holding "kept".
    fault::configure("write:2:EIO:sticky");
    v.add_slot("kept", Role::support, new_key(), KdfStrength::interactive);
    // The next change tears its first write and the device dies (nothing
    // later is written). Were that write B's, the only copy with "kept" would
    // be gone and the vault would fall back to A, from before it.
    fault::configure("write:1:EIO:torn:sticky");
    CHECK_THROWS_AS(v.add_slot("torn", Role::support, new_key(), KdfStrength::interactive), Error);
    fault::configure("");
  }
  {
    Vault v = Vault::open(tv.db, tv.cred());
    CHECK(test::has_slot(v, "kept"));
    // The next change rewrites the torn copy first, and both are whole again.
    v.add_slot("after", Role::support, new_key(), KdfStrength::interactive);
  }
  Vault v = Vault::open(tv.db, tv.cred());
  CHECK(test::has_slot(v, "kept"));
  CHECK(test::has_slot(v, "after"));
  v.close();
  CheckReport r = check_vault(tv.db, tv.cred());
  CHECK_MESSAGE(r.ok(), (r.problems.empty() ? std::string() : r.problems.front()));
}

#endif  // DSR_FAULT_INJECTION
