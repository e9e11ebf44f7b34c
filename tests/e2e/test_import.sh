#!/usr/bin/env bash
# End-to-end: `dsr import` of CSV registrations (RFC 4180 edge cases, errors by line).
. "$(dirname "$0")/lib.sh"
# A python3 found first on PATH may be a slow wrapper (pyenv shims): use the system one when there is one.
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault i
export DSR_DB="$V" DSR_KEY_FILE="$K"

# A UTF-8 BOM, CRLF line ends, quoted commas, doubled quotes and a newline inside a quoted cell.
printf '\xef\xbb\xbfemail,name,username,interests,address,survey.age_band,source\r\n' > "$TMP/people.csv"
printf 'ann@example.com,"Able, Ann",ann,news;deals,"1 Main St\r\nSpringfield",30-39,Legacy CRM\r\n' >> "$TMP/people.csv"
printf 'bob@example.com,"Bob ""The Builder"" Baker",bob,,,,\r\n' >> "$TMP/people.csv"
printf 'not-an-email,Nobody,,,,,\r\n' >> "$TMP/people.csv"
printf 'cy@example.com,Cy,,,,\r\n' >> "$TMP/people.csv"
printf 'di@example.com,"Di" Dee,,,,,\r\n' >> "$TMP/people.csv"
printf 'ANN@example.com,Ann Again,,,,,\r\n' >> "$TMP/people.csv"
printf 'eve@example.com,Eve,eve,"a, b",,,\r\n' >> "$TMP/people.csv"

run dsr import "$TMP/people.csv" --dry-run
expect_rc 1 "a dry run with bad rows exits 1"
expect_out "dry run: 3 of 7 rows would be imported" "the dry run says how many rows would be imported"
run dsr list --status all --format ndjson
check "a dry run imports nothing" test -z "$OUT"

run dsr import "$TMP/people.csv"
expect_rc 1 "an import with bad rows exits 1"
expect_out "imported 3 of 7 rows" "the summary says how many rows were imported"
expect_err "^dsr: line 5: email" "a bad value is reported with its line (the record after a two-line one)"
expect_err "line 6: 6 fields, but the header names 7 columns" "a short row is reported"
expect_err "line 7: .*quote" "a stray quote is reported"
expect_err "line 8: email: already registered" "a duplicate is reported"
expect_err "dsr: 4 of 7 rows failed \(first at line 5\)" "and the count"
run dsr show ann --json
expect_rc 0 "good rows are stored"
check "a quoted comma stays in the value" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="name"][0]')" = "Able, Ann"
check "a newline inside a quoted cell is kept (as LF)" \
  test "$(jget "$OUT" 'repr([v["value"] for v in d["values"] if v["field"]=="address"][0])')" = "'1 Main St\\nSpringfield'"
check "interests split on ;" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="interests"][0]')" = "['news', 'deals']"
check "attribute columns are stored" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="survey.age_band"][0]')" = "30-39"
check "the source column is the provenance" test "$(jget "$OUT" '[v["source"] for v in d["values"] if v["field"]=="name"][0]')" = "Legacy CRM"
run dsr show bob --json
check "doubled quotes are one quote" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="name"][0]')" = 'Bob "The Builder" Baker'
run dsr show eve --json
check "a quoted cell may separate interests with commas" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="interests"][0]')" = "['a', 'b']"

# Unknown columns: named, exit 2, nothing imported.
printf 'email,name,favourite colour,Shoe.Size\nzed@example.com,Zed,blue,9\n' > "$TMP/unknown.csv"
run dsr import "$TMP/unknown.csv"
expect_rc 2 "unknown columns are a usage error"
expect_err '"favourite colour", "Shoe.Size"' "every unknown column is named"
expect_err "nothing was imported" "and nothing was imported"
run dsr show zed@example.com
expect_rc 3 "zed was not imported"
printf 'email,phone\nzed@example.com,+14155550100\n' > "$TMP/noname.csv"
run dsr import "$TMP/noname.csv"
expect_rc 2 "a header without name"
expect_err "no name column" "says which column is missing"

# stdin, --json and --format ndjson
run bash -c "printf 'email,name\nfay@example.com,Fay\ngus@example.com,Gus\n' | \"$DSR_BIN\" import - --json"
expect_rc 0 "import from stdin"
check "--json gives one document with the counts" test "$(jget "$OUT" '(d["rows"], d["imported"], d["failed"])')" = "(2, 2, 0)"
run bash -c "printf 'email,name\nhal@example.com,Hal\nbad,Bad\n' | \"$DSR_BIN\" import - --format ndjson"
expect_rc 1 "ndjson with a bad row"
check "--format ndjson prints one result per row with the new id" \
  test "$(printf '%s\n' "$OUT" | head -1 | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["line"], d["ok"], d["result"]["id"][:4])')" = "2 True sub_"
check "and the failed row by its line" test "$(printf '%s\n' "$OUT" | sed -n 2p | python3 -c 'import sys,json; d=json.load(sys.stdin); print(d["line"], d["error"]["kind"])')" = "3 usage"

# --atomic: all or nothing
printf 'email,name\nivy@example.com,Ivy\nbad,Bad\n' > "$TMP/atomic.csv"
run dsr import "$TMP/atomic.csv" --atomic
expect_rc 1 "--atomic with a bad row"
run dsr show ivy@example.com
expect_rc 3 "--atomic kept nothing"

run dsr import "$TMP/nope.csv"
expect_rc 3 "a missing file is not found"
finish
