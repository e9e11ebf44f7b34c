#!/usr/bin/env bash
# End-to-end: the subject lifecycle as a script would drive it.
. "$(dirname "$0")/lib.sh"
new_vault s
export DSR_DB="$V" DSR_KEY_FILE="$K"
SCHEMA="$DSR_SRC/schema/export.schema.json"
PY=/usr/bin/python3

run dsr register --email Alice@Example.com --name "Alice Doe" --username alice --phone "+1 415 555 0100" \
  --interest news --card-number 4111111111111111 --card-expiry 12/39 --card-token tok_1 --attr survey.age_band=30-39
expect_rc 0 "register"
expect_out '^sub_[0-9A-Z]{16}$' "register prints only the new id"
ALICE=$OUT

run dsr register --email bob@example.org --name "Bob Roe" --json
expect_rc 0 "register --json"
BOB=$(jget "$OUT" 'd["id"]')
check "register --json prints the stored record" test "$(jget "$OUT" 'd["status"]')" = active

# A refusal (exit 7) changes no data; it is recorded in the audit trail.
run dsr register --email x@example.com --name X --attr payment.cvv=SECRETCVV
expect_rc 7 "a card security code is refused"
expect_err "PCI" "and the refusal says why"
run dsr audit log --json
check "the refusal is in the audit trail" test "$(jget "$OUT" '[e["outcome"] for e in d if e["command"]=="register"][-1]')" = refused
expect_no_out "SECRETCVV" "the refused value is not in the audit trail"

