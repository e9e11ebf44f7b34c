#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "dsr/error.hpp"
#include "dsr/forensics.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

SubjectInput input(std::vector<std::pair<std::string, std::string>> set, std::string source = "") {
  SubjectInput in;
  in.set = std::move(set);
  in.source = std::move(source);
  return in;
}

std::string alice_id(Desk& d) {
  return register_subject(d, input({{"name", "Alice Doe"}, {"email", "Alice@Example.com"}, {"username", "alice"},
                                     {"phone", "+1 415 555 0100"}, {"card_number", "4111 1111 1111 1111"},
                                     {"card_expiry", "12/39"}, {"card_token", "tok_abc"}}))
      .subject.id;
}

bool contains(const unsigned char* data, size_t n, const std::string& needle) {
  return std::search(data, data + n, needle.begin(), needle.end()) != data + n;
}

}  // namespace

TEST_CASE("subjects: register stores normalised values with provenance and finds them by id, email, username") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = alice_id(d);
  CHECK(id.rfind("sub_", 0) == 0);
  CHECK(id.size() == 20);
  for (std::string ref : {id, std::string("alice@example.COM"), std::string("ALICE")}) {
    Subject s = find_subject(d, ref);
    CHECK(s.id == id);
    CHECK(s.text("phone") == "+14155550100");
    CHECK(s.text("email") == "Alice@example.com");
    CHECK(s.text("card_brand") == "visa");
    CHECK(s.text("card_last4") == "1111");
    CHECK(s.text("card_expiry") == "2039-12");
    REQUIRE(s.get("name"));
    CHECK(s.get("name")->category == "identity");
    CHECK(s.get("name")->provenance.source == "subject");
    CHECK(s.get("name")->provenance.collected_at > 0);
  }
}

TEST_CASE("subjects: the full card number is never stored and a security code is refused") {
  test::TempVault tv;
  {
    Desk d = tv.desk();
    alice_id(d);
    CHECK(test::kind_thrown([&] {
            register_subject(d, input({{"name", "Bob"}, {"email", "bob@example.com"}, {"payment.cvv", "123"}}));
          }) == ErrorKind::refused);
    // A card number in any value is invalid input, like one in free text (exit 2, the field named).
    CHECK(test::kind_thrown([&] {
            register_subject(d, input({{"name", "Bob"}, {"email", "bob@example.com"},
                                       {"supplemental.note", "card 4111 1111 1111 1111"}}));
          }) == ErrorKind::usage);
    for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
             {"name", "Bob 4111111111111111"}, {"address", "1 Main St\n4111-1111-1111-1111"},
             {"username", "4111111111111111"}, {"interest", "card 4111111111111111"}}) {
      try {
        register_subject(d, input({{"name", "Bob"}, {"email", "bob@example.com"}, {field, value}}));
        FAIL("a card number in " << field << " was stored");
      } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::usage);
        CHECK(std::string(e.what()).rfind(field + ":", 0) == 0);
        CHECK(std::string(e.what()).find("4111") == std::string::npos);
      }
    }
    CHECK(list_subjects(d, {std::nullopt, 100, 0}).size() == 1);  // the refused ones left nothing
  }
  bool found = false;
  for_each_plain_page(tv.db, tv.cred(), [&](PageSource, uint32_t, const unsigned char* p, size_t n, bool) {
    found |= contains(p, n, "4111111111111111") || contains(p, n, "4111 1111 1111 1111");
  });
  CHECK_FALSE(found);
}

TEST_CASE("subjects: restricted values are sealed under the category key inside the decrypted database") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = alice_id(d);
  SQLite::Statement q(d.db(), "SELECT card_token, card_expiry FROM subjects WHERE id = ?");
  q.bind(1, id);
  REQUIRE(q.executeStep());
  std::string token(static_cast<const char*>(q.getColumn(0).getBlob()), size_t(q.getColumn(0).getBytes()));
  CHECK(token.find("tok_abc") == std::string::npos);
  CHECK(token.size() > 40);  // nonce + tag + ciphertext
  CHECK(find_subject(d, id).text("card_token") == "tok_abc");
}

TEST_CASE("subjects: duplicates conflict and name the existing subject, a failed register changes nothing") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = alice_id(d);
  try {
    register_subject(d, input({{"name", "Other"}, {"email", "alice@EXAMPLE.com"}}));
    FAIL("duplicate email accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::conflict);
    CHECK(std::string(e.what()).find(id) != std::string::npos);
  }
  CHECK(test::kind_thrown([&] { register_subject(d, input({{"name", "Other"}, {"email", "o@example.com"}, {"username", "Alice"}})); }) ==
        ErrorKind::conflict);
  CHECK(test::kind_thrown([&] { register_subject(d, input({{"name", "Other"}, {"email", "not-an-email"}})); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { register_subject(d, input({{"name", "Other"}, {"email", "o@example.com"}, {"favourite", "x"}})); }) ==
        ErrorKind::usage);
  CHECK(list_subjects(d, {std::nullopt, 100, 0}).size() == 1);
}

TEST_CASE("subjects: correct reports exactly the changed fields and keeps a third party's source") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = alice_id(d);
  auto r = correct_subject(d, id, input({{"phone", "+1 415 555 0100"}, {"zip", "94110"}}, "Acme Address Check"));
  CHECK(r.changed == std::vector<std::string>{"zip"});
  CHECK(r.subject.get("zip")->provenance.source == "Acme Address Check");
  CHECK(r.subject.get("name")->provenance.source == "subject");
  auto r2 = correct_subject(d, id, input({{"zip", "94110"}}, "Acme Address Check"));
  CHECK(r2.changed.empty());
  SubjectInput un;
  un.unset = {"phone"};
  CHECK(correct_subject(d, id, un).changed == std::vector<std::string>{"phone"});
  CHECK(find_subject(d, id).get("phone") == nullptr);
  un.unset = {"email"};
  CHECK(test::kind_thrown([&] { correct_subject(d, id, un); }) == ErrorKind::usage);
}

