#include "dsr/catalog.hpp"

#include "dsr/fields.hpp"

namespace dsr {

const std::vector<CategoryInfo>& categories() {
  static const std::vector<CategoryInfo> all = {
      {"identity", "name and the unique identifier chosen at registration",
       {"providing the registered services", "contacting the user about services of interest"},
       "while the account exists; erased on request or by retention after deactivation", false},
      {"contact", "email, phone, postal address, zip code and contact preference",
       {"providing the registered services", "customer service in the way the user prefers",
        "service announcements", "contacting the user about an order"},
       "while the account exists; erased on request or by retention after deactivation", false},
      {"billing", "billing address and account type",
       {"billing", "filling orders"}, "while the account exists and as long as tax and accounting law requires",
       true},
      {"payment", "card brand, last 4 digits, expiry and the processor's token (never the full number or code)",
       {"billing through the card processor"}, "while the account exists; the token is erased with the account",
       true},
      {"survey", "survey answers and demographics given voluntarily",
       {"monitoring and improving the use and satisfaction of the services"},
       "while the account exists; never disclosed to third parties", false},
      {"supplemental", "data from third-party sources (address verification, credit reports), with its source",
       {"verifying billing addresses", "assessing corporate customers' credit"},
       "while the account exists", false},
      {"preferences", "services of interest and choices about new uses",
       {"contacting the user about services of interest", "honouring the user's choices"},
       "while the account exists", false},
  };
  return all;
}

const CategoryInfo* category_info(std::string_view name) {
  for (const auto& c : categories())
    if (c.name == name) return &c;
  return nullptr;
}

std::string field_category(std::string_view f) { return fields::category_of(f); }

const std::vector<Right>& subject_rights() {
  static const std::vector<Right> all = {
      {"access", "GDPR Art. 15; CCPA right to know", "ask for this access package at any time"},
      {"rectification", "GDPR Art. 16", "ask us to correct or complete any value"},
      {"erasure", "GDPR Art. 17; CCPA right to delete", "ask us to delete the record for good"},
      {"restriction", "GDPR Art. 18", "ask us to deactivate the record: it is kept but no longer used"},
      {"portability", "GDPR Art. 20", "this package is machine-readable JSON you may take elsewhere"},
      {"objection", "GDPR Art. 21", "object to a use of your data, including new uses after a policy change"},
      {"notification of recipients", "GDPR Art. 19", "ask which recipients were told of a correction or erasure"},
      {"opt-out of sale or sharing", "CCPA 1798.120",
       "ask us, or send a Global Privacy Control signal, to stop any sale or sharing of your personal information"},
      {"limit use of sensitive information", "CCPA 1798.121",
       "ask us to use your payment data only as the service you asked for needs"},
      {"withdraw consent", "GDPR Art. 7(3)", "withdraw any consent at any time, as easily as you gave it"},
      {"complaint", "GDPR Art. 77", "lodge a complaint with a supervisory authority"},
  };
  return all;
}

}  // namespace dsr
