#!/usr/bin/env bash
# End-to-end: deadlines from the law table, public holidays imported from
# iCalendar files (Reg. 1182/71 Art. 3(4) and business days), the UK GDPR's
# stopped clock, and the laws' own extensions.
. "$(dirname "$0")/lib.sh"
new_vault laws
export DSR_DB="$V" DSR_KEY_FILE="$K" DSR_TODAY=2026-12-01
dsr register --email alice@example.com --name "Alice Doe" --username alice >/dev/null

# No calendar yet: weekends only, and the JSON says so.
run dsr request open alice --type access --law gdpr --jurisdiction DE --received 2026-12-01 --json
expect_rc 0 "open under the GDPR for Germany"
check "1 January 2027 (a Friday) stands without a calendar" test "$(jget "$OUT" 'd["due"]')" = 2027-01-01
check "the JSON says only weekends were counted" test "$(jget "$OUT" 'd["calendar"]["holidays"]')" = False
check "... in words" bash -c "printf '%s' \"\$1\" | grep -q 'only weekends were counted'" _ "$OUT"
check "the jurisdiction is recorded" test "$(jget "$OUT" 'd["jurisdiction"]')" = DE
check "the citation comes from the law table" bash -c "printf '%s' \"\$1\" | grep -q 'Art. 12(3)'" _ "$OUT"
dsr request close "$(jget "$OUT" 'd["id"]')" --outcome cancelled >/dev/null 2>&1
M=$(dsr request open alice --type portability --law gdpr --jurisdiction DE --received 2026-11-25 2>/dev/null)

# Import a calendar: bad files change nothing.
before=$(sha256sum "$V" | cut -d' ' -f1)
printf 'not a calendar\n' >"$TMP/bad.ics"
run dsr holidays import "$TMP/bad.ics" --jurisdiction DE
expect_rc 2 "a file that is not iCalendar"
expect_err "^dsr: .*iCalendar" "is refused with a dsr: message"
printf 'BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20261332\nEND:VEVENT\nEND:VCALENDAR\n' >"$TMP/baddate.ics"
run dsr holidays import "$TMP/baddate.ics" --jurisdiction DE
expect_rc 2 "a DTSTART that is no date"
expect_err "line 3" "names the line"
run dsr holidays import "$DSR_SRC/tests/e2e/data/de-2026.ics" --jurisdiction 'D E'
expect_rc 2 "a bad jurisdiction code"
run dsr holidays import "$TMP/missing.ics" --jurisdiction DE
expect_rc 3 "a missing file"
after=$(sha256sum "$V" | cut -d' ' -f1)
check "failed imports leave the vault unchanged" test "$before" = "$after"
run dsr holidays import "$DSR_SRC/tests/e2e/data/de-2026.ics" --jurisdiction de --json
expect_rc 0 "import the German calendar"
check "four days (25-26 Dec from DTEND, 1 Jan, Easter Monday)" test "$(jget "$OUT" 'd["days"]')" = 4
check "the recurring event is skipped and counted" test "$(jget "$OUT" 'd["recurring_skipped"]')" = 1
check "the code is uppercased" test "$(jget "$OUT" 'd["jurisdiction"]')" = DE
check "the open German request gets its dates again" test "$(jget "$OUT" 'd["requests_updated"]')" = "['$M']"
run dsr request show "$M" --json
check "25 and 26 December are holidays now: due 28 December" test "$(jget "$OUT" 'd["due"]')" = 2026-12-28
check "its history says why the date moved" test "$(jget "$OUT" '[e["detail"]["due"]["from"] for e in d["history"] if e["event"]=="deadlines"]')" = "['2026-12-25']"
run dsr holidays list --jurisdiction DE --format csv
expect_out "DE,2026-12-26,1. und 2. Weihnachtstag" "holidays list"
run dsr holidays list --jurisdiction FR
expect_err "no holidays imported for FR" "an empty jurisdiction says so"

