// Verification with evidence, agents, reopening and the appeal's extension
// (domain/requests/requests_verify.cpp): what the CLI cannot show, the sealing
// itself, read back from the tables.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include "dsr/error.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"
#include "vault/seal.hpp"

using namespace dsr;

namespace {

Request open_for_verify_test(Desk& d, const std::string& who, const std::string& type, const std::string& law,
                             bool verified = false) {
  RequestInput in;
  in.subject = who;
  in.type = type;
  in.law = law;
  in.verified = verified;
  return open_request(d, in);
}

// How many rows of `table` hold `needle` anywhere in `column` (as bytes).
int64_t rows_holding(Desk& d, const std::string& table, const std::string& column, const std::string& needle) {
  SQLite::Statement st(d.db(), "SELECT count(*) FROM " + table + " WHERE instr(CAST(" + column + " AS BLOB), ?) > 0");
  st.bind(1, needle.data(), static_cast<int>(needle.size()));
  st.executeStep();
  return st.getColumn(0).getInt64();
}

VerificationEvidence high_evidence(const std::string& declaration_file) {
  VerificationEvidence ev;
  ev.method = "data-points";
  ev.matched = {"email", "phone", "address"};
  ev.level = "high";
  ev.declaration_file = declaration_file;
  return ev;
}

}  // namespace

TEST_CASE("request evidence: sealed, bound to its request, named but never shown in the history or the audit trail") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-02-02");
  std::string alice = test::register_person(d, "alice@example.com", "Alice Able");
  std::string decl = tv.dir / "decl.txt";
  const std::string secret_words = "declare under penalty of perjury QX7";
  test::spit(decl, "I, Alice Able, " + secret_words + "\n");
  Request a = open_for_verify_test(d, alice, "access", "ccpa");
  Request b = open_for_verify_test(d, alice, "erasure", "ccpa");
  Request v = verify_request(d, a.id, high_evidence(decl));
  CHECK(v.status == RequestStatus::verified);

  // Nowhere in the clear: not in the evidence table, the history, the audit trail.
  CHECK(rows_holding(d, "request_evidence", "sealed", secret_words) == 0);
  CHECK(rows_holding(d, "request_evidence", "sealed", "data-points") == 0);
  CHECK(rows_holding(d, "request_events", "detail", secret_words) == 0);
  CHECK(rows_holding(d, "request_events", "detail", "data-points") == 0);
  CHECK(rows_holding(d, "audit", "command", "perjury") == 0);
  CHECK(d.db().execAndGet("SELECT count(*) FROM request_evidence").getInt64() == 1);

  // Opened for the role that manages requests.
  auto ev = request_evidence(d, a.id);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].kind == "verification");
  CHECK(ev[0].record["method"] == "data-points");
  CHECK(ev[0].record["level"] == "high");
  CHECK(ev[0].record["matched"] == nlohmann::json({"email", "phone", "address"}));
  CHECK(ev[0].file.find(secret_words) != std::string::npos);
  CHECK(ev[0].file_name == "decl.txt");
  CHECK(find_request(d, a.id).evidence == std::vector<std::string>{"verification"});

  // Moved to another request, it no longer opens (integrity, exit 6).
  d.db().exec("UPDATE request_evidence SET request_id = " + b.id.substr(4));
  CHECK(test::kind_thrown([&] { request_evidence(d, b.id); }) == ErrorKind::integrity);
}

