#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <functional>

#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

// A listing by --status text (set_status_filter), as the command line asks for it.
RequestQuery status_query(const char* status, bool overdue, std::optional<int> due_within) {
  RequestQuery q;
  set_status_filter(q, status);
  q.overdue = overdue;
  q.due_within = due_within;
  return q;
}

std::string subject(Desk& d, const std::string& email = "alice@example.com") {
  SubjectInput in;
  in.set = {{"name", "Alice Doe"}, {"email", email}};
  return register_subject(d, in).subject.id;
}

Request open(Desk& d, const std::string& who, const std::string& type, const std::string& law, const std::string& received,
             bool verified = true) {
  RequestInput in;
  in.subject = who;
  in.type = type;
  in.law = law;
  in.received = received;
  in.verified = verified;
  return open_request(d, in);
}

}  // namespace

TEST_CASE("requests: GDPR due dates follow Regulation 1182/71 on month ends, leap years and weekends") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-12-31");
  std::string a = subject(d);
  struct Case { const char* received; const char* due; };
  for (Case c : {Case{"2026-03-15", "2026-04-15"},   // same date a month later
                 Case{"2025-01-31", "2025-02-28"},   // no 31 February: the month's last day (a Friday)
                 Case{"2024-01-31", "2024-02-29"},   // leap year
                 Case{"2026-01-31", "2026-03-02"},   // 28 February 2026 is a Saturday: the next Monday
                 Case{"2026-04-30", "2026-06-01"},   // 30 May 2026 is a Saturday
                 Case{"2026-08-31", "2026-09-30"}}) {
    Request r = open(d, a, "access", "gdpr", c.received);
    CHECK_MESSAGE(r.due == c.due, c.received);
    CHECK(r.first_due == c.due);
    CHECK(r.ack_due.empty());  // the GDPR sets no acknowledgement deadline
  }
}

TEST_CASE("requests: CCPA answers in 45 days, acknowledgement in 10 business days, opt-out in 15 business days") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-12-31");
  std::string a = subject(d);
  Request r = open(d, a, "access", "ccpa", "2026-01-23", false);  // a Friday
  CHECK(r.due == "2026-03-09");
  CHECK(r.ack_due == "2026-02-06");  // two weekends skipped
  CHECK(r.status == RequestStatus::received);
  CHECK(open(d, a, "erasure", "ccpa", "2024-02-01").due == "2024-03-17");  // 29 February counts
  CHECK(open(d, a, "erasure", "ccpa", "2025-02-01").due == "2025-03-18");
  Request o = open(d, a, "opt-out", "ccpa", "2026-01-23", false);
  CHECK(o.due == "2026-02-13");
  CHECK(o.ack_due.empty());
  CHECK(o.status == RequestStatus::verified);  // an opt-out needs no verification
}

