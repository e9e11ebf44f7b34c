#include "domain/disclosures/sharing_rules.hpp"

#include <algorithm>
#include <cctype>

namespace dsr {
namespace {

// How a rule lets a disclosure through.
enum class Allow {
  legal_obligation,          // the basis is a legal obligation
  processor_needs_category,  // a processor whose purpose needs the category
  card_processor_billing,    // a processor engaged for billing
  not_sale_or_sharing,       // the disclosure is no sale or sharing (is_sale_or_sharing)
  consent_on_record,         // a current consent for the purpose is on record
};

// Whose disclosures a rule governs.
enum class Scope {
  everyone,
  deactivated,                  // deactivated (restricted) subjects
  opted_out_of_sale_sharing,    // subjects with a standing sale-sharing opt-out
  limited_sensitive,            // subjects who limited the use of sensitive information
  basis_consent,                // disclosures whose basis is consent
};

struct RuleSpec {
  SharingRule text;
  std::vector<std::string> categories;  // the categories it governs; empty: every category
  std::string recipient_type;           // only for this recipient type; empty: every type
  Scope scope;
  std::vector<Allow> allow;
};

// THE sharing rules. Order is the order of the policy; each refusal names its rule id.
const std::vector<RuleSpec>& rules() {
  static const std::vector<RuleSpec> r = {
      {{"contact-third-parties", "Information Use; Sharing: Legal Disclaimer",
        "Contact data (email above all) goes to a third party only on a legal obligation, or to a processor "
        "whose purpose needs it."},
       {"contact"}, "", Scope::everyone, {Allow::legal_obligation, Allow::processor_needs_category}},
      {{"survey-never-shared", "Surveys",
        "Survey answers and demographics never go to a third party unless the law requires it."},
       {"survey"}, "", Scope::everyone, {Allow::legal_obligation}},
      {{"payment-billing-processor", "Order; Third Party Intermediaries",
        "Payment and billing data go only to the card processor for billing, or on a legal obligation."},
       {"payment", "billing"}, "", Scope::everyone, {Allow::legal_obligation, Allow::card_processor_billing}},
      {{"processor-purpose-only", "Third Party Intermediaries",
        "A processor gets only the categories its purpose needs (see the processor purposes below)."},
       {}, "processor", Scope::everyone, {Allow::legal_obligation, Allow::processor_needs_category}},
      {{"deactivated-legal-only", "Correcting/Updating/Deleting/Deactivating; GDPR Art. 18",
        "A deactivated (restricted) subject's data goes out only on a legal obligation."},
       {}, "", Scope::deactivated, {Allow::legal_obligation}},
      {{"opted-out-of-sale-sharing", "CCPA 1798.120(d); regs 7026",
        "A person who opted out of the sale or sharing of their personal information (by request, Global Privacy "
        "Control or staff) is not disclosed to a third party or for advertising, unless the law requires it."},
       {}, "", Scope::opted_out_of_sale_sharing, {Allow::legal_obligation, Allow::not_sale_or_sharing}},
      {{"limited-sensitive-use", "CCPA 1798.121; regs 7027",
        "A person who limited the use of their sensitive personal information (payment data) has it disclosed only "
        "to the card processor for billing, or on a legal obligation."},
       {"payment"}, "", Scope::limited_sensitive, {Allow::legal_obligation, Allow::card_processor_billing}},
      {{"consent-on-record", "GDPR Art. 7(1)",
        "A disclosure on consent needs a current (not withdrawn) consent of the person for its purpose "
        "(dsr consent record)."},
       {}, "", Scope::basis_consent, {Allow::consent_on_record}},
  };
  return r;
}

bool needs(const std::string& purpose, const std::string& category) {
  for (const auto& [p, cats] : processor_purposes())
    if (p == purpose) return std::find(cats.begin(), cats.end(), category) != cats.end();
  return false;
}

bool allowed(Allow a, const SharingCase& c, const std::string& category) {
  switch (a) {
    case Allow::legal_obligation: return c.basis == "legal-obligation";
    case Allow::processor_needs_category:
      return c.recipient_type == "processor" && needs(processor_purpose(c.purpose), category);
    case Allow::card_processor_billing:
      return c.recipient_type == "processor" && processor_purpose(c.purpose) == "billing";
    case Allow::not_sale_or_sharing: return !is_sale_or_sharing(c.recipient_type, c.purpose, c.basis);
    case Allow::consent_on_record: return c.consent_given;
  }
  return false;
}

bool has(const std::vector<std::string>& v, const char* x) { return std::find(v.begin(), v.end(), x) != v.end(); }

bool in_scope(Scope s, const SharingCase& c) {
  switch (s) {
    case Scope::everyone: return true;
    case Scope::deactivated: return c.subject_status == SubjectStatus::deactivated;
    case Scope::opted_out_of_sale_sharing: return has(c.opt_outs, "sale-sharing");
    case Scope::limited_sensitive: return has(c.opt_outs, "limit-sensitive");
    case Scope::basis_consent: return c.basis == "consent";
  }
  return false;
}

}  // namespace

bool is_sale_or_sharing(const std::string& recipient_type, const std::string& purpose, const std::string& basis) {
  if (basis == "legal-obligation") return false;
  if (recipient_type == "partner" || recipient_type == "other") return true;
  if (recipient_type == "authority") return false;
  std::string p;
  for (char ch : purpose) p.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
  for (const char* word : {"advertis", "marketing", "sale of", "selling", "behavioral", "behavioural"})
    if (p.find(word) != std::string::npos) return true;
  return false;
}

const std::vector<std::pair<std::string, std::vector<std::string>>>& processor_purposes() {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> p = {
      {"billing", {"identity", "contact", "billing", "payment"}},
      {"address-verification", {"identity", "contact", "billing"}},
      {"credit-check", {"identity", "contact", "billing", "supplemental"}},
      {"survey", {"identity", "contact"}},
      {"email-delivery", {"identity", "contact"}},
      {"customer-support", {"identity", "contact", "preferences"}},
  };
  return p;
}

const std::vector<SharingRule>& sharing_rules() {
  static const std::vector<SharingRule> out = [] {
    std::vector<SharingRule> v;
    for (const auto& r : rules()) v.push_back(r.text);
    return v;
  }();
  return out;
}

std::string processor_purpose(const std::string& purpose) {
  std::string p;
  for (char c : purpose) p.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& [name, _] : processor_purposes()) {
    if (p == name) return name;
    if (p.size() > name.size() && p.compare(0, name.size(), name) == 0 && (p[name.size()] == ':' || p[name.size()] == ' '))
      return name;
  }
  return "";
}

std::vector<Refusal> check_sharing(const SharingCase& c) {
  std::vector<Refusal> out;
  for (const auto& rule : rules()) {
    if (!in_scope(rule.scope, c)) continue;
    if (!rule.recipient_type.empty() && rule.recipient_type != c.recipient_type) continue;
    for (const auto& cat : c.categories) {
      if (!rule.categories.empty() &&
          std::find(rule.categories.begin(), rule.categories.end(), cat) == rule.categories.end())
        continue;
      bool ok = std::any_of(rule.allow.begin(), rule.allow.end(), [&](Allow a) { return allowed(a, c, cat); });
      if (!ok) {
        out.push_back({rule.text.id, cat, "rule " + rule.text.id + " (" + rule.text.policy_section + "): " + rule.text.text});
        break;  // one refusal per rule is enough to say why
      }
    }
  }
  return out;
}

}  // namespace dsr
