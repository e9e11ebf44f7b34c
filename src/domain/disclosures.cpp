#include "dsr/disclosures.hpp"

namespace dsr {

// The disclosure log arrives with the disclosures issue; until then nothing
// has been disclosed, so both lists are empty by construction.
nlohmann::json subject_recipients_json(Desk&, const std::string&) { return nlohmann::json::array(); }
nlohmann::json notify_list(Desk&, const std::string&) { return nlohmann::json::array(); }

}  // namespace dsr