# Art. 3(4): a period ending on a public holiday ends on the next working day.
run dsr request open alice --type access --law gdpr --jurisdiction DE --received 2026-12-01 --json
check "received 2026-12-01: 1 Jan is a holiday, then a weekend: 4 January" test "$(jget "$OUT" 'd["due"]')" = 2027-01-04
check "the JSON says holidays counted" test "$(jget "$OUT" 'd["calendar"]["holidays"]')" = True
run dsr request open alice --type erasure --law gdpr --jurisdiction DE --received 2026-11-25 --json
check "received 2026-11-25: 25 and 26 December, then Sunday: 28 December" test "$(jget "$OUT" 'd["due"]')" = 2026-12-28
run dsr request open alice --type erasure --law gdpr --jurisdiction FR --received 2026-11-25 --json
check "France has no calendar here: 25 December stands" test "$(jget "$OUT" 'd["due"]')" = 2026-12-25
run dsr request list --law gdpr --jurisdiction FR --format json
check "list filters by law and jurisdiction" test "$(jget "$OUT" 'len(d)')" = 1

# Business days skip imported holidays (the CCPA acknowledgement).
printf 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:20261224T000000Z\r\nSUMMARY:Christmas\r\n  Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$TMP/ca.ics"
run dsr holidays import "$TMP/ca.ics" --jurisdiction US-CA
expect_rc 0 "a CRLF calendar with a folded line and a DATE-TIME start"
run env DSR_TODAY=2026-12-20 "$DSR_BIN" request open alice --type access --law ccpa --received 2026-12-18 --json
check "CCPA: 45 calendar days, holidays or not" test "$(jget "$OUT" 'd["due"]')" = 2027-02-01
check "acknowledge in 10 business days, 24 December skipped" test "$(jget "$OUT" 'd["ack_due"]')" = 2027-01-04
run dsr holidays list --jurisdiction US-CA --json
check "the folded summary is unfolded" test "$(jget "$OUT" 'd[0]["name"]')" = "Christmas Eve"

# Every law of the table opens with its own period (received Friday 2026-11-20).
for row in "lgpd access 2026-12-05" "pipeda access 2026-12-21" "vcdpa access 2027-01-04" \
           "cpa erasure 2027-01-04" "ctdpa portability 2027-01-04" "hipaa-access access 2026-12-20" \
           "hipaa-accounting access 2027-01-19"; do
  set -- $row
  run dsr request open alice --type "$2" --law "$1" --received 2026-11-20 --json
  check "$1: due $3" test "$(jget "$OUT" 'd["due"]')" = "$3"
done
run dsr request open alice --type erasure --law hipaa-access
expect_rc 2 "a type the law does not know"
expect_err "hipaa-access requests are access" "names the law's types"
run dsr request open alice --type access --law hipaa
expect_rc 2 "an unknown law"

# Extensions: the law's own; none where the law has none.
L=$(dsr request open alice --type access --law lgpd --received 2026-11-30 2>/dev/null)
run dsr request extend "$L" --reason volume
expect_rc 7 "the LGPD has no extension"
expect_err "cannot be extended" "and says so"
P=$(dsr request open alice --type access --law pipeda --received 2026-11-30 2>/dev/null)
run dsr request extend "$P" --reason "consultations needed" --json
check "PIPEDA: 30 more days" test "$(jget "$OUT" 'd["due"]')" = 2027-01-29

