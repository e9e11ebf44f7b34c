// Subject ids and the provenance a registration stores.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <map>

#include "dsr/batch.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

std::string reg(int i) {
  return R"({"op":"register","email":"u)" + std::to_string(i) + R"(@example.com","name":"User )" +
         std::to_string(i) + "\"}\n";
}

}  // namespace

TEST_CASE("subjects: ids are sub_ and 16 base32 characters, increasing within a process") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text;
  for (int i = 0; i < 300; ++i) text += reg(i);
  test::KeepResults k;
  auto in = string_input(text);
  REQUIRE(run_batch(d, *in, {}, k).ok == 300);
  // Crockford base32: digits and capitals but I, L, O and U.
  auto shaped = [](const std::string& id) {
    if (id.size() != 20 || id.rfind("sub_", 0) != 0) return false;
    return std::all_of(id.begin() + 4, id.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
    });
  };
  std::string last;
  for (const auto& r : k.results) {
    std::string id = test::result_id(r);
    CHECK(shaped(id));
    CHECK(id > last);
    last = id;
  }
}

TEST_CASE("subjects: a registration keeps one shared provenance entry until a correction") {
  test::TempVault tv;
  Desk d = tv.desk();
  SubjectInput in;
  in.set = {{"email", "c@example.com"}, {"name", "Cy"}, {"zip", "94110"}};
  in.source = "web form";
  std::string id = register_subject(d, in).subject.id;
  auto raw = [&] {
    SQLite::Statement st(d.db(), "SELECT provenance FROM subjects WHERE id = ?");
    st.bind(1, id);
    REQUIRE(st.executeStep());
    return nlohmann::json::parse(st.getColumn(0).getString());
  };
  nlohmann::json p = raw();
  CHECK(p.size() == 1);
  CHECK(p.at("*").at("source") == "web form");
  SubjectInput fix;
  fix.set = {{"zip", "10001"}};
  fix.source = "staff";
  correct_subject(d, id, fix);
  p = raw();
  CHECK_FALSE(p.contains("*"));
  CHECK(p.at("zip").at("source") == "staff");
  CHECK(p.at("name").at("source") == "web form");
  Subject s = find_subject(d, id);
  std::map<std::string, std::string> sources;
  for (const auto& v : s.values) sources[v.field] = v.provenance.source;
  CHECK(sources == std::map<std::string, std::string>{{"email", "web form"}, {"name", "web form"}, {"zip", "staff"}});
}
