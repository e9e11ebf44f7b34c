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

// Throws Error(usage) before anything is written when the header is missing
// or malformed, names an unknown column (all of them are named), repeats a
// column, or lacks email or name. Each row's result is handed to `sink` as in
// run_batch, with op "register".
BatchSummary import_csv(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink);

}  // namespace dsr
