#!/usr/bin/env bash
# End-to-end: first contact. `dsr help`, "did you mean", the dsr: prefix on
# every parse message, short range messages, examples in group help, the
# global options in a command's help, no passphrase asked for a vault that
# is not there.
. "$(dirname "$0")/lib.sh"

run dsr help
expect_rc 0 "dsr help"
expect_out "register" "dsr help lists the commands"
run dsr help key add
expect_rc 0 "dsr help key add"
expect_out "dsr key add" "it is the help of key add"
expect_out "--role" "with its options"
run dsr help key bogus
expect_rc 2 "help for no such command"
expect_err "^dsr: no command 'dsr key bogus'" "names it"

run dsr registr --email a@example.com
expect_rc 2 "a misspelt command"
expect_err "^dsr: unknown command 'dsr registr'; did you mean register\?" "did you mean register"
run dsr lsit
expect_err "did you mean list\?" "a swap of two letters"
run dsr key lsit
expect_err "unknown command 'dsr key lsit'; did you mean list\?" "in a group too"
run dsr request list --staus open
expect_rc 2 "a misspelt option"
expect_err "^dsr: unknown option --staus for 'dsr request list'; did you mean --status\?" "did you mean --status"
run dsr list --limit 0
expect_rc 2 "--limit 0"
expect_err "^dsr: --limit: must be a number above 0, got '0'" "a short range message"
check "under 100 characters" test "$(printf '%s\n' "$ERR" | head -1 | wc -c)" -lt 100
run dsr show
expect_rc 2 "a missing argument"
expect_err "^dsr: " "CLI11's own messages carry the dsr: prefix"
run dsr key
expect_err "^dsr: 'dsr key' needs a command: add, list, remove, passwd" "a group without its command"

for g in key request audit hold retention policy report; do
  run dsr "$g" --help
  expect_out "^Examples?:" "dsr $g --help has an example"
done
run dsr list --help
expect_out "Global options.*--db" "a command's help names the global options"
expect_out "Example" "and an example"

# No vault there: say so before any prompt (script(1) gives dsr a terminal).
if command -v script >/dev/null; then
  run timeout 10 script -qec "$DSR_BIN --db $TMP/none.dsr list" /dev/null
  expect_rc 3 "no vault: exit 3 at a terminal, without waiting for a passphrase"
  expect_out "no vault at $TMP/none.dsr" "it names the path"
  expect_no_out "Passphrase" "no prompt was shown"
fi
run dsr --db "$TMP/none.dsr" show alice
expect_rc 3 "no vault: exit 3"
expect_err "dsr init" "and it says how to make one"
finish
