#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <algorithm>
#include <functional>
#include <map>

#include "dsr/calendar.hpp"
#include "dsr/catalog.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/notices.hpp"
#include "dsr/policy.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

PolicyVersion version(const std::string& v, const std::string& effective, bool material = false,
                      std::vector<std::string> purposes = {}) {
  PolicyVersion p;
  p.version = v;
  p.effective = effective;
  p.material = material;
  p.purposes = std::move(purposes);
  return p;
}


}  // namespace

TEST_CASE("policy: versions follow each other, names, dates and duplicates are checked") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  CHECK(policy_in_force(d).empty());
  add_policy(d, version("1.0", "2025-01-01"));
  CHECK(test::kind_thrown([&] { add_policy(d, version("1.0", "2026-01-01")); }) == ErrorKind::conflict);
  CHECK(test::kind_thrown([&] { add_policy(d, version("1.1", "2025-01-01")); }) == ErrorKind::conflict);  // same day
  CHECK(test::kind_thrown([&] { add_policy(d, version("0.9", "2024-06-01")); }) == ErrorKind::usage);     // before 1.0
  CHECK(test::kind_thrown([&] { add_policy(d, version("two words", "2026-01-01")); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { add_policy(d, version("2.0", "2026-02-30")); }) == ErrorKind::usage);
  add_policy(d, version("2.0", "2026-06-01", true, {"billing", "marketing by the acquirer"}));
  auto all = list_policies(d);
  REQUIRE(all.size() == 2);
  CHECK(all[0].version == "1.0");
  CHECK(all[1].material);
  CHECK(all[1].purposes.size() == 2);
  CHECK(policy_in_force(d) == "1.0");  // 2.0 is not yet in force
  CHECK(policy_in_force(d, cal::parse_date("t", "2026-06-01")) == "2.0");
  CHECK(policy_in_force(d, cal::parse_date("t", "2024-12-31")).empty());
  CHECK(test::kind_thrown([&] { find_policy(d, "3.0"); }) == ErrorKind::not_found);
  nlohmann::json j = policy_json(all[0]);
  CHECK(j["purposes_from"] == "catalog");
  CHECK(std::find(j["purposes"].begin(), j["purposes"].end(), "billing") != j["purposes"].end());
}

TEST_CASE("policy: every stored value records the version in force when it was collected, and the export shows it") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-01-15");
  std::string before = test::register_with(d, {{"name", "Early"}, {"email", "early@example.com"}});
  add_policy(d, version("1.0", "2026-01-01"));
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}, {"survey.age_band", "30-39"}});
  clock.set("2026-07-01");
  add_policy(d, version("2.0", "2026-06-01"));
  SubjectInput zip;
  zip.set = {{"zip", "94110"}};
  correct_subject(d, a, zip);
  Subject s = find_subject(d, a);
  CHECK(s.get("name")->provenance.policy_version == "1.0");
  CHECK(s.get("survey.age_band")->provenance.policy_version == "1.0");
  CHECK(s.get("zip")->provenance.policy_version == "2.0");
  CHECK(find_subject(d, before).get("name")->provenance.policy_version.empty());
  nlohmann::json pkg = export_subject(d, a);
  // Each field must be in the package: a loop over what is there would pass if it were dropped.
  std::map<std::string, nlohmann::json> versions;
  for (const auto& v : pkg["data"]) versions[v["field"].get<std::string>()] = v["policy_version"];
  REQUIRE(versions.count("zip"));
  REQUIRE(versions.count("email"));
  CHECK(versions["zip"] == "2.0");
  CHECK(versions["email"] == "1.0");
  CHECK(d.db().execAndGet("SELECT policy_version FROM attributes").getString() == "1.0");
}

