// The policy's sharing rules as one table of data, and the one function that
// applies them. `dsr disclose --rules` prints the same table.
#pragma once
#include <string>
#include <vector>

#include "dsr/disclosures.hpp"
#include "dsr/enums.hpp"

namespace dsr {

struct SharingCase {
  SubjectStatus subject_status = SubjectStatus::active;  // active or deactivated
  std::string recipient_type;
  std::string purpose;
  std::string basis;
  std::vector<std::string> categories;
  std::vector<std::string> opt_outs;  // the subject's standing opt-outs (sale-sharing, limit-sensitive)
  bool consent_given = false;         // a current consent for the purpose is on record
};

struct Refusal {
  std::string rule;
  std::string category;
  std::string message;
};

// Every rule the disclosure would break (empty: allowed).
std::vector<Refusal> check_sharing(const SharingCase& c);
// Whether a disclosure is a sale or sharing of personal information (CCPA
// 1798.140(ad), (ah)): to a third party (a partner or other recipient) for any
// purpose, or to anyone for advertising or marketing, unless the law requires
// it (legal obligation). Processors for a stated purpose (service providers),
// authorities and an acquirer in a merger (1798.140(ad)(2)(C)) are not.
bool is_sale_or_sharing(const std::string& recipient_type, const std::string& purpose, const std::string& basis);
// The processor purpose a free-text purpose names ("billing", "billing: May invoices"), or "".
std::string processor_purpose(const std::string& purpose);

}  // namespace dsr
