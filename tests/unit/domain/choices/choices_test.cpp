#include <doctest/doctest.h>

#include "dsr/choices.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/holidays.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {
std::string reg(Desk& d, const std::string& email) {
  SubjectInput in;
  in.set = {{"email", email}, {"name", "Some One"}};
  return register_subject(d, in).subject.id;
}
DisclosureRequest ad(const std::string& who) {
  DisclosureRequest r;
  r.subjects = {who};
  r.recipient = "AdExchange Inc";
  r.recipient_type = "partner";
  r.categories = {"identity"};
  r.purpose = "cross-context behavioral advertising";
  r.basis = "legitimate-interests";
  return r;
}
}  // namespace

TEST_CASE("choices: a fulfilled CCPA opt-out request stands, and the sharing rules obey it") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string m = reg(d, "maria@example.org");
  RequestInput ri;
  ri.subject = m;
  ri.type = "opt-out";
  ri.law = "ccpa";
  Request r = open_request(d, ri);
  CHECK(opt_outs_of(d, m).empty());
  close_request(d, r.id, RequestStatus::fulfilled, "");
  auto outs = opt_outs_of(d, m);
  REQUIRE(outs.size() == 1);
  CHECK(outs[0].kind == "sale-sharing");
  CHECK(outs[0].source == "request");
  CHECK(outs[0].origin == r.id);
  try {
    disclose(d, ad(m));
    FAIL("a sale for an opted-out person was logged");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    CHECK(e.details().find("opted-out-of-sale-sharing") != std::string::npos);
  }
  CHECK(disclosures_of(d, m).empty());
  // A denied opt-out request records nothing.
  std::string n = reg(d, "nora@example.org");
  ri.subject = n;
  Request r2 = open_request(d, ri);
  close_request(d, r2.id, RequestStatus::denied, "not our customer", "no_match");
  CHECK(opt_outs_of(d, n).empty());
  CHECK(disclose(d, ad(n)).subject_ids.size() == 1);
}

TEST_CASE("choices: GPC is recorded with its time and source, and consent must be current for its purpose") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string g = reg(d, "gus@example.org");
  OptOutInput in;
  in.subject = g;
  in.source = "gpc";
  in.signal_at = "2026-01-05T08:00:00Z";
  in.origin = "checkout page";
  OptOutResult r = record_opt_out(d, in);
  CHECK_FALSE(r.already);
  REQUIRE(r.opt_out.signal_at);
  CHECK(r.opt_out.received == "2026-01-05");
  CHECK(r.opt_out.comply_by == "2026-01-26");  // 15 business days
  CHECK(r.opt_out.origin == "checkout page");
  CHECK(record_opt_out(d, in).already);
  in.kind = "limit-sensitive";
  CHECK(test::kind_thrown([&] { record_opt_out(d, in); }) == ErrorKind::usage);

  DisclosureRequest c = ad(g);
  c.recipient_type = "acquirer";
  c.purpose = "Newsletter";
  c.basis = "consent";
  CHECK(test::kind_thrown([&] { disclose(d, c); }) == ErrorKind::refused);
  ConsentInput ci{g, "newsletter ", "2.0", "web", "", ""};
  record_consent(d, ci);
  CHECK(disclose(d, c).subject_ids.size() == 1);
  CHECK(withdraw_consent(d, g, "NEWSLETTER") == 1);
  CHECK(test::kind_thrown([&] { disclose(d, c); }) == ErrorKind::refused);
  auto all = list_consents(d, g);
  REQUIRE(all.size() == 1);
  CHECK_FALSE(all[0].current());
  // Erasure takes opt-outs and consents with it.
  erase_subject(d, g, "erasure request", false);
  CHECK(opt_outs_of(d, g).empty());
  CHECK(consents_of(d, g).empty());
}

namespace {
DisclosureRequest payment_to(const std::string& who, const std::string& type, const std::string& purpose) {
  DisclosureRequest r;
  r.subjects = {who};
  r.recipient = type == "processor" ? "CardCo" : "Insights Ltd";
  r.recipient_type = type;
  r.categories = {"payment"};
  r.purpose = purpose;
  r.basis = "contract";
  return r;
}
}  // namespace