TEST_CASE("request evidence: the levels' counts and the declaration are the law's (7061, 7062)") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-02-02");
  std::string alice = test::register_person(d, "alice@example.com", "Alice Able");
  Request a = open_for_verify_test(d, alice, "access", "ccpa");
  VerificationEvidence two;
  two.method = "data-points";
  two.level = "high";
  two.matched = {"email", "phone"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::refused);  // high: three
  two.matched = {"email", "phone", "name"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::refused);  // and a declaration
  two.level = "reasonable";
  two.matched = {"email"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::refused);  // reasonable: two
  two.matched = {"Email"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::usage);  // a kind, lower case
  two.matched = {"9phone"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::usage);  // a kind starts with a letter
  two.level = "";
  two.matched = {"email", "phone"};
  CHECK(test::kind_thrown([&] { verify_request(d, a.id, two); }) == ErrorKind::usage);  // method without level
  CHECK(find_request(d, a.id).status == RequestStatus::received);
  CHECK(d.db().execAndGet("SELECT count(*) FROM request_evidence").getInt64() == 0);
  VerificationEvidence account;
  account.method = "account";
  account.level = "high";
  CHECK(verify_request(d, a.id, account).status == RequestStatus::verified);  // the account's authentication (7061)
}

TEST_CASE("request evidence: an erasure takes the evidence with the subject's other values") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-02-02");
  std::string bob = test::register_person(d, "bob@example.com", "Bob Baker");
  std::string proof = tv.dir / "proof.txt";
  test::spit(proof, "Bob lets Acme act for him");
  RequestInput in;
  in.subject = bob;
  in.type = "erasure";
  in.law = "ccpa";
  in.agent = "Acme Privacy";
  in.agent_proof = proof;
  in.power_of_attorney = true;
  in.verified = true;
  Request r = open_request(d, in);
  CHECK(r.representative == "power_of_attorney");
  CHECK_FALSE(r.agent_confirmation_needed);
  CHECK(d.db().execAndGet("SELECT count(*) FROM request_evidence").getInt64() == 1);
  erase_subject(d, bob, "erasure request", false);
  CHECK(d.db().execAndGet("SELECT count(*) FROM request_evidence").getInt64() == 0);
  CHECK(request_evidence(d, r.id).empty());
  // The history still says that a proof was sealed.
  bool named = false;
  for (const auto& e : find_request(d, r.id).history) named = named || e.detail.value("evidence", "") == "agent_proof";
  CHECK(named);
}

