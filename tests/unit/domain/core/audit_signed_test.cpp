// The audit trail as an insider would attack it: a support slot holder with
// the vault file and the slot's own keys (every slot decrypts pages and holds
// the index key that chains entries), editing rows outside dsr's rules.
// Issue 13's finding 3 was that such a slot could remove entries and re-chain
// the rest; each entry is now signed by its slot's key (src/domain/core/audit.cpp).
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/keys.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"
#include "vault/seal.hpp"

using namespace dsr;

namespace {

struct TwoSlots {
  test::TempVault tv;
  std::string sam_key = tv.dir.file("sam.key");
  TwoSlots() {
    Credential c = make_key_file(sam_key);
    Desk d = tv.desk();
    add_key(d, "sam", Role::support, c, KdfStrength::interactive);
  }
  Desk admin() const { return tv.desk(); }
  Desk sam() const {
    OpenOptions o;
    o.slot = "sam";
    return Desk(Vault::open(tv.db, read_key_file(sam_key), o));
  }
};

std::string register_one(Desk& d, const std::string& email) {
  SubjectInput in;
  in.set = {{"email", email}, {"name", "Ann Entry"}};
  return register_subject(d, in).subject.id;
}

void put(std::string& out, const std::string& s) {
  out += std::to_string(s.size()) + ":" + s;
}

// What the insider computes from the code: the chain hash of a row (keyed
// BLAKE2b under the index key every slot holds).
std::string rechain_hash(Desk& d, SQLite::Statement& r, const std::string& prev) {
  std::string m;
  put(m, prev);
  put(m, std::to_string(r.getColumn(0).getInt64()));
  put(m, std::to_string(r.getColumn(1).getInt64()));
  for (int i = 2; i <= 7; ++i) put(m, r.getColumn(i).isNull() ? std::string() : r.getColumn(i).getString());
  return vault::keyed_hash(d.vault().index_key(), "audit-chain", m);
}

// Deletes entry `gone` and re-chains every later entry, re-signing those the
// insider's own key may sign (its own), as a slot holder would.
void remove_and_rechain(Desk& d, int64_t gone) {
  d.db().exec("DELETE FROM audit WHERE id = " + std::to_string(gone));
  d.db().exec("UPDATE audit SET id = id - 1 WHERE id > " + std::to_string(gone));
  SQLite::Statement prev_q(d.db(), "SELECT hash FROM audit WHERE id = ?");
  prev_q.bind(1, gone - 1);
  std::string prev;
  if (prev_q.executeStep()) prev = prev_q.getColumn(0).getString();
  SQLite::Statement rows(d.db(),
                         "SELECT id, at, actor, command, subjects, fields, request, outcome FROM audit WHERE id >= ? ORDER BY id");
  rows.bind(1, gone);
  std::vector<std::tuple<int64_t, std::string, std::string>> fixes;
  while (rows.executeStep()) {
    std::string h = rechain_hash(d, rows, prev);
    fixes.emplace_back(rows.getColumn(0).getInt64(), prev, h);
    prev = h;
  }
  rows.reset();
  auto pk = d.vault().signer_public_key();
  for (const auto& [id, p, h] : fixes) {
    SQLite::Statement up(d.db(), "UPDATE audit SET prev_hash = ?, hash = ? WHERE id = ?");
    up.bind(1, p.data(), int(p.size()));
    up.bind(2, h.data(), int(h.size()));
    up.bind(3, id);
    up.exec();
    SQLite::Statement mine(d.db(), "SELECT signer FROM audit WHERE id = ?");
    mine.bind(1, id);
    REQUIRE(mine.executeStep());
    std::string signer = mine.getColumn(0).getString();
    if (signer == std::string(reinterpret_cast<const char*>(pk.data()), pk.size())) {
      auto sig = d.vault().sign(std::string("dsr-audit-entry", 16) + h);
      SQLite::Statement s(d.db(), "UPDATE audit SET sig = ? WHERE id = ?");
      s.bind(1, sig.data(), int(sig.size()));
      s.bind(2, id);
      s.exec();
    }
  }
  // The head mark goes on the new newest entry, as dsr would have left it.
  d.db().exec("UPDATE audit SET head = (id = (SELECT max(id) FROM audit))");
}

// What an admin (or auditor) running `audit verify` sees.
AuditVerify verified(const TwoSlots& s, const std::string* anchor = nullptr) {
  Desk a = s.admin();
  return verify_audit(a, anchor);
}

}  // namespace

TEST_CASE("audit signed: every entry carries its slot's signature and verifies") {
  TwoSlots s;
  {
    Desk sam = s.sam();
    register_one(sam, "one@example.com");
  }
  Desk a = s.admin();
  register_one(a, "two@example.com");
  AuditVerify v = verify_audit(a);
  CHECK(v.ok);
  CHECK(v.unsigned_entries == 0);
  SQLite::Statement q(a.db(), "SELECT count(*) FROM audit WHERE sig IS NULL OR length(sig) != 64");
  REQUIRE(q.executeStep());
  CHECK(q.getColumn(0).getInt() == 0);
}

