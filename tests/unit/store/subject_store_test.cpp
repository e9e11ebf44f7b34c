// store/subject_store: rows in, the same rows out; erasure NULLs every personal column.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include "store/subject_store.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

namespace {
store::SubjectRow row(const std::string& id, const std::string& email) {
  store::SubjectRow r;
  r.id = id;
  r.created_at = r.updated_at = 100;
  r.cols = {{"name", "N " + id}, {"name_key", "n " + id}, {"email", email}, {"email_key", email}};
  return r;
}
}  // namespace

TEST_CASE("subject store: a row goes in and comes back by id, email key and username key") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  store::SubjectRow r = row("sub_A", "a@example.com");
  r.cols["username"] = "ann";
  r.cols["username_key"] = "ann";
  r.cols["card_token"] = std::string("\0\1sealed", 8);  // a sealed column holds bytes
  r.rowid = store::insert_subject(v.db(), r);
  CHECK(r.rowid > 0);
  auto by_id = store::subject_by_id(v.db(), "sub_A");
  REQUIRE(by_id);
  CHECK(by_id->cols == r.cols);
  CHECK(by_id->status == SubjectStatus::active);
  CHECK(store::subject_by_email_key(v.db(), "a@example.com")->id == "sub_A");
  CHECK(store::subject_by_username_key(v.db(), "ann")->id == "sub_A");
  CHECK_FALSE(store::subject_by_id(v.db(), "sub_B"));
  tx.commit();
}

TEST_CASE("subject store: update, status, attributes and erasure") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  store::SubjectRow r = row("sub_A", "a@example.com");
  r.rowid = store::insert_subject(v.db(), r);
  r.cols["zip"] = "94110";
  r.cols.erase("name");
  r.updated_at = 200;
  store::update_subject(v.db(), r);
  auto back = store::subject_by_id(v.db(), "sub_A");
  CHECK(back->cols.count("zip"));
  CHECK_FALSE(back->cols.count("name"));
  CHECK(back->updated_at == 200);
  store::set_status(v.db(), r.rowid, SubjectStatus::deactivated, 300, std::string("asked"), 300);
  back = store::subject_by_id(v.db(), "sub_A");
  CHECK(back->status == SubjectStatus::deactivated);
  CHECK(back->status_reason == "asked");
  CHECK(store::count_by_status(v.db())[SubjectStatus::deactivated] == 1);
  store::AttributeRow a;
  a.category = "survey";
  a.key = "age_band";
  a.value = "30-39";
  a.source = "subject";
  store::put_attribute(v.db(), r.rowid, a);
  REQUIRE(store::attributes_of(v.db(), r.rowid).size() == 1);
  CHECK(store::attributes_of(v.db(), r.rowid)[0].value == "30-39");
  store::erase_subject_row(v.db(), r.rowid, 400, "erasure request");
  back = store::subject_by_id(v.db(), "sub_A");
  CHECK(back->status == SubjectStatus::erased);
  CHECK(back->cols.empty());
  CHECK(store::attributes_of(v.db(), r.rowid).empty());
  tx.commit();
}

TEST_CASE("subject store: suppressions are found by hash") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  CHECK_FALSE(store::any_suppression(v.db()));
  std::string hash(32, '\x07');
  store::add_suppression(v.db(), hash, "sub_A", 500);
  CHECK(store::any_suppression(v.db()));
  auto s = store::find_suppression(v.db(), hash);
  REQUIRE(s);
  CHECK(s->first == "sub_A");
  CHECK(s->second == 500);
  CHECK_FALSE(store::find_suppression(v.db(), std::string(32, '\x08')));
  tx.commit();
}

TEST_CASE("subject store: SubjectInserter stores each packed row as insert_subject does, nothing of the row before") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  store::SubjectInserter ins(v.db());
  // A first row with every kind of column (packed, as bulk registration does), a second with only the required
  // ones: the second must not keep any value bound for the first.
  store::SubjectRow full = row("sub_F", "f@example.com");
  full.cols["username"] = "fay";
  full.cols["username_key"] = "fay";
  full.cols["zip"] = "94110";
  full.cols["card_token"] = std::string("\0\1sealed", 8);
  full.cols["not_a_column"] = "dropped";  // as insert_subject: only personal columns are stored
  full.status = SubjectStatus::deactivated;
  full.provenance = R"({"*":{"collected_at":1,"source":"x"}})";
  full.rowid = ins.insert(full, store::pack_subject(full));
  store::SubjectRow lean = row("sub_L", "l@example.com");
  lean.created_at = 300;
  lean.rowid = ins.insert(lean, store::pack_subject(lean));
  CHECK(lean.rowid == full.rowid + 1);

  auto f = store::subject_by_id(v.db(), "sub_F");
  REQUIRE(f);
  full.cols.erase("not_a_column");
  CHECK(f->cols == full.cols);
  CHECK(f->status == SubjectStatus::deactivated);
  CHECK(f->provenance == full.provenance);
  auto l = store::subject_by_id(v.db(), "sub_L");
  REQUIRE(l);
  CHECK(l->cols == lean.cols);  // no username, zip or card_token carried over
  CHECK(l->status == SubjectStatus::active);
  CHECK(l->created_at == 300);
  CHECK(l->provenance == "{}");

  // A failed INSERT (a taken email) leaves the inserter usable.
  store::SubjectRow dup = row("sub_D", "f@example.com");
  bool unique_violation = false;
  try {
    ins.insert(dup, store::pack_subject(dup));
  } catch (const std::exception& e) {
    unique_violation = store::is_unique_violation(e);  // what bulk registration names the holder by
  }
  CHECK(unique_violation);
  store::SubjectRow next = row("sub_N", "n@example.com");
  CHECK(ins.insert(next, store::pack_subject(next)) > 0);
  CHECK(store::subject_by_id(v.db(), "sub_N")->cols == next.cols);
  tx.commit();
}

TEST_CASE("subject store: pack_subject lays out the id, the provenance and each personal column's value") {
  store::SubjectRow r = row("sub_P", "p@example.com");
  r.provenance = "{\"*\":{}}";
  r.cols["card_token"] = std::string("\0\1x", 3);  // bytes, NUL included
  store::PackedRow p = store::pack_subject(r);
  CHECK(p.bytes.substr(0, p.id_len) == "sub_P");
  CHECK(p.bytes.substr(p.id_len, p.provenance_len) == r.provenance);
  const auto& cols = store::personal_columns();
  int present = 0;
  for (size_t i = 0; i < cols.size(); ++i) {
    CAPTURE(cols[i]);
    auto it = r.cols.find(cols[i]);
    CHECK(((p.present >> i) & 1u) == (it != r.cols.end() ? 1u : 0u));
    if (it == r.cols.end()) {
      CHECK(p.length[i] == store::PackedRow::kNull);
    } else {
      CHECK(p.bytes.substr(p.offset[i], p.length[i]) == it->second);
      ++present;
    }
  }
  CHECK(present == 5);
}