# Bad input: each names the field, exits 2, and changes nothing (not even the audit trail).
before=$(sha256sum "$V" | cut -d' ' -f1)
for args in "--email not-an-email --name X:email" "--email x@example.com --name X --phone 12:phone" \
            "--email x@example.com --name X --card-number 4111111111111112 --card-expiry 12/39:card_number" \
            "--email x@example.com --name X --card-number 4111111111111111 --card-expiry 13/39:card_expiry" \
            "--email x@example.com --name X --card-number 4111111111111111 --card-expiry 01/20:card_expiry" \
            "--email x@example.com --name X --attr nosuch.key=1:attr" \
            "--email x@example.com --name X --zip !!:zip"; do
  field=${args##*:}
  # shellcheck disable=SC2086
  run dsr register ${args%:*}
  expect_rc 2 "bad $field is a usage error"
  expect_err "$field" "the error names $field"
done
run dsr register --email x@example.com --name "$(printf 'x%.0s' $(seq 1 201))"
expect_rc 2 "a 201-character name is too long"
expect_err "name" "the error names the field"
run bash -c "printf '4111111111111111\0junk\n' | \"$DSR_BIN\" register --email x@example.com --name X --card-number - --card-expiry 12/39"
expect_rc 2 "a NUL inside a value is refused"
run dsr register --email ALICE@example.com --name Dup
expect_rc 4 "duplicate email"
expect_err "$ALICE" "the conflict names the existing subject"
run dsr register --email other@example.com --name Dup --username ALICE
expect_rc 4 "duplicate username"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "failed commands leave the vault file byte-identical" test "$before" = "$after"
run dsr correct alice --set favourite=blue
expect_rc 2 "unknown field"
expect_err "unknown field" "says the field is unknown"

# show / find / list
run dsr show alice@example.com
expect_rc 0 "show by email"
expect_out "\+14155550100" "phone is shown in E.164"
expect_no_out "4111111111111111" "the full card number is nowhere"
run dsr show nobody@example.com
expect_rc 3 "unknown subject"
expect_err "dsr find" "the error suggests find"
run dsr find ali
expect_out "$ALICE" "find by prefix"
run dsr find Roe --format ndjson
check "find by any part of the name" test "$(jget "$OUT" 'd["id"]')" = "$BOB"
run dsr list --format csv
expect_rc 0 "list csv"
check "csv has a header and two rows" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 3
run dsr list --format json --limit 1 --offset 1
check "paging returns the second subject" test "$(jget "$OUT" 'd[0]["id"]')" = "$BOB"
expect_no_out "$ALICE" "and only it"
expect_no_err "more subjects follow" "the last page says nothing more follows"
run dsr list --format json --limit 1
expect_err "more subjects follow: --offset 1" "a page that is not the last says so on stderr, with the next offset"

# correct
run dsr correct alice --set phone="+1 415 555 0199" --set zip=94110 --source "Acme Address Check" --json
expect_rc 0 "correct"
check "correct names the changed fields" test "$(jget "$OUT" 'sorted(d["changed"])')" = "['phone', 'zip']"
check "correct --json has a notify list" test "$(jget "$OUT" 'd["notify"]')" = "[]"
run dsr show alice --json
check "supplemented data keeps its source" test "$(jget "$OUT" '[v["source"] for v in d["values"] if v["field"]=="zip"][0]')" = "Acme Address Check"

# export validates against the schema
run dsr export alice -o "$TMP/alice.json"
expect_rc 0 "export to a file"
check "export file is 0600" test "$(stat -c %a "$TMP/alice.json")" = 600
run dsr --json export alice -o "$TMP/alice2.json"
check "--json export -o says what it wrote" test "$(jget "$OUT" 'd["ok"], d["file"], d["subject"]')" = "(True, '$TMP/alice2.json', '$ALICE')"
dsr export "$BOB" > "$TMP/bob.json"
run "$PY" "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/alice.json" "$TMP/bob.json"
expect_rc 0 "exports validate against schema/export.schema.json"
check "export has the recipients list" test "$(jget "$(cat "$TMP/alice.json")" 'd["recipients"]')" = "[]"
echo '{"format":"dsr-access-package"}' > "$TMP/broken.json"
run "$PY" "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/broken.json"
expect_rc 1 "the schema check rejects an incomplete package"

# deactivate / reactivate
run dsr deactivate alice --reason "restriction request"
expect_rc 0 "deactivate"
expect_out "deactivated $ALICE" "says what changed"
run dsr list
expect_no_out "$ALICE" "deactivated subjects are left out of the default listing"
run dsr list --status deactivated
expect_out "$ALICE" "but listed with --status deactivated"
dsr export alice > "$TMP/alice-d.json"
run "$PY" "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/alice-d.json"
expect_rc 0 "a deactivated subject's export validates"
run dsr reactivate alice
expect_out "reactivated $ALICE" "reactivate"

# delete: confirmation, dry run, erasure, tombstone
run dsr delete alice
expect_rc 2 "delete without --yes on a non-terminal is refused"
expect_err "\-\-yes" "and names --yes"
run dsr delete alice --dry-run
expect_rc 0 "dry run"
expect_out "would erase $ALICE" "dry run says what would go"
run dsr show alice
expect_rc 0 "dry run erased nothing"
run dsr delete alice --yes --reason "erasure request" --json
expect_rc 0 "delete --yes"
check "delete --json lists erased fields" test "$(jget "$OUT" '"email" in d["fields"]')" = True
run dsr show "$ALICE"
expect_rc 0 "an erased subject is shown as a tombstone"
expect_out "erased" "as erased"
expect_no_out "Alice" "with no personal data"
run dsr show alice@example.com
expect_rc 3 "the erased email is not found"
expect_err "erased on" "but reported as erased with the date"
run dsr export "$ALICE"
expect_rc 0 "export of an erased subject says what is kept"
check "no values, the tombstone kept" test "$(jget "$OUT" '(d["data"], d["kept"][0]["record"])')" = "([], 'tombstone')"
expect_no_out "Alice" "with no personal data"
run dsr register --email alice@example.com --name "Alice Again"
expect_rc 0 "re-registration is allowed"
expect_err "belonged to subject $ALICE" "but flagged"
run dsr info --json
check "info counts subjects by status" test "$(jget "$OUT" 'd["subjects"]["erased"]')" = 1
check "no plaintext email in the vault file" bash -c "! grep -qa 'example.org' '$V'"
finish
