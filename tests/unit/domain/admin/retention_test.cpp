#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>

#include <algorithm>

#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/forensics.hpp"
#include "dsr/requests.hpp"
#include "dsr/retention.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {


const RetentionOutcome& outcome(const RetentionReport& r, const std::string& rule) {
  for (const auto& o : r.rules)
    if (o.rule == rule) return o;
  FAIL("no outcome for " << rule);
  return r.rules.front();
}

std::string status(Desk& d, const std::string& id) { return dsr::to_string(find_subject(d, id).status); }

}  // namespace

TEST_CASE("retention: every rule has a default, set, set back, and refuse what must not be") {
  test::TempVault tv;
  Desk d = tv.desk();
  auto rules = retention_rules(d);
  std::vector<std::string> names;
  for (const auto& r : rules) names.push_back(r.name);
  CHECK(names == std::vector<std::string>{"deactivated_subjects", "disclosure_records", "request_records",
                                          "suppression_hashes", "tombstones", "audit_trail"});
  CHECK(rules[0].duration == "2y");
  CHECK(rules[1].duration == "6y");
  CHECK(rules[2].duration == "24m");
  for (const auto& r : rules) CHECK(r.is_default);

  RetentionRule r = set_retention_rule(d, "deactivated_subjects", "18m");
  CHECK(r.duration == "18m");
  CHECK_FALSE(r.is_default);
  CHECK(r.set_by == "admin");
  CHECK(retention_rules(d)[0].duration == "18m");
  CHECK(set_retention_rule(d, "tombstones", "never").duration == "never");
  CHECK(set_retention_rule(d, "deactivated_subjects", "default").is_default);
  CHECK(retention_rules(d)[0].duration == "2y");
  CHECK(retention_rule_json(retention_rules(d)[4])["duration"] == "never");

  CHECK(test::kind_thrown([&] { set_retention_rule(d, "nosuch", "1y"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { set_retention_rule(d, "tombstones", "6 years"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { set_retention_rule(d, "tombstones", "-1y"); }) == ErrorKind::usage);
  // The law's minimums: the HIPAA accounting window and the CCPA request record.
  CHECK(test::kind_thrown([&] { set_retention_rule(d, "disclosure_records", "71m"); }) == ErrorKind::refused);
  CHECK(test::kind_thrown([&] { set_retention_rule(d, "request_records", "23m"); }) == ErrorKind::refused);
  CHECK(set_retention_rule(d, "disclosure_records", "7y").duration == "7y");
  CHECK(set_retention_rule(d, "request_records", "800d").duration == "800d");
}

TEST_CASE("retention: deactivated subjects are erased once the period is over, held ones are kept and reported") {
  test::TempVault tv;
  test::Today today("2026-01-10");
  Desk d = tv.desk();
  std::string a = test::register_person(d, "a@example.com", "Ann"), b = test::register_person(d, "b@example.com", "Bea"), c = test::register_person(d, "c@example.com", "Cy");
  deactivate_subject(d, a, "restriction");
  deactivate_subject(d, b, "restriction");
  place_hold(d, b, "litigation", "case-9");

  today.set("2028-01-09");  // one day short of two years
  RetentionReport early = run_retention(d, false);
  CHECK(outcome(early, "deactivated_subjects").removed == 0);
  CHECK(outcome(early, "deactivated_subjects").cutoff == "2026-01-09");
  CHECK(status(d, a) == "deactivated");

  today.set("2028-01-10");
  RetentionReport dry = run_retention(d, true);
  CHECK(dry.dry_run);
  CHECK(outcome(dry, "deactivated_subjects").erased == std::vector<std::string>{a});
  CHECK(status(d, a) == "deactivated");  // a dry run changes nothing

  RetentionReport rep = run_retention(d, false);
  const auto& o = outcome(rep, "deactivated_subjects");
  CHECK(o.applied);
  CHECK(o.erased == std::vector<std::string>{a});
  CHECK(o.held_ids == std::vector<std::string>{b});
  CHECK(o.held == 1);
  CHECK(status(d, a) == "erased");
  CHECK(find_subject(d, a).status_reason.find("retention") != std::string::npos);
  CHECK(status(d, b) == "deactivated");
  CHECK(status(d, c) == "active");
  auto j = retention_report_json(rep);
  CHECK(j["rules"][0]["held_ids"][0] == b);
  CHECK(last_retention_run(d)["summary"]["deactivated_subjects"]["removed"] == 1);

  RetentionReport again = run_retention(d, false);  // idempotent
  CHECK(outcome(again, "deactivated_subjects").removed == 0);
  CHECK(again.removed() == 0);

  release_holds(d, b, "");
  CHECK(outcome(run_retention(d, false), "deactivated_subjects").erased == std::vector<std::string>{b});
}

TEST_CASE("retention: a subject erased by retention leaves no trace in any page or the WAL") {
  test::TempVault tv;
  test::Today today("2026-01-10");
  const std::string email = "retained.person@example.org", name = "Retained Q. Person";
  {
    Desk d = tv.desk();
    for (int i = 0; i < 100; ++i) test::register_person(d, "filler" + std::to_string(i) + "@example.net", "Filler " + std::to_string(i));
    std::string id = test::register_person(d, email, name);
    deactivate_subject(d, id, "");
    today.set("2029-01-01");
    CHECK(outcome(run_retention(d, false), "deactivated_subjects").removed == 1);
  }
  bool found = false;
  for_each_plain_page(tv.db, tv.cred(), [&](PageSource, uint32_t, const unsigned char* p, size_t n, bool) {
    for (const std::string& m : {email, name}) found |= std::search(p, p + n, m.begin(), m.end()) != p + n;
  });
  CHECK_FALSE(found);
}

TEST_CASE("retention: suppression hashes, tombstones and disclosure records each go after their period") {
  test::TempVault tv;
  test::Today today("2020-06-01");
  Desk d = tv.desk();
  std::string a = test::register_person(d, "a@example.com", "Ann"), b = test::register_person(d, "b@example.com", "Bea");
  DisclosureRequest req;
  req.subjects = {a};
  req.recipient = "Mail Co";
  req.recipient_type = "processor";
  req.categories = {"contact"};
  req.purpose = "email-delivery";
  req.basis = "contract";
  disclose(d, req);
  erase_subject(d, a, "erasure request", false);
  erase_subject(d, b, "erasure request", false);
  set_retention_rule(d, "tombstones", "1y");
  auto message = [&](const std::string& ref) {
    try {
      find_subject(d, ref);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  CHECK(message("a@example.com").find("belonged to subject") != std::string::npos);

  today.set("2021-06-02");
  RetentionReport r1 = run_retention(d, false);
  CHECK(outcome(r1, "tombstones").removed == 1);  // Bea's; Ann's is pinned by her disclosure record
  CHECK(test::kind_thrown([&] { find_subject(d, b); }) == ErrorKind::not_found);
  CHECK(status(d, a) == "erased");
  CHECK(outcome(r1, "suppression_hashes").removed == 0);

  today.set("2023-06-01");
  RetentionReport r2 = run_retention(d, false);
  CHECK(outcome(r2, "suppression_hashes").removed == 2);
  CHECK(message("a@example.com").find("no subject matches") != std::string::npos);
  CHECK(disclosures_of(d, a, "2000-01-01").size() == 1);

  today.set("2026-06-01");  // six years after the disclosure: the accounting window is over
  RetentionReport r3 = run_retention(d, false);
  CHECK(outcome(r3, "disclosure_records").removed == 1);
  CHECK(outcome(r3, "tombstones").removed == 1);  // no longer pinned
  CHECK(test::kind_thrown([&] { find_subject(d, a); }) == ErrorKind::not_found);
}

TEST_CASE("retention: disclosure records of a subject under legal hold are kept") {
  test::TempVault tv;
  test::Today today("2020-01-01");
  Desk d = tv.desk();
  std::string a = test::register_person(d, "a@example.com", "Ann"), b = test::register_person(d, "b@example.com", "Bea");
  DisclosureRequest req;
  req.subjects = {a, b};
  req.recipient = "Court";
  req.recipient_type = "authority";
  req.categories = {"identity"};
  req.purpose = "court order";
  req.basis = "legal-obligation";
  req.reference = "order-1";
  disclose(d, req);
  place_hold(d, a, "litigation", "");
  today.set("2026-01-02");
  RetentionReport dry = run_retention(d, true);
  CHECK(outcome(dry, "disclosure_records").removed == 1);
  CHECK(outcome(dry, "disclosure_records").held == 1);
  CHECK(disclosures_of(d, b, "2000-01-01").size() == 1);
  RetentionReport rep = run_retention(d, false);
  CHECK(outcome(rep, "disclosure_records").removed == 1);
  CHECK(outcome(rep, "disclosure_records").held == 1);
  CHECK(disclosures_of(d, a, "2000-01-01").size() == 1);
  CHECK(disclosures_of(d, b, "2000-01-01").empty());
}

TEST_CASE("retention: closed requests go 24 months after closing, open ones stay") {
  test::TempVault tv;
  test::Today today("2024-03-01");
  Desk d = tv.desk();
  std::string a = test::register_person(d, "a@example.com", "Ann");
  RequestInput in;
  in.subject = a;
  in.type = "access";
  in.law = "gdpr";
  in.verified = true;
  Request closed = open_request(d, in);
  close_request(d, closed.id, RequestStatus::fulfilled, "");
  Request open = open_request(d, in);
  today.set("2026-02-28");
  CHECK(outcome(run_retention(d, false), "request_records").removed == 0);
  today.set("2026-03-01");
  RetentionReport rep = run_retention(d, false);
  CHECK(outcome(rep, "request_records").removed == 1);
  CHECK(test::kind_thrown([&] { find_request(d, closed.id); }) == ErrorKind::not_found);
  CHECK(find_request(d, open.id).is_open());
}

TEST_CASE("retention: the audit trail is pruned after its period and still verifies") {
  test::TempVault tv;
  test::Today today("2020-01-01");
  Desk d = tv.desk();
  test::register_person(d, "a@example.com", "Ann");
  set_retention_rule(d, "audit_trail", "1y");
  today.set("2021-06-01");
  test::register_person(d, "b@example.com", "Bea");
  RetentionReport dry = run_retention(d, true);
  CHECK(outcome(dry, "audit_trail").removed == 2);  // the register and the retention set of 2020
  RetentionReport rep = run_retention(d, false);
  CHECK(outcome(rep, "audit_trail").removed == 2);
  CHECK(verify_audit(d).ok);
}

TEST_CASE("retention: a rule set to never keeps everything") {
  test::TempVault tv;
  test::Today today("2020-01-01");
  Desk d = tv.desk();
  std::string a = test::register_person(d, "a@example.com", "Ann");
  deactivate_subject(d, a, "");
  set_retention_rule(d, "deactivated_subjects", "never");
  today.set("2040-01-01");
  RetentionReport rep = run_retention(d, false);
  CHECK_FALSE(outcome(rep, "deactivated_subjects").applied);
  CHECK(status(d, a) == "deactivated");
}

TEST_CASE("retention: a vault locked by another process is reported as locked") {
  test::TempVault tv;
  test::Today today("2020-01-01");
  {
    Desk d = tv.desk();
    deactivate_subject(d, test::register_person(d, "a@example.com", "Ann"), "");
  }
  today.set("2030-01-01");
  OpenOptions quick;
  quick.lock_timeout_ms = 100;
  Desk holder = tv.desk();
  Desk d = tv.desk(quick);
  holder.db().exec("BEGIN IMMEDIATE");
  CHECK(test::kind_thrown([&] { run_retention(d, false); }) == ErrorKind::locked);
  holder.db().exec("ROLLBACK");
  CHECK(outcome(run_retention(d, false), "deactivated_subjects").removed == 1);
}

TEST_CASE("retention: many erasures page through every due subject, skip the held, one audit entry per thousand") {
  test::TempVault tv;
  test::Today today("2026-01-10");
  Desk d = tv.desk();
  std::vector<std::string> ids;
  for (int i = 0; i < 1300; ++i) ids.push_back(test::register_person(d, "u" + std::to_string(i) + "@example.com", "User " + std::to_string(i)));
  // Deactivate all but every tenth, on two different days; hold two of them.
  std::vector<std::string> due;
  for (int i = 0; i < 1300; ++i) {
    if (i % 10 == 0) continue;
    today.set(i < 600 ? "2026-01-10" : "2026-02-01");
    deactivate_subject(d, ids[size_t(i)], "");
    if (i == 7 || i == 1201) place_hold(d, ids[size_t(i)], "litigation", "case-1");
    else due.push_back(ids[size_t(i)]);
  }
  today.set("2028-03-01");
  RetentionReport dry = run_retention(d, true);
  auto erased_dry = outcome(dry, "deactivated_subjects").erased;
  std::sort(erased_dry.begin(), erased_dry.end());
  std::sort(due.begin(), due.end());
  CHECK(erased_dry == due);
  CHECK(outcome(dry, "deactivated_subjects").held == 2);

  RetentionReport rep = run_retention(d, false);
  auto erased = outcome(rep, "deactivated_subjects").erased;
  std::sort(erased.begin(), erased.end());
  CHECK(erased == due);
  CHECK(outcome(rep, "deactivated_subjects").held == 2);
  CHECK(outcome(rep, "deactivated_subjects").errors.empty());
  for (const auto& id : due) REQUIRE(status(d, id) == "erased");
  CHECK(status(d, ids[7]) == "deactivated");
  CHECK(status(d, ids[10]) == "active");
  // The erased emails are on the suppression list: registering one again is flagged.
  SubjectInput again;
  again.set = {{"email", "u1@example.com"}, {"name", "Back"}};
  auto back = register_subject(d, again);
  REQUIRE(back.previously_erased);
  CHECK(back.previously_erased->first == ids[1]);

  AuditQuery q;
  q.limit = 0;
  std::vector<size_t> sizes;
  std::vector<std::string> audited;
  for (const auto& e : audit_log(d, q))
    if (e.command == "delete") {
      sizes.push_back(e.subjects.size());
      audited.insert(audited.end(), e.subjects.begin(), e.subjects.end());
      CHECK(std::find(e.fields.begin(), e.fields.end(), "contact.email") != e.fields.end());
    }
  std::sort(audited.begin(), audited.end());
  CHECK(audited == due);
  for (size_t n : sizes) CHECK(n <= 1000);
  CHECK(sizes.size() >= 2);
  CHECK(sizes.size() <= 3);  // one entry per thousand (and per commit)
}
