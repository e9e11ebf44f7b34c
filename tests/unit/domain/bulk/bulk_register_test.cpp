// Bulk registration (batch and import): the same rows and checks as a lone
// register, one audit entry per thousand registrations, in order.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>
#include <set>

#include "dsr/audit.hpp"
#include "dsr/batch.hpp"
#include "dsr/import.hpp"
#include "dsr/policy.hpp"
#include "dsr/subjects.hpp"
#include "store/subject_store.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

std::string reg(int i, const std::string& extra = "") {
  return R"({"op":"register","email":"u)" + std::to_string(i) + R"(@example.com","name":"User )" +
         std::to_string(i) + "\"" + extra + "}\n";
}

std::vector<AuditEntry> entries(Desk& d, const std::string& command) {
  AuditQuery q;
  q.limit = 0;
  std::vector<AuditEntry> out;
  for (auto& e : audit_log(d, q))
    if (e.command == command || command.empty()) out.push_back(e);
  return out;
}

}  // namespace

TEST_CASE("bulk registration: one audit entry per thousand, in order with the lines around it, failures left out") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text;
  for (int i = 0; i < 1500; ++i) text += reg(i);
  text += R"({"op":"correct","subject":"u3@example.com","set":{"zip":"94110"}})" "\n";
  text += reg(7);      // the email of line 8: a conflict naming that subject
  text += reg(1500);
  test::KeepResults k;
  auto in = string_input(text);
  BatchSummary s = run_batch(d, *in, {}, k);
  REQUIRE(k.results.size() == 1503);
  CHECK(s.ok == 1502);
  CHECK(s.failed == 1);
  const LineResult& dup = k.results[1501];
  REQUIRE_FALSE(dup.ok);
  CHECK(dup.error->kind() == ErrorKind::conflict);
  CHECK(std::string(dup.error->what()).find(test::result_id(k.results[7])) != std::string::npos);

  auto all = entries(d, "");
  std::vector<std::string> order;
  for (const auto& e : all)
    if (e.command == "register" || e.command == "correct") order.push_back(e.command + ":" + std::to_string(e.subjects.size()));
  CHECK(order == std::vector<std::string>{"register:1000", "register:500", "correct:1", "register:1"});
  std::multiset<std::string> audited;
  for (const auto& e : entries(d, "register")) {
    CHECK(e.outcome == "ok");
    CHECK(std::find(e.fields.begin(), e.fields.end(), "identity.name") != e.fields.end());
    CHECK(std::find(e.fields.begin(), e.fields.end(), "contact.email") != e.fields.end());
    audited.insert(e.subjects.begin(), e.subjects.end());
  }
  std::multiset<std::string> registered;
  for (const auto& r : k.results)
    if (r.ok && r.op == "register") registered.insert(test::result_id(r));
  CHECK(registered.size() == 1501);
  CHECK(audited == registered);
  CHECK(list_subjects(d, {std::nullopt, 100000, 0}).size() == 1501);
}

TEST_CASE("bulk registration: the stored subject is the one a lone register stores") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::KeepResults k;
  auto in = string_input(R"({"op":"register","email":" Ann@Example.COM ","name":"Ann  Lee","username":"ann_l",)"
                         R"("interests":["news","deals"],"source":"crm import","attrs":{"survey.age_band":"30-39"}})" "\n");
  REQUIRE(run_batch(d, *in, {}, k).ok == 1);
  Subject bulk = find_subject(d, test::result_id(k.results[0]));
  SubjectInput lone_in;
  lone_in.set = {{"email", " Bob@Example.COM "}, {"name", "Ann  Lee"}, {"username", "bob_l"},
                 {"interest", "news"}, {"interest", "deals"}, {"survey.age_band", "30-39"}};
  lone_in.source = "crm import";
  Subject lone = register_subject(d, lone_in).subject;
  REQUIRE(bulk.values.size() == lone.values.size());
  for (size_t i = 0; i < bulk.values.size(); ++i) {
    CAPTURE(bulk.values[i].field);
    CHECK(bulk.values[i].field == lone.values[i].field);
    CHECK(bulk.values[i].category == lone.values[i].category);
    CHECK(bulk.values[i].provenance.source == "crm import");
    CHECK(bulk.values[i].provenance.collected_at > 0);
    if (bulk.values[i].field != "email" && bulk.values[i].field != "username") CHECK(bulk.values[i].value == lone.values[i].value);
  }
  CHECK(bulk.text("email") == "Ann@example.com");
  CHECK(find_subject(d, "ann@example.com").id == bulk.id);  // the email key is case-folded
  CHECK(find_subject(d, "ANN_L").id == bulk.id);
}

