#!/usr/bin/env bash
# End-to-end (issue 15, what was left): the CCPA request to limit the use of
# sensitive information (regs 7027) recorded as a standing choice the sharing
# rules obey; an opt-out's 15-business-day clock (regs 7026(f), 7027(g))
# across a weekend and imported holidays with the test clock, overdue where
# staff look, complied with when the third parties were told; consent and
# choice operations in a batch; one exit code for a card number anywhere.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault o
export DSR_DB="$V" DSR_KEY_FILE="$K"
export DSR_TODAY=2026-12-14  # a Monday

# California's holidays in the window: 25 December and 1 January.
cat >"$TMP/us-ca.ics" <<'ICS'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//dsr tests//US-CA//EN
BEGIN:VEVENT
UID:ca-xmas@dsr.invalid
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261225
SUMMARY:Christmas Day
END:VEVENT
BEGIN:VEVENT
UID:ca-ny@dsr.invalid
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270101
SUMMARY:New Year's Day
END:VEVENT
END:VCALENDAR
ICS
dsr holidays import "$TMP/us-ca.ics" --jurisdiction US-CA >/dev/null

L=$(dsr register --email lim@example.org --name "Li Mit" --card-number 4111111111111111 --card-expiry 12/39)
P=$(dsr register --email pat@example.org --name "Pat Sold")
Q=$(dsr register --email quinn@example.org --name "Quinn Quiet")
ADX=(--recipient "AdExchange Inc" --recipient-type partner --categories identity --purpose "cross-context behavioral advertising")

# --- limit-sensitive: a request, fulfilled, binds the sharing rules -----------------
run dsr request open "$L" --type limit-sensitive --law gdpr
expect_rc 2 "a limit under the GDPR is a usage error (the CCPA's right)"
run dsr request open "$L" --type limit-sensitive --law ccpa --json
expect_rc 0 "request open --type limit-sensitive --law ccpa"
RL=$(jget "$OUT" 'd["id"]')
check "due in 15 business days, the holidays skipped (regs 7027(g))" test "$(jget "$OUT" 'd["due"]')" = 2027-01-06
check "needs no verification, like an opt-out" test "$(jget "$OUT" 'd["status"]')" != received
run dsr disclose "$L" --recipient "Insights Ltd" --recipient-type partner --categories payment --purpose "spending insights" --basis contract
expect_rc 7 "before the close the policy already keeps payment data to billing (payment-billing-processor)"
run dsr request close "$RL" --outcome fulfilled --json
expect_rc 0 "the limit request closes as fulfilled"
run dsr request show "$RL" --json
check "its history records the standing limit" test "$(jget "$OUT" '[e["detail"]["opt_out_recorded"] for e in d["history"] if e["event"]=="closed"]')" = "['limit-sensitive']"
run dsr show "$L" --json
check "show records the limit, from the request" test "$(jget "$OUT" '[(o["kind"], o["source"], o["origin"], o["comply_by"]) for o in d["choices"]["opt_outs"]]')" = "[('limit-sensitive', 'request', '$RL', '2027-01-06')]"
check "nobody got payment data: nothing to tell, complied with when recorded" test "$(jget "$OUT" 'd["choices"]["opt_outs"][0]["complied_on"]')" = 2026-12-14
run dsr disclose "$L" --recipient "Insights Ltd" --recipient-type partner --categories payment --purpose "spending insights" --basis contract --json
expect_rc 7 "a use of sensitive information beyond 7027(m) is refused"
check "the refusal names the limit rule" test "$(jget "$OUT" '"limited-sensitive-use" in [x["rule"] for x in d["error"]["details"]]')" = True
check "and the choice, with its source" test "$(jget "$OUT" '[x["choice"]["source"] for x in d["error"]["details"] if x["rule"]=="limited-sensitive-use"]')" = "['request']"
run dsr disclose "$L" --recipient "Insights Ltd" --recipient-type partner --categories payment --purpose "spending insights" --basis contract
expect_err "opted out \(limit-sensitive, by request" "stderr names the limit"
run dsr disclose "$L" --recipient "CardCo" --recipient-type processor --categories payment --purpose billing --basis contract
expect_rc 0 "the card processor still gets it for billing (a permitted purpose)"
run dsr disclose "$L" "${ADX[@]}" --basis legitimate-interests
expect_rc 0 "identity to an ad partner is another choice (sale-sharing), not stopped by the limit"
run dsr export "$L" -o "$TMP/l.json"
check "the export carries the limit" test "$(jget "$(cat "$TMP/l.json")" '[o["kind"] for o in d["opt_outs"]]')" = "['limit-sensitive']"
run python3 "$DSR_SRC/tests/e2e/validate_export.py" "$DSR_SRC/schema/export.schema.json" "$TMP/l.json"
expect_rc 0 "and still validates against the schema"