TEST_CASE("request agents: no start, action or fulfilment before the confirmation (7063(a))") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-02-02");
  std::string bob = test::register_person(d, "bob@example.com", "Bob Baker");
  std::string proof = tv.dir / "proof.txt";
  test::spit(proof, "signed permission");
  RequestInput in;
  in.subject = bob;
  in.type = "access";
  in.law = "ccpa";
  in.agent = "Acme Privacy";
  in.agent_proof = proof;
  in.verified = true;
  Request r = open_request(d, in);
  CHECK(r.agent_confirmation_needed);
  CHECK(test::kind_thrown([&] { start_request(d, r.id); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { check_request_action(d, r.id, bob, "correct"); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { close_request(d, r.id, RequestStatus::fulfilled, ""); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { confirm_agent(d, r.id, "guardian"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { confirm_agent(d, r.id, "anything"); }) == ErrorKind::usage);
  Request c = confirm_agent(d, r.id, "identity");
  CHECK(c.agent_confirmed_on == "2026-02-02");
  CHECK_FALSE(c.agent_confirmation_needed);
  CHECK(test::kind_thrown([&] { confirm_agent(d, r.id, "permission"); }) == ErrorKind::conflict);
  check_request_action(d, r.id, bob, "correct");  // no longer throws
  CHECK(close_request(d, r.id, RequestStatus::fulfilled, "").status == RequestStatus::fulfilled);
  // A request made by the consumer has nothing to confirm.
  Request own = open_for_verify_test(d, bob, "erasure", "ccpa", true);
  CHECK(test::kind_thrown([&] { confirm_agent(d, own.id, "identity"); }) == ErrorKind::refused);
  // Intake: proof and agent go together.
  in.agent_proof.clear();
  CHECK(test::kind_thrown([&] { open_request(d, in); }) == ErrorKind::usage);
}

TEST_CASE("request reopen: back to open with the history and due dates kept, closed again, refused under appeal") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-01-10");
  std::string alice = test::register_person(d, "alice@example.com", "Alice Able");
  RequestInput in;
  in.subject = alice;
  in.type = "access";
  in.law = "vcdpa";
  in.received = "2026-01-05";
  in.verified = true;
  Request r = open_request(d, in);
  CHECK(r.due == "2026-02-19");
  CHECK(test::kind_thrown([&] { reopen_request(d, r.id, "why"); }) == ErrorKind::conflict);
  close_request(d, r.id, RequestStatus::denied, "exempt", "other");
  clock.set("2026-03-01");
  Request o = reopen_request(d, r.id, "the exemption did not apply");
  CHECK(o.status == RequestStatus::verified);
  CHECK(o.is_open());
  CHECK(o.due == "2026-02-19");
  CHECK(o.overdue);
  CHECK(o.denial_code.empty());
  CHECK(test::kind_thrown([&] { reopen_request(d, r.id, ""); }) == ErrorKind::usage);
  close_request(d, r.id, RequestStatus::denied, "exempt after all", "other");
  appeal_request(d, r.id, "");
  CHECK(test::kind_thrown([&] { reopen_request(d, r.id, "again"); }) == ErrorKind::refused);
  // The VCDPA's appeal has no extension; its due date is 60 days on.
  CHECK(find_request(d, r.id).appeal_due == "2026-04-30");
  CHECK(test::kind_thrown([&] { extend_appeal(d, r.id, "busy"); }) == ErrorKind::refused);
  decide_appeal(d, r.id, AppealOutcome::granted, "");
  CHECK(reopen_request(d, r.id, "appeal granted").status == RequestStatus::verified);
}

TEST_CASE("request list: an undecided appeal is open work, by its own due date") {
  test::TempVault tv;
  Desk d = tv.desk();
  test::Today clock("2026-01-10");
  std::string alice = test::register_person(d, "alice@example.com", "Alice Able");
  RequestInput in;
  in.subject = alice;
  in.type = "erasure";
  in.law = "cpa";
  in.received = "2026-01-02";
  in.verified = true;
  Request r = open_request(d, in);
  close_request(d, r.id, RequestStatus::denied, "kept by law", "claim_not_covered");
  clock.set("2026-01-12");
  appeal_request(d, r.id, "2026-01-12");  // due 2026-02-26
  clock.set("2026-02-20");
  RequestQuery q;
  q.due_within = 5;
  CHECK(list_requests(d, q).empty());
  q.due_within = 6;
  REQUIRE(list_requests(d, q).size() == 1);
  CHECK(*list_requests(d, q)[0].appeal_days_left == 6);
  Request e = extend_appeal(d, r.id, "many appeals");
  CHECK(e.appeal_due == "2026-04-27");
  CHECK(test::kind_thrown([&] { extend_appeal(d, r.id, "again"); }) == ErrorKind::refused);
  clock.set("2026-04-28");
  RequestQuery overdue;
  overdue.overdue = true;
  REQUIRE(list_requests(d, overdue).size() == 1);
  CHECK(report_requests(d, "2026-01-01", "2026-12-31").all.appeals_overdue == 1);
  decide_appeal(d, r.id, AppealOutcome::denied, "still kept by law");
  CHECK(list_requests(d, overdue).empty());
  RequestReport rep = report_requests(d, "2026-01-01", "2026-12-31");
  CHECK(rep.all.appeals_overdue == 0);
  CHECK(rep.all.appeals_late == 1);
}

TEST_CASE("vault: derived keys differ by purpose and from the index key's hashes") {
  Secret k = Secret::random(32);
  Secret a = vault::derive_key(k, "request evidence");
  Secret b = vault::derive_key(k, "something else");
  Secret a2 = vault::derive_key(k, "request evidence");
  CHECK(a.size() == 32);
  CHECK(a.equals(a2));
  CHECK_FALSE(a.equals(b));
  CHECK(vault::keyed_hash(k, "request evidence", "") != std::string(a.view()));
}
