#!/usr/bin/env bash
# End-to-end: requests with statutory deadlines, their history, actions taken
# for them by the subject commands, and the yearly report. The clock is set
# with DSR_TODAY (honoured by test builds only).
. "$(dirname "$0")/lib.sh"
new_vault r
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02
A=$(dsr register --email alice@example.com --name "Alice Doe" --username alice)
B=$(dsr register --email bob@example.com --name "Bob Roe")

# Intake and due dates.
run dsr request open alice --type access --law gdpr --received 2026-01-31 --channel email
expect_rc 0 "open a GDPR access request"
expect_out '^req_1$' "open prints only the new id"
expect_err "due 2026-03-02" "28 February 2026 is a Saturday: due the next Monday"
run dsr request open alice --type erasure --law gdpr --received 2024-01-31 --json
check "a leap year's 29 February" test "$(jget "$OUT" 'd["due"]')" = 2024-02-29
run dsr request open bob@example.com --type access --law ccpa --received 2026-01-23 --channel web --json
check "CCPA: 45 calendar days" test "$(jget "$OUT" 'd["due"]')" = 2026-03-09
check "CCPA: acknowledge within 10 business days" test "$(jget "$OUT" 'd["ack_due"]')" = 2026-02-06
check "a new request is received, not verified" test "$(jget "$OUT" 'd["status"]')" = received
CCPA=$(jget "$OUT" 'd["id"]')
run dsr request open alice --type opt-out --law gdpr
expect_rc 2 "the GDPR has no opt-out request"
expect_err "objection" "and the error points to an objection"
run dsr request open alice --type access --law gdpr --received 2026-02-03
expect_rc 2 "a received date in the future"
run dsr request open nobody --type access --law gdpr
expect_rc 3 "an unknown subject"
run dsr request open alice --type access
expect_rc 2 "--law is required"

# Listing with days left, overdue and due-within.
dsr request close req_2 --outcome cancelled --reason "sent in error" >/dev/null 2>&1
run dsr request list
expect_rc 0 "list"
expect_out "req_1 .*in 28 days" "days left"
expect_no_out "req_2" "closed requests are not listed by default"
run dsr request list --due-within 30 --format ndjson
check "due within 30 days: req_1 only" test "$(printf '%s\n' "$OUT" | wc -l)" = 1
run env DSR_TODAY=2026-02-09 "$DSR_BIN" request list --overdue --format json
check "a week later only the unacknowledged CCPA request is overdue" test "$(jget "$OUT" '[r["id"] for r in d]')" = "['$CCPA']"
check "because of its acknowledgement" test "$(jget "$OUT" 'd[0]["ack_overdue"]')" = True
run env DSR_TODAY=2026-03-03 "$DSR_BIN" request list --overdue
expect_out "req_1 .*1 day overdue" "after its due date req_1 is overdue by a day"
run env DSR_TODAY=2026-03-03 "$DSR_BIN" request list --overdue --format csv
expect_out "^id,subject,type,law" "csv has a header"
check "csv: a header and two overdue requests" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 3
run dsr request list --status all --subject alice --format json
check "--subject filters" test "$(jget "$OUT" 'len(d)')" = 2

# Actions taken for a request: checked before, recorded after.
before=$(sha256sum "$V" | cut -d' ' -f1)
run dsr correct alice --set zip=94110 --request req_99
expect_rc 3 "an unknown request id"
run dsr correct alice --set zip=94110 --request req_1
expect_rc 7 "an unverified request cannot be acted on"
expect_err "verify" "and the error says to verify first"
run dsr correct bob@example.com --set zip=94110 --request req_1
expect_rc 7 "(still unverified)"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "refused actions change nothing" test "$before" = "$after"
run dsr show alice --json
check "the correction did not happen" test "$(jget "$OUT" '[v for v in d["values"] if v["field"]=="zip"]')" = "[]"
run dsr request verify req_1
expect_rc 0 "verify"
run dsr request verify req_1
expect_rc 4 "verifying twice is a conflict"
run dsr correct bob@example.com --set zip=94110 --request req_1
expect_rc 2 "a request for another subject"
expect_err "for subject $A, not $B" "the error names both subjects"
run dsr correct alice --set zip=94110 --request req_1
expect_rc 0 "correct for a request"
run dsr export alice --request req_1 -o "$TMP/alice.json"
expect_rc 0 "export for a request"
run dsr request show req_1 --json
check "the request is now in progress" test "$(jget "$OUT" 'd["status"]')" = in_progress
check "the history records both actions" test "$(jget "$OUT" '[e["detail"].get("action") for e in d["history"] if e["event"]=="action"]')" = "['correct', 'export']"
check "with the fields touched, never the values" test "$(jget "$OUT" '[e["detail"].get("fields") for e in d["history"] if e["event"]=="action"][0]')" = "['zip']"
expect_no_out "94110" "no personal value in the history"
run dsr request show req_1
expect_out "history:" "show prints the history"
expect_out "opened" "from the opening"

# Extension: once, with a reason, before the first due date.
run dsr request extend req_1
expect_rc 2 "an extension needs --reason"
run dsr request extend req_1 --reason "records in three systems" --json
expect_rc 0 "extend"
check "GDPR: two more months" test "$(jget "$OUT" 'd["due"]')" = 2026-04-30
run dsr request extend req_1 --reason again
expect_rc 7 "only once"
run env DSR_TODAY=2026-03-10 "$DSR_BIN" request extend "$CCPA" --reason late
expect_rc 7 "not after the first due date"
expect_err "2026-03-09" "the error names the due date"
run dsr request extend "$CCPA" --reason volume --json
check "CCPA: 45 more days" test "$(jget "$OUT" 'd["due"]')" = 2026-04-23

