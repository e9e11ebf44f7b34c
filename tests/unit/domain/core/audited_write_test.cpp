// The audited-write helpers (src/domain/core/audited_write.hpp): an operation
// cannot commit without its entry, and a body that throws commits nothing.
// A refusal is recorded after the rollback; any other failure leaves no entry.
#include <doctest/doctest.h>

#include "domain/core/audited_write.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/keys.hpp"
#include "store/choice_store.hpp"
#include "store/tx.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

constexpr const char* kAwName = "audited-write-test";

void aw_put(Desk& d, const std::string& text) { store::put_statement(d.db(), kAwName, text, 1, d.actor()); }
std::optional<std::string> aw_get(Desk& d) { return store::statement(d.db(), kAwName); }

// The entries of the trail, oldest first, as "command outcome".
std::vector<std::string> aw_trail(Desk& d) {
  std::vector<std::string> out;
  for (const auto& e : audit_log(d, {})) out.push_back(e.command + " " + e.outcome);
  return out;
}

}  // namespace

TEST_CASE("audited write: the body's work and its entry commit together") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string got = audited_write(d, "aw set", Action::manage_keys, [&](Audit& audit) {
    audit.field("preferences", "statement");
    aw_put(d, "one");
    return std::string("done");
  });
  CHECK(got == "done");
  CHECK(aw_get(d) == "one");
  auto log = audit_log(d, {});
  REQUIRE(log.size() == 1);
  CHECK(log[0].command == "aw set");
  CHECK(log[0].outcome == "ok");
  CHECK(log[0].fields == std::vector<std::string>{"preferences.statement"});
}

TEST_CASE("audited write: a body that throws leaves no commit, a refusal is recorded and another failure is not") {
  test::TempVault tv;
  Desk d = tv.desk();
  SUBCASE("refused inside the body: rolled back, the refusal appended after the rollback with what it named") {
    CHECK(test::kind_thrown([&] {
            audited_write(d, "aw refused", Action::manage_keys, [&](Audit& audit) {
              audit.field("preferences", "statement");
              aw_put(d, "never");
              fail(ErrorKind::refused, "no");
            });
          }) == ErrorKind::refused);
    CHECK_FALSE(aw_get(d).has_value());
    auto log = audit_log(d, {});
    REQUIRE(log.size() == 1);
    CHECK(log[0].command == "aw refused");
    CHECK(log[0].outcome == "refused");
    CHECK(log[0].fields == std::vector<std::string>{"preferences.statement"});
  }
  SUBCASE("any other failure: rolled back, no entry") {
    CHECK(test::kind_thrown([&] {
            audited_write(d, "aw conflict", Action::manage_keys, [&](Audit&) {
              aw_put(d, "never");
              fail(ErrorKind::conflict, "no");
            });
          }) == ErrorKind::conflict);
    CHECK_FALSE(aw_get(d).has_value());
    CHECK(aw_trail(d).empty());
  }
  SUBCASE("a read that throws: the same") {
    CHECK(test::kind_thrown([&] {
            audited_read(d, "aw read", Action::read_subjects, [&](Audit&) {
              aw_put(d, "never");
              fail(ErrorKind::refused, "no");
            });
          }) == ErrorKind::refused);
    CHECK_FALSE(aw_get(d).has_value());
    CHECK(aw_trail(d) == std::vector<std::string>{"aw read refused"});
  }
  CHECK(verify_audit(d).ok);
}

TEST_CASE("audited write: a role without the action is refused before the body runs, and the refusal recorded") {
  test::TempVault tv;
  std::string sam_key = tv.dir.file("sam.key");
  {
    Desk admin = tv.desk();
    add_key(admin, "sam", Role::support, make_key_file(sam_key), KdfStrength::interactive);
  }
  OpenOptions o;
  o.slot = "sam";
  Desk sam(Vault::open(tv.db, read_key_file(sam_key), o));
  bool ran = false;
  CHECK(test::kind_thrown([&] {
          audited_write(sam, "aw admin only", Action::manage_keys, [&](Audit&) {
            ran = true;
            aw_put(sam, "never");
          });
        }) == ErrorKind::refused);
  CHECK_FALSE(ran);
  CHECK_FALSE(aw_get(sam).has_value());
  Desk admin = tv.desk();
  auto log = audit_log(admin, {});
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().command == "aw admin only");
  CHECK(log.back().actor == "sam");
  CHECK(log.back().outcome == "refused");
}

TEST_CASE("audited step: its entry goes into the caller's transaction, before the commit, or nowhere") {
  test::TempVault tv;
  Desk d = tv.desk();
  SUBCASE("outside a transaction it refuses to run") {
    bool ran = false;
    CHECK(test::kind_thrown([&] { audited_step(d, "aw step", [&](Audit&) { ran = true; }); }) == ErrorKind::failure);
    CHECK_FALSE(ran);
    CHECK(aw_trail(d).empty());
  }
  SUBCASE("committed with the caller's work, in order") {
    audited_write(d, "aw outer", Action::manage_keys, [&](Audit&) {
      aw_put(d, "outer");
      audited_step(d, "aw step", [&](Audit& audit) { audit.field("preferences", "statement"); });
    });
    CHECK(aw_get(d) == "outer");
    CHECK(aw_trail(d) == std::vector<std::string>{"aw step ok", "aw outer ok"});
  }
  SUBCASE("rolled back with the caller's work") {
    {
      store::WriteTx tx(d.db());
      aw_put(d, "rolled back");
      audited_step(d, "aw step", [&](Audit&) {});
    }  // not committed
    CHECK_FALSE(aw_get(d).has_value());
    CHECK(aw_trail(d).empty());
  }
}

TEST_CASE("audited write: an operation outside the database is recorded once it completed") {
  test::TempVault tv;
  Desk d = tv.desk();
  audit_completed(d, "aw done");
  CHECK(aw_trail(d) == std::vector<std::string>{"aw done ok"});
  CHECK(verify_audit(d).ok);
}
