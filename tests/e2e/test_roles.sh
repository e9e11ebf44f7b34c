#!/usr/bin/env bash
# Roles: each role against each category and each command group. Support
# sees billing and payment masked (brand and last 4 only) and cannot write,
# export or manage keys; billing reads and writes billing and payment but not
# survey, supplemental or preferences values; the auditor reads the audit
# trail, disclosures, requests and reports, never a personal value; admin
# does everything. Every refusal exits 7, names the role needed, and is audited.
. "$(dirname "$0")/lib.sh"
new_vault roles
export DSR_DB="$V" DSR_KEY_FILE="$K"
ADMIN_KEY=$K

run dsr register --email alice@example.com --name "Alice Doe" --username alice --phone "+1 415 555 0100" \
  --zip 94110 --interest hiking --account-type corporate --card-number "4111 1111 1111 1111" --card-expiry 12/39 \
  --card-token tok_ALICE99 --attr survey.age_band=25-34 --attr supplemental.credit_band=A7
expect_rc 0 "admin registers alice with every category"
run dsr register --email bob@example.com --name "Bob Roe" --phone "+1 415 555 0111" --interest chess
expect_rc 0 "admin registers bob (no billing or payment data)"
run dsr register --email carol@example.com --name "Carol Poe" --card-number "5555 5555 5555 4444" --card-expiry 01/40
expect_rc 0 "admin registers carol (identity, contact and payment only)"
for r in support billing auditor; do
  run dsr key add "$r" --role "$r" --new-key-file "$TMP/$r.key"
  expect_rc 0 "admin adds a $r slot with a key file"
done
SUP=(--key-file "$TMP/support.key")
BIL=(--key-file "$TMP/billing.key")
AUD=(--key-file "$TMP/auditor.key")

# ---- support -----------------------------------------------------------------
run dsr "${SUP[@]}" show alice
expect_rc 0 "support: show alice"
expect_out "card_brand +visa" "support: card brand visible"
expect_out "card_last4 +1111" "support: last 4 visible"
expect_out "card_expiry +\(restricted: needs the admin or billing role\)" "support: card expiry restricted, naming billing"
expect_out "card_token +\(restricted" "support: card token restricted"
expect_out "account_type +\(restricted" "support: account type restricted"
expect_no_out "tok_ALICE99|2039|corporate" "support: no token, expiry or account type in the output"
expect_out "survey.age_band +25-34" "support: reads survey data"
expect_out "supplemental.credit_band +A7" "support: reads supplemental data"
expect_out "interests +hiking" "support: reads preferences"
run dsr --json "${SUP[@]}" show alice
expect_rc 0 "support: show --json"
expect_no_out "tok_ALICE99|2039-12|corporate" "support: no restricted value in JSON either"
run dsr "${SUP[@]}" find alice
expect_rc 0 "support: find"
run dsr "${SUP[@]}" list
expect_rc 0 "support: list"
expect_out "bob@example.com" "support: list shows subjects"
run dsr "${SUP[@]}" correct alice --set card_number="5555 5555 5555 4444"
expect_rc 7 "support: cannot set card_number"
expect_err "admin or billing role" "support: card_number refusal names the billing role"
run dsr "${SUP[@]}" correct alice --set card_token=tok_OTHER
expect_rc 7 "support: cannot set card_token"
run dsr "${SUP[@]}" correct alice --set account_type=individual
expect_rc 7 "support: cannot set account_type"
# Removing a value is writing it (issue 13, finding 4: --unset went through).
for f in card_number account_type card_token; do
  run dsr "${SUP[@]}" correct alice --unset "$f"
  expect_rc 7 "support: cannot unset $f"
  expect_err "admin or billing role" "support: the $f unset refusal names the billing role"
