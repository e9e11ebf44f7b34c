#include "dsr/fields.hpp"

namespace dsr::fields {

const std::vector<Field>& table() {
  static const std::vector<Field> t = {
      {Kind::name, "name", "identity", "--name", "Full name", {"name"}, "name_key", false, true, {"name"}},
      {Kind::username, "username", "identity", "--username", "Unique identifier chosen at sign-up", {"username"},
       "username_key", false, false, {"username", "username_key"}},
      {Kind::email, "email", "contact", "--email", "Email address (unique)", {"email"}, "email_key", false, true,
       {"email"}},
      {Kind::phone, "phone", "contact", "--phone", "Phone number (stored as E.164)", {"phone"}, "", false, false,
       {"phone"}},
      {Kind::address, "address", "contact", "--address", "Postal address", {"address"}, "", false, false,
       {"address"}},
      {Kind::zip, "zip", "contact", "--zip", "Zip or postal code", {"zip"}, "", false, false, {"zip"}},
      {Kind::contact_preference, "contact_preference", "contact", "--contact-preference", "email or phone",
       {"contact_preference"}, "", false, false, {"contact_preference"}},
      {Kind::interests, "interests", "preferences", "--interest", "A service of interest (repeatable)",
       {"interests"}, "", false, false, {"interests"}},
      {Kind::account_type, "account_type", "billing", "--account-type", "individual or corporate",
       {"account_type"}, "", true, false, {"account_type"}},
      {Kind::card_number, "card_number", "payment", "--card-number",
       "Card number, or - to read it from stdin (only brand and last 4 are kept)", {"card_brand", "card_last4"}, "",
       false, false, {"card_brand", "card_last4", "card_expiry", "card_token"}},
      {Kind::card_expiry, "card_expiry", "payment", "--card-expiry", "Card expiry MM/YY", {"card_expiry"}, "", true,
       false, {"card_expiry"}},
      {Kind::card_token, "card_token", "payment", "--card-token", "The card processor's token", {"card_token"}, "",
       true, false, {"card_token"}},
  };
  return t;
}

const Field* find(std::string_view name) {
  if (name == "interest") name = "interests";
  for (const auto& f : table())
    if (f.name == name) return &f;
  return nullptr;
}

const Field* by_column(std::string_view column) {
  for (const auto& f : table())
    for (auto c : f.columns)
      if (c == column) return &f;
  return nullptr;
}

const std::vector<std::string>& value_columns() {
  static const std::vector<std::string> cols = [] {
    std::vector<std::string> out;
    for (const auto& f : table())
      for (auto c : f.columns) out.emplace_back(c);
    return out;
  }();
  return cols;
}

bool sealed_column(std::string_view column) {
  const Field* f = by_column(column);
  return f && f->sealed;
}

std::string category_of(std::string_view name) {
  if (const Field* f = find(name)) return std::string(f->category);
  if (const Field* f = by_column(name)) return std::string(f->category);
  return "";
}

}  // namespace dsr::fields