TEST_CASE("subjects: find by prefix, then by any part, list filters and pages") {
  test::TempVault tv;
  Desk d = tv.desk();
  for (int i = 0; i < 30; ++i)
    register_subject(d, input({{"name", "Person " + std::to_string(i)}, {"email", "p" + std::to_string(i) + "@corp.example"}}));
  std::string id = alice_id(d);
  CHECK(search_subjects(d, "alice@ex").size() == 1);
  CHECK(search_subjects(d, "+1415555").size() == 1);
  CHECK(search_subjects(d, "Doe").size() == 1);          // any part of the name
  CHECK(search_subjects(d, "corp.example").size() == 30);  // any part of the email
  CHECK(search_subjects(d, "p1").size() == 11);            // p1, p10..p19
  deactivate_subject(d, id, "restriction request");
  CHECK(list_subjects(d, {SubjectStatus::active, 100, 0}).size() == 30);
  CHECK(list_subjects(d, {SubjectStatus::deactivated, 100, 0}).size() == 1);
  CHECK(list_subjects(d, {std::nullopt, 10, 25}).size() == 6);
  auto page1 = list_subjects(d, {SubjectStatus::active, 10, 0});
  auto page2 = list_subjects(d, {SubjectStatus::active, 10, 10});
  CHECK(page1.back().id != page2.front().id);
  reactivate_subject(d, id);
  CHECK(find_subject(d, id).status == SubjectStatus::active);
}

TEST_CASE("subjects: erasure leaves no trace of the values in any page, free pages included, or the WAL") {
  test::TempVault tv;
  std::string id;
  const std::string email = "zelda.erasable@example.org", name = "Zelda Q. Erasable", phone = "+14155550177";
  {
    Desk d = tv.desk();
    for (int i = 0; i < 300; ++i)
      register_subject(d, input({{"name", "Filler Person " + std::to_string(i)},
                                 {"email", "filler" + std::to_string(i) + "@example.net"},
                                 {"address", std::string(300, 'x')}}));
    id = register_subject(d, input({{"name", name}, {"email", email}, {"phone", phone}, {"username", "zelda_e"},
                                    {"address", "1 Hidden Lane, Springfield"}, {"survey.age_band", "unique-band-77"}}))
             .subject.id;
    correct_subject(d, id, input({{"phone", "+1 415 555 0188"}}));  // an older value must go too
  }
  auto scan = [&](bool& any) {
    any = false;
    for_each_plain_page(tv.db, tv.cred(), [&](PageSource, uint32_t, const unsigned char* p, size_t n, bool) {
      for (const std::string& m : {email, std::string("zelda.erasable"), name, phone, std::string("+14155550188"),
                                   std::string("Hidden Lane"), std::string("unique-band-77"), std::string("zelda_e")})
        any |= contains(p, n, m);
    });
  };
  bool before = false;
  scan(before);
  REQUIRE(before);  // the scan sees plaintext, so it can see the values when they are there
  {
    Desk d = tv.desk();
    EraseResult r = erase_subject(d, id, "erasure request", false);
    CHECK(r.fields.size() >= 6);
  }
  bool after = true;
  scan(after);
  CHECK_FALSE(after);
  Desk d = tv.desk();
  Subject tomb = find_subject(d, id);
  CHECK(tomb.status == SubjectStatus::erased);
  CHECK(tomb.values.empty());
  CHECK(tomb.status_reason == "erasure request");
  CHECK(test::kind_thrown([&] { find_subject(d, email); }) == ErrorKind::not_found);
  auto again = register_subject(d, input({{"name", "Zelda"}, {"email", email}}));
  REQUIRE(again.previously_erased);
  CHECK(again.previously_erased->first == id);
}

TEST_CASE("subjects: export lists every value with category, source, time, purposes, retention and rights") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = alice_id(d);
  correct_subject(d, id, input({{"supplemental.credit_rating", "A"}}, "Credit Bureau Ltd"));
  auto pkg = export_subject(d, id);
  CHECK(pkg["subject"]["id"] == id);
  CHECK(pkg["recipients"].is_array());
  bool supplemental = false;
  for (const auto& v : pkg["data"]) {
    CHECK(v.contains("category"));
    CHECK(v.contains("collected_at"));
    if (v["field"] == "supplemental.credit_rating") supplemental = v["source"] == "Credit Bureau Ltd";
  }
  CHECK(supplemental);
  CHECK(pkg["sources"] == nlohmann::json::array({"Credit Bureau Ltd"}));
  CHECK(pkg["rights"].size() >= 6);
  bool payment_retention = false;
  for (const auto& c : pkg["categories"])
    if (c["category"] == "payment") payment_retention = !c["retention"].get<std::string>().empty();
  CHECK(payment_retention);
}