done
run dsr show alice
expect_out "card_token +tok_ALICE99" "support's refused unsets removed nothing (token still there)"
expect_out "account_type +corporate" "support's refused unsets removed nothing (account type still there)"
run dsr "${SUP[@]}" register --email dan@example.com --name "Dan Moe" --card-number "4111 1111 1111 1111" --card-expiry 12/39
expect_rc 7 "support: cannot register card data"
run dsr "${SUP[@]}" correct alice --set phone="+1 415 555 0199" --set survey.age_band=35-44
expect_rc 0 "support: corrects contact and survey data"
run dsr "${SUP[@]}" export alice -o "$TMP/alice-sup.json"
expect_rc 7 "support: cannot export a subject holding payment data"
expect_err "admin" "support: the export refusal names the admin role"
check "support: no export file is left behind" test ! -s "$TMP/alice-sup.json"
run dsr "${SUP[@]}" export bob@example.com -o "$TMP/bob-sup.json"
expect_rc 0 "support: exports a subject without billing or payment data"
run dsr "${SUP[@]}" disclosures alice
expect_rc 0 "support: reads the accounting of disclosures"
run dsr "${SUP[@]}" request list
expect_rc 0 "support: reads requests"
run dsr "${SUP[@]}" audit log
expect_rc 7 "support: no audit trail"
expect_err "admin or auditor role" "support: the audit refusal names the auditor role"
for cmd in "key list" "key add eve --role admin --new-key-file $TMP/eve.key" "key remove billing --yes" "rekey --yes" "backup $TMP/sup-backup.dsr"; do
  # shellcheck disable=SC2086
  run dsr "${SUP[@]}" $cmd
  expect_rc 7 "support: $cmd is refused"
  expect_err "needs the admin role; slot 'support' is support" "support: $cmd names the admin role"
done
check "support: no key file was made" test ! -e "$TMP/eve.key"
check "support: no backup was made" test ! -e "$TMP/sup-backup.dsr"

# ---- billing -----------------------------------------------------------------
run dsr "${BIL[@]}" show alice
expect_rc 0 "billing: show alice"
expect_out "card_token +tok_ALICE99" "billing: reads the card token"
expect_out "card_expiry +2039-12" "billing: reads the card expiry"
expect_out "account_type +corporate" "billing: reads the account type"
expect_no_out "25-34|35-44|A7|hiking" "billing: no survey, supplemental or preferences value"
expect_out "survey.age_band +\(restricted" "billing: survey data restricted"
expect_out "supplemental.credit_band +\(restricted" "billing: supplemental data restricted"
expect_out "interests +\(restricted" "billing: preferences restricted"
expect_out "survey.age_band +\(restricted: needs the admin or support role\)" "billing: the survey mask names the support role"
run dsr "${BIL[@]}" correct alice --set card_token=tok_NEW42 --set card_expiry=06/41
expect_rc 0 "billing: sets card data"
run dsr "${BIL[@]}" correct carol@example.com --set card_number="4111 1111 1111 1111" --set card_expiry=02/42
expect_rc 0 "billing: sets a card number"
run dsr "${BIL[@]}" correct alice --set survey.age_band=45-54
expect_rc 7 "billing: cannot write survey data"
expect_err "admin or support role" "billing: the survey refusal names the support role"
run dsr "${BIL[@]}" correct alice --set interests=golf
expect_rc 7 "billing: cannot write preferences"
run dsr "${BIL[@]}" export alice -o "$TMP/alice-bil.json"
expect_rc 7 "billing: cannot export a subject holding survey and preferences data"
run dsr "${BIL[@]}" export carol@example.com -o "$TMP/carol-bil.json"
expect_rc 0 "billing: exports a subject with identity, contact and payment data only"
check "billing: carol's export holds her card token category" grep -q '"payment"' "$TMP/carol-bil.json"
for cmd in "audit log" "audit anchor" "disclosures alice" "request list" "key list" "hold list" "inventory" "retention run --yes"; do
  # shellcheck disable=SC2086
  run dsr "${BIL[@]}" $cmd
  expect_rc 7 "billing: $cmd is refused"
  expect_err "needs the admin( or [a-z]+)* role; slot 'billing' is billing" "billing: $cmd names the role needed"
done

