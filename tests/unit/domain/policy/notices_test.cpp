// Notices: who to tell of a service announcement, a policy change or a
// business transition, and the record of processing built from live data.
#include <doctest/doctest.h>

#include <map>

#include "dsr/disclosures.hpp"
#include "dsr/catalog.hpp"
#include "dsr/notices.hpp"
#include "dsr/policy.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {


}  // namespace

TEST_CASE("notices: contacts are the active subjects by preferred method, deactivated and erased never appear") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}, {"phone", "+1 415 555 0100"},
                          {"contact_preference", "phone"}});
  std::string b = test::register_with(d, {{"name", "Bob"}, {"email", "bob@example.com"}, {"phone", "+1 415 555 0101"}});
  std::string c = test::register_with(d, {{"name", "Carol"}, {"email", "carol@example.com"}});
  std::string e = test::register_with(d, {{"name", "Erin"}, {"email", "erin@example.com"}});
  deactivate_subject(d, c, "");
  erase_subject(d, e, "", false);
  for (const char* purpose : {"service-announcement", "policy-change", "business-transition"}) {
    auto list = contacts(d, purpose);
    CHECK(test::contact_ids(list) == std::vector<std::string>{a, b});
    // Service announcements follow the preference; the policy promises
    // changes to itself and business transitions by email.
    CHECK(list[0].method == (std::string(purpose) == "service-announcement" ? "phone" : "email"));
    CHECK(list[1].method == "email");  // has a phone, prefers nothing: email
    CHECK(list[1].address == "bob@example.com");
  }
  CHECK(test::kind_thrown([&] { contacts(d, "marketing"); }) == ErrorKind::usage);
  reactivate_subject(d, c);
  CHECK(contacts(d, "service-announcement").size() == 3);
  nlohmann::json j = contact_json(contacts(d, "policy-change")[0]);
  CHECK(j["new_uses"].is_null());
  CHECK(j["subject"] == a);
}

TEST_CASE("notices: the inventory counts what is held, lists recipients from the log and the measures in force") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string a = test::register_with(d, {{"name", "Alice"}, {"email", "alice@example.com"}, {"phone", "+1 415 555 0100"},
                          {"survey.age_band", "30-39"}});
  std::string b = test::register_with(d, {{"name", "Bob"}, {"email", "bob@example.com"}, {"username", "bob"}});
  std::string e = test::register_with(d, {{"name", "Erin"}, {"email", "erin@example.com"}, {"survey.age_band", "40-49"}});
  erase_subject(d, e, "", false);
  record_choice(d, b, "decline");
  DisclosureRequest dr;
  dr.subjects = {a, b};
  dr.recipient = "Mailer Inc";
  dr.recipient_type = "processor";
  dr.categories = {"identity", "contact"};
  dr.purpose = "email-delivery";
  dr.basis = "contract";
  disclose(d, dr);
  nlohmann::json inv = inventory(d);
  std::map<std::string, nlohmann::json> cats;
  for (const auto& c : inv["categories"]) cats[c["category"]] = c;
  CHECK(cats["identity"]["subjects"] == 2);
  CHECK(cats["identity"]["values"] == 3);  // two names, one username
  CHECK(cats["contact"]["values"] == 3);   // two emails, one phone
  CHECK(cats["survey"]["subjects"] == 1);  // the erased subject's answer is gone
  CHECK(cats["preferences"]["subjects"] == 1);  // Bob's choice
  CHECK(cats["payment"]["subjects"] == 0);
  CHECK(inv["data_subjects"]["erased"] == 1);
  REQUIRE(inv["recipients"].size() == 1);
  CHECK(inv["recipients"][0]["recipient"] == "Mailer Inc");
  CHECK(inv["recipients"][0]["subjects"] == 2);
  CHECK(inv["recipients"][0]["categories"] == nlohmann::json::array({"contact", "identity"}));
  CHECK(inv["recipients"][0]["purposes"] == nlohmann::json::array({"email-delivery"}));
  CHECK(inv["security"]["secure_delete"] == true);
  CHECK(inv["security"]["slot_count"] == 1);
  CHECK(inv["security"]["slots_by_role"]["admin"] == 1);
  CHECK(inv["security"]["journal_mode"] == "wal");
  CHECK(inv["security"]["category_sealing"]["categories"] == nlohmann::json::array({"billing", "payment"}));
  CHECK(inv["retention"]["categories"].size() == categories().size());
  bool request_rule = false;
  for (const auto& r : inv["retention"]["rules"]) request_rule |= r["rule"] == "request_records" && r["duration"] == "24m";
  CHECK(request_rule);  // read from the vault's retention rules
  CHECK(inv.dump().find("alice@example.com") == std::string::npos);  // a record of processing, not of people
}
