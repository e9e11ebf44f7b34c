// The policy's sharing rules as one table of data, and the one function that
// applies them. `dsr disclose --rules` prints the same table.
#pragma once
#include <string>
#include <vector>

#include "dsr/disclosures.hpp"

namespace dsr {

struct SharingCase {
  std::string subject_status;  // active or deactivated
  std::string recipient_type;
  std::string purpose;
  std::string basis;
  std::vector<std::string> categories;
};

struct Refusal {
  std::string rule;
  std::string category;
  std::string message;
};

// Every rule the disclosure would break (empty: allowed).
std::vector<Refusal> check_sharing(const SharingCase& c);
// The processor purpose a free-text purpose names ("billing", "billing: May invoices"), or "".
std::string processor_purpose(const std::string& purpose);

}  // namespace dsr
