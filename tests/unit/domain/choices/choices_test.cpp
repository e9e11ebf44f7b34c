#include <doctest/doctest.h>

#include "dsr/choices.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
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
  close_request(d, r.id, "fulfilled", "");
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
  close_request(d, r2.id, "denied", "not our customer", "no_match");
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