# UK GDPR: the clock starts once identity is in, and stops for clarification.
U=$(dsr request open alice --type access --law uk-gdpr --received 2026-11-20 2>/dev/null)
run dsr request show "$U" --json
check "uk-gdpr: the clock waits for identity" test "$(jget "$OUT" 'd["clock"]["state"]')" = waiting
check "uk-gdpr: GB is its default jurisdiction" test "$(jget "$OUT" 'd["jurisdiction"]')" = GB
run env DSR_TODAY=2027-01-05 "$DSR_BIN" request list --overdue --law uk-gdpr --format json
check "a waiting clock is never overdue" test "$(jget "$OUT" 'len(d)')" = 0
run dsr request verify "$U" --json
check "verified on 1 December: the clock starts" test "$(jget "$OUT" 'd["clock"]["start"]')" = 2026-12-01
check "due a month later" test "$(jget "$OUT" 'd["due"]')" = 2027-01-01
run env DSR_TODAY=2026-12-03 "$DSR_BIN" request pause "$U" --reason "which accounts?"
expect_rc 0 "pause"
run env DSR_TODAY=2026-12-04 "$DSR_BIN" request pause "$U" --reason again
expect_rc 4 "pausing twice is a conflict"
run env DSR_TODAY=2026-12-13 "$DSR_BIN" request resume "$U" --json
expect_rc 0 "resume after ten days"
check "ten days added: 11 January 2027" test "$(jget "$OUT" 'd["due"]')" = 2027-01-11
check "the pause is counted" test "$(jget "$OUT" 'd["clock"]["paused_days"]')" = 10
run dsr request resume "$U"
expect_rc 4 "resuming a running clock is a conflict"
G=$(dsr request open alice --type objection --law gdpr 2>/dev/null)
run dsr request pause "$G" --reason x
expect_rc 7 "the GDPR clock cannot be stopped"
run dsr request show "$U"
expect_out "stood still 10 days" "show tells the pause"

# Appeals (the VCDPA model): of a denial, with the law's own clock and outcome.
VA=$(dsr request open alice --type access --law vcdpa --received 2026-11-20 2>/dev/null)
run dsr request appeal "$VA"
expect_rc 7 "only a denial can be appealed"
dsr request close "$VA" --outcome denied --code claim_not_covered --reason "exempt data" >/dev/null 2>&1
run dsr request appeal "$VA" --received 2026-11-30
expect_rc 2 "an appeal before the denial"
run dsr request appeal "$VA" --json
expect_rc 0 "appeal a VCDPA denial"
check "VCDPA: the appeal is due in 60 days" test "$(jget "$OUT" 'd["appeal"]["due"]')" = 2027-01-30
run dsr request appeal "$VA"
expect_rc 4 "a second appeal is a conflict"
run dsr request appeal-decision "$VA" --outcome denied
expect_rc 2 "an appeal denied needs a reason"
run env DSR_TODAY=2027-01-05 "$DSR_BIN" request appeal-decision "$VA" --outcome denied --reason "the exemption applies" --json
expect_rc 0 "decide the appeal"
check "the answer names the Attorney General" test "$(jget "$OUT" 'd["appeal"]["complaint"]')" = "If you disagree with this decision, you may contact the Virginia Attorney General."
check "decided in time" test "$(jget "$OUT" 'd["appeal"]["overdue"]')" = False
run dsr request appeal-decision "$VA" --outcome granted
expect_rc 4 "deciding twice is a conflict"
CO=$(dsr request open alice --type erasure --law cpa --received 2026-11-20 2>/dev/null)
dsr request close "$CO" --outcome denied --code other --reason "legal hold" >/dev/null 2>&1
run dsr request appeal "$CO" --json
check "CPA: 45 days, extendable by 60" test "$(jget "$OUT" '(d["appeal"]["due"], d["appeal"]["extendable_to"])')" = "('2027-01-15', '2027-03-16')"
GD=$(dsr request open alice --type restriction --law gdpr --received 2026-11-20 2>/dev/null)
dsr request close "$GD" --outcome denied --code other --reason "no basis" >/dev/null 2>&1
run dsr request appeal "$GD"
expect_rc 7 "the GDPR sets no appeal to the business"
expect_err "supervisory authority" "and says whom to complain to"
run env DSR_TODAY=2027-02-01 "$DSR_BIN" report requests --from 2026-01-01 --to 2026-12-31 --json
check "the report counts appeals" test "$(jget "$OUT" '(d["total"]["appeals"], d["total"]["appeals_denied"])')" = "(2, 1)"
check "by law" test "$(jget "$OUT" '[l["appeals"] for l in d["by_law"] if l["law"]=="vcdpa"][0]')" = 1
finish