TEST_CASE("choices: a fulfilled CCPA request to limit sensitive information stands, within 7027(m) only") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string m = test::register_with(d, {{"email", "lim@example.org"}, {"name", "Li Mit"},
                                          {"card_number", "4111111111111111"}, {"card_expiry", "12/39"}});
  RequestInput ri;
  ri.subject = m;
  ri.type = "limit-sensitive";
  ri.law = "ccpa";
  ri.received = "2026-01-05";
  Request r = open_request(d, ri);
  CHECK(r.due == "2026-01-26");  // 15 business days (regs 7027(g)), from the law table
  CHECK(opt_outs_of(d, m).empty());
  close_request(d, r.id, RequestStatus::fulfilled, "");
  auto outs = opt_outs_of(d, m);
  REQUIRE(outs.size() == 1);
  CHECK(outs[0].kind == "limit-sensitive");
  CHECK(outs[0].source == "request");
  CHECK(outs[0].origin == r.id);
  CHECK(outs[0].comply_by == "2026-01-26");
  CHECK(outs[0].complied_on.size() == 10);  // nobody got payment data: nothing to tell, complied when recorded
  // Payment data beyond the permitted purposes is refused, naming the choice...
  try {
    disclose(d, payment_to(m, "partner", "spending insights"));
    FAIL("a use of sensitive information beyond 7027(m) was logged");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    CHECK(e.details().find("limited-sensitive-use") != std::string::npos);
    CHECK(e.details().find("\"limit-sensitive\"") != std::string::npos);
  }
  // ... the card processor still gets it for billing (7027(m)(1), (6)).
  CHECK(disclose(d, payment_to(m, "processor", "billing")).subject_ids.size() == 1);
  // The sale-sharing opt-out is another choice: identity to an ad partner is not stopped by this one.
  CHECK(disclose(d, ad(m)).subject_ids.size() == 1);
  // A limit under a law without it is a usage error.
  ri.law = "gdpr";
  CHECK(test::kind_thrown([&] { open_request(d, ri); }) == ErrorKind::usage);
}

TEST_CASE("choices: an opt-out's 15 business days skip weekends and imported holidays, and it is overdue until complied with") {
  test::TempVault tv;
  test::Today today("2026-12-14");  // a Monday
  Desk d = tv.desk();
  import_holidays(d,
                  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n"
                  "BEGIN:VEVENT\r\nUID:a@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20261225\r\n"
                  "SUMMARY:Christmas Day\r\nEND:VEVENT\r\n"
                  "BEGIN:VEVENT\r\nUID:b@t\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20270101\r\n"
                  "SUMMARY:New Year's Day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                  "US-CA");
  std::string s = reg(d, "sold@example.org");
  std::string q = reg(d, "quiet@example.org");
  disclose(d, ad(s));  // a sale: AdExchange must be told of the opt-out
  OptOutInput in;
  in.subject = s;
  OptOutResult r = record_opt_out(d, in);
  CHECK(r.opt_out.comply_by == "2027-01-06");  // without the two holidays it would be 2027-01-04
  CHECK(r.opt_out.complied_on.empty());
  REQUIRE(r.notify.size() == 1);
  in.subject = q;
  OptOutResult rq = record_opt_out(d, in);
  CHECK(rq.notify.empty());
  CHECK(rq.opt_out.complied_on == "2026-12-14");  // nothing to tell: complied when recorded

  today.set("2027-01-06");
  CHECK_FALSE(opt_outs_of(d, s)[0].overdue);
  today.set("2027-01-07");
  CHECK(opt_outs_of(d, s)[0].overdue);
  auto open = list_opt_outs(d, true);
  REQUIRE(open.size() == 1);
  CHECK(open[0].subject_id == s);
  CHECK(open[0].overdue);
  CHECK(list_opt_outs(d, false).size() == 2);

  CHECK(test::kind_thrown([&] { comply_opt_out(d, s, "limit-sensitive", ""); }) == ErrorKind::not_found);
  CHECK(test::kind_thrown([&] { comply_opt_out(d, s, "sale-sharing", "2027-02-01"); }) == ErrorKind::usage);
  CHECK(test::kind_thrown([&] { comply_opt_out(d, s, "sale-sharing", "2026-12-01"); }) == ErrorKind::usage);
  OptOut done = comply_opt_out(d, s, "sale-sharing", "2027-01-07");
  CHECK(done.complied_on == "2027-01-07");
  CHECK_FALSE(done.overdue);
  CHECK(done.late());
  CHECK(list_opt_outs(d, true).empty());
  CHECK(test::kind_thrown([&] { comply_opt_out(d, s, "sale-sharing", ""); }) == ErrorKind::conflict);
  CHECK(d.db().execAndGet("SELECT count(*) FROM audit WHERE command = 'choice complied' AND outcome = 'ok'").getInt() == 1);
}
