#include <doctest/doctest.h>

#include <algorithm>

#include "domain/disclosures/sharing_rules.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/forensics.hpp"
#include "dsr/subjects.hpp"
#include "store/tx.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {
DisclosureRequest req(std::vector<std::string> subjects, std::string type, std::vector<std::string> cats,
                      std::string purpose, std::string basis) {
  DisclosureRequest r;
  r.subjects = std::move(subjects);
  r.recipient = "Recipient Ltd";
  r.recipient_type = std::move(type);
  r.categories = std::move(cats);
  r.purpose = std::move(purpose);
  r.basis = std::move(basis);
  return r;
}
bool refused_by(const std::vector<Refusal>& r, const std::string& rule) {
  return std::any_of(r.begin(), r.end(), [&](const Refusal& x) { return x.rule == rule; });
}
}  // namespace

TEST_CASE("disclosures: each sharing rule refuses and allows") {
  auto check = [](SharingCase c) { return check_sharing(c); };
  CHECK(refused_by(check({SubjectStatus::active, "partner", "marketing", "consent", {"contact"}, {}, false}), "contact-third-parties"));
  CHECK(check({SubjectStatus::active, "authority", "subpoena", "legal-obligation", {"contact"}, {}, false}).empty());
  CHECK(check({SubjectStatus::active, "processor", "email-delivery", "contract", {"contact"}, {}, false}).empty());
  CHECK(refused_by(check({SubjectStatus::active, "processor", "analytics", "contract", {"contact"}, {}, false}), "contact-third-parties"));
  CHECK(refused_by(check({SubjectStatus::active, "processor", "survey", "contract", {"survey"}, {}, false}), "survey-never-shared"));
  CHECK(check({SubjectStatus::active, "authority", "inquiry", "legal-obligation", {"survey"}, {}, false}).empty());
  CHECK(refused_by(check({SubjectStatus::active, "acquirer", "merger", "legitimate-interests", {"payment"}, {}, false}), "payment-billing-processor"));
  CHECK(refused_by(check({SubjectStatus::active, "processor", "email-delivery", "contract", {"billing"}, {}, false}), "payment-billing-processor"));
  CHECK(check({SubjectStatus::active, "processor", "billing", "contract", {"payment", "billing", "contact"}, {}, false}).empty());
  CHECK(refused_by(check({SubjectStatus::active, "processor", "address-verification", "contract", {"preferences"}, {}, false}), "processor-purpose-only"));
  CHECK(refused_by(check({SubjectStatus::deactivated, "processor", "billing", "contract", {"payment"}, {}, false}), "deactivated-legal-only"));
  CHECK(check({SubjectStatus::deactivated, "authority", "order", "legal-obligation", {"identity", "contact"}, {}, false}).empty());
  CHECK(check({SubjectStatus::active, "acquirer", "merger", "legitimate-interests", {"identity", "preferences"}, {}, false}).empty());
  CHECK(processor_purpose("Billing: May invoices") == "billing");
  CHECK(processor_purpose("billingual") == "");
}

TEST_CASE("disclosures: a bulk disclosure of 10,000 subjects is one command, all or nothing") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::vector<std::string> ids;
  {
    store::WriteTx tx(d.db());  // one commit for the set-up, as a batch would
    for (int i = 0; i < 10000; ++i) ids.push_back(test::register_person(d, "bulk" + std::to_string(i) + "@example.com", "Bulk Person"));
    tx.commit();
  }
  auto r = disclose(d, req(ids, "processor", {"contact", "identity"}, "email-delivery", "contract"));
  CHECK(r.subject_ids.size() == 10000);
  CHECK(disclosures_of(d, ids[9999]).size() == 1);
  // One deactivated subject among them: the whole disclosure is refused and nothing is logged.
  deactivate_subject(d, ids[5000], "");
  try {
    disclose(d, req(ids, "processor", {"contact"}, "email-delivery", "contract"));
    FAIL("a disclosure breaking a rule was accepted");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::refused);
    CHECK(e.details().find(ids[5000]) != std::string::npos);
  }
  CHECK(disclosures_of(d, ids[0]).size() == 1);
}

