#!/usr/bin/env bash
# End-to-end: choices that bind (issue 15). Opt-outs of sale/sharing from a
# fulfilled CCPA request, a GPC signal or staff, obeyed by the sharing rules;
# consents and --basis consent; a reference for every legal obligation; no
# card number in any free-text field; the access package's wording.
. "$(dirname "$0")/lib.sh"
new_vault c
export DSR_DB="$V" DSR_KEY_FILE="$K"
SCHEMA="$DSR_SRC/schema/export.schema.json"
M=$(dsr register --email maria@example.org --name "Maria Lopez")
G=$(dsr register --email gus@example.org --name "Gus Park")
S=$(dsr register --email sam@example.org --name "Sam Staff")
N=$(dsr register --email nel@example.org --name "Nel None")
ADX=(--recipient "AdExchange Inc" --recipient-type partner --categories identity --purpose "cross-context behavioral advertising")

# --- the finding: a fulfilled CCPA opt-out request binds the sharing rules ----
run dsr request open maria@example.org --type opt-out --law ccpa --json
REQ=$(jget "$OUT" 'd["id"]')
run dsr request close "$REQ" --outcome fulfilled --json
expect_rc 0 "the opt-out request closes as fulfilled"
dsr consent record "$M" --purpose "cross-context behavioral advertising" --notice 1.0 --method web >/dev/null
run dsr disclose "$M" "${ADX[@]}" --basis consent --json
expect_rc 7 "a sale/sharing to an ad partner for a person who opted out is refused (CCPA 1798.120(d))"
check "the refusal names the choice" test "$(jget "$OUT" '[x["rule"] for x in d["error"]["details"]]')" = "['opted-out-of-sale-sharing']"
check "and its source" test "$(jget "$OUT" 'd["error"]["details"][0]["choice"]["source"]')" = request
run dsr disclose "$M" "${ADX[@]}" --basis consent
expect_err "opted out \(sale-sharing, by request" "stderr names the opt-out and where it came from"
run dsr disclosures "$M" --json
check "nothing was logged" test "$(jget "$OUT" 'len(d)')" = 0
run dsr disclose "$M" --recipient "County Court" --recipient-type authority --categories identity --purpose subpoena --basis legal-obligation --reference CV-9
expect_rc 0 "a legal obligation still goes out"
run dsr disclose "$M" --recipient "MailCo" --recipient-type processor --categories identity,contact --purpose email-delivery --basis contract
expect_rc 0 "a processor (service provider) for a stated purpose is no sale"
run dsr show "$M" --json
check "show records the opt-out" test "$(jget "$OUT" '[(o["kind"], o["source"], o["origin"]) for o in d["choices"]["opt_outs"]]')" = "[('sale-sharing', 'request', '$REQ')]"
run dsr show "$M"
expect_out "opted out: sale-sharing" "show prints the opt-out"
run dsr export "$M" -o "$TMP/m.json"
expect_rc 0 "export"
check "the export records the opt-out" test "$(jget "$(cat "$TMP/m.json")" '[o["kind"] for o in d["opt_outs"]]')" = "['sale-sharing']"
check "the export's wording follows it" test "$(jget "$(cat "$TMP/m.json")" '[r["how"] for r in d["rights"] if r["right"]=="opt-out of sale or sharing"][0].startswith("you opted out")')" = True
check "no export says 'we do not sell'" test "$(grep -c 'we do not sell' "$TMP/m.json")" = 0
run /usr/bin/python3 "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/m.json"
expect_rc 0 "the export validates against the new schema"

# --- GPC: recorded with the time and the source, then enforced ---------------
dsr consent record "$G" --purpose "cross-context behavioral advertising" --notice 1.0 --method web >/dev/null
run dsr disclose "$G" "${ADX[@]}" --basis consent
expect_rc 0 "before the signal, a consented sharing goes out"
run dsr choice "$G" --gpc --signal-at 2026-11-30T09:12:00Z --signal-source "shop.example.com checkout" --json
expect_rc 0 "a GPC signal is recorded"
check "with its time" test "$(jget "$OUT" 'd["opt_out"]["signal_at"]')" = 2026-11-30T09:12:00Z
check "and its source" test "$(jget "$OUT" 'd["opt_out"]["origin"]')" = "shop.example.com checkout"
check "the 15 business days of regs 7026(f) run from it" test "$(jget "$OUT" 'd["opt_out"]["comply_by"]')" = 2026-12-21
check "the ad partner that got the data is listed to be told" test "$(jget "$OUT" '[n["recipient"] for n in d["notify"]]')" = "['AdExchange Inc']"
run dsr disclose "$G" "${ADX[@]}" --basis consent
expect_rc 7 "after the signal the same sharing is refused"
expect_err "Global Privacy Control" "naming the GPC opt-out"
run dsr choice "$G" --gpc --signal-at 2099-01-01T00:00:00Z
expect_rc 2 "a signal from the future is refused"
run dsr export "$G" -o "$TMP/g.json"
check "export: the GPC opt-out" test "$(jget "$(cat "$TMP/g.json")" '[(o["source"], o["signal_at"]) for o in d["opt_outs"]]')" = "[('gpc', '2026-11-30T09:12:00Z')]"
run /usr/bin/python3 "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/g.json"
expect_rc 0 "the GPC export validates"