TEST_CASE("requests: type, law, channel and received date are checked") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  std::string a = subject(d);
  CHECK(test::kind_thrown([&] { open(d, a, "opt-out", "gdpr", ""); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { open(d, a, "restriction", "ccpa", ""); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { open(d, a, "access", "hipaa", ""); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { open(d, a, "access", "gdpr", "2026-03-02"); }) == ErrorKind::usage);  // tomorrow
  CHECK(test::kind_thrown([&] { open(d, a, "access", "gdpr", "2026-02-30"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { open(d, "nobody", "access", "gdpr", ""); }) == ErrorKind::not_found);
  RequestInput in;
  in.subject = a;
  in.type = "access";
  in.law = "gdpr";
  in.channel = "fax";
  CHECK(test::kind_thrown([&] { open_request(d, in); }) == ErrorKind::usage);
  CHECK(list_requests(d, status_query("all", false, std::nullopt)).empty());  // nothing was stored
  Request r = open(d, a, "access", "gdpr", "");
  CHECK(r.received == "2026-03-01");  // default: today
  CHECK(r.id == "req_1");
  CHECK(find_request(d, "1").id == "req_1");
  CHECK(test::kind_thrown([&] { find_request(d, "req_2"); }) == ErrorKind::not_found);
  CHECK(test::kind_thrown([&] { find_request(d, "req_x"); }) == ErrorKind::not_found);
}

TEST_CASE("requests: an extension is allowed once, with a reason, on or before the first due date") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-02-01");
  std::string a = subject(d);
  Request g = open(d, a, "access", "gdpr", "2026-01-31");
  Request c = open(d, a, "access", "ccpa", "2026-01-23");
  Request late = open(d, a, "erasure", "gdpr", "2026-01-05");  // due 2026-02-05
  Request o = open(d, a, "opt-out", "ccpa", "2026-01-30");
  CHECK(test::kind_thrown([&] { extend_request(d, g.id, ""); }) == ErrorKind::usage);
  Request ge = extend_request(d, g.id, "records in three systems");
  CHECK(ge.first_due == "2026-03-02");
  CHECK(ge.due == "2026-04-30");  // three months from receipt, clamped once
  CHECK(ge.extended());
  CHECK(ge.extension_reason == "records in three systems");
  CHECK(test::kind_thrown([&] { extend_request(d, g.id, "again"); }) == ErrorKind::refused);
  CHECK(extend_request(d, c.id, "volume").due == "2026-04-23");  // received + 90 days
  CHECK(test::kind_thrown([&] { extend_request(d, o.id, "volume"); }) == ErrorKind::refused);
  clock.set("2026-02-05");  // the due date itself: still in time
  CHECK(extend_request(d, late.id, "complex").due == "2026-04-06");  // 5 April 2026 is a Sunday
  Request late2 = open(d, a, "erasure", "gdpr", "2026-01-02");  // due 2026-02-02: passed
  CHECK(test::kind_thrown([&] { extend_request(d, late2.id, "too late"); }) == ErrorKind::refused);
  close_request(d, late2.id, RequestStatus::fulfilled, "");
  CHECK(test::kind_thrown([&] { extend_request(d, late2.id, "closed"); }) == ErrorKind::conflict);
  auto h = find_request(d, g.id).history;
  REQUIRE(h.size() == 2);
  CHECK(h[1].event == "extended");
  CHECK(h[1].detail["to"] == "2026-04-30");
  CHECK(h[1].actor == "admin");
}

TEST_CASE("requests: statuses move received -> verified -> in_progress -> closed, and nothing else") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  std::string a = subject(d);
  Request r = open(d, a, "access", "gdpr", "", false);
  CHECK(test::kind_thrown([&] { start_request(d, r.id); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { close_request(d, r.id, RequestStatus::fulfilled, ""); }) == ErrorKind::refused);
  CHECK(verify_request(d, r.id).status == RequestStatus::verified);
  CHECK(test::kind_thrown([&] { verify_request(d, r.id); }) == ErrorKind::conflict);
  CHECK(start_request(d, r.id).status == RequestStatus::in_progress);
  CHECK(test::kind_thrown([&] { start_request(d, r.id); }) == ErrorKind::conflict);
  CHECK(acknowledge_request(d, r.id).acknowledged_on == "2026-03-01");
  CHECK(test::kind_thrown([&] { acknowledge_request(d, r.id); }) == ErrorKind::conflict);
  CHECK(test::kind_thrown([&] { close_request(d, r.id, RequestStatus::denied, ""); }) ==
        ErrorKind::usage);  // a denial needs a reason
  CHECK(test::kind_thrown([&] { close_request(d, r.id, RequestStatus::verified, ""); }) == ErrorKind::usage);
  Request closed = close_request(d, r.id, RequestStatus::denied, "manifestly unfounded", "other");
  CHECK(closed.status == RequestStatus::denied);
  CHECK(closed.close_reason == "manifestly unfounded");
  CHECK(closed.days_to_respond == 0);
  CHECK_FALSE(closed.days_left.has_value());
  CHECK(test::kind_thrown([&] { close_request(d, r.id, RequestStatus::fulfilled, ""); }) == ErrorKind::conflict);
  CHECK(test::kind_thrown([&] { verify_request(d, r.id); }) == ErrorKind::conflict);
  std::vector<std::string> events;
  for (const auto& e : find_request(d, r.id).history) events.push_back(e.event);
  CHECK(events == std::vector<std::string>{"opened", "verified", "started", "acknowledged", "closed"});
  Request w = open(d, a, "erasure", "gdpr", "", false);
  CHECK(close_request(d, w.id, RequestStatus::cancelled, "withdrawn").status ==
        RequestStatus::cancelled);  // from received
}

TEST_CASE("requests: list shows days left, --overdue and --due-within follow the clock") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-02");
  std::string a = subject(d);
  Request r1 = open(d, a, "access", "gdpr", "2026-02-02");   // due 2026-03-02
  Request r2 = open(d, a, "erasure", "gdpr", "2026-02-16");  // due 2026-03-16
  Request r3 = open(d, a, "access", "ccpa", "2026-03-02", false);  // due 2026-04-16, ack 2026-03-16
  Request r4 = open(d, a, "access", "gdpr", "2026-01-05");   // due 2026-02-05: overdue
  close_request(d, r4.id, RequestStatus::fulfilled, "");     // ... but answered (late)
  auto ids = [](const std::vector<Request>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r.id);
    return out;
  };
  auto all = list_requests(d, {});
  CHECK(ids(all) == std::vector<std::string>{r1.id, r2.id, r3.id});  // open ones, soonest due first
  CHECK(all[0].days_left == 0);
  CHECK(all[1].days_left == 14);
  CHECK(list_requests(d, status_query("open", true, std::nullopt)).empty());
  CHECK(ids(list_requests(d, status_query("open", false, 14))) == std::vector<std::string>{r1.id, r2.id});
  clock.set("2026-03-03");
  auto overdue = list_requests(d, status_query("open", true, std::nullopt));
  CHECK(ids(overdue) == std::vector<std::string>{r1.id});
  CHECK(overdue[0].days_left == -1);
  CHECK(overdue[0].overdue);
  CHECK(ids(list_requests(d, status_query("open", false, 0))) == std::vector<std::string>{r1.id});  // overdue counts as due
  clock.set("2026-03-17");  // r3's acknowledgement is now late too
  auto late = list_requests(d, status_query("open", true, std::nullopt));
  CHECK(ids(late) == std::vector<std::string>{r1.id, r2.id, r3.id});
  CHECK(late[2].ack_overdue);
  CHECK_FALSE(late[2].overdue);
  CHECK(ids(list_requests(d, status_query("fulfilled", false, std::nullopt))) == std::vector<std::string>{r4.id});
  CHECK(list_requests(d, status_query("closed", false, std::nullopt))[0].late);
  CHECK(list_requests(d, status_query("all", false, std::nullopt)).size() == 4);
  CHECK(test::kind_thrown([&] { list_requests(d, status_query("pending", false, std::nullopt)); }) == ErrorKind::usage);
}

TEST_CASE("requests: the report counts by type and outcome, with median, mean and late on a known set") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2025-01-10");
  std::string a = subject(d);
  auto at = [&](const char* day, const std::function<void()>& f) {
    clock.set(day);
    f();
  };
  std::string r1, r2, r3, r4;
  at("2025-01-10", [&] { r1 = open(d, a, "access", "gdpr", "2025-01-10").id; });
  at("2025-01-20", [&] { close_request(d, r1, RequestStatus::fulfilled, ""); });  // 10 days, due 2025-02-10
  at("2025-02-03", [&] { r2 = open(d, a, "erasure", "gdpr", "2025-02-03").id; });
  at("2025-03-10", [&] { close_request(d, r2, RequestStatus::fulfilled, ""); });  // 35 days, due 2025-03-03: late
  at("2025-03-01", [&] { r3 = open(d, a, "access", "ccpa", "2025-03-01", false).id; });  // never verified
  at("2025-03-21",
     [&] { close_request(d, r3, RequestStatus::denied, "not verifiable", "insuf_verification"); });  // 20 days
  at("2025-04-01", [&] { r4 = open(d, a, "erasure", "ccpa", "2025-04-01").id; });
  at("2025-04-02", [&] { close_request(d, r4, RequestStatus::cancelled, ""); });  // no response owed
  at("2025-06-02", [&] { open(d, a, "access", "gdpr", "2025-06-02"); });  // still open, due 2025-07-02
  at("2025-06-02", [&] { open(d, a, "access", "gdpr", "2024-12-31"); });  // before the period
  clock.set("2026-01-15");
  RequestReport rep = report_requests(d, "2025-01-01", "2025-12-31");
  CHECK(rep.all.received == 5);
  CHECK(rep.all.fulfilled == 2);
  CHECK(rep.all.denied == 1);
  CHECK(rep.all.cancelled == 1);
  CHECK(rep.all.open == 1);
  CHECK(rep.all.late == 2);  // answered late, and open past its due date
  CHECK(rep.all.responses == 3);
  CHECK(rep.all.median_days == doctest::Approx(20));
  CHECK(rep.all.mean_days == doctest::Approx(65.0 / 3));
  const RequestFigures* access = nullptr;
  const RequestFigures* erasure = nullptr;
  for (const auto& [type, f] : rep.by_type) {
    if (type == RequestType::access) access = &f;
    if (type == RequestType::erasure) erasure = &f;
  }
  REQUIRE(access);
  REQUIRE(erasure);
  CHECK(access->received == 3);
  CHECK(access->median_days == doctest::Approx(15));  // (10 + 20) / 2
  CHECK(access->late == 1);
  CHECK(erasure->received == 2);
  CHECK(erasure->mean_days == doctest::Approx(35));
  RequestReport ccpa = report_requests(d, "2025-01-01", "2025-12-31", LawId::ccpa);
  CHECK(ccpa.all.received == 2);
  CHECK(ccpa.all.denied == 1);
  CHECK(ccpa.all.median_days == doctest::Approx(20));
  nlohmann::json j = report_json(rep);
  CHECK(j["total"]["mean_days"] == 21.67);
  CHECK(j["by_type"].size() == 8);  // every type of the law table, the CCPA limit (regs 7027) included
  CHECK(j["by_type"].back()["type"] == "limit-sensitive");
  RequestReport empty = report_requests(d, "2020-01-01", "2020-12-31");
  CHECK(empty.all.received == 0);
  CHECK_FALSE(empty.all.median_days.has_value());
  CHECK(report_requests(d, "", "2025-06-30").from == "2025-01-01");
  CHECK(test::kind_thrown([&] { report_requests(d, "2025-12-31", "2025-01-01"); }) == ErrorKind::usage);
}

