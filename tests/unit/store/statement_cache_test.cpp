// store/statement_cache and store/tx: one cached statement per SQL text and
// connection, a fresh one when it is in use further up the stack; nested
// write transactions are savepoints that roll back alone.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/cached.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

TEST_CASE("statement cache: the same statement is handed out again, reset, and a nested use gets its own") {
  test::StoreVault v;
  SQLite::Statement* first = nullptr;
  {
    store::Cached a(v.db(), "SELECT 1");
    first = &*a;
    REQUIRE(a->executeStep());
    store::Cached nested(v.db(), "SELECT 1");  // `a` is still in use
    CHECK(&*nested != first);
  }
  store::Cached again(v.db(), "SELECT 1");
  CHECK(&*again == first);
  CHECK(again->executeStep());  // reset when handed out
}

TEST_CASE("statement cache: a connection without a Desk gets statements of its own") {
  test::TempDir dir;
  SQLite::Database plain(dir / "plain.db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  store::Cached a(plain, "SELECT 2");
  REQUIRE(a->executeStep());
  CHECK(a->getColumn(0).getInt() == 2);
}

TEST_CASE("write transaction: nested ones are savepoints, an uncommitted one rolls back alone") {
  test::StoreVault v;
  v.db().exec("CREATE TABLE t (x INTEGER)");
  CHECK_FALSE(store::in_transaction(v.db()));
  {
    store::WriteTx outer(v.db());
    CHECK(store::in_transaction(v.db()));
    v.db().exec("INSERT INTO t VALUES (1)");
    {
      store::WriteTx inner(v.db());
      v.db().exec("INSERT INTO t VALUES (2)");
    }  // not committed: only 2 goes
    {
      store::WriteTx inner(v.db());
      v.db().exec("INSERT INTO t VALUES (3)");
      inner.commit();
    }
    outer.commit();
  }
  CHECK_FALSE(store::in_transaction(v.db()));
  CHECK(v.db().execAndGet("SELECT group_concat(x) FROM t").getString() == "1,3");
}

TEST_CASE("write transaction: a UNIQUE violation is recognised as one") {
  test::StoreVault v;
  v.db().exec("CREATE TABLE u (x INTEGER UNIQUE)");
  v.db().exec("INSERT INTO u VALUES (1)");
  try {
    v.db().exec("INSERT INTO u VALUES (1)");
    FAIL("expected a constraint error");
  } catch (const std::exception& e) {
    CHECK(store::is_unique_violation(e));
  }
  CHECK_FALSE(store::is_unique_violation(std::runtime_error("other")));
}
