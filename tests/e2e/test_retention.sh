#!/usr/bin/env bash
# End-to-end: retention rules and the cleanup cron runs (with the test clock DSR_TODAY).
. "$(dirname "$0")/lib.sh"
# A python3 found first on PATH may be a slow wrapper (pyenv shims): use the system one when there is one.
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault r
export DSR_DB="$V" DSR_KEY_FILE="$K"

run dsr retention show
expect_rc 0 "retention show"
for rule in deactivated_subjects disclosure_records request_records suppression_hashes tombstones audit_trail; do
  expect_out "^$rule " "show lists $rule"
done
expect_out "never run" "and says retention has never run"
run dsr retention show --json
check "--json gives each rule with its default" test "$(jget "$OUT" '[r["duration"] for r in d["rules"]]')" = "['2y', '6y', '24m', '3y', '6y', '6y']"
check "no run yet" test "$(jget "$OUT" 'd["last_run"]')" = None

run dsr retention set deactivated_subjects 18m
expect_rc 0 "set a rule"
expect_out "keep 18m" "says the new period"
run dsr retention show --json
check "the new period is in force" test "$(jget "$OUT" 'd["rules"][0]["duration"]')" = 18m
run dsr retention set deactivated_subjects default
check "set back to the default" test "$(dsr retention show --json | python3 -c 'import sys,json; print(json.load(sys.stdin)["rules"][0]["duration"])')" = 2y
run dsr retention set nosuch 1y
expect_rc 2 "an unknown rule is a usage error"
expect_err "deactivated_subjects" "that lists the rules"
run dsr retention set tombstones "6 years"
expect_rc 2 "a bad duration is a usage error"
run dsr retention set disclosure_records 1y
expect_rc 7 "shorter than the HIPAA accounting window is refused"

# Is this a test build that honours DSR_TODAY?
run env DSR_TODAY=2031-02-03 "$DSR_BIN" register --email clock@example.com --name Clock --json
if [ "$(jget "$OUT" 'd["created_at"][:10]')" != 2031-02-03 ]; then
  echo "test_retention.sh: DSR_TODAY is not honoured (build without -DDSR_TEST_CLOCK=ON); clock tests skipped"
  finish; exit $?
fi
dsr delete clock@example.com --yes >/dev/null

export DSR_TODAY=2026-01-10
A=$(dsr register --email ann@example.com --name "Ann Able")
B=$(dsr register --email ben@example.com --name "Ben Baker")
C=$(dsr register --email cat@example.com --name "Cat Cole")
dsr deactivate "$A" --reason restriction >/dev/null
dsr deactivate "$B" --reason restriction >/dev/null
dsr hold place "$B" --reason litigation --reference CV-1 >/dev/null

export DSR_TODAY=2028-01-10
run dsr retention run
expect_rc 2 "retention run without --yes is refused"
expect_err "\-\-yes" "and names --yes"
run dsr retention run --dry-run
expect_rc 0 "dry run"
expect_out "would erase 1 subjects deactivated on or before 2026-01-10" "says what would be erased"
expect_out "kept 1 under legal hold: $B" "and names the held subject"
run dsr show "$A" --json
check "a dry run changes nothing" test "$(jget "$OUT" 'd["status"]')" = deactivated

run dsr retention run --yes --json
expect_rc 0 "retention run"
check "the erased subject is listed" test "$(jget "$OUT" 'd["rules"][0]["erased"]')" = "['$A']"
check "the held subject is reported" test "$(jget "$OUT" 'd["rules"][0]["held_ids"]')" = "['$B']"
run dsr show "$A" --json
check "the deactivated subject is erased" test "$(jget "$OUT" 'd["status"]')" = erased
run dsr show "$B" --json
check "the held subject is kept" test "$(jget "$OUT" 'd["status"]')" = deactivated
run dsr show "$C" --json
check "an active subject is untouched" test "$(jget "$OUT" 'd["status"]')" = active
run dsr retention run --yes --json
check "a second run finds nothing more (idempotent)" test "$(jget "$OUT" 'd["removed"]')" = 0
run dsr retention show --json
check "show reports the last run" test "$(jget "$OUT" 'd["last_run"]["ran_by"]')" = admin

# Locked: an --atomic batch reading a FIFO holds the write lock while it waits for input.
mkfifo "$TMP/fifo"
"$DSR_BIN" batch --atomic "$TMP/fifo" >/dev/null 2>&1 &
holder=$!
exec 3>"$TMP/fifo"
echo '{"op":"register","email":"lock@example.com","name":"Lock Holder"}' >&3
sleep 0.5
run dsr --lock-timeout 0.3 retention run --yes
expect_rc 75 "a vault locked past the timeout exits 75"
expect_err "locked" "and says it is locked"
exec 3>&-
wait "$holder"

# As cron runs it: no terminal, no environment but the two file names, nothing printed.
run env -i PATH="$PATH" DSR_TODAY=2028-01-11 DSR_DB="$V" DSR_KEY_FILE="$K" "$DSR_BIN" retention run --yes --quiet
expect_rc 0 "the crontab line runs"
check "and prints nothing with --quiet" test -z "$OUT$ERR"
run dsr check
expect_rc 0 "the vault checks out after retention"
finish
