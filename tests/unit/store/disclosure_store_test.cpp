// store/disclosure_store: recipients, disclosures by subject and date, holds.
#include <doctest/doctest.h>

#include "store/disclosure_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

TEST_CASE("disclosure store: a recipient is kept once, disclosures come back newest first, holds by subject") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  store::SubjectRow s;
  s.id = "sub_A";
  s.cols = {{"name", "A"}, {"name_key", "a"}, {"email", "a@example.com"}, {"email_key", "a@example.com"}};
  s.rowid = store::insert_subject(v.db(), s);
  int64_t court = store::upsert_recipient(v.db(), "Court", "authority", "");
  CHECK(store::upsert_recipient(v.db(), "Court", "authority", "1 Law St") == court);
  store::DisclosureRow d;
  d.subject_rowid = s.rowid;
  d.categories = "identity,contact";
  d.purpose = "case";
  d.basis = "legal-obligation";
  d.reference = "REF-1";
  d.recorded_by = "admin";
  d.date = "2025-01-01";
  store::insert_disclosure(v.db(), d, court);
  d.date = "2026-01-01";
  store::insert_disclosure(v.db(), d, court);
  auto all = store::disclosures_for(v.db(), s.rowid, "2000-01-01");
  REQUIRE(all.size() == 2);
  CHECK(all[0].date == "2026-01-01");
  CHECK(all[0].recipient_address == "1 Law St");  // the address given later is kept
  CHECK(all[0].subject_id == "sub_A");
  CHECK(store::disclosures_for(v.db(), s.rowid, "2025-06-01").size() == 1);
  store::HoldRow h;
  h.subject_rowid = s.rowid;
  h.reason = "litigation";
  h.placed_by = "admin";
  h.id = store::insert_hold(v.db(), h);
  CHECK(store::holds_for(v.db(), s.rowid).size() == 1);
  CHECK(store::holds_for(v.db(), std::nullopt).size() == 1);
  CHECK(store::delete_holds(v.db(), s.rowid, std::string("other")) == 0);
  CHECK(store::delete_holds(v.db(), s.rowid, std::nullopt) == 1);
  CHECK(store::holds_for(v.db(), s.rowid).empty());
  tx.commit();
}
