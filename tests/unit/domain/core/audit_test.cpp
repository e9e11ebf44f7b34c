#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <nlohmann/json.hpp>

#include "dsr/audit.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/subjects.hpp"
#include "store/tx.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {
// Five entries: register, show, correct, a refused erase (held), release.
std::string populate(Desk& d) {
  SubjectInput in;
  in.set = {{"email", "audited.person@example.com"}, {"name", "Audrey Trail"}, {"phone", "+1 415 555 0142"}};
  std::string id = register_subject(d, in).subject.id;
  find_subject(d, id);
  SubjectInput c;
  c.set = {{"zip", "94110"}};
  correct_subject(d, id, c);
  place_hold(d, id, "litigation", "CV-9");
  CHECK_THROWS_AS(erase_subject(d, id, "", false), Error);
  return id;
}
}  // namespace

TEST_CASE("audit: every operation appends an entry with ids and field names but no values") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = populate(d);
  auto log = audit_log(d, {});
  REQUIRE(log.size() == 5);
  CHECK(log[0].command == "register");
  CHECK(log[0].actor == "admin");
  CHECK(log[0].subjects == std::vector<std::string>{id});
  CHECK(std::find(log[0].fields.begin(), log[0].fields.end(), "contact.email") != log[0].fields.end());
  CHECK(log[2].command == "correct");
  CHECK(log[2].fields == std::vector<std::string>{"contact.zip"});
  CHECK(log[4].command == "delete");
  CHECK(log[4].outcome == "refused");
  CHECK(audit_log(d, {id, "", "", 1000}).size() == 5);
  CHECK(audit_log(d, {"", "someone-else", "", 1000}).empty());
  SQLite::Statement all(d.db(), "SELECT group_concat(actor || command || subjects || fields || coalesce(request,'') || outcome) FROM audit");
  REQUIRE(all.executeStep());
  std::string text = all.getColumn(0).getString();
  for (const char* value : {"audited.person", "Audrey", "4155550142", "94110", "litigation"})
    CHECK_MESSAGE(text.find(value) == std::string::npos, value);
  CHECK(verify_audit(d).ok);
  CHECK(verify_audit(d).checked == 5);
}

TEST_CASE("audit: verify finds an altered, a removed, a reordered entry and a cut tail") {
  test::TempVault tv;
  Desk d = tv.desk();
  populate(d);
  REQUIRE(verify_audit(d).ok);
  SUBCASE("altered") {
    d.db().exec("UPDATE audit SET command = 'show' WHERE id = 3");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 3);
    CHECK(v.problem.find("altered") != std::string::npos);
  }
  SUBCASE("removed") {
    d.db().exec("DELETE FROM audit WHERE id = 2");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 3);
  }
  SUBCASE("reordered") {
    // Swap the contents of entries 2 and 3, hashes and all.
    d.db().exec("UPDATE audit SET id = -2 WHERE id = 2; UPDATE audit SET id = 2 WHERE id = 3; UPDATE audit SET id = 3 WHERE id = -2");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 2);
  }
  SUBCASE("tail cut") {
    d.db().exec("DELETE FROM audit WHERE id = 5");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 5);
    CHECK(v.problem.find("end") != std::string::npos);
    // Nor does an anchor vouch for the cut trail.
    CHECK(test::kind_thrown([&] { audit_anchor(d); }) == ErrorKind::integrity);
  }
  SUBCASE("tail cut, then more entries written") {
    // Entry 4 is not marked as the newest: the next entry does not follow
    // it, it names the cut, and the cut still shows.
    d.db().exec("DELETE FROM audit WHERE id = 5");
    find_subject(d, "audited.person@example.com");
    find_subject(d, "audited.person@example.com");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 5);
    CHECK(v.problem.find("at the end of the trail were removed") != std::string::npos);
  }
  SUBCASE("every entry removed") {
    d.db().exec("DELETE FROM audit");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.problem.find("emptied") != std::string::npos);
    find_subject(d, "audited.person@example.com");  // and after another entry
    CHECK_FALSE(verify_audit(d).ok);
  }
  SUBCASE("an entry added after the newest, its mark left") {
    d.db().exec("INSERT INTO audit (id, at, actor, command, subjects, fields, outcome, prev_hash, hash, head) "
                "SELECT 6, at, actor, command, subjects, fields, outcome, hash, hash, 0 FROM audit WHERE id = 5");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 6);
  }
  SUBCASE("the first remaining entry removed") {
    CHECK(prune_audit(d, INT64_MAX) == 4);  // the newest stays
    find_subject(d, "audited.person@example.com");
    find_subject(d, "audited.person@example.com");
    d.db().exec("DELETE FROM audit WHERE id = 6");
    auto v = verify_audit(d);
    CHECK_FALSE(v.ok);
    CHECK(v.first_bad == 7);
  }
}

TEST_CASE("audit: a trail pruned by retention still verifies from its anchor") {
  test::TempVault tv;
  Desk d = tv.desk();
  populate(d);
  // Everything is older than the end of time, but the newest entry stays:
  // it carries the head mark, so that an emptied trail shows.
  CHECK(prune_audit(d, INT64_MAX) == 4);
  CHECK(verify_audit(d).ok);
  find_subject(d, "audited.person@example.com");
  auto v = verify_audit(d);
  CHECK(v.ok);
  CHECK(v.checked == 2);
  CHECK(audit_log(d, {}).front().id == 5);
  CHECK(d.db().execAndGet("SELECT group_concat(id) FROM audit WHERE head = 1").getInt64() == 6);
}

TEST_CASE("audit: the subjects and fields are stored as the JSON text nlohmann writes, whatever the names") {
  test::TempVault tv;
  Desk d = tv.desk();
  // Names no entry holds today (ids and field names are plain ASCII), to
  // pin the text: quotes, backslashes, control characters, non-ASCII.
  const std::vector<std::string> subjects = {"sub_plain", "with \"quotes\"", "back\\slash", "tab\there\n", "caf\xc3\xa9",
                                             "del\x7f", ""};
  {
    store::WriteTx tx(d.db());
    Audit one(d, "test one");
    for (const auto& s : subjects) one.subject(s);
    one.field("odd\"category", "f\x01");
    one.ok();
    BulkAudit bulk(d, "test bulk");
    for (const auto& s : subjects) bulk.add(s, {{"identity", "na\\me"}, {"contact", "email"}});
    bulk.flush();
    tx.commit();
  }
  SQLite::Statement rows(d.db(), "SELECT subjects, fields FROM audit WHERE command LIKE 'test %' ORDER BY id");
  REQUIRE(rows.executeStep());
  CHECK(rows.getColumn(0).getString() == nlohmann::json(subjects).dump());
  CHECK(rows.getColumn(1).getString() == nlohmann::json(std::vector<std::string>{"odd\"category.f\x01"}).dump());
  REQUIRE(rows.executeStep());
  CHECK(rows.getColumn(0).getString() == nlohmann::json(subjects).dump());
  CHECK(rows.getColumn(1).getString() ==
        nlohmann::json(std::vector<std::string>{"identity.na\\me", "contact.email"}).dump());
  auto log = audit_log(d, {});
  REQUIRE(log.size() >= 2);
  CHECK(log[log.size() - 2].subjects == subjects);
  CHECK(log.back().subjects == subjects);
  CHECK(verify_audit(d).ok);
}
