// The subject field table (dsr/fields.hpp) drives every path a value takes:
// each field, one by one, through register, show, export, correct, unset,
// import and batch. A field added to the table without a sample here fails
// the first check.
#include <doctest/doctest.h>

#include <map>
#include <set>

#include "dsr/batch.hpp"
#include "dsr/catalog.hpp"
#include "dsr/fields.hpp"
#include "dsr/import.hpp"
#include "dsr/subjects.hpp"
#include "store/subject_store.hpp"
#include "test_support.hpp"

using namespace dsr;
using nlohmann::json;

namespace {

struct Sample {
  std::string input, corrected;
  std::map<std::string, json> shown, shown_after;  // value column -> the value shown
};

// One valid value per field, a correction, and what each shows as.
const std::map<std::string, Sample>& samples() {
  static const std::map<std::string, Sample> s = {
      {"name", {"Alice Doe", "Alice Smith", {{"name", "Alice Doe"}}, {{"name", "Alice Smith"}}}},
      {"username", {"alice", "alice2", {{"username", "alice"}}, {{"username", "alice2"}}}},
      {"email", {"alice@example.com", "alice@example.org", {{"email", "alice@example.com"}}, {{"email", "alice@example.org"}}}},
      {"phone", {"+1 415 555 0100", "+1 415 555 0199", {{"phone", "+14155550100"}}, {{"phone", "+14155550199"}}}},
      {"address", {"1 Main Street", "2 Main Street", {{"address", "1 Main Street"}}, {{"address", "2 Main Street"}}}},
      {"zip", {"94110", "10001", {{"zip", "94110"}}, {{"zip", "10001"}}}},
      {"contact_preference", {"email", "phone", {{"contact_preference", "email"}}, {{"contact_preference", "phone"}}}},
      {"interests", {"news", "sport", {{"interests", json::array({"news"})}}, {{"interests", json::array({"sport"})}}}},
      {"account_type", {"individual", "corporate", {{"account_type", "individual"}}, {{"account_type", "corporate"}}}},
      {"card_number", {"4111 1111 1111 1111", "5555 5555 5555 4444", {{"card_brand", "visa"}, {"card_last4", "1111"}},
                       {{"card_brand", "mastercard"}, {"card_last4", "4444"}}}},
      {"card_expiry", {"12/39", "11/38", {{"card_expiry", "2039-12"}}, {{"card_expiry", "2038-11"}}}},
      {"card_token", {"tok_ALICE", "tok_ALICE2", {{"card_token", "tok_ALICE"}}, {{"card_token", "tok_ALICE2"}}}},
  };
  return s;
}

std::map<std::string, json> shown(const Subject& s) {
  std::map<std::string, json> out;
  for (const auto& v : s.values) out[v.field] = v.value;
  return out;
}

// Every column of `want` is shown with its value.
void check_shows(const std::map<std::string, json>& got, const std::map<std::string, json>& want, const std::string& how) {
  for (const auto& [col, value] : want) {
    INFO(how << ": " << col);
    REQUIRE(got.count(col));
    CHECK(got.at(col) == value);
  }
}

}  // namespace

TEST_CASE("fields: the table has a sample here for every field and agrees with the store and the catalog") {
  std::set<std::string> names;
  for (const auto& f : fields::table()) {
    INFO(f.name);
    CHECK(samples().count(std::string(f.name)));
    names.insert(std::string(f.name));
    CHECK(f.flag.substr(0, 2) == "--");
    CHECK(category_info(f.category) != nullptr);
    for (auto c : f.columns) CHECK(field_category(c) == f.category);
    CHECK_FALSE(f.unset.empty());
  }
  CHECK(names.size() == samples().size());
  // The store's personal columns are exactly the value columns and the index columns beside them.
  std::set<std::string> cols;
  for (const auto& c : fields::value_columns()) cols.insert(c);
  for (const auto& f : fields::table())
    if (!f.index_column.empty()) cols.insert(std::string(f.index_column));
  const auto& personal = store::personal_columns();
  CHECK(std::set<std::string>(personal.begin(), personal.end()) == cols);
  for (const auto& c : personal) {
    INFO(c);
    CHECK(store::is_blob_column(c) == fields::sealed_column(c));
  }
  // What help, completion and import list.
  std::vector<std::string> listed;
  for (const auto& [n, _] : subject_fields()) listed.push_back(n);
  std::vector<std::string> in_order;
  for (const auto& f : fields::table()) in_order.emplace_back(f.name);
  CHECK(listed == in_order);
  in_order.push_back("source");
  CHECK(import_columns() == in_order);
}