# ---- auditor -----------------------------------------------------------------
run dsr "${AUD[@]}" audit verify
expect_rc 0 "auditor: audit verify"
run dsr "${AUD[@]}" audit log --format ndjson
expect_rc 0 "auditor: audit log"
expect_out '"actor":"support"' "auditor: sees support's entries"
expect_no_out "alice@example.com|Alice Doe|tok_|415|hiking" "auditor: the audit log holds no personal value"
run dsr "${AUD[@]}" disclosures alice
expect_rc 0 "auditor: reads the accounting of disclosures"
run dsr "${AUD[@]}" request list
expect_rc 0 "auditor: reads requests"
run dsr "${AUD[@]}" report requests
expect_rc 0 "auditor: reads reports"
printf 'Dear {{name}}\n' >"$TMP/tpl.txt"
for cmd in "show alice" "find alice" "list" "export bob@example.com" "register --email eve@example.com --name Eve" "key list" \
           "letter req_1 --kind ack" "template set ack $TMP/tpl.txt"; do
  # shellcheck disable=SC2086
  run dsr "${AUD[@]}" $cmd
  expect_rc 7 "auditor: $cmd is refused"
  expect_err "needs the admin( or [a-z]+)* role; slot 'auditor' is auditor" "auditor: $cmd names the role needed"
  expect_no_out "alice|Alice|bob" "auditor: $cmd prints nothing personal"
done

# ---- admin: everything ---------------------------------------------------------
run dsr show alice
expect_rc 0 "admin: show"
expect_out "card_token +tok_NEW42" "admin: reads the token billing set"
expect_out "survey.age_band +35-44" "admin: reads the survey value support set"
run dsr export alice -o "$TMP/alice-admin.json"
expect_rc 0 "admin: export of every category"
run dsr audit verify
expect_rc 0 "admin: audit verify"
run dsr key list
expect_rc 0 "admin: key list"
run dsr backup "$TMP/admin-backup.dsr"
expect_rc 0 "admin: backup"

# ---- a refusal made under a request (--request) is recorded too, naming it -----
RQ=$(dsr request open alice@example.com --type rectification --law gdpr 2>/dev/null)
run dsr request verify "$RQ"
expect_rc 0 "admin verifies a rectification request"
run dsr "${SUP[@]}" correct alice --set card_token=tok_UNDER --request "$RQ"
expect_rc 7 "support: a payment write under a request is refused too"
under=$(dsr --json "${AUD[@]}" audit log --actor support --format json </dev/null |
  python3 -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["outcome"] == "refused" and e["request"] == sys.argv[1]))' "$RQ")
check "the refusal under $RQ is in the audit trail, naming the request" test "$under" = 1
run dsr request show "$RQ" --json
check "the refused write left $RQ as it was (verified, no action)" test "$(jget "$OUT" 'd["status"]')" = verified
# A role that may not act on requests at all is refused at the request check,
# before the operation (and before delete asks to confirm); that is recorded too.
run dsr "${BIL[@]}" correct alice --set name=Alicia --request "$RQ"
expect_rc 7 "billing: acting under a request is refused"
expect_err "requests" "it names what the role may not do"
run dsr "${BIL[@]}" --yes delete alice --request "$RQ"
expect_rc 7 "billing: a delete under a request is refused before it asks"
under=$(dsr --json "${AUD[@]}" audit log --actor billing --format json </dev/null |
  python3 -c 'import json,sys; print(sorted(e["command"] for e in json.load(sys.stdin) if e["outcome"] == "refused" and e["request"] == sys.argv[1]))' "$RQ")
check "both refusals under $RQ are in the audit trail, naming the request ($under)" test "$under" = "['correct', 'delete']"

# ---- every refusal is in the audit trail (dsr(1): "a refusal (exit 7) is recorded") --
refused_by() {  # refused_by ACTOR: the commands of ACTOR's refused entries, one per line
  dsr --json "${AUD[@]}" audit log --actor "$1" --format json </dev/null |
    python3 -c 'import json,sys; [print(e["command"]) for e in json.load(sys.stdin) if e["outcome"] == "refused"]'
}
expect_refusals() {  # expect_refusals ACTOR COMMAND...
  local actor=$1; shift
  local got; got=$(refused_by "$actor")
  for c in "$@"; do
    if printf '%s\n' "$got" | grep -qx -- "$c"; then ok; else RC=0; OUT=$got; ERR=""; bad "$actor's refused '$c' is in the audit trail"; fi
  done
}
expect_refusals support correct register export "audit log" "key list" "key add" "key remove" rekey backup
expect_refusals billing correct export "audit log" "audit anchor" disclosures "request list" "key list" "hold list" inventory \
  "retention run"
expect_refusals auditor show find list export register "key list" letter "template set"
finish
