// THE subject field table: every built-in field a subject can hold, and
// everything the code needs to know about it. Validation, sealing, display
// order, the store columns, the CLI's register options, batch and CSV keys,
// the access package, unset and the inventory all read this table; adding a
// field is one row here (src/domain/subjects/fields.cpp), one case in
// apply_input's switch (the compiler asks for it), and a column in the store's
// schema (tests/unit/domain/subjects/fields_test.cpp checks they agree).
// Attributes (CATEGORY.KEY) are not in the table: they are free-form rows.
//
// Thread safety: the table is immutable; every function is thread-safe.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace dsr::fields {

// How a value is checked and stored: one per field, dispatched by a switch
// in src/domain/subjects/subject_codec.cpp (so a new field without its case
// does not build under -Werror: -Wswitch).
enum class Kind {
  name, username, email, phone, address, zip, contact_preference, interests, account_type,
  card_number, card_expiry, card_token,
};

struct Field {
  Kind kind;
  std::string_view name;      // FIELD in --set/--unset; the batch key and the CSV column
  std::string_view category;  // identity, contact, billing, payment, preferences
  std::string_view flag;      // the `dsr register` option
  std::string_view help;      // its help text
  // The store columns holding the value, in display order (the values a
  // subject shows, exports and counts). card_number keeps only the brand and
  // last 4 digits, never the number.
  std::vector<std::string_view> columns;
  std::string_view index_column;         // the lookup key kept beside it ("" when none)
  bool sealed;                           // stored sealed under the category key (vault/seal.hpp)
  bool required;                         // needed to register; can be corrected, never unset
  std::vector<std::string_view> unset;   // the columns `--unset FIELD` removes (erasure of one field)
};

// Every built-in field, in display order.
const std::vector<Field>& table();
// The field named `name` ("interest", the repeatable form, names interests), or null.
const Field* find(std::string_view name);
// The field that stores `column` (card_brand -> card_number), or null.
const Field* by_column(std::string_view column);
// Every value column in display order (what a subject shows).
const std::vector<std::string>& value_columns();
// True for a column stored sealed.
bool sealed_column(std::string_view column);
// The category of a field or of a value column; "" when neither.
std::string category_of(std::string_view field_or_column);

}  // namespace dsr::fields
