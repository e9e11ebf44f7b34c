#!/usr/bin/env bash
# End-to-end: disclosures, the sharing rules both ways, the accounting, holds.
. "$(dirname "$0")/lib.sh"
new_vault d
export DSR_DB="$V" DSR_KEY_FILE="$K"
A=$(dsr register --email ann@example.org --name "Ann Able" --username ann --card-number 5555555555554444 --card-expiry 10/35 --attr survey.age_band=30-39)
B=$(dsr register --email ben@example.org --name "Ben Baker")
C=$(dsr register --email cat@example.org --name "Cat Cole")
dsr deactivate "$C" >/dev/null

count() { dsr disclosures "$1" --format ndjson --since 0001-01-01 | grep -c . ; }

# Each rule: refused, then allowed.
run dsr disclose "$A" --recipient "Ad Network" --recipient-type partner --categories contact --purpose marketing --basis consent --json
expect_rc 7 "contact data to a partner is refused"
check "the refusal names the rule in --json" test "$(jget "$OUT" 'd["error"]["details"][0]["rule"]')" = contact-third-parties
expect_err "contact-third-parties" "and on stderr"
run dsr disclose "$A" --recipient "County Court" --recipient-type authority --categories contact,identity --purpose "civil subpoena" --basis legal-obligation --reference CV-2026-114 --recipient-address "1 Court St"
expect_rc 0 "contact data on a legal obligation is allowed"
run dsr disclose "$A" --recipient "MailCo" --recipient-type processor --categories contact --purpose marketing --basis contract
expect_rc 7 "contact data to a processor whose purpose does not need it is refused"
run dsr disclose "$A" --recipient "MailCo" --recipient-type processor --categories contact,identity --purpose email-delivery --basis contract
expect_rc 0 "contact data to a processor whose purpose needs it is allowed"
run dsr disclose "$A" --recipient "SurveyCo" --recipient-type processor --categories survey --purpose survey --basis contract
expect_rc 7 "survey data to a third party is refused"
expect_err "survey-never-shared" "by the survey rule"
run dsr disclose "$A" --recipient "Regulator" --recipient-type authority --categories survey --purpose "statutory inquiry" --basis legal-obligation
expect_rc 2 "a disclosure to an authority needs the reference of its order"
expect_err "reference: .*subpoena, order" "and the error says what is missing"
run dsr disclose "$A" --recipient "Regulator" --recipient-type authority --categories survey --purpose "statutory inquiry" --basis legal-obligation --reference REF-1
expect_rc 0 "survey data on a legal obligation is allowed"
run dsr disclose "$A" --recipient "Acme Corp" --recipient-type acquirer --categories payment --purpose "asset transfer" --basis legitimate-interests
expect_rc 7 "payment data to anyone but the card processor is refused"
expect_err "payment-billing-processor" "by the payment rule"
run dsr disclose "$A" --recipient "PayCo" --recipient-type processor --categories payment,billing --purpose "billing: monthly" --basis contract
expect_rc 0 "payment data to the card processor for billing is allowed"
run dsr disclose "$C" --recipient "MailCo" --recipient-type processor --categories contact --purpose email-delivery --basis contract
expect_rc 7 "a deactivated subject's data is refused without a legal obligation"
expect_err "deactivated-legal-only" "by the restriction rule"
run dsr disclose "$C" --recipient "County Court" --recipient-type authority --categories identity --purpose subpoena --basis legal-obligation --reference REF-2
expect_rc 0 "a deactivated subject's data on a legal obligation is allowed"
run dsr disclose "$A" "$B" --recipient "Ad Network" --recipient-type partner --categories identity --purpose x --basis consent --date 2099-01-01
expect_rc 2 "a future date is a usage error"
check "refused and invalid disclosures logged nothing" test "$(count "$A")" -eq 4
run dsr disclose --rules --json
check "the rules print as data" test "$(jget "$OUT" 'len(d["rules"])')" -ge 5

