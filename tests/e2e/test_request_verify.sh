#!/usr/bin/env bash
# End-to-end: verification with evidence (CCPA regs 7060-7062), authorised
# agents and parents (7063, 7070(c)), reopening, the appeal's clock and its
# extension, and claimed-identity requests linked by import and batch. The
# clock is set with DSR_TODAY (test builds only).
. "$(dirname "$0")/lib.sh"
new_vault ver
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-02-02
at() { local day=$1; shift 2; run env DSR_TODAY="$day" "$DSR_BIN" "$@"; }  # at DAY dsr ARGS...

dsr register --email alice@example.com --name "Alice Able" --phone "+1 415 555 0101" >/dev/null 2>&1
dsr register --email bob@example.com --name "Bob Baker" >/dev/null 2>&1
dsr register --email kid@example.com --name "Kid Baker" >/dev/null 2>&1

# ---- verification with evidence ---------------------------------------------
A=$(dsr request open alice@example.com --type access --law ccpa 2>/dev/null)
printf 'I, Alice Able, declare under penalty of perjury that I am the consumer.\n' >"$TMP/decl.txt"
run dsr request verify "$A" --method data-points --matched email --level reasonable
expect_rc 7 "one data point is not a reasonable degree of certainty"
expect_err "7062\(a\)" "the refusal cites 7062(a)"
run dsr request verify "$A" --method data-points --matched email,phone,name --level high
expect_rc 7 "high needs the signed declaration"
expect_err "penalty of perjury" "and says what is missing"
run dsr request verify "$A" --method data-points --matched email,phone
expect_rc 2 "--method without --level"
run dsr request verify "$A" --method data-points --matched alice@example.com,phone --level reasonable
expect_rc 2 "a value where a kind belongs"
expect_err "never the value" "is refused without storing it"
: >"$TMP/empty.txt"
run dsr request verify "$A" --method data-points --matched email,phone,name --level high --declaration "$TMP/empty.txt"
expect_rc 2 "an empty declaration"
head -c 1048577 /dev/zero >"$TMP/big.bin"
run dsr request verify "$A" --method data-points --matched email,phone,name --level high --declaration "$TMP/big.bin"
expect_rc 2 "a declaration over 1 MiB"
run dsr request show "$A" --json
check "after the refusals the request is unchanged" test "$(jget "$OUT" '(d["status"], "evidence" in d)')" = "('received', False)"

run dsr request verify "$A" --method data-points --matched email,phone,name,email --level high --declaration "$TMP/decl.txt" --json
expect_rc 0 "three kinds and a declaration: a reasonably high degree (7062(b))"
check "verified" test "$(jget "$OUT" 'd["status"]')" = verified
run dsr request show "$A" --json
check "the evidence is named" test "$(jget "$OUT" 'd["evidence"]')" = "['verification']"
check "the history names it, sealed" test "$(jget "$OUT" '[(e["detail"]["evidence"], e["detail"]["sealed"]) for e in d["history"] if e["event"]=="verified"]')" = "[('verification', True)]"
expect_no_out "perjury|data-points|reasonable|high" "the history holds neither the declaration nor the method or level"
run dsr request show "$A"
expect_out "evidence: verification \(sealed" "show says evidence is sealed"
expect_no_out "perjury" "and not what it says"
run dsr audit log --json
expect_no_out "perjury|data-points" "the audit trail holds none of the evidence"
run dsr request evidence "$A" --json
expect_rc 0 "the evidence opens for the role that manages requests"
check "its method, level and matched kinds (deduplicated)" test "$(jget "$OUT" '(d[0]["record"]["method"], d[0]["record"]["level"], d[0]["record"]["matched"])')" = "('data-points', 'high', ['email', 'phone', 'name'])"
check "and the declaration" test "$(jget "$OUT" 'd[0]["file_text"].startswith("I, Alice Able, declare")')" = True
check "named by its file" test "$(jget "$OUT" 'd[0]["record"]["file"]')" = decl.txt
run dsr request evidence "$A"
expect_out "penalty of perjury" "the text form prints a text declaration"
run dsr audit log --json
check "each read of the evidence is audited" test "$(jget "$OUT" 'len([e for e in d if e["command"]=="request evidence"])')" = 2
run dsr request verify "$A" --method account --level reasonable
expect_rc 4 "verifying twice"
dsr key add aud --role auditor --new-key-file "$TMP/aud.key" >/dev/null 2>&1
run env DSR_KEY_FILE="$TMP/aud.key" "$DSR_BIN" request evidence "$A"
expect_rc 7 "an auditor reads requests, not their evidence"
run env DSR_KEY_FILE="$TMP/aud.key" "$DSR_BIN" request show "$A" --json
expect_rc 0 "but may read the request"
expect_no_out "perjury" "which does not show the evidence"
# Plain verify still works (no evidence), and account verification needs no count.
B=$(dsr request open bob@example.com --type access --law gdpr 2>/dev/null)
run dsr request verify "$B" --json
check "verify without evidence, as before" test "$(jget "$OUT" '(d["status"], "evidence" in d)')" = "('verified', False)"
B2=$(dsr request open bob@example.com --type erasure --law gdpr 2>/dev/null)
run dsr request verify "$B2" --method account --level high
expect_rc 0 "the account's own authentication (7061)"

