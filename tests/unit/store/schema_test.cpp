// Schema migrations that change more than tables: the status CHECK rewritten in place.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <string>

#include "dsr/audit.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

std::string subjects_sql(Desk& d) {
  return d.db().execAndGet("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'subjects'").getString();
}

std::string requests_sql(Desk& d) {
  return d.db().execAndGet("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'requests'").getString();
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
    d.db().exec(
        "UPDATE sqlite_schema SET sql = replace(sql, 'law TEXT NOT NULL', "
        "'law TEXT NOT NULL CHECK (law IN (''gdpr'',''ccpa''))') WHERE name = 'requests'");
    d.db().exec(
        "UPDATE sqlite_schema SET sql = replace(sql, 'type TEXT NOT NULL,', 'type TEXT NOT NULL CHECK (type IN "
        "(''access'',''rectification'',''erasure'',''restriction'',''portability'',''objection'',''opt-out'')),') "
        "WHERE name = 'requests'");
    d.db().exec("PRAGMA schema_version=" + std::to_string(sv + 1));
    d.db().exec("PRAGMA writable_schema=OFF");
    // ... and take away what the migrations after 9 added, so that they run again cleanly.
    d.db().exec("DROP TRIGGER request_evidence_erased");  // migration 14
    d.db().exec("DROP TABLE request_evidence");
    for (const char* col : {"representative", "agent_name", "agent_confirmed_on", "appeal_extended_on",
                            "appeal_extension_reason"})
      d.db().exec(std::string("ALTER TABLE requests DROP COLUMN ") + col);
    d.db().exec("DROP TRIGGER request_claims_erased");
    d.db().exec("DROP TABLE request_claims");
    d.db().exec("DROP TABLE holidays");
    for (const char* col : {"jurisdiction", "clock_start", "paused_on", "paused_days", "weekends_only", "denial_code",
                            "duplicate_of", "appeal_received", "appeal_due", "appeal_extendable_to",
                            "appeal_decided_on", "appeal_outcome", "appeal_reason"})
      d.db().exec(std::string("ALTER TABLE requests DROP COLUMN ") + col);
    for (const char* col : {"complied_on", "complied_by"})
      d.db().exec(std::string("ALTER TABLE opt_outs DROP COLUMN ") + col);
    d.db().exec("PRAGMA user_version=8");
    d.db().exec("INSERT INTO requests (subject_id, type, law, received, status, due, opened_at, opened_by) "
                "VALUES ('sub_X', 'access', 'ccpa', '2026-01-23', 'received', '2026-03-09', 0, 'admin')");
    CHECK_THROWS(d.db().exec("INSERT INTO requests (subject_id, type, law, received, status, due, opened_at, "
                             "opened_by) VALUES ('sub_X', 'limit-sensitive', 'ccpa', '2026-01-23', 'received', "
                             "'2026-02-13', 0, 'admin')"));
    CHECK_THROWS(d.db().exec("INSERT INTO requests (subject_id, type, law, received, status, due, opened_at, "
                             "opened_by) VALUES ('sub_X', 'access', 'lgpd', '2026-01-23', 'received', '2026-02-07', 0, "
                             "'admin')"));
  }
  {
    Desk d = tv.desk();  // migrates
    CHECK(d.db().execAndGet("PRAGMA user_version").getInt() >= 9);
    CHECK(subjects_sql(d).find("status IN") == std::string::npos);
    CHECK_FALSE(insert_builds_a_temp_btree(d));
    CHECK_THROWS(d.db().exec("INSERT INTO subjects (id, status, created_at, updated_at) VALUES ('x', 'bogus', 0, 0)"));
    CHECK(d.db().execAndGet("PRAGMA integrity_check").getString() == "ok");
    // Migration 10: a request's clock started at receipt; any law of the table fits the column.
    CHECK(d.db().execAndGet("SELECT clock_start FROM requests WHERE law = 'ccpa'").getString() == "2026-01-23");
    d.db().exec("INSERT INTO requests (subject_id, type, law, received, status, due, opened_at, opened_by) "
                "VALUES ('', 'access', 'lgpd', '2026-01-23', 'received', '2026-02-07', 0, 'admin')");
    // Migration 13: any type of the law table fits (a CCPA request to limit), and opt-outs say when complied with.
    d.db().exec("INSERT INTO requests (subject_id, type, law, received, status, due, opened_at, opened_by) "
                "VALUES ('', 'limit-sensitive', 'ccpa', '2026-01-23', 'received', '2026-02-13', 0, 'admin')");
    CHECK(requests_sql(d).find("CHECK (type IN") == std::string::npos);
    CHECK(d.db().execAndGet("SELECT count(*) FROM pragma_table_info('opt_outs') WHERE name IN "
                            "('complied_on', 'complied_by')").getInt() == 2);
    // Migration 14: the evidence table and the agent's columns, a representative of a known kind only.
    CHECK(d.db().execAndGet("SELECT count(*) FROM request_evidence").getInt64() == 0);
    CHECK(d.db().execAndGet("SELECT count(*) FROM requests WHERE representative IS NULL").getInt64() == 3);
    CHECK_THROWS(d.db().exec("UPDATE requests SET representative = 'friend'"));
  }
}