# A fulfilled opt-out request names the third parties to tell (regs 7026(f)).
T=$(dsr register --email tia@example.org --name "Tia Third")
dsr consent record "$T" --purpose "cross-context behavioral advertising" --notice 1.0 --method web >/dev/null
dsr disclose "$T" "${ADX[@]}" --basis consent >/dev/null
run dsr request open "$T" --type opt-out --law ccpa --json
RT=$(jget "$OUT" 'd["id"]')
dsr request close "$RT" --outcome fulfilled >/dev/null
run dsr request show "$RT" --json
check "the request's history records the opt-out and whom to tell" test "$(jget "$OUT" '[(e["detail"]["opt_out_recorded"], e["detail"]["third_parties_to_tell"]) for e in d["history"] if e["event"]=="closed"]')" = "[('sale-sharing', ['AdExchange Inc'])]"

# The same under Colorado's law (C.R.S. 6-1-1306(1)(a)): the fulfilled opt-out
# stands, and the sharing it covers is refused from then on.
C=$(dsr register --email cody@example.org --name "Cody Colorado")
dsr consent record "$C" --purpose "cross-context behavioral advertising" --notice 1.0 --method web >/dev/null
dsr disclose "$C" "${ADX[@]}" --basis consent >/dev/null
run dsr request open "$C" --type opt-out --law cpa --verified --json
expect_rc 0 "a Colorado opt-out request is opened"
CREQ=$(jget "$OUT" 'd["id"]')
run dsr request close "$CREQ" --outcome fulfilled
expect_rc 0 "and fulfilled"
run dsr request show "$CREQ" --json
check "its history records the standing opt-out and whom to tell" test "$(jget "$OUT" '[(e["detail"]["opt_out_recorded"], e["detail"]["third_parties_to_tell"]) for e in d["history"] if e["event"]=="closed"]')" = "[('sale-sharing', ['AdExchange Inc'])]"
run dsr disclose "$C" "${ADX[@]}" --basis consent
expect_rc 7 "the sharing the Colorado opt-out covers is refused from then on"

# --- staff opt-outs, and opting back in ------------------------------------------
run dsr choice "$S" --opt-out sale-sharing
expect_rc 0 "staff record an opt-out"
run dsr disclose "$S" --recipient "Data Broker" --recipient-type other --categories identity --purpose "list rental" --basis legitimate-interests
expect_rc 7 "a sale to a data broker is refused"
run dsr choice "$S" --opt-out sale-sharing
expect_out "already has a standing" "a second opt-out keeps the first"
run dsr choice "$S" --opt-in sale-sharing
expect_rc 0 "the person opts back in"
run dsr disclose "$S" --recipient "Data Broker" --recipient-type other --categories identity --purpose "list rental" --basis legitimate-interests
expect_rc 0 "then it goes out"
run dsr choice "$S" --opt-out limit-sensitive
expect_rc 0 "limit use of sensitive information"
run dsr choice "$S"
expect_rc 2 "choice with nothing to record is a usage error"