# ---- insufficient verification ------------------------------------------------
U1=$(dsr request open bob@example.com --type portability --law ccpa --received 2026-01-02 2>/dev/null)
at 2026-02-17 dsr request close "$U1" --outcome denied --code insuf_verification --reason "no answer to our questions" --json
expect_rc 0 "unverified at its due date (2026-02-16): denied for insufficient verification"
run dsr request show "$U1" --json
check "not marked early" test "$(jget "$OUT" '[e["detail"].get("before_due") for e in d["history"] if e["event"]=="closed"]')" = "[None]"
U2=$(dsr request open bob@example.com --type rectification --law ccpa 2>/dev/null)
run dsr request close "$U2" --outcome denied --code insuf_verification --reason "the documents do not match"
expect_rc 0 "before its due date too"
run dsr request show "$U2" --json
check "the history notes it came before the due date" test "$(jget "$OUT" '[e["detail"].get("before_due") for e in d["history"] if e["event"]=="closed"]')" = "[True]"
run dsr request close "$B" --outcome denied --code insuf_verification --reason "x"
expect_rc 7 "a verified request cannot be denied for insufficient verification"
run dsr request show "$B" --json
check "and stays open" test "$(jget "$OUT" 'd["status"]')" = verified

# ---- authorised agents and parents --------------------------------------------
printf 'I, Bob Baker, let Acme Privacy act for me. Signed, Bob\n' >"$TMP/perm.txt"
run dsr request open bob@example.com --type erasure --law ccpa --agent "Acme Privacy"
expect_rc 2 "an agent without proof"
run dsr request open bob@example.com --type erasure --law ccpa --power-of-attorney --agent-proof "$TMP/perm.txt"
expect_rc 2 "--power-of-attorney without --agent"
run dsr request open bob@example.com --type erasure --law ccpa --agent X --agent-proof "$TMP/perm.txt" --power-of-attorney --parent-of-minor
expect_rc 2 "a power of attorney and a parent at once"
run dsr request open bob@example.com --type erasure --law ccpa --agent X --agent-proof "$TMP/missing.txt"
expect_rc 3 "a proof file that does not exist"
run dsr request list --status all --format json
N_BEFORE=$(jget "$OUT" 'len(d)')
run dsr request open bob@example.com --type erasure --law ccpa --agent "Acme Privacy" --agent-proof "$TMP/perm.txt" --verified --json
expect_rc 0 "an agent's request with the signed permission"
G=$(jget "$OUT" 'd["id"]')
check "the agent is named, unconfirmed" test "$(jget "$OUT" '(d["representative"]["kind"], d["representative"]["agent"], d["representative"]["confirmation_needed"])')" = "('agent', 'Acme Privacy', True)"
run dsr request list --status all --format json
check "the refused opens left nothing" test "$(jget "$OUT" 'len(d)')" = $((N_BEFORE + 1))
run dsr request start "$G"
expect_rc 7 "not started before the confirmation"
expect_err "confirm-agent $G" "the refusal names the missing step"
run dsr delete bob@example.com --reason "erasure request" --yes --request "$G"
expect_rc 7 "no action under it either"
run dsr show bob@example.com --json
expect_rc 0 "bob was not erased"
run dsr request close "$G" --outcome fulfilled
expect_rc 7 "nor fulfilled"
run dsr request confirm-agent "$G" --method guardian
expect_rc 2 "guardian is for a parent's request"
run dsr request confirm-agent "$G" --method permission --json
expect_rc 0 "the consumer confirmed the agent's permission (7063(a)(2))"
check "confirmed today" test "$(jget "$OUT" 'd["representative"]["confirmed_on"]')" = 2026-02-02
run dsr request confirm-agent "$G" --method identity
expect_rc 4 "confirming twice"
run dsr request start "$G"
expect_rc 0 "then it starts"
run dsr request evidence "$G" --json
check "the proof is sealed and opens" test "$(jget "$OUT" '(d[0]["kind"], d[0]["record"]["representative"], d[0]["file_text"].startswith("I, Bob Baker"))')" = "('agent_proof', 'agent', True)"
run dsr audit log --json
expect_no_out "Acme Privacy|Signed, Bob" "the audit trail names neither the agent nor the proof"
run dsr request open bob@example.com --type access --law ccpa --agent "Jane Counsel" --agent-proof "$TMP/perm.txt" --power-of-attorney --verified --json
PA=$(jget "$OUT" 'd["id"]')
check "a power of attorney needs no confirmation (7063(b))" test "$(jget "$OUT" 'd["representative"]["confirmation_needed"]')" = False
run dsr request start "$PA"
expect_rc 0 "and starts at once"
run dsr request confirm-agent "$PA" --method permission
expect_rc 7 "confirming a power of attorney is refused"
run dsr request open kid@example.com --type access --law ccpa --agent "Pat Baker" --agent-proof "$TMP/perm.txt" --parent-of-minor --verified --json
PM=$(jget "$OUT" 'd["id"]')
check "a parent's request" test "$(jget "$OUT" 'd["representative"]["kind"]')" = parent
run dsr request start "$PM"
expect_rc 7 "waits for the guardian check"
expect_err "7070\(c\)" "citing 7070(c)"
run dsr request confirm-agent "$PM" --method identity
expect_rc 2 "a parent is confirmed as guardian"
run dsr request confirm-agent "$PM" --method guardian
expect_rc 0 "guardian"
run dsr request start "$PM"
expect_rc 0 "then it starts"
run dsr request open bob@example.com --type opt-out --law ccpa --agent "Acme Privacy" --agent-proof "$TMP/perm.txt" --json
OO=$(jget "$OUT" 'd["id"]')
check "an agent's opt-out needs only the signed permission (7026(d))" test "$(jget "$OUT" 'd["representative"]["confirmation_needed"]')" = False
run dsr request close "$OO" --outcome fulfilled
expect_rc 0 "and is fulfilled"