# The accounting: fields, the 6-year window, --since.
dsr disclose "$B" --recipient "Old Court" --recipient-type authority --categories identity --purpose "old case" --basis legal-obligation --reference REF-3 --date 2015-03-01 >/dev/null
dsr disclose "$B" --recipient "Recent Court" --recipient-type authority --categories identity --purpose "recent case" --basis legal-obligation --reference REF-4 --date 2022-03-01 >/dev/null
run dsr disclosures "$B" --json
check "the default accounting covers six years" test "$(jget "$OUT" '[x["recipient"] for x in d]')" = "['Recent Court']"
run dsr disclosures "$B" --since 2010-01-01 --json
check "--since reaches further back" test "$(jget "$OUT" 'len(d)')" -eq 2
run dsr disclosures "$A" --json
check "an accounting entry has date, recipient, address, categories, purpose, basis, reference" \
  test "$(jget "$OUT" '[(x["date"] is not None, x["recipient_address"], x["categories"], x["purpose"], x["basis"], x["reference"]) for x in d if x["recipient"]=="County Court"][0]')" \
  = "(True, '1 Court St', ['contact', 'identity'], 'civil subpoena', 'legal-obligation', 'CV-2026-114')"
run dsr recipients "$A" --json
check "recipients lists each recipient once" test "$(jget "$OUT" 'sorted(x["recipient"] for x in d)')" = "['County Court', 'MailCo', 'PayCo', 'Regulator']"

# --withhold-until: out of the subject's export until the date, always in the accounting.
dsr disclose "$B" --recipient "Police" --recipient-type authority --categories identity --purpose investigation --basis legal-obligation --reference REF-5 --withhold-until 2099-12-31 >/dev/null
dsr disclose "$B" --recipient "Tax Office" --recipient-type authority --categories identity --purpose audit --basis legal-obligation --reference REF-6 --date 2024-01-10 --withhold-until 2025-01-10 >/dev/null
run dsr export "$B"
check "a withheld disclosure stays out of the export" test "$(jget "$OUT" '"Police" in [r["recipient"] for r in d["recipients"]]')" = False
check "one whose order expired is in it" test "$(jget "$OUT" '"Tax Office" in [r["recipient"] for r in d["recipients"]]')" = True
run dsr disclosures "$B" --json
check "the withheld one is in the accounting" test "$(jget "$OUT" '"Police" in [r["recipient"] for r in d]')" = True
dsr export "$A" > "$TMP/a.json"
run /usr/bin/python3 "$DSR_SRC/tests/e2e/validate_export.py" "$DSR_SRC/schema/export.schema.json" "$TMP/a.json"
expect_rc 0 "an export with recipients validates against the schema"

# GDPR Art. 19: who to tell after correct, deactivate and delete.
run dsr correct "$A" --set zip=10001 --json
check "correct --json lists the recipients to notify" test "$(jget "$OUT" 'sorted(x["recipient"] for x in d["notify"])')" = "['County Court', 'MailCo', 'PayCo', 'Regulator']"
run dsr correct "$A" --set zip=10001
expect_no_out "notify" "no change, nobody to notify"
run dsr deactivate "$A"
expect_out "notify: .*County Court" "deactivate names the recipients"
dsr reactivate "$A" >/dev/null

# Legal holds.
run dsr hold place "$A" --reason "litigation" --reference CV-2026-114
expect_rc 0 "hold place"
run dsr delete "$A" --yes
expect_rc 7 "delete of a held subject is refused"
expect_err "legal hold.*CV-2026-114" "and names the hold"
run dsr hold list --json
check "hold list shows it" test "$(jget "$OUT" 'd[0]["subject"]')" = "$A"
run dsr hold release "$A"
expect_rc 0 "hold release"
run dsr hold release "$A"
expect_rc 3 "releasing again finds no hold"
run dsr delete "$A" --yes --json
expect_rc 0 "delete after release"
check "delete lists the recipients to notify" test "$(jget "$OUT" 'len(d["notify"])')" -eq 4

# After erasure the accounting stays, linked to the tombstone.
run dsr disclosures "$A" --json
check "disclosures survive the erasure" test "$(jget "$OUT" 'len(d)')" -eq 4
expect_no_out "ann@example.org|Ann Able" "and hold no personal values"
run dsr disclose "$A" --recipient "County Court" --recipient-type authority --categories identity --purpose subpoena --basis legal-obligation --reference REF-7
expect_rc 3 "an erased subject cannot be disclosed"
finish
