#!/usr/bin/env bash
# End-to-end: policy versions on every stored value, whom a new version affects,
# choices about new uses (in the export too), contact lists for notices, and
# the record of processing.
. "$(dirname "$0")/lib.sh"
new_vault p
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-01-15
SCHEMA="$DSR_SRC/schema/export.schema.json"

# Registered before any policy version was recorded (an import, say).
P=$(dsr register --email pre@example.com --name "Pre Policy")
run dsr policy add 1.0 --effective 2026-01-01 --summary "the policy at launch"
expect_rc 0 "policy add"
run dsr policy add 1.0 --effective 2026-02-01
expect_rc 4 "a version exists once"
run dsr policy add 0.9 --effective 2025-06-01
expect_rc 2 "versions follow each other"
run dsr policy add "1 .1" --effective 2026-02-01
expect_rc 2 "a malformed version name"
run dsr policy add 1.1 --effective 2026-13-01
expect_rc 2 "a malformed date"

A=$(dsr register --email alice@example.com --name "Alice Doe" --phone "+1 415 555 0100" --contact-preference phone)
B=$(dsr register --email bob@example.com --name "Bob Roe" --contact-preference phone)
C=$(dsr register --email carol@example.com --name "Carol Coe" --phone "+1 415 555 0102")
D=$(dsr register --email dave@example.com --name "Dave Doe")
E=$(dsr register --email erin@example.com --name "Erin Eve" --attr survey.age_band=30-39)
dsr deactivate "$D" --reason "restriction request" >/dev/null
dsr delete "$E" --yes >/dev/null

run dsr show alice@example.com --json
check "each value records the policy version in force" test "$(jget "$OUT" '{v["policy_version"] for v in d["values"]}')" = "{'1.0'}"

# Choices.
run dsr choice bob@example.com --new-uses decline
expect_rc 0 "choice"
expect_out "declines new uses" "says what was recorded"
run dsr choice bob@example.com --new-uses maybe
expect_rc 2 "accept or decline only"
run dsr choice "$E" --new-uses decline
expect_rc 3 "an erased subject has no choices to record"
dsr export bob@example.com > "$TMP/bob.json"
dsr export alice@example.com > "$TMP/alice.json"
run python3 "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/bob.json" "$TMP/alice.json"
expect_rc 0 "exports with and without a choice validate against the schema"
check "the export shows the choice" test "$(jget "$(cat "$TMP/bob.json")" 'd["subject"]["choices"]["new_uses"]')" = decline
check "and the policy version it was made under" test "$(jget "$(cat "$TMP/bob.json")" 'd["subject"]["choices"]["policy_version"]')" = 1.0
check "no choice, no choices object" test "$(jget "$(cat "$TMP/alice.json")" '"choices" in d["subject"]')" = False
check "the export shows each value's policy version" test "$(jget "$(cat "$TMP/alice.json")" '{v["policy_version"] for v in d["data"]}')" = "{'1.0'}"
python3 - "$TMP/bob.json" "$TMP/bad.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["subject"]["choices"]["new_uses"] = "maybe"
json.dump(d, open(sys.argv[2], "w"))
EOF
run python3 "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/bad.json"
expect_rc 1 "the schema rejects a choice that is neither accept nor decline"

# A material change.
export DSR_TODAY=2026-07-01
run dsr policy add 2.0 --effective 2026-06-01 --material --summary "acquired by Acme Corp" --purpose "marketing by the acquirer"
expect_rc 0 "add a material version"
expect_err "policy affected 2.0" "and says how to find whom to tell"
N=$(dsr register --email nina@example.com --name "Nina New")
run dsr policy list --json
check "two versions, 2.0 in force" test "$(jget "$OUT" '[(p["version"], p["in_force"]) for p in d]')" = "[('1.0', False), ('2.0', True)]"
run dsr policy affected 2.0 --json
expect_rc 0 "policy affected"
check "affected: the active subjects with data under 1.0 or before any version" test "$(jget "$OUT" 'sorted(s["subject"] for s in d["subjects"])')" = "$(python3 -c "print(sorted(['$A','$B','$C','$P']))")"
check "one declined" test "$(jget "$OUT" 'd["declined"]')" = 1
check "Bob is flagged" test "$(jget "$OUT" '[s["declined"] for s in d["subjects"] if s["subject"]=="'"$B"'"][0]')" = True
check "a change of use is told by email, though Alice prefers phone" test "$(jget "$OUT" '[(s["method"], s["address"]) for s in d["subjects"] if s["subject"]=="'"$A"'"][0]')" = "('email', 'alice@example.com')"
expect_no_out "$D" "a deactivated subject is not listed"
expect_no_out "$E" "an erased subject is not listed"
expect_no_out "$N" "a subject whose data is all under 2.0 is not listed"
run dsr policy affected 2.0
expect_out "DECLINED" "the table flags who declined"
expect_err "4 active subject" "and counts them"
run dsr policy affected 2.0 --format csv
check "csv: a header and four subjects" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 5
run dsr policy affected 9.9
expect_rc 3 "an unknown version"

