// store/audit_store: entries in id order, the head mark, pruning's anchor.
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
// Appends as the domain does: after the tail read just before.
void append_entry(SQLite::Database& db, const store::AuditRow& r) { store::insert_audit(db, r, store::audit_tail(db)); }
int64_t marked(SQLite::Database& db) { return db.execAndGet("SELECT group_concat(id) FROM audit WHERE head = 1").getInt64(); }
}  // namespace

TEST_CASE("audit store: entries come back in order, filtered, and the head mark follows the last one") {
  test::StoreVault v;
  CHECK(store::audit_tail(v.db()).head.last_id == 0);
  CHECK(store::audit_tail(v.db()).gap == store::AuditTail::Gap::none);
  {
    store::WriteTx tx(v.db());
    append_entry(v.db(), entry(1, 10, "admin"));
    CHECK(marked(v.db()) == 1);
    append_entry(v.db(), entry(2, 20, "clerk"));
    append_entry(v.db(), entry(3, 30, "admin"));
    tx.commit();
  }
  CHECK(marked(v.db()) == 3);  // one mark, on the newest entry
  store::AuditTail tail = store::audit_tail(v.db());
  CHECK(tail.head.last_id == 3);
  CHECK(tail.head.hash == std::string(32, char(3)));
  CHECK(tail.gap == store::AuditTail::Gap::none);
  // Nothing is recorded beside the table any more.
  CHECK(v.db().execAndGet("SELECT count(*) FROM audit_anchor WHERE k = 2").getInt() == 0);
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
  for (int64_t i = 1; i <= 4; ++i) append_entry(v.db(), entry(i, i * 10, "admin"));
  CHECK(store::delete_audit_before(v.db(), 25) == 2);
  auto anchor = store::pruned_anchor(v.db());
  REQUIRE(anchor);
  CHECK(anchor->last_id == 2);
  CHECK(anchor->hash == std::string(32, char(2)));
  CHECK(store::audit_tail(v.db()).head.last_id == 4);
  // Older than any cut-off, the newest entry still stays: it carries the mark.
  CHECK(store::delete_audit_before(v.db(), INT64_MAX) == 1);
  CHECK(store::pruned_anchor(v.db())->last_id == 3);
  CHECK(store::audit_tail(v.db()).head.last_id == 4);
  CHECK(store::audit_tail(v.db()).gap == store::AuditTail::Gap::none);
  tx.commit();
}

TEST_CASE("audit store: a cut end and an emptied trail show in the tail") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  for (int64_t i = 1; i <= 4; ++i) append_entry(v.db(), entry(i, i * 10, "admin"));
  v.db().exec("DELETE FROM audit WHERE id = 4");
  CHECK(store::audit_tail(v.db()).gap == store::AuditTail::Gap::end_cut);
  CHECK(store::audit_tail(v.db()).head.last_id == 3);
  // Written after the cut, the next entry is marked; entry 3 stays unmarked.
  append_entry(v.db(), entry(4, 50, "admin"));
  CHECK(marked(v.db()) == 4);
  CHECK(store::audit_tail(v.db()).gap == store::AuditTail::Gap::none);
  CHECK(store::delete_audit_before(v.db(), 25) == 2);
  v.db().exec("DELETE FROM audit");
  CHECK(store::audit_tail(v.db()).gap == store::AuditTail::Gap::emptied);
  CHECK(store::audit_tail(v.db()).head.last_id == 2);  // from the pruning anchor
  tx.commit();
}