# ---- reopen ---------------------------------------------------------------------
R=$(dsr request open alice@example.com --type rectification --law gdpr --received 2026-01-05 --verified 2>/dev/null)
run dsr request show "$R" --json
DUE=$(jget "$OUT" 'd["due"]')
run dsr request reopen "$R" --reason "x"
expect_rc 4 "an open request cannot be reopened"
at 2026-02-03 dsr request close "$R" --outcome fulfilled
run dsr request reopen "$R"
expect_rc 2 "reopen needs a reason"
at 2026-02-10 dsr request reopen "$R" --reason "the correction was not made in the CRM" --json
expect_rc 0 "a closed request reopens"
check "back to verified, open, the outcome cleared" test "$(jget "$OUT" '(d["status"], d["closed_on"], d["outcome"])')" = "('verified', None, None)"
check "its due date stands" test "$(jget "$OUT" 'd["due"]')" = "$DUE"
check "overdue at once (due $DUE)" test "$(jget "$OUT" 'd["overdue"]')" = True
run dsr request show "$R" --json
check "the history keeps the close and the reopening" test "$(jget "$OUT" '[e["event"] for e in d["history"]][-2:]')" = "['closed', 'reopened']"
check "the reopening says what it was" test "$(jget "$OUT" '[(e["detail"]["was"], e["detail"]["reason"]) for e in d["history"] if e["event"]=="reopened"]')" = "[('fulfilled', 'the correction was not made in the CRM')]"
at 2026-02-10 dsr request list --overdue --format json
check "listed as overdue" test "$(jget "$OUT" "'$R' in [r['id'] for r in d]")" = True
at 2026-02-11 dsr request close "$R" --outcome fulfilled
expect_rc 0 "and closes again"