# --- the 15 business days of an opt-out, across a weekend and two holidays ---------
dsr consent record "$P" --purpose "cross-context behavioral advertising" --notice 1.0 --method web >/dev/null
dsr disclose "$P" "${ADX[@]}" --basis consent >/dev/null
run dsr request open "$P" --type opt-out --law ccpa --json
RP=$(jget "$OUT" 'd["id"]')
run dsr request close "$RP" --outcome fulfilled
expect_rc 0 "the opt-out request closes as fulfilled"
run dsr choice "$Q" --gpc --json
check "a GPC signal with nobody to tell is complied with when recorded" test "$(jget "$OUT" 'd["opt_out"]["complied_on"]')" = 2026-12-14
run dsr report opt-outs --json
expect_rc 0 "report opt-outs"
check "lists the open opt-out only, due 2027-01-06 (4 January without the holidays)" test "$(jget "$OUT" '[(o["subject"], o["comply_by"], o["overdue"]) for o in d]')" = "[('$P', '2027-01-06', False)]"
expect_no_err "warning" "nothing is overdue yet"

export DSR_TODAY=2027-01-06  # the last day
run dsr report opt-outs
expect_no_err "warning" "on the due day it is not overdue"
expect_out "$P +sale-sharing +request +$RP +2026-12-14 +2027-01-06 +open" "the table row"

export DSR_TODAY=2027-01-07  # a day late
run dsr report opt-outs
expect_rc 0 "report opt-outs, a day late"
expect_out "OVERDUE" "the row says OVERDUE"
expect_err "warning: the sale-sharing opt-out of $P .*due to be complied with by 2027-01-06 \(CCPA regs 7026\(f\)\)" "a warning on stderr"
run dsr report opt-outs --format csv
check "csv carries the state" test "$(printf '%s\n' "$OUT" | grep -c "$P.*OVERDUE")" = 1
run dsr show "$P"
expect_out "opted out: sale-sharing .*comply by 2027-01-06, OVERDUE" "show marks it overdue"
expect_err "warning: the sale-sharing opt-out was due" "and warns"
run dsr show "$P" --json
check "show --json: overdue" test "$(jget "$OUT" 'd["choices"]["opt_outs"][0]["overdue"]')" = True
expect_err "warning" "show --json warns on stderr too"

# Complied: the third parties were told; recorded, audited, late.
run dsr choice "$P" --complied sale-sharing --complied-on 2027-02-01
expect_rc 2 "a day in the future is refused"
run dsr choice "$P" --complied-on 2027-01-07
expect_rc 2 "--complied-on needs --complied"
run dsr choice "$P" --complied limit-sensitive
expect_rc 3 "no such opt-out to comply with"
run dsr choice "$P" --complied sale-sharing --json
expect_rc 0 "complied with"
check "recorded today, late" test "$(jget "$OUT" '(d["complied"]["complied_on"], d["complied"]["late"], d["complied"]["overdue"])')" = "('2027-01-07', True, False)"
run dsr choice "$P" --complied sale-sharing
expect_rc 4 "a second time is a conflict"
run dsr report opt-outs
expect_no_err "warning" "no warning once complied with"
expect_no_out "$P" "and no longer listed as open"
run dsr report opt-outs --all --json
check "--all lists every standing opt-out" test "$(jget "$OUT" 'len(d)')" = 3
run dsr audit log --subject "$P" --json
check "the compliance is in the audit trail once" test "$(jget "$OUT" '[e["outcome"] for e in d if e["command"]=="choice complied"].count("ok")')" = 1
check "naming the opt-out, no personal value" test "$(jget "$OUT" '[e["fields"] for e in d if e["command"]=="choice complied" and e["outcome"]=="ok"][0]')" = "['opt_out.sale-sharing']"
expect_no_out "pat@example.org|Pat Sold" "no personal value in the trail"

