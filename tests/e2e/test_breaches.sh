#!/usr/bin/env bash
# End-to-end: the register of personal-data breaches (GDPR Art. 33(5)): the
# 72-hour clock and its warnings, affected subjects from live data by category
# and time window, breach-notice contacts, the audit trail, the report and the
# inventory's counts.
. "$(dirname "$0")/lib.sh"
new_vault b
export DSR_DB="$V" DSR_KEY_FILE="$K"

# A known data set: four card holders registered on 1 November, one of them
# deactivated and one erased, a subject without a card, and a card holder
# registered after the breach.
export DSR_TODAY=2026-11-01
A=$(dsr register --email ann@example.org --name "Ann Able" --card-number 4111111111111111 --card-expiry 10/35)
B=$(dsr register --email ben@example.org --name "Ben Baker" --card-number 5555555555554444 --card-expiry 10/35 --phone +14155550123 --contact-preference phone)
C=$(dsr register --email cat@example.org --name "Cat Cole" --card-number 4111111111111111 --card-expiry 10/35)
D=$(dsr register --email dan@example.org --name "Dan Dell")
dsr deactivate "$B" >/dev/null
dsr delete "$C" --yes >/dev/null 2>&1
export DSR_TODAY=2026-11-25
E=$(dsr register --email eve@example.org --name "Eve Late" --card-number 4111111111111111 --card-expiry 10/35)
export DSR_TODAY=2026-11-30

# Open: detected on a Friday afternoon; the 72 hours run through the weekend.
run dsr breach open --detected 2026-11-20T16:30:00Z --categories payment --description "card export left on a public share" --json
expect_rc 0 "breach open"
P=$(jget "$OUT" 'd["id"]')
check "the id is brc_N" test "${P:0:4}" = brc_
check "72 hours from the next full hour, over the weekend (Reg. 1182/71 Art. 3(1), not moved by 3(4))" \
  test "$(jget "$OUT" 'd["authority_due"]')" = 2026-11-23T17:00:00Z
check "affected: the live card holders registered before detection (deactivated included, erased and later ones not)" \
  test "$(jget "$OUT" 'd["affected"]')" = 2
run dsr breach open --detected 2026-11-29T12:00:00Z --categories contact,identity --description "phishing of a support mailbox"
expect_rc 0 "a second breach"
Q=$(echo "$OUT" | grep -o 'brc_[0-9]*' | head -1)
run dsr breach open --detected 2099-01-01T00:00:00Z --categories contact --description x
expect_rc 2 "a detection in the future is refused"
run dsr breach open --detected 2026-11-30T00:00:00Z --categories contacts --description x
expect_rc 2 "an unknown category is refused"
run dsr breach open --detected 2026-11-30T00:00:00Z --categories contact --description "leaked 4111 1111 1111 1111"
expect_rc 2 "a description with a card number is refused"
expect_no_err "4111" "without echoing it"

# The clock: list warns about the overdue one.
run dsr breach list --json
check "list has both open breaches" test "$(jget "$OUT" 'len(d)')" = 2
check "the first is overdue" test "$(jget "$OUT" '[b["authority_overdue"] for b in d]')" = "[True, False]"
expect_err "warning: $P is past the 72 hours" "list warns on stderr"
run dsr breach list --overdue --json
check "--overdue lists only it" test "$(jget "$OUT" '[b["id"] for b in d]')" = "['$P']"

# Affected subjects and breach-notice contacts (Art. 34).
run dsr contacts --purpose breach-notice --breach "$P" --format ndjson
expect_rc 0 "breach-notice contacts"
check "two to tell" test "$(printf '%s\n' "$OUT" | grep -c .)" = 2
expect_out "\+14155550123" "by their preferred contact (Ben prefers phone)"
expect_no_out "cat@|eve@|dan@" "not the erased, the later or the unaffected"
run dsr contacts --purpose breach-notice --format ndjson
check "every open breach: all live subjects registered before (contact covers everyone)" test "$(printf '%s\n' "$OUT" | grep -c .)" = 4
run dsr contacts --purpose breach-notice --breach brc_999
expect_rc 3 "an unknown breach"

# Telling the authority late needs the reasons for the delay.
run dsr breach update "$P" --authority-notified 2026-11-24T09:00:00Z --authority-reference ICO-42
expect_rc 2 "late notification without a delay reason is refused"
expect_err "delay-reason" "naming the option"
run dsr breach update "$P" --authority-notified 2026-11-24T09:00:00Z --authority-reference ICO-42 --delay-reason "scope unknown until the host's logs came" --json
expect_rc 0 "late notification with the reason"
check "recorded, marked late" test "$(jget "$OUT" '(d["authority_reference"], d["notified_late"], d["authority_overdue"])')" = "('ICO-42', True, False)"
run dsr breach update "$P" --subjects-notified 2026-11-25T10:00:00Z --measures "share removed; cards reissued"
expect_rc 0 "subjects told and measures recorded"
run dsr breach update "$Q" --authority-notified 2026-11-29T13:00:00Z --authority-reference ICO-43
expect_rc 0 "told in time"
run dsr breach close "$P"
expect_rc 0 "close a notified breach"
run dsr breach update "$P" --measures "more"
expect_rc 4 "a closed breach cannot change"
run dsr breach open --detected 2026-11-30T00:00:00Z --categories survey --description "survey laptop lost (encrypted)"
R=$(echo "$OUT" | grep -o 'brc_[0-9]*' | head -1)
run dsr breach close "$R"
expect_rc 2 "closing without telling the authority needs a reason"
run dsr breach close "$R" --reason "full-disk encryption; key not exposed"
expect_rc 0 "closed with the reason"

run dsr breach show "$P" --json
check "the history records each step" test "$(jget "$OUT" '[e["event"] for e in d["history"]]')" = "['opened', 'authority-notified', 'updated', 'subjects-notified', 'closed']"
run dsr breach show "$P"
expect_out "authority told 2026-11-24T09:00:00Z \(LATE\)" "show prints the clock"
run dsr breach show brc_x
expect_rc 2 "a malformed id"

# Audit trail, report, inventory.
run dsr audit log --json
check "every breach command is in the audit trail" test "$(jget "$OUT" 'sorted(set(e["command"] for e in (d if isinstance(d, list) else d["entries"]) if e["command"].startswith("breach")))')" = "['breach close', 'breach open', 'breach update']"
expect_no_out "public share|phishing" "and no description in it"
run dsr report breaches --from 2026-11-01 --json
check "report counts" test "$(jget "$OUT" '(d["total"], d["closed"], d["authority_notified_in_time"], d["authority_notified_late"], d["authority_not_notified"], d["subjects_notified"])')" = "(3, 2, 1, 1, 1, 1)"
run dsr inventory --json
check "the inventory counts breaches" test "$(jget "$OUT" '(d["breaches"]["total"], d["breaches"]["open"])')" = "(3, 1)"
finish
