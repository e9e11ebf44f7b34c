// What the privacy policy says about each category of data: why it is held,
// how long, and whether it is restricted to billing staff. One table, used by
// export, inventory and the sharing rules.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dsr {

struct CategoryInfo {
  std::string name;
  std::string description;
  std::vector<std::string> purposes;
  std::string retention;  // the period or the criteria, in words (GDPR Art. 15(1)(d))
  bool restricted;        // sealed under the category key: admin and billing only
};

const std::vector<CategoryInfo>& categories();
const CategoryInfo* category_info(std::string_view name);
// The category of a built-in field (name -> identity, card_token -> payment ...); empty if unknown.
std::string field_category(std::string_view field);

struct Right {
  std::string name;
  std::string basis;
  std::string how;
};
// The rights a data subject has, as listed in every access package.
const std::vector<Right>& subject_rights();

}  // namespace dsr
