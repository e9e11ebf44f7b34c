// store/request_store: requests and their events, listed by filter.
#include <doctest/doctest.h>

#include "store/request_store.hpp"
#include "store/tx.hpp"
#include "store_fixture.hpp"

using namespace dsr;

namespace {
store::RequestRow request(const std::string& subject, const std::string& received, const std::string& status) {
  store::RequestRow r;
  r.subject_id = subject;
  r.type = RequestType::access;
  r.law = "gdpr";
  r.received = received;
  r.status = *dsr::parse<RequestStatus>(status);
  r.due = "2026-03-01";
  r.opened_at = 1;
  r.opened_by = "admin";
  return r;
}
}  // namespace

TEST_CASE("request store: a request goes in, is updated, and is listed by status, subject and date") {
  test::StoreVault v;
  store::WriteTx tx(v.db());
  int64_t a = store::insert_request(v.db(), request("sub_A", "2026-01-10", "received"));
  int64_t b = store::insert_request(v.db(), request("sub_B", "2026-02-10", "received"));
  auto row = store::request_by_id(v.db(), a);
  REQUIRE(row);
  CHECK(row->subject_id == "sub_A");
  CHECK_FALSE(row->closed_on);
  row->status = RequestStatus::fulfilled;
  row->closed_on = "2026-01-20";
  row->outcome = RequestStatus::fulfilled;
  store::update_request(v.db(), *row);
  CHECK(store::request_by_id(v.db(), a)->closed_on == std::optional<std::string>("2026-01-20"));
  store::RequestFilter open;
  open.statuses = {RequestStatus::received};
  auto listed = store::list_requests(v.db(), open);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == b);
  store::RequestFilter by_subject;
  by_subject.subject_id = "sub_A";
  CHECK(store::list_requests(v.db(), by_subject).size() == 1);
  store::RequestFilter in_feb;
  in_feb.received_from = "2026-02-01";
  CHECK(store::list_requests(v.db(), in_feb).size() == 1);
  store::RequestEventRow e;
  e.request_id = a;
  e.at = 5;
  e.actor = "admin";
  e.event = "opened";
  store::insert_request_event(v.db(), e);
  auto events = store::request_events(v.db(), a);
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "opened");
  CHECK(store::request_events(v.db(), b).empty());
  tx.commit();
}