TEST_CASE("requests: an action for a request is checked first, recorded after, atomically") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-03-01");
  std::string a = subject(d);
  std::string b = subject(d, "bob@example.com");
  Request unverified = open(d, a, "rectification", "gdpr", "", false);
  Request r = open(d, a, "rectification", "gdpr", "");
  SubjectInput zip;
  zip.set = {{"zip", "94110"}};
  int ran = 0;
  auto correct = [&](const std::string& who) {
    return [&, who] {
      ++ran;
      auto c = correct_subject(d, who, zip);
      return RequestAction{c.subject.id, c.changed};
    };
  };
  CHECK(test::kind_thrown([&] { act_for_request(d, "req_99", "correct", a, correct(a)); }) == ErrorKind::not_found);
  CHECK(test::kind_thrown([&] { act_for_request(d, unverified.id, "correct", a, correct(a)); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { act_for_request(d, r.id, "correct", b, correct(b)); }) == ErrorKind::usage);  // not its subject
  CHECK(ran == 0);
  CHECK(find_subject(d, a).get("zip") == nullptr);
  // The operation fails: nothing is recorded.
  CHECK(test::kind_thrown([&] {
          act_for_request(d, r.id, "correct", a, [&]() -> RequestAction { fail(ErrorKind::usage, "bad value"); });
        }) == ErrorKind::usage);
  CHECK(find_request(d, r.id).history.size() == 1);
  act_for_request(d, r.id, "correct", a, correct(a));
  CHECK(ran == 1);
  CHECK(find_subject(d, a).text("zip") == "94110");
  Request after = find_request(d, r.id);
  CHECK(after.status == RequestStatus::in_progress);  // the first action starts the work
  REQUIRE(after.history.size() == 3);
  CHECK(after.history[1].event == "started");
  CHECK(after.history[2].event == "action");
  CHECK(after.history[2].detail["action"] == "correct");
  CHECK(after.history[2].detail["subject"] == a);
  CHECK(after.history[2].detail["fields"] == nlohmann::json::array({"zip"}));
  CHECK(after.history[2].detail.dump().find("94110") == std::string::npos);  // names, never values
  bool audited_under_request = false;
  for (const auto& e : audit_log(d, {a, "", "", 100}))
    audited_under_request |= e.command == "correct" && e.request == r.id && e.outcome == "ok";
  CHECK(audited_under_request);  // the audit trail names the request too
  CHECK(d.request().empty());    // and the desk forgets it afterwards
  close_request(d, r.id, RequestStatus::fulfilled, "");
  CHECK(test::kind_thrown([&] { act_for_request(d, r.id, "correct", a, correct(a)); }) == ErrorKind::conflict);
  // Without a request the operation simply runs.
  act_for_request(d, "", "correct", a, correct(a));
  CHECK(ran == 2);
}