TEST_CASE("fields: every field through register, show, export, correct and unset") {
  test::TempVault tv;
  Desk d = tv.desk();
  SubjectInput in;
  std::map<std::string, json> want;
  for (const auto& f : fields::table()) {
    const Sample& s = samples().at(std::string(f.name));
    in.set.emplace_back(f.name, s.input);
    want.insert(s.shown.begin(), s.shown.end());
  }
  RegisterResult r = register_subject(d, in);
  check_shows(shown(r.subject), want, "register");
  Subject s = find_subject(d, r.subject.id);
  check_shows(shown(s), want, "show");
  // Display order is the table's.
  std::vector<std::string> order;
  for (const auto& v : s.values) order.push_back(v.field);
  CHECK(order == fields::value_columns());
  json pkg = export_subject(d, s.id);
  std::map<std::string, json> exported;
  for (const auto& v : pkg["data"]) {
    exported[v["field"].get<std::string>()] = v["value"];
    CHECK(v["category"] == field_category(v["field"].get<std::string>()));
  }
  check_shows(exported, want, "export");

  for (const auto& f : fields::table()) {
    const Sample& sample = samples().at(std::string(f.name));
    INFO("correct " << f.name);
    SubjectInput fix;
    fix.set = {{std::string(f.name), sample.corrected}};
    ChangeResult c = correct_subject(d, s.id, fix);
    CHECK(std::find(c.changed.begin(), c.changed.end(), std::string(f.name)) != c.changed.end());
    check_shows(shown(find_subject(d, s.id)), sample.shown_after, "correct");
  }
  for (const auto& f : fields::table()) {
    INFO("unset " << f.name);
    SubjectInput drop;
    drop.unset = {std::string(f.name)};
    if (f.required) {
      CHECK(test::kind_thrown([&] { correct_subject(d, s.id, drop); }) == ErrorKind::usage);
      continue;
    }
    correct_subject(d, s.id, drop);
    auto now = shown(find_subject(d, s.id));
    for (auto col : f.columns) CHECK_FALSE(now.count(std::string(col)));
  }
}

TEST_CASE("fields: every field through import and batch") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::map<std::string, json> want;
  std::vector<std::string> header, row;
  json op = {{"op", "register"}};
  for (const auto& f : fields::table()) {
    const Sample& s = samples().at(std::string(f.name));
    header.emplace_back(f.name);
    row.push_back(s.input);
    want.insert(s.shown.begin(), s.shown.end());
    op[std::string(f.name)] = s.input;
  }
  std::string csv;
  for (size_t i = 0; i < header.size(); ++i) csv += (i ? "," : "") + header[i];
  csv += "\n";
  for (size_t i = 0; i < row.size(); ++i) csv += (i ? "," : "") + row[i];
  csv += "\n";
  test::KeepResults k;
  auto input = string_input(csv);
  REQUIRE(import_csv(d, *input, {}, k).ok == 1);
  check_shows(shown(find_subject(d, test::result_id(k.results.at(0)))), want, "import");

  // The same values by batch, for another subject (email and username are unique).
  op["email"] = "bob@example.com";
  op["username"] = "bob";
  want["email"] = "bob@example.com";
  want["username"] = "bob";
  test::KeepResults kb;
  auto lines = string_input(op.dump() + "\n");
  REQUIRE(run_batch(d, *lines, {}, kb).ok == 1);
  check_shows(shown(find_subject(d, test::result_id(kb.results.at(0)))), want, "batch");
}