TEST_CASE("audit signed: a support slot that removes its own entry and re-chains the rest is caught") {
  TwoSlots s;
  {
    Desk sam = s.sam();
    register_one(sam, "sam.did.this@example.com");  // the entry sam wants gone
  }
  {
    Desk a = s.admin();
    register_one(a, "later@example.com");  // an admin entry after it
  }
  Desk sam = s.sam();
  REQUIRE(verified(s).ok);
  SQLite::Statement first(sam.db(), "SELECT id FROM audit WHERE actor = 'sam' AND command = 'register'");
  REQUIRE(first.executeStep());
  int64_t gone = first.getColumn(0).getInt64();
  first.reset();
  remove_and_rechain(sam, gone);
  AuditVerify v = verified(s);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("signature") != std::string::npos);
}

TEST_CASE("audit signed: an entry forged under another slot's name is caught") {
  TwoSlots s;
  Desk sam = s.sam();
  register_one(sam, "forged@example.com");
  // sam rewrites his own last entry to name the admin as its actor, re-hashes and re-signs it.
  SQLite::Statement last(sam.db(), "SELECT max(id) FROM audit");
  REQUIRE(last.executeStep());
  int64_t id = last.getColumn(0).getInt64();
  last.reset();
  sam.db().exec("UPDATE audit SET actor = 'admin' WHERE id = " + std::to_string(id));
  remove_and_rechain(sam, id + 1);  // nothing to remove: re-chains from id + 1 on, so do it for id by hand
  SQLite::Statement r(sam.db(), "SELECT id, at, actor, command, subjects, fields, request, outcome, prev_hash FROM audit WHERE id = ?");
  r.bind(1, id);
  REQUIRE(r.executeStep());
  std::string prev = r.getColumn(8).getString();
  std::string h = rechain_hash(sam, r, prev);
  r.reset();
  auto sig = sam.vault().sign(std::string("dsr-audit-entry", 16) + h);
  SQLite::Statement up(sam.db(), "UPDATE audit SET hash = ?, sig = ? WHERE id = ?");
  up.bind(1, h.data(), int(h.size()));
  up.bind(2, sig.data(), int(sig.size()));
  up.bind(3, id);
  up.exec();
  AuditVerify v = verified(s);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("signed by slot sam") != std::string::npos);
}

TEST_CASE("audit signed: an unsigned entry written after signing began is caught") {
  TwoSlots s;
  Desk sam = s.sam();
  register_one(sam, "unsigned@example.com");
  sam.db().exec("UPDATE audit SET signer = NULL, sig = NULL WHERE id = (SELECT max(id) FROM audit)");
  AuditVerify v = verified(s);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("not signed") != std::string::npos);
  // Nor does removing the admin's mark of where signing began help.
  sam.db().exec("DELETE FROM audit_anchor WHERE k = 3");
  CHECK_FALSE(verified(s).ok);
}

TEST_CASE("audit signed: a tail cut by a slot holder passes alone but not against an anchor kept outside") {
  TwoSlots s;
  std::string anchor;
  {
    Desk a = s.admin();
    for (const char* e : {"a1@example.com", "a2@example.com", "a3@example.com"}) register_one(a, e);
    anchor = audit_anchor(a);
    CHECK(anchor.find("\"dsr_audit_anchor\":1") != std::string::npos);
  }
  Desk sam = s.sam();
  CHECK(verified(s, &anchor).ok);
  CHECK(verified(s, &anchor).anchor_checked);
  // As a syslog line: the anchor at the end of it.
  std::string logged = "Nov 30 23:00:00 host dsr-audit: " + anchor;
  CHECK(verified(s, &logged).ok);
  register_one(sam, "after.anchor@example.com");
  CHECK(verified(s, &anchor).ok);  // the chain extends the anchor
  // sam removes every entry from the anchored one on, and the recorded head with them.
  SQLite::Statement n(sam.db(), "SELECT max(id) FROM audit");
  REQUIRE(n.executeStep());
  int64_t last = n.getColumn(0).getInt64();
  n.reset();
  for (int64_t id = last; id >= last - 2; --id) remove_and_rechain(sam, id);
  CHECK(verified(s).ok);  // the limit an anchor exists for
  AuditVerify v = verified(s, &anchor);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("anchor") != std::string::npos);
  // An anchor altered by hand does not verify.
  nlohmann::json doc = nlohmann::json::parse(anchor);
  doc["entries"] = doc["entries"].get<int64_t>() - 2;
  std::string altered = doc.dump();
  AuditVerify va = verified(s, &altered);
  CHECK_FALSE(va.ok);
  CHECK(va.problem.find("signature") != std::string::npos);
}

TEST_CASE("audit signed: a removed slot's entries still verify, and a pruning checkpoint is signed") {
  TwoSlots s;
  {
    Desk sam = s.sam();
    register_one(sam, "by.sam@example.com");
  }
  Desk a = s.admin();
  remove_key(a, "sam", {});
  AuditVerify v = verify_audit(a);
  CHECK_MESSAGE(v.ok, v.problem);
  CHECK(prune_audit(a, INT64_MAX) > 0);
  CHECK(verify_audit(a).ok);
  a.db().exec("UPDATE audit_anchor SET last_id = last_id - 1 WHERE k = 1");
  CHECK_FALSE(verify_audit(a).ok);
}