namespace {
// Makes the vault one of schema 15 again: no head mark (the column goes), the
// newest entry recorded beside the audit table (audit_anchor k = 2, as dsr
// wrote it until migration 16). `recorded_id` the entry it names, with the
// hash the table has for it.
void back_to_schema_15(Desk& d, int64_t recorded_id) {
  d.db().exec("ALTER TABLE audit DROP COLUMN head");
  SQLite::Statement k2(d.db(), "INSERT INTO audit_anchor (k, last_id, hash) SELECT 2, id, hash FROM audit WHERE id = ?");
  k2.bind(1, recorded_id);
  CHECK(k2.exec() == 1);
  d.db().exec("PRAGMA user_version=15");
}
int64_t newest_audit_entry(Desk& d) { return d.db().execAndGet("SELECT max(id) FROM audit").getInt64(); }
int64_t marked_entries(Desk& d) { return d.db().execAndGet("SELECT count(*) FROM audit WHERE head = 1").getInt64(); }
}  // namespace

TEST_CASE("schema: a vault of schema 15 upgrades to the head mark, and its trail verifies") {
  test::TempVault tv;
  int64_t last = 0;
  {
    Desk d = tv.desk();
    test::register_with(d, {{"email", "head.one@example.com"}, {"name", "Head One"}});
    test::register_with(d, {{"email", "head.two@example.com"}, {"name", "Head Two"}});
    last = newest_audit_entry(d);
    back_to_schema_15(d, last);
  }
  Desk d = tv.desk();  // migrates
  CHECK(d.db().execAndGet("PRAGMA user_version").getInt() == 16);
  CHECK(d.db().execAndGet("SELECT count(*) FROM audit_anchor WHERE k = 2").getInt() == 0);
  CHECK(marked_entries(d) == 1);
  CHECK(d.db().execAndGet("SELECT id FROM audit WHERE head = 1").getInt64() == last);
  AuditVerify v = verify_audit(d);
  CHECK_MESSAGE(v.ok, v.problem);
  CHECK(v.checked == last);
  test::register_with(d, {{"email", "head.three@example.com"}, {"name", "Head Three"}});
  CHECK(marked_entries(d) == 1);
  CHECK(d.db().execAndGet("SELECT id FROM audit WHERE head = 1").getInt64() == last + 1);
  CHECK(verify_audit(d).ok);
  CHECK(d.db().execAndGet("PRAGMA integrity_check").getString() == "ok");
}

TEST_CASE("schema: a tail cut before the upgrade to 16 is still caught after it") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    for (const char* e : {"cut.one@example.com", "cut.two@example.com", "cut.three@example.com"})
      test::register_with(d, {{"email", e}, {"name", "Cut Tail"}});
    int64_t last = newest_audit_entry(d);
    back_to_schema_15(d, last);
    d.db().exec("DELETE FROM audit WHERE id = " + std::to_string(last));  // k = 2 still names it
  }
  Desk d = tv.desk();
  CHECK(marked_entries(d) == 0);
  AuditVerify v = verify_audit(d);
  CHECK_FALSE(v.ok);
  CHECK(v.problem.find("entries at the end were removed") != std::string::npos);
}

TEST_CASE("schema: a trail of schema 15 pruned to nothing stays whole through the upgrade, one emptied does not") {
  test::TempVault tv;
  int64_t last = 0;
  {
    Desk d = tv.desk();
    test::register_with(d, {{"email", "pruned.one@example.com"}, {"name", "Pruned One"}});
    last = newest_audit_entry(d);
    back_to_schema_15(d, last);
    // Pruned by dsr of schema 15, which could take every entry: the pruning
    // anchor and the record name the same entry, and the pruning slot signed
    // the anchor (domain/core/audit.cpp, prune_message).
    SQLite::Statement h(d.db(), "SELECT hash FROM audit WHERE id = ?");
    h.bind(1, last);
    REQUIRE(h.executeStep());
    std::string hash = h.getColumn(0).getString(), id = std::to_string(last);
    h.reset();
    std::string message = std::string("dsr-audit-pruned", 17) + std::to_string(id.size()) + ":" + id +
                          std::to_string(hash.size()) + ":" + hash;
    auto pk = d.vault().signer_public_key();
    auto sig = d.vault().sign(message);
    SQLite::Statement k1(d.db(), "INSERT INTO audit_anchor (k, last_id, hash, signer, sig) VALUES (1, ?, ?, ?, ?)");
    k1.bind(1, last);
    k1.bind(2, hash.data(), int(hash.size()));
    k1.bind(3, pk.data(), int(pk.size()));
    k1.bind(4, sig.data(), int(sig.size()));
    k1.exec();
    d.db().exec("DELETE FROM audit");
  }
  SUBCASE("pruned") {
    Desk d = tv.desk();
    CHECK(d.db().execAndGet("SELECT count(*) FROM audit_anchor WHERE k = 2").getInt() == 1);  // kept until the next entry
    AuditVerify v = verify_audit(d);
    CHECK_MESSAGE(v.ok, v.problem);
    test::register_with(d, {{"email", "pruned.two@example.com"}, {"name", "Pruned Two"}});
    CHECK(d.db().execAndGet("SELECT count(*) FROM audit_anchor WHERE k = 2").getInt() == 0);
    CHECK(d.db().execAndGet("SELECT id FROM audit WHERE head = 1").getInt64() == last + 1);
    v = verify_audit(d);
    CHECK_MESSAGE(v.ok, v.problem);
    CHECK(v.checked == 1);
  }
  SUBCASE("emptied after the pruning") {
    {
      Desk d = tv.desk();
      // The record names a later entry than the pruning anchor: entries were
      // written after the pruning, then removed.
      d.db().exec("UPDATE audit_anchor SET last_id = last_id + 3 WHERE k = 2");
    }
    Desk d = tv.desk();
    AuditVerify v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("emptied") != std::string::npos);
  }
}