# --- consent ---------------------------------------------------------------------
run dsr disclose "$N" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "newsletter" --basis consent --json
expect_rc 7 "--basis consent without a consent on record is refused (GDPR Art. 7(1))"
check "naming the missing consent" test "$(jget "$OUT" 'd["error"]["details"][0]["rule"]')" = consent-on-record
printf 'signed form\n' >"$TMP/form.txt"
run dsr consent record "$N" --purpose "Newsletter" --notice 2.1 --method paper --evidence "$TMP/form.txt"
expect_rc 0 "consent recorded with evidence"
run dsr disclose "$N" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "newsletter" --basis consent
expect_rc 0 "with a current consent for the purpose (case aside) it goes out"
run dsr consent record "$N" --purpose x --notice 1 --method fax
expect_rc 2 "an unknown method"
run dsr consent withdraw "$N" --purpose newsletter
expect_rc 0 "withdrawn"
run dsr disclose "$N" --recipient "Acme Corp" --recipient-type acquirer --categories identity --purpose "newsletter" --basis consent
expect_rc 7 "after withdrawal it is refused again"
run dsr consent withdraw "$N" --purpose newsletter
expect_rc 3 "nothing left to withdraw"
run dsr consent list "$N" --json
check "list shows the consent, withdrawn, with its evidence" test "$(jget "$OUT" '[(c["status"], c["evidence"], c["method"]) for c in d]')" = "[('withdrawn', 'form.txt', 'paper')]"
run dsr export "$N" -o "$TMP/n.json"
check "export: consents" test "$(jget "$(cat "$TMP/n.json")" '[c["status"] for c in d["consents"]]')" = "['withdrawn']"
check "export: the Art. 15(1)(h) statement by default" test "$(jget "$(cat "$TMP/n.json")" '"No automated decision-making" in d["automated_decision_making"]["statement"]')" = True
check "export: no recorded sale, and says so" test "$(jget "$(cat "$TMP/n.json")" '[r["how"] for r in d["rights"] if r["right"]=="opt-out of sale or sharing"][0].startswith("we have no record")')" = True
run dsr policy automated-decisions --set "Orders are screened by a fraud model; a person reviews every refusal."
expect_rc 0 "the statement is configurable"
dsr export "$N" -o "$TMP/n2.json"
check "and the export carries it" test "$(jget "$(cat "$TMP/n2.json")" 'd["automated_decision_making"]["statement"].startswith("Orders are screened")')" = True
run /usr/bin/python3 "$DSR_SRC/tests/e2e/validate_export.py" "$SCHEMA" "$TMP/n2.json"
expect_rc 0 "the consent export validates"

# --- a legal obligation names what it rests on, whatever the recipient ------------
run dsr disclose "$N" --recipient "Tax Adviser" --recipient-type other --categories contact --purpose "tax filing" --basis legal-obligation
expect_rc 2 "--basis legal-obligation to a non-authority without --reference is refused"
expect_err "reference: .*legal obligation" "and says so"
run dsr disclose "$N" --recipient "Tax Adviser" --recipient-type other --categories contact --purpose "tax filing" --basis legal-obligation --reference "26 USC 6001"
expect_rc 0 "with a reference it goes out"

# --- no card numbers in free text ----------------------------------------------------
CARD="4111 1111-1111 1111"
run dsr deactivate "$N" --reason "refund to card $CARD"
expect_rc 2 "deactivate --reason with a card number is refused"
expect_err "^dsr: reason: " "naming the field"
expect_no_err "4111|1111" "never echoing the number"
run dsr hold place "$N" --reason "chargeback on 4111111111111111"
expect_rc 2 "hold place --reason with a card number is refused"
expect_no_err "4111111111111111" "never echoing it"
run dsr disclose "$N" --recipient "MailCo" --recipient-type processor --categories contact --purpose "email-delivery 4111-1111-1111-1111" --basis contract
expect_rc 2 "disclose --purpose with a card number is refused"
expect_err "purpose: " "naming the field"
run dsr consent record "$N" --purpose "card 4111111111111111" --notice 1 --method web
expect_rc 2 "a consent purpose with a card number is refused"
run dsr choice "$G" --gpc --signal-source "4111111111111111"
expect_rc 2 "a GPC source with a card number is refused"
run dsr request open "$N" --type access --law gdpr --json
R2=$(jget "$OUT" 'd["id"]')
run dsr request extend "$R2" --reason "awaiting 4111 1111 1111 1111"
expect_rc 2 "request extend --reason with a card number is refused"
run dsr correct "$N" --set name="Nel None" --source "import 4111111111111111"
expect_rc 2 "--source with a card number is refused"
run dsr deactivate "$N" --reason "order 12345, asked by phone"
expect_rc 0 "a reason with an order number (not a card) is fine"
run dsr show "$N"
expect_no_out "4111" "nothing of the card was stored"

# --- contacts and inventory know about opt-outs; choice --json keeps its shape ----
run dsr choice "$S" --new-uses decline --json
check "choice --new-uses --json keeps its shape" test "$(jget "$OUT" '(d["subject"], d["new_uses"])')" = "('$S', 'decline')"
run dsr contacts --purpose policy-change --format ndjson
check "contacts carry each subject's opt-outs" test "$(printf '%s\n' "$OUT" | grep maria@ | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["opt_outs"])')" = "['sale-sharing']"
run dsr inventory --json
check "the inventory counts opt-outs and consents" test "$(jget "$OUT" '(d["choices"]["opt_outs"]["sale-sharing"], d["choices"]["opt_outs"]["limit-sensitive"], d["choices"]["consents"]["current"], d["choices"]["consents"]["withdrawn"])')" = "(4, 1, 4, 1)"

# --- erasure takes the choices with it ------------------------------------------------
dsr delete "$G" --yes >/dev/null 2>&1
run dsr show "$G" --json
expect_no_out "opt_outs" "an erased subject shows no choices"
finish
