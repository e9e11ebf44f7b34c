// The accounting of disclosures (HIPAA 164.528, GDPR Art. 15(1)(c) and 19).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "dsr/desk.hpp"

namespace dsr {

// Recipients the subject's data was disclosed to, as listed in the access
// package (disclosures withheld under a confidentiality order are left out
// until their date).
nlohmann::json subject_recipients_json(Desk& desk, const std::string& subject_id);
// Recipients to tell of a correction, restriction or erasure (GDPR Art. 19).
nlohmann::json notify_list(Desk& desk, const std::string& subject_id);

}  // namespace dsr