# --- consent and choices in a batch ---------------------------------------------------
export DSR_TODAY=2027-01-11
B=$(dsr register --email bat@example.org --name "Bat Ch")
cat >"$TMP/choices.ndjson" <<NDJSON
{"op":"consent","action":"record","subject":"$B","purpose":"newsletter","notice":"2.0","method":"email"}
{"op":"consent","action":"record","subject":"$B","purpose":"x","notice":"1","method":"fax"}
{"op":"consent","action":"withdraw","subject":"$B","purpose":"newsletter"}
{"op":"consent","action":"withdraw","subject":"$B","purpose":"newsletter"}
{"op":"choice","subject":"$B","gpc":true,"signal_at":"2027-01-08T10:00:00Z","signal_source":"shop.example.com"}
{"op":"choice","subject":"$B","opt_out":"limit-sensitive"}
{"op":"choice","subject":"$B","signal_source":"shop.example.com"}
{"op":"choice","subject":"$B","opt_out":"everything"}
{"op":"choice","subject":"$B","new_uses":"decline"}
{"op":"consent","action":"record","subject":"$B","purpose":"card 4111111111111111","notice":"1","method":"web"}
{"op":"choice","subject":"$B","opt_in":"limit-sensitive"}
{"op":"choice","subject":"nobody@example.org","gpc":true}
{"op":"consent","action":"forget","subject":"$B","purpose":"newsletter"}
{"op":"choice","subject":"$B","gpc":true,"colour":"red"}
NDJSON
run dsr batch "$TMP/choices.ndjson"
expect_rc 1 "a batch with failed lines exits 1"
line() { printf '%s\n' "$OUT" | sed -n "$1p"; }
check "ok flags line up" test "$(printf '%s\n' "$OUT" | python3 -c 'import sys,json; print("".join("1" if json.loads(l)["ok"] else "0" for l in sys.stdin))')" = "10101100101000"
check "consent record returns the consent" test "$(jget "$(line 1)" '(d["result"]["subject"], d["result"]["status"], d["result"]["method"])')" = "('$B', 'current', 'email')"
check "an unknown method is a usage error, as the command" test "$(jget "$(line 2)" 'd["error"]["exit_code"]')" = 2
check "withdraw returns what it withdrew" test "$(jget "$(line 3)" 'd["result"]["withdrawn"]')" = 1
check "nothing left to withdraw: not found (3), as the command" test "$(jget "$(line 4)" 'd["error"]["exit_code"]')" = 3
check "a GPC signal with its time and source" test "$(jget "$(line 5)" '(d["result"]["opt_out"]["source"], d["result"]["opt_out"]["signal_at"], d["result"]["opt_out"]["origin"])')" = "('gpc', '2027-01-08T10:00:00Z', 'shop.example.com')"
check "its clock from the signal's day" test "$(jget "$(line 5)" 'd["result"]["opt_out"]["comply_by"]')" = 2027-01-29
check "a staff limit" test "$(jget "$(line 6)" 'd["result"]["opt_out"]["kind"]')" = limit-sensitive
check "signal details without gpc: usage (2)" test "$(jget "$(line 7)" 'd["error"]["exit_code"]')" = 2
check "an unknown kind: usage (2)" test "$(jget "$(line 8)" 'd["error"]["exit_code"]')" = 2
check "new uses keep the shape of choice --json" test "$(jget "$(line 9)" '(d["result"]["subject"], d["result"]["new_uses"])')" = "('$B', 'decline')"
check "a card number in a purpose: usage (2), naming the field" test "$(jget "$(line 10)" '(d["error"]["exit_code"], d["error"]["message"].split(":")[0])')" = "(2, '--purpose')"
check "never echoing it" test "$(line 10 | grep -c 4111)" = 0
check "opting back in" test "$(jget "$(line 11)" 'd["result"]["opted_in"]')" = limit-sensitive
check "an unknown subject: not found (3)" test "$(jget "$(line 12)" 'd["error"]["exit_code"]')" = 3
check "an unknown action: usage" test "$(jget "$(line 13)" 'd["error"]["message"]')" = "action: must be record or withdraw"
check "an unknown key: usage, naming it" test "$(jget "$(line 14)" '"colour" in d["error"]["message"]')" = True
run dsr show "$B" --json
check "the batch's choices are stored" test "$(jget "$OUT" '([o["kind"] for o in d["choices"]["opt_outs"]], [c["status"] for c in d["choices"]["consents"]], d["choices"]["new_uses"]["new_uses"])')" = "(['sale-sharing'], ['withdrawn'], 'decline')"
run dsr audit log --subject "$B" --json
check "each batch line is audited like the command" test "$(jget "$OUT" 'sorted(set(e["command"] for e in d if e["outcome"]=="ok"))')" = "['choice', 'choice opt-in', 'choice opt-out', 'consent record', 'consent withdraw', 'register', 'show']"
check "a failed line leaves no entry (only refusals are kept), a good one exactly one" test "$(jget "$OUT" '[e["outcome"] for e in d if e["command"]=="consent withdraw"]')" = "['ok']"
run dsr consent list "$B" --json
check "consent list agrees" test "$(jget "$OUT" 'len(d)')" = 1

# --- one exit code for a card number, wherever it is typed ---------------------------
CARD="4111-1111-1111-1111"
for args in "register --email c1@example.org --name Card_$CARD" \
            "register --email c2@example.org --name C2 --address 1_Main_St_$CARD" \
            "register --email c3@example.org --name C3 --username 4111111111111111" \
            "register --email c4@example.org --name C4 --interest card_$CARD" \
            "register --email c5@example.org --name C5 --attr supplemental.note=card_$CARD" \
            "correct quinn@example.org --set name=Q_$CARD" \
            "request open --email c6@example.org --name Card_$CARD --type access --law ccpa"; do
  # shellcheck disable=SC2086
  set -- $args
  a=("$@")
  for i in "${!a[@]}"; do a[$i]=${a[$i]//_/ }; done
  run dsr "${a[@]}"
  expect_rc 2 "a card number in: dsr ${a[*]:0:3} ... (exit 2, like free text)"
  expect_no_err "4111" "never echoed: ${a[*]:0:3}"
  expect_err "^dsr: [a-z_.]+: .*card number" "naming the field: ${a[*]:0:3}"
done
run dsr list --status all --json
expect_no_out "c[1-6]@example.org" "nothing was stored"
run dsr request list --status all --json
expect_no_out "c6@example.org" "no request was opened on a claimed name holding a card number"
run dsr register --email c7@example.org --name C7 --attr payment.cvv=123
expect_rc 7 "a card security code is still a refusal (exit 7): never stored, whatever the value"
finish
