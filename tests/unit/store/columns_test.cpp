// The store's SQL-from-one-column-list helpers and row readers (src/store/columns.hpp).
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/columns.hpp"

using namespace dsr::store;

TEST_CASE("store columns: insert and update SQL name each column once") {
  CHECK(insert_sql("t", "a, b, c") == "INSERT INTO t (a, b, c) VALUES (?, ?, ?)");
  CHECK(insert_sql("t", "a") == "INSERT INTO t (a) VALUES (?)");
  CHECK(update_sql("t", "a, b,c") == "UPDATE t SET a = ?, b = ?, c = ? WHERE id = ?");
  CHECK(update_sql("t", "a") == "UPDATE t SET a = ? WHERE id = ?");
}

TEST_CASE("store columns: rows written and read back through the generated SQL") {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT)");
  {
    SQLite::Statement ins(db, insert_sql("t", "a, b, c"));
    std::optional<std::string> none;
    bind_columns(ins, 1, std::string("x"), int64_t(7), none);
    ins.exec();
  }
  {
    SQLite::Statement up(db, update_sql("t", "a, b"));
    bind_columns(up, 1, std::string("y"), int64_t(8), int64_t(1));
    CHECK(up.exec() == 1);
  }
  struct Row {
    int64_t id = 0, b = 0;
    std::string a;
    std::optional<std::string> c;
  };
  SQLite::Statement q(db, "SELECT id, a, b, c FROM t ORDER BY id");
  auto rows = read_rows<Row>(q, [&](Row& r) { read_columns(q, r.id, r.a, r.b, r.c); });
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].a == "y");
  CHECK(rows[0].b == 8);
  CHECK_FALSE(rows[0].c.has_value());
}
