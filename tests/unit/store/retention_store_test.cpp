// store/retention_store: rules that override their defaults, and the runs.
#include <doctest/doctest.h>

#include "store/retention_store.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

TEST_CASE("retention store: a rule set is read back, replaced and deleted, and the last run is kept") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  CHECK(store::retention_rule_rows(v.db()).empty());
  store::put_retention_rule(v.db(), "tombstones", {"7y", 10, "admin"});
  store::put_retention_rule(v.db(), "tombstones", {"8y", 20, "admin"});
  auto rules = store::retention_rule_rows(v.db());
  REQUIRE(rules.count("tombstones"));
  CHECK(rules["tombstones"].duration == "8y");
  CHECK(rules["tombstones"].set_at == 20);
  store::delete_retention_rule(v.db(), "tombstones");
  CHECK(store::retention_rule_rows(v.db()).empty());
  CHECK_FALSE(store::last_retention_run(v.db()));
  store::insert_retention_run(v.db(), {100, "cron", "{}"});
  store::insert_retention_run(v.db(), {200, "cron", "{\"n\":1}"});
  auto last = store::last_retention_run(v.db());
  REQUIRE(last);
  CHECK(last->ran_at == 200);
  CHECK(store::table_exists(v.db(), "subjects"));
  CHECK_FALSE(store::table_exists(v.db(), "no_such_table"));
  tx.commit();
}
