// store/audit_store: entries in id order, the recorded head, pruning's anchor.
#include <doctest/doctest.h>

#include "store/audit_store.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

namespace {
store::AuditRow entry(int64_t id, int64_t at, const std::string& actor) {
  store::AuditRow r;
  r.id = id;
  r.at = at;
  r.actor = actor;
  r.command = "show";
  r.subjects = "[\"sub_A\"]";
  r.fields = "[]";
  r.outcome = "ok";
  r.prev_hash = std::string(32, char(id - 1));
  r.hash = std::string(32, char(id));
  return r;
}
}  // namespace

TEST_CASE("audit store: entries come back in order, filtered, and the head follows the last one") {
  test::StoreVault v;
  CHECK(store::audit_head(v.db()).last_id == 0);
  {
    store::WriteTx tx(v.db());
    store::insert_audit(v.db(), entry(1, 10, "admin"));
    store::insert_audit(v.db(), entry(2, 20, "clerk"));
    store::insert_audit(v.db(), entry(3, 30, "admin"));
    tx.commit();
  }
  store::AuditHead head = store::audit_head(v.db());
  CHECK(head.last_id == 3);
  CHECK(head.hash == std::string(32, char(3)));
  CHECK(store::recorded_head(v.db())->last_id == 3);
  std::vector<int64_t> ids;
  store::scan_audit(v.db(), "", "admin", 0, [&](const store::AuditRow& r) {
    ids.push_back(r.id);
    return true;
  });
  CHECK(ids == std::vector<int64_t>{1, 3});
  ids.clear();
  store::scan_audit(v.db(), "sub_A", "", 15, [&](const store::AuditRow& r) {
    ids.push_back(r.id);
    return true;
  });
  CHECK(ids == std::vector<int64_t>{2, 3});
}

TEST_CASE("audit store: pruning leaves an anchor the first remaining entry follows") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  for (int64_t i = 1; i <= 4; ++i) store::insert_audit(v.db(), entry(i, i * 10, "admin"));
  CHECK(store::delete_audit_before(v.db(), 25) == 2);
  auto anchor = store::pruned_anchor(v.db());
  REQUIRE(anchor);
  CHECK(anchor->last_id == 2);
  CHECK(anchor->hash == std::string(32, char(2)));
  CHECK(store::audit_head(v.db()).last_id == 4);
  tx.commit();
}