TEST_CASE("bulk registration: a refusal is audited after the registrations before it, which still commit") {
  test::TempVault tv;
  {
    Desk admin = tv.desk();
    admin.vault().add_slot("sam", Role::support, make_key_file(tv.dir.file("sam.key")), KdfStrength::interactive);
  }
  Desk d(Vault::open(tv.db, read_key_file(tv.dir.file("sam.key"))));
  test::KeepResults k;
  auto in = string_input(reg(1) + reg(2, R"(,"account_type":"corporate")") + reg(3));
  BatchSummary s = run_batch(d, *in, {}, k);
  CHECK(s.ok == 2);
  REQUIRE(k.results.size() == 3);
  CHECK(k.results[1].error->kind() == ErrorKind::refused);
  Desk admin = tv.desk();
  std::vector<std::string> seen;
  for (const auto& e : entries(admin, "register")) seen.push_back(e.outcome + ":" + std::to_string(e.subjects.size()));
  CHECK(seen == std::vector<std::string>{"ok:1", "refused:0", "ok:1"});
}

TEST_CASE("bulk registration: an import that rolls back leaves no audit entry for its rows") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::KeepResults k;
  BatchOptions o;
  o.atomic = true;
  auto in = string_input("email,name\na@example.com,A\nbad,B\n");
  BatchSummary s = import_csv(d, *in, o, k);
  CHECK(s.rolled_back);
  CHECK(entries(d, "register").empty());
  auto in2 = string_input("email,name\na@example.com,A\nb@example.com,B\n");
  test::KeepResults k2;
  CHECK(import_csv(d, *in2, {}, k2).ok == 2);
  auto regs = entries(d, "register");
  REQUIRE(regs.size() == 1);
  CHECK(regs[0].subjects.size() == 2);
}


TEST_CASE("bulk registration: the provenance stored is the JSON text nlohmann writes, byte for byte") {
  test::TempVault tv;
  Desk d = tv.desk();
  // Written directly when the source and policy are plain text; through
  // nlohmann otherwise. Either way the same bytes as {"*": entry}.dump().
  auto check_row = [&](const std::string& id, const std::string& source, const std::string& policy) {
    auto row = store::subject_by_id(d.db(), id);
    REQUIRE(row);
    auto stored = nlohmann::json::parse(row->provenance);
    nlohmann::json e = {{"source", source}, {"collected_at", stored["*"]["collected_at"].get<int64_t>()}};
    if (!policy.empty()) e["policy"] = policy;
    CHECK(row->provenance == nlohmann::json{{"*", e}}.dump());
  };
  test::KeepResults k;
  auto in = string_input(reg(1, R"(,"source":"crm import")") + reg(2, R"(,"source":"fair \"stand\" \u00fc")"));
  REQUIRE(run_batch(d, *in, {}, k).ok == 2);
  check_row(test::result_id(k.results[0]), "crm import", "");
  check_row(test::result_id(k.results[1]), "fair \"stand\" \u00fc", "");

  PolicyVersion v;
  v.version = "2.1-beta";
  v.effective = "2020-01-01";
  add_policy(d, v);
  test::KeepResults k2;
  auto in2 = string_input("email,name,source\nc@example.com,C,web form\n");
  REQUIRE(import_csv(d, *in2, {}, k2).ok == 1);
  check_row(test::result_id(k2.results[0]), "web form", "2.1-beta");
}

TEST_CASE("bulk registration: an email erased before the run, or earlier in it, is reported as previously erased") {
  test::TempVault tv;
  Desk d = tv.desk();
  BatchOptions yes;
  yes.allow_delete = true;
  auto erase_line = [](int i) {
    return R"({"op":"delete","subject":"u)" + std::to_string(i) + R"(@example.com","reason":"erasure request"})" "\n";
  };
  auto previously = [](const LineResult& r) {
    auto j = nlohmann::json::parse(r.result);
    return j.contains("previously_erased") ? j["previously_erased"]["id"].get<std::string>() : std::string();
  };
  // No suppression when the run begins: the rows are read without the
  // email's suppression hash, and the third line needs it.
  test::KeepResults k;
  auto in = string_input(reg(1) + erase_line(1) + reg(1));
  REQUIRE(run_batch(d, *in, yes, k).ok == 3);
  CHECK(previously(k.results[0]).empty());
  CHECK(previously(k.results[2]) == test::result_id(k.results[0]));
  // A suppression when the run begins: the hash is worked out ahead.
  test::KeepResults k2;
  auto in2 = string_input(reg(2) + erase_line(2));
  REQUIRE(run_batch(d, *in2, yes, k2).ok == 2);
  test::KeepResults k3;
  auto in3 = string_input(reg(3) + reg(2));
  REQUIRE(run_batch(d, *in3, {}, k3).ok == 2);
  CHECK(previously(k3.results[0]).empty());
  CHECK(previously(k3.results[1]) == test::result_id(k2.results[0]));
}
