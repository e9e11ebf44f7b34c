// Schema migrations that change more than tables: the status CHECK rewritten in place.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>

#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

std::string subjects_sql(Desk& d) {
  return d.db().execAndGet("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'subjects'").getString();
}

bool insert_builds_a_temp_btree(Desk& d) {
  SQLite::Statement st(d.db(), "EXPLAIN INSERT INTO subjects (id, status, created_at, updated_at) VALUES (?, ?, 0, 0)");
  while (st.executeStep())
    if (st.getColumn(1).getString() == "OpenEphemeral") return true;
  return false;
}

}  // namespace

TEST_CASE("schema: the status check is three comparisons, still enforced, and an older vault is brought along") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    CHECK(subjects_sql(d).find("CHECK (status = 'active' OR status = 'deactivated' OR status = 'erased')") !=
          std::string::npos);
    CHECK_FALSE(insert_builds_a_temp_btree(d));
    CHECK_THROWS(d.db().exec("INSERT INTO subjects (id, status, created_at, updated_at) VALUES ('x', 'bogus', 0, 0)"));
    // Make it a vault of schema 8 again: the check as dsr 0.1 wrote it.
    int sv = d.db().execAndGet("PRAGMA schema_version").getInt();
    d.db().exec("PRAGMA writable_schema=ON");
    d.db().exec(
        "UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (status = ''active'' OR status = ''deactivated'' OR "
        "status = ''erased'')', 'CHECK (status IN (''active'',''deactivated'',''erased''))') WHERE name = 'subjects'");
    d.db().exec("PRAGMA schema_version=" + std::to_string(sv + 1));
    d.db().exec("PRAGMA writable_schema=OFF");
    d.db().exec("PRAGMA user_version=8");
  }
  {
    Desk d = tv.desk();  // migrates
    CHECK(d.db().execAndGet("PRAGMA user_version").getInt() >= 9);
    CHECK(subjects_sql(d).find("status IN") == std::string::npos);
    CHECK_FALSE(insert_builds_a_temp_btree(d));
    CHECK_THROWS(d.db().exec("INSERT INTO subjects (id, status, created_at, updated_at) VALUES ('x', 'bogus', 0, 0)"));
    CHECK(d.db().execAndGet("PRAGMA integrity_check").getString() == "ok");
  }
}
