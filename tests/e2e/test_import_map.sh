#!/usr/bin/env bash
# End-to-end: import from the CSV a CRM or newsletter tool exports, with its
# own headers: --map renames and joins columns, --skip-columns leaves some
# out, --map-file keeps the rules for next time; the dry run shows them.
. "$(dirname "$0")/lib.sh"
new_vault m
export DSR_DB="$V" DSR_KEY_FILE="$K"
cat > "$TMP/crm.csv" <<'CSV'
Email Address,First Name,Last Name,Phone Number,Member Rating
ann@example.com,Ann,Lee,,5
bo@example.com,Bo,,,2
CSV
run dsr import "$TMP/crm.csv"
expect_rc 2 "a CRM's headers are unknown columns"
expect_err "--map" "the message says how to map them"
run dsr import "$TMP/crm.csv" --dry-run --map 'Email Address=email' --map 'First Name+Last Name=name' \
  --skip-columns 'Phone Number,Member Rating'
expect_rc 0 "the dry run with a map"
expect_out "Email Address -> email" "it shows the mapping it used"
expect_out "First Name \+ Last Name -> name" "joins included"
expect_out "Member Rating: skipped" "and what it skipped"
expect_out "2 of 2 rows would be imported" "both rows would go in"
printf '# Mailchimp export\nEmail Address=email\nFirst Name+Last Name=name\n-Phone Number\n-Member Rating\n' > "$TMP/crm.map"
run dsr import "$TMP/crm.csv" --map-file "$TMP/crm.map"
expect_rc 0 "the import with a map file"
run dsr show ann@example.com --json
check "the names were joined with a space" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="name"][0]')" = "Ann Lee"
run dsr show bo@example.com --json
check "a blank last name leaves no trailing space" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="name"][0]')" = "Bo"
run dsr import "$TMP/crm.csv" --map 'E-mail=email'
expect_rc 2 "a map naming a column that is not there"
expect_err 'no column "E-mail"' "is named"
run dsr import "$TMP/crm.csv" --map 'oops'
expect_rc 2 "a malformed rule"
finish