# ---- appeals: their clock, the CPA's extension, overdue in list and report -------
C=$(dsr request open alice@example.com --type erasure --law cpa --received 2026-01-02 --verified 2>/dev/null)
at 2026-01-10 dsr request close "$C" --outcome denied --code claim_not_covered --reason "records kept by law"
at 2026-01-12 dsr request appeal "$C" --received 2026-01-12 --json
check "CPA appeal: 45 days" test "$(jget "$OUT" '(d["appeal"]["due"], d["appeal"]["extendable_to"])')" = "('2026-02-26', '2026-04-27')"
run dsr request reopen "$C" --reason "x"
expect_rc 7 "a denial under appeal is not reopened"
expect_err "appeal-decision" "the appeal decides it"
at 2026-02-02 dsr request list --format json
check "the open list shows the pending appeal" test "$(jget "$OUT" "'$C' in [r['id'] for r in d]")" = True
at 2026-02-02 dsr request list
expect_out "appeal in 24 days" "with the days left to decide it"
at 2026-02-02 dsr request list --due-within 30 --format json
check "--due-within counts the appeal's due date" test "$(jget "$OUT" "'$C' in [r['id'] for r in d]")" = True
at 2026-02-02 dsr request list --due-within 10 --format json
check "and leaves it out when it is further" test "$(jget "$OUT" "'$C' in [r['id'] for r in d]")" = False
at 2026-03-01 dsr request list --overdue --format json
check "past its due date it is overdue" test "$(jget "$OUT" "[r['appeal']['overdue'] for r in d if r['id']=='$C']")" = "[True]"
at 2026-03-01 dsr request list --overdue
expect_out "appeal 3 days overdue" "the table says so"
at 2026-03-01 dsr report requests --from 2026-01-01 --to 2026-12-31 --json
check "the report counts the overdue appeal" test "$(jget "$OUT" '(d["total"]["appeals"], d["total"]["appeals_overdue"])')" = "(1, 1)"
at 2026-03-01 dsr request extend "$C" --appeal --reason "late"
expect_rc 7 "an appeal's extension after its due date"
at 2026-02-20 dsr request extend "$C" --appeal --reason "twelve appeals this month" --json
expect_rc 0 "the CPA's 60 more days (6-1-1306(3))"
check "due 2026-04-27" test "$(jget "$OUT" '(d["appeal"]["due"], d["appeal"]["extended_on"])')" = "('2026-04-27', '2026-02-20')"
at 2026-02-21 dsr request extend "$C" --appeal --reason "again"
expect_rc 7 "once"
at 2026-03-01 dsr report requests --from 2026-01-01 --to 2026-12-31 --json
check "no longer overdue" test "$(jget "$OUT" 'd["total"]["appeals_overdue"]')" = 0
V2=$(dsr request open alice@example.com --type access --law vcdpa --received 2026-01-05 --verified 2>/dev/null)
at 2026-01-06 dsr request close "$V2" --outcome denied --code other --reason "exempt"
at 2026-01-07 dsr request appeal "$V2"
at 2026-01-08 dsr request extend "$V2" --appeal --reason "busy"
expect_rc 7 "the VCDPA sets no appeal extension (59.1-577(C))"
at 2026-04-01 dsr request appeal-decision "$V2" --outcome denied --reason "the exemption applies"
at 2026-04-01 dsr report requests --from 2026-01-01 --to 2026-12-31 --json
check "an appeal decided after its due date is late" test "$(jget "$OUT" 'd["total"]["appeals_late"]')" = 1
at 2026-04-01 dsr request list --format json
check "a decided appeal leaves the open list" test "$(jget "$OUT" "'$V2' in [r['id'] for r in d]")" = False

# ---- import and batch link claimed-identity requests ------------------------------
D=$(dsr request open dana@example.com --type access --law gdpr 2>/dev/null)
printf 'email,name\r\ndana@example.com,Dana Dee\r\nzed@example.com,Zed Z\r\n' >"$TMP/people.csv"
run dsr import "$TMP/people.csv" --format ndjson
expect_rc 0 "import"
check "the imported subject's line lists the linked request" test "$(printf '%s\n' "$OUT" | grep -c "\"linked_requests\":\[\"$D\"\]")" = 1
run dsr request show "$D" --json
DANA=$(jget "$OUT" 'd["subject"]')
check "the request now names the subject" test "$(jget "$OUT" '(d["subject"] or "").startswith("sub_")')" = True
check "linked by matching email" test "$(jget "$OUT" '[e["detail"]["by"] for e in d["history"] if e["event"]=="linked"]')" = "['matching email']"
E=$(dsr request open --phone "+1 415 555 0199" --type erasure --law ccpa 2>/dev/null)
printf '{"op":"register","email":"eli@example.com","name":"Eli","phone":"+1 (415) 555-0199"}\n{"op":"register","email":"fay@example.com","name":"Fay"}\n' >"$TMP/b.ndjson"
run dsr batch "$TMP/b.ndjson"
expect_rc 0 "batch"
check "the batch line lists the linked request" test "$(printf '%s\n' "$OUT" | grep -c "\"linked_requests\":\[\"$E\"\]")" = 1
run dsr request show "$E" --json
check "linked by matching phone" test "$(jget "$OUT" '[e["detail"]["by"] for e in d["history"] if e["event"]=="linked"]')" = "['matching phone']"
run dsr audit log --json
check "each link is audited" test "$(jget "$OUT" 'len([e for e in d if e["command"]=="request link"])')" = 2

finish