# A disclosure for a new purpose: refused for the subject who declined new uses.
run dsr disclose "$B" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "marketing by the acquirer" --basis consent
expect_rc 7 "no disclosure to Bob for a purpose his policy version did not state"
expect_err "declined new uses" "and the refusal says why"
run dsr disclosures "$B" --json
check "nothing was logged for Bob" test "$(jget "$OUT" 'len(d["disclosures"]) if isinstance(d, dict) else len(d)')" = 0
run dsr disclose "$A" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "marketing by the acquirer" --basis consent
expect_rc 7 "Alice made no choice but gave no consent either: a disclosure on consent is refused (GDPR Art. 7(1))"
dsr consent record "$A" --purpose "marketing by the acquirer" --notice 2.0 --method email >/dev/null
run dsr disclose "$A" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "marketing by the acquirer" --basis consent
expect_rc 0 "Alice made no choice and consented: the disclosure goes out"
run dsr disclose "$B" --recipient "Court" --recipient-type authority --categories identity --purpose "court order" --basis legal-obligation --reference CV-1
expect_rc 0 "a legal obligation still goes out for Bob"

# Contacts for notices.
for purpose in service-announcement policy-change business-transition; do
  run dsr contacts --purpose "$purpose" --format ndjson
  expect_rc 0 "contacts for $purpose"
  check "$purpose: the five active subjects" test "$(printf '%s\n' "$OUT" | grep -c .)" -eq 5
  expect_no_out "$D|dave@" "$purpose: no deactivated subject"
  expect_no_out "$E|erin@" "$purpose: no erased subject"
done
run dsr contacts --purpose service-announcement --format csv
expect_out "^subject,name,method,address,new_uses" "csv header"
expect_out "$A,Alice Doe,phone,'\+14155550100," "a service announcement reaches Alice by phone, as she prefers (a leading + is kept as text in CSV)"
expect_out "$B,Bob Roe,email,bob@example.com," "Bob prefers phone but has none: email"
expect_out "$C,Carol Coe,email,carol@example.com," "Carol has a phone but no preference: email"
expect_out "$B,Bob Roe,email,bob@example.com,decline" "Bob's choice travels with the list"
for purpose in policy-change business-transition; do
  run dsr contacts --purpose "$purpose" --format csv
  expect_out "$A,Alice Doe,email,alice@example.com," "$purpose: told by email, as the policy promises, though Alice prefers phone"
done
run dsr contacts --purpose marketing
expect_rc 2 "only the three notice purposes"
dsr reactivate "$D" >/dev/null
run dsr contacts --purpose service-announcement --format ndjson
check "reactivated, Dave is back on the list" test "$(printf '%s\n' "$OUT" | grep -c "$D")" -eq 1

# The record of processing.
dsr disclose "$A" "$B" --recipient "MailCo" --recipient-type processor --categories identity,contact --purpose email-delivery --basis contract >/dev/null
run dsr inventory --json
expect_rc 0 "inventory"
check "contact values held by 6 live subjects" test "$(jget "$OUT" '[c["subjects"] for c in d["categories"] if c["category"]=="contact"][0]')" = 6
check "the erased subject's survey answer is not counted" test "$(jget "$OUT" '[c["values"] for c in d["categories"] if c["category"]=="survey"][0]')" = 0
check "recipients come from the disclosure log" test "$(jget "$OUT" 'sorted((r["recipient"], r["subjects"]) for r in d["recipients"])')" = "[('Acme Corp', 1), ('Court', 1), ('MailCo', 2)]"
check "secure_delete is read from the vault" test "$(jget "$OUT" 'd["security"]["secure_delete"]')" = True
check "one key slot" test "$(jget "$OUT" 'd["security"]["slot_count"]')" = 1
check "the policy in force" test "$(jget "$OUT" 'd["policy"]["in_force"]')" = 2.0
check "the retention rules in force are listed" test "$(jget "$OUT" '[r["duration"] for r in d["retention"]["rules"] if r["rule"]=="request_records"]')" = "['24m']"
expect_no_out "alice@example.com" "no personal value in the record"
run dsr inventory
expect_out "Security measures in force" "the human form has the measures"
expect_out "MailCo \(processor\)" "and the recipients"
finish