TEST_CASE("policy: affected lists active subjects with data under an earlier version, flags those who declined") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-01-15");
  add_policy(d, version("1.0", "2026-01-01"));
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}, {"phone", "+1 415 555 0100"},
                          {"contact_preference", "phone"}});
  std::string b = test::register_with(d, {{"name", "Bob"}, {"email", "bob@example.com"}, {"contact_preference", "phone"}});
  std::string c = test::register_with(d, {{"name", "Carol"}, {"email", "carol@example.com"}});
  std::string e = test::register_with(d, {{"name", "Erin"}, {"email", "erin@example.com"}});
  deactivate_subject(d, c, "restriction request");
  erase_subject(d, e, "erasure request", false);
  record_choice(d, b, "decline");
  clock.set("2026-07-01");
  add_policy(d, version("2.0", "2026-06-01", true));
  std::string n = test::register_with(d, {{"name", "Nina"}, {"email", "nina@example.com"}});  // all under 2.0
  AffectedReport rep = policy_affected(d, "2.0");
  CHECK(test::contact_ids(rep.subjects) == std::vector<std::string>{a, b});  // not deactivated, erased, or new
  CHECK(rep.declined == 1);
  CHECK(rep.subjects[0].method == "email");  // a change of use is told by email, though Alice prefers phone
  CHECK(rep.subjects[0].address == "alice@example.com");
  CHECK(rep.subjects[1].method == "email");
  CHECK(rep.subjects[1].address == "bob@example.com");
  CHECK(rep.subjects[1].new_uses == "decline");
  CHECK(rep.subjects[0].policy_versions == std::vector<std::string>{"1.0"});
  CHECK(policy_affected(d, "1.0").subjects.empty());  // nothing predates 1.0
  CHECK(test::kind_thrown([&] { policy_affected(d, "9.9"); }) == ErrorKind::not_found);
  // A value corrected under 2.0 does not make the older ones current.
  SubjectInput name;
  name.set = {{"name", "Alice D."}};
  correct_subject(d, a, name);
  CHECK(test::contact_ids(policy_affected(d, "2.0").subjects) == std::vector<std::string>{a, b});
  (void)n;
}

TEST_CASE("policy: a choice is recorded, shown in the export, replaced, and erased with the subject") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  add_policy(d, version("1.0", "2026-01-01"));
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}});
  CHECK_FALSE(export_subject(d, a)["subject"].contains("choices"));
  CHECK(test::kind_thrown([&] { record_choice(d, a, "maybe"); }) == ErrorKind::usage);
  Choice c = record_choice(d, "alice@example.com", "decline");
  CHECK(c.subject_id == a);
  CHECK(c.policy_version == "1.0");
  nlohmann::json pkg = export_subject(d, a);
  CHECK(pkg["subject"]["choices"]["new_uses"] == "decline");
  CHECK(pkg["subject"]["choices"]["policy_version"] == "1.0");
  record_choice(d, a, "accept");
  CHECK(choice_of(d, a)->new_uses == "accept");
  CHECK(d.db().execAndGet("SELECT count(*) FROM choices").getInt() == 1);
  erase_subject(d, a, "erasure request", false);
  CHECK(d.db().execAndGet("SELECT count(*) FROM choices").getInt() == 0);  // personal data goes with the subject
  CHECK_FALSE(choice_of(d, a).has_value());
  CHECK(test::kind_thrown([&] { record_choice(d, a, "decline"); }) == ErrorKind::not_found);
}

TEST_CASE("policy: a subject who declined objects to a purpose their data's policy version did not state") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  add_policy(d, version("1.0", "2026-01-01"));  // the built-in purposes
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}});
  std::string b = test::register_with(d, {{"name", "Bob"}, {"email", "bob@example.com"}});
  record_choice(d, a, "decline");
  record_choice(d, b, "accept");
  auto objection = new_use_objection(d, a, "Marketing by the acquirer");
  REQUIRE(objection.has_value());
  CHECK(objection->find("declined") != std::string::npos);
  CHECK(objection->find("1.0") != std::string::npos);
  CHECK_FALSE(new_use_objection(d, a, "BILLING").has_value());                // a stated purpose, any case
  CHECK_FALSE(new_use_objection(d, a, "billing: May invoices").has_value());  // names the processor purpose
  CHECK_FALSE(new_use_objection(d, a, "service  announcements").has_value());
  CHECK_FALSE(new_use_objection(d, b, "Marketing by the acquirer").has_value());  // accepted
  CHECK_FALSE(new_use_objection(d, "sub_NOSUCHSUBJECT000", "x").has_value());
  // Data collected under a version that states the purpose is not a new use for it...
  clock.set("2026-07-01");
  add_policy(d, version("2.0", "2026-06-01", true, {"marketing by the acquirer"}));
  std::string n = test::register_with(d, {{"name", "Nina"}, {"email", "nina@example.com"}});
  record_choice(d, n, "decline");
  CHECK_FALSE(new_use_objection(d, n, "marketing by the acquirer").has_value());
  CHECK(new_use_objection(d, n, "billing").has_value());  // 2.0 states only its own purposes
  // ... but Alice's data predates it.
  CHECK(new_use_objection(d, a, "marketing by the acquirer").has_value());
}