# Closing.
run dsr request close "$CCPA" --outcome denied
expect_rc 2 "a denial needs a reason"
run dsr request close "$CCPA" --outcome fulfilled
expect_rc 7 "an unverified request cannot be fulfilled"
run env DSR_TODAY=2026-02-20 "$DSR_BIN" request close "$CCPA" --outcome denied --reason "identity could not be verified" --code insuf_verification
expect_rc 0 "deny with a reason"
run env DSR_TODAY=2026-02-12 "$DSR_BIN" request close req_1 --outcome fulfilled
expect_rc 0 "fulfil"
run dsr request close req_1 --outcome fulfilled
expect_rc 4 "closing twice is a conflict"
run dsr correct alice --set zip=94111 --request req_1
expect_rc 4 "a closed request takes no more actions"

# An erasure request carried out by delete --request.
ER=$(dsr request open bob@example.com --type erasure --law ccpa --verified 2>/dev/null)
run dsr delete bob@example.com --yes --request req_77
expect_rc 3 "delete with an unknown request"
run dsr show bob@example.com
expect_rc 0 "... erased nothing"
run dsr delete bob@example.com --yes --request "$ER"
expect_rc 0 "delete for a request"
run dsr request show "$ER" --json
check "the erasure is in the request's history" test "$(jget "$OUT" '[e["detail"].get("action") for e in d["history"] if e["event"]=="action"]')" = "['delete']"
run env DSR_TODAY=2026-02-10 "$DSR_BIN" request close "$ER" --outcome fulfilled
expect_rc 0 "the request outlives the subject's data"

# The report on this known set (received 2026-01-23 .. 2026-02-02).
run env DSR_TODAY=2026-03-31 "$DSR_BIN" report requests --from 2026-01-01 --to 2026-12-31 --json
expect_rc 0 "report --json"
check "received: 3 (req_2 was received in 2024)" test "$(jget "$OUT" 'd["total"]["received"]')" = 3
check "fulfilled 2, denied 1" test "$(jget "$OUT" '(d["total"]["fulfilled"], d["total"]["denied"])')" = "(2, 1)"
check "median days to respond: 12 (of 8, 12, 28)" test "$(jget "$OUT" 'd["total"]["median_days"]')" = 12.0
check "mean days to respond: 16" test "$(jget "$OUT" 'd["total"]["mean_days"]')" = 16.0
check "none was late" test "$(jget "$OUT" 'd["total"]["late"]')" = 0
check "access requests: 2" test "$(jget "$OUT" '[t["received"] for t in d["by_type"] if t["type"]=="access"][0]')" = 2
run env DSR_TODAY=2026-03-31 "$DSR_BIN" report requests --from 2026-01-01 --to 2026-12-31 --format csv
expect_out "^from,to,type,received" "report csv header"
expect_out "2026-01-01,2026-12-31,all,3,2,1,0,0,0,12.0,16.0,3" "report csv totals"
run env DSR_TODAY=2026-03-31 "$DSR_BIN" report requests --law ccpa
expect_out "Requests received 2026-01-01 to 2026-03-31 \(ccpa\)" "the table says the period and law"
expect_out "^all +2 +1 +1" "CCPA: two received, one fulfilled, one denied"
run dsr report requests --from 2026-05-01 --to 2026-01-01
expect_rc 2 "a period that ends before it starts"
check "no personal data in the vault file" bash -c "! grep -qa 'alice@example.com' '$V'"

# Acknowledge and start, on a vault of their own (the report above counts requests).
unset DSR_DB DSR_KEY_FILE
new_vault r2
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02
dsr register --email carol@example.com --name "Carol Poe" >/dev/null
R=$(dsr request open carol@example.com --type access --law ccpa --received 2026-01-26)
run dsr request start "$R"
expect_rc 7 "start: a request not yet verified cannot be started"
expect_err "verify" "and the error says to verify first"
run dsr request acknowledge "$R"
expect_rc 0 "acknowledge: receipt confirmed"
run dsr request show "$R" --json
check "acknowledge: the date is recorded" test "$(jget "$OUT" 'd["acknowledged_on"]')" = 2026-02-02
check "acknowledge: no longer overdue for it" test "$(jget "$OUT" 'd["ack_overdue"]')" = False
check "acknowledge: its history says so" test "$(jget "$OUT" '[e["event"] for e in d["history"]].count("acknowledged")')" = 1
run dsr request acknowledge "$R"
expect_rc 4 "acknowledge: a second time is a conflict"
dsr request verify "$R" >/dev/null 2>&1
run dsr request start "$R" --json
expect_rc 0 "start: a verified request starts"
check "start: it is in progress" test "$(jget "$OUT" 'd["status"]')" = in_progress
run dsr request show "$R" --json
check "start: its history says so" test "$(jget "$OUT" '[e["event"] for e in d["history"]].count("started")')" = 1
run dsr request start "$R"
expect_rc 4 "start: a second time is a conflict"
run dsr request acknowledge req_99
expect_rc 3 "acknowledge: an unknown request"
finish