TEST_CASE("disclosures: records survive erasure, linked to the tombstone, and the file keeps no trace of the subject") {
  test::TempVault tv;
  std::string id;
  {
    Desk d = tv.desk();
    id = test::register_person(d, "kept.out@example.com", "Quentin Tombstone");
    auto r = req({id}, "authority", {"identity", "contact"}, "subpoena", "legal-obligation");
    r.reference = "CASE-42";
    disclose(d, r);
    CHECK(notify_list(d, id).size() == 1);
    erase_subject(d, id, "erasure request", false);
  }
  Desk d = tv.desk();
  auto acc = disclosures_of(d, id);
  REQUIRE(acc.size() == 1);
  CHECK(acc[0].reference == "CASE-42");
  CHECK(acc[0].subject_id == id);
  bool trace = false;
  for_each_plain_page(tv.db, tv.cred(), [&](PageSource, uint32_t, const unsigned char* p, size_t n, bool) {
    for (std::string m : {"kept.out@example.com", "Quentin Tombstone"})
      trace |= std::search(p, p + n, m.begin(), m.end()) != p + n;
  });
  CHECK_FALSE(trace);
}

TEST_CASE("disclosures: holds block erasure until released") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string id = test::register_person(d, "held@example.com", "Held Person");
  place_hold(d, id, "litigation", "CV-1");
  place_hold(d, id, "regulator inquiry", "REG-9");
  CHECK(list_holds(d).size() == 2);
  CHECK_THROWS_AS(erase_subject(d, id, "", false), Error);
  CHECK(release_holds(d, id, "CV-1") == 1);
  CHECK_THROWS_AS(erase_subject(d, id, "", false), Error);
  CHECK(release_holds(d, id, "") == 1);
  CHECK(erase_subject(d, id, "", false).fields.size() == 2);
}

TEST_CASE("disclosures: the sharing rules table covers sale and sharing against opt-outs and consents") {
  auto check = [](SharingCase c) { return check_sharing(c); };
  const std::vector<std::string> sale = {"sale-sharing"}, sensitive = {"limit-sensitive"};
  // What a sale or sharing is (CCPA 1798.140(ad), (ah)).
  CHECK(is_sale_or_sharing("partner", "co-marketing", "contract"));
  CHECK(is_sale_or_sharing("other", "list rental", "legitimate-interests"));
  CHECK(is_sale_or_sharing("processor", "Cross-context behavioral advertising", "contract"));
  CHECK(is_sale_or_sharing("acquirer", "marketing by the acquirer", "consent"));
  CHECK_FALSE(is_sale_or_sharing("processor", "email-delivery", "contract"));
  CHECK_FALSE(is_sale_or_sharing("acquirer", "asset transfer", "legitimate-interests"));
  CHECK_FALSE(is_sale_or_sharing("authority", "advertising fraud inquiry", "public-task"));
  CHECK_FALSE(is_sale_or_sharing("partner", "court order", "legal-obligation"));
  // Opted out of sale/sharing: every sale or sharing is refused, whatever the category.
  CHECK(refused_by(check({SubjectStatus::active, "partner", "ads", "legitimate-interests", {"identity"}, sale, false}),
                   "opted-out-of-sale-sharing"));
  CHECK(refused_by(check({SubjectStatus::active, "processor", "behavioral advertising", "consent", {"identity"}, sale, true}),
                   "opted-out-of-sale-sharing"));
  CHECK(check({SubjectStatus::active, "partner", "ads", "legitimate-interests", {"identity"}, {}, false}).empty());
  CHECK(check({SubjectStatus::active, "processor", "email-delivery", "contract", {"identity", "contact"}, sale, false}).empty());
  CHECK(check({SubjectStatus::active, "partner", "court order", "legal-obligation", {"identity"}, sale, false}).empty());
  CHECK(check({SubjectStatus::active, "acquirer", "asset transfer", "legitimate-interests", {"identity"}, sale, false}).empty());
  // Limit use of sensitive information: payment only to the card processor for billing.
  CHECK(check({SubjectStatus::active, "processor", "billing", "contract", {"payment"}, sensitive, false}).empty());
  CHECK(refused_by(check({SubjectStatus::active, "processor", "credit-check", "contract", {"payment"}, sensitive, false}),
                   "limited-sensitive-use"));
  // Consent as the basis needs a current consent for the purpose.
  CHECK(refused_by(check({SubjectStatus::active, "acquirer", "newsletter", "consent", {"identity"}, {}, false}), "consent-on-record"));
  CHECK(check({SubjectStatus::active, "acquirer", "newsletter", "consent", {"identity"}, {}, true}).empty());
  CHECK(check({SubjectStatus::active, "acquirer", "newsletter", "legitimate-interests", {"identity"}, {}, false}).empty());
  // Consent does not override an opt-out of sale.
  CHECK(refused_by(check({SubjectStatus::active, "partner", "ads", "consent", {"identity"}, sale, true}), "opted-out-of-sale-sharing"));
  CHECK(std::any_of(sharing_rules().begin(), sharing_rules().end(),
                    [](const SharingRule& r) { return r.id == "consent-on-record"; }));
}
