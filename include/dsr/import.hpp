// `dsr import`: subjects registered from a CSV file (RFC 4180, see csv.hpp).
// The header names the columns; each following record registers one subject
// exactly as `register` would. Rows run through the same chunked engine as a
// batch (batch.hpp): good rows are kept, a bad row is reported with the line
// where its record starts, and `atomic` makes the file all-or-nothing.
#pragma once
#include <string>
#include <vector>

#include "dsr/batch.hpp"

namespace dsr {

// Columns a header may name (besides CATEGORY.KEY attribute columns):
// email, name, username, phone, address, zip, contact_preference, interests
// (several separated by ';', or by ',' inside a quoted cell), account_type,
// card_number, card_expiry, card_token, source. Names are matched without
// regard to case or surrounding spaces. An empty cell leaves the field unset.
const std::vector<std::string>& import_columns();

// Columns from the tools people already have (a CRM's or a newsletter tool's
// export): `Email Address=email` renames a column, `First Name+Last Name=name`
// joins several with a space (blank cells left out); skipped columns are
// ignored. Names are matched without regard to case or surrounding spaces.
struct ColumnMap {
  struct Rule {
    std::vector<std::string> from;  // header columns, joined in this order
    std::string to;                 // an import column or CATEGORY.KEY
  };
  std::vector<Rule> rules;
  std::vector<std::string> skip;
  bool empty() const { return rules.empty() && skip.empty(); }
};
// "A=to" or "A+B=to"; Error(usage) naming the spec otherwise.
ColumnMap::Rule parse_map_rule(const std::string& spec);
// A map file: one rule a line, "# comments" and blank lines ignored, and
// "-COLUMN" for a column to skip.
void read_map_file(const std::string& text, ColumnMap& map);

// Throws Error(usage) before anything is written when the header is missing
// or malformed, names an unknown column (all of them are named), repeats a
// column, or lacks email or name. Each row's result is handed to `sink` as in
// run_batch, with op "register".
// With a map, `mapping` (when given) receives how each column was read, for
// the dry run to show ("Email Address -> email", "Notes: skipped").
BatchSummary import_csv(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink, const ColumnMap& map = {},
                        std::vector<std::string>* mapping = nullptr);

}  // namespace dsr
