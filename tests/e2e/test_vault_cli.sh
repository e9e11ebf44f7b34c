#!/usr/bin/env bash
# End-to-end: creating and unlocking a vault the way a script would. Exit codes
# (2 usage, 3 missing, 4 exists, 5 wrong key), every key source, file modes.
. "$(dirname "$0")/lib.sh"

sum() { sha256sum "$1" | cut -d' ' -f1; }
mode() { stat -c %a "$1"; }

# ---- init with a key file: private files whatever the umask -----------------
umask 000
run dsr --db "$TMP/a.dsr" init --new-key-file "$TMP/a.key" --name ops
expect_rc 0 "init --new-key-file"
expect_out "created vault" "init says what it did"
check "the vault is mode 0600 under umask 000" test "$(mode "$TMP/a.dsr")" = 600
check "the key file is mode 0600 under umask 000" test "$(mode "$TMP/a.key")" = 600
check "the key file is 64 hex digits" grep -Eqx '[0-9a-f]{64}' "$TMP/a.key"
run dsr --db "$TMP/sub/dir/b.dsr" init --new-key-file "$TMP/b.key" --name ops
expect_rc 0 "init creates missing parent directories"
check "the new directory is private" test "$(mode "$TMP/sub/dir")" = 700
umask 077  # the passphrase files below must be private (dsr refuses others)

run dsr --db "$TMP/a.dsr" --key-file "$TMP/a.key" check
expect_rc 0 "check on a fresh vault"
expect_out "^ok: header and [0-9]+ pages authenticated" "check reports the pages it authenticated"
run dsr --db "$TMP/a.dsr" --key-file "$TMP/a.key" info --json
expect_rc 0 "info --json"
check "info names the slot" test "$(jget "$OUT" 'd["slots"][0]["name"]')" = ops
check "info names the slot kind" test "$(jget "$OUT" 'd["slots"][0]["kind"]')" = key-file
check "info gives the format version" test "$(jget "$OUT" 'd["format_version"] >= 1')" = True
DSR_DB="$TMP/a.dsr" DSR_KEY_FILE="$TMP/a.key" run dsr check
expect_rc 0 "DSR_DB and DSR_KEY_FILE name the vault and the key"

# ---- init never overwrites: exit 4, byte-identical, no stray key file -------
before=$(sum "$TMP/a.dsr")
run dsr --db "$TMP/a.dsr" init --new-key-file "$TMP/a2.key" --name ops
expect_rc 4 "init on an existing vault"
expect_err "already exists" "the conflict says the file exists"
check "the existing vault is byte-identical" test "$(sum "$TMP/a.dsr")" = "$before"
check "no key file was made for a vault that was not" test ! -e "$TMP/a2.key"
printf 'hunter2 hunter2\n' >"$TMP/pw"
run dsr --db "$TMP/a.dsr" --passphrase-file "$TMP/pw" init --kdf interactive
expect_rc 4 "init --passphrase-file on an existing vault"
check "still byte-identical" test "$(sum "$TMP/a.dsr")" = "$before"
printf 'my notes\n' >"$TMP/notes.txt"
run dsr --db "$TMP/notes.txt" init --new-key-file "$TMP/n.key"
expect_rc 4 "init on someone else's file"
check "their file is untouched" test "$(cat "$TMP/notes.txt")" = "my notes"
keysum=$(sum "$TMP/a.key")
run dsr --db "$TMP/c.dsr" init --new-key-file "$TMP/a.key"
expect_rc 4 "init --new-key-file onto an existing key file"
check "the existing key file is untouched" test "$(sum "$TMP/a.key")" = "$keysum"
check "and no vault was created" test ! -e "$TMP/c.dsr"

# ---- a missing vault: exit 3, and nothing is created -----------------------
for cmd in check info; do
  run dsr --db "$TMP/missing.dsr" --key-file "$TMP/a.key" $cmd
  expect_rc 3 "$cmd on a missing vault"
  expect_err "no vault at" "$cmd says there is no vault"
done
check "opening a missing vault does not create it" test ! -e "$TMP/missing.dsr"
run dsr --json --db "$TMP/missing.dsr" --key-file "$TMP/a.key" check
expect_rc 3 "--json on a missing vault"
check "--json error kind" test "$(jget "$OUT" 'd["error"]["kind"]')" = not_found
check "--json error exit code" test "$(jget "$OUT" 'd["error"]["exit_code"]')" = 3
run dsr --db "$TMP/a.dsr" --key-file "$TMP/missing.key" check
expect_rc 3 "a missing key file"

# ---- the wrong key: exit 5 --------------------------------------------------
for cmd in check info; do
  run dsr --db "$TMP/a.dsr" --key-file "$TMP/b.key" $cmd
  expect_rc 5 "$cmd with another vault's key file"
  expect_err "wrong key file" "$cmd says the key is wrong"
done
check "a failed unlock leaves the vault byte-identical" test "$(sum "$TMP/a.dsr")" = "$before"

# ---- passphrase slots: --passphrase-file, DSR_PASSPHRASE_FILE, --passphrase-fd
printf 'correct horse battery staple\nthis second line is not part of it\n' >"$TMP/p1"
printf 'correct horse battery stapler\n' >"$TMP/p2"
run dsr --db "$TMP/p.dsr" --passphrase-file "$TMP/p1" init --kdf interactive --name alice
expect_rc 0 "init --passphrase-file"
check "a passphrase vault is mode 0600" test "$(mode "$TMP/p.dsr")" = 600
run dsr --db "$TMP/p.dsr" --passphrase-file "$TMP/p1" check
expect_rc 0 "unlock with --passphrase-file"
DSR_PASSPHRASE_FILE="$TMP/p1" run dsr --db "$TMP/p.dsr" info
expect_rc 0 "unlock with DSR_PASSPHRASE_FILE"
run dsr --db "$TMP/p.dsr" --passphrase-fd 3 check 3<"$TMP/p1"
expect_rc 0 "unlock with --passphrase-fd"
run bash -c "printf 'correct horse battery staple\n' | \"$DSR_BIN\" --db \"$TMP/p.dsr\" --passphrase-fd 0 check"
expect_rc 0 "unlock with the passphrase on stdin (--passphrase-fd 0)"
run dsr --db "$TMP/p.dsr" --passphrase-file "$TMP/p2" check
expect_rc 5 "a wrong passphrase file"
expect_err "wrong passphrase" "the error says the passphrase is wrong"
run dsr --db "$TMP/p.dsr" --passphrase-fd 3 info 3<"$TMP/p2"
expect_rc 5 "a wrong passphrase on a descriptor"
run dsr --db "$TMP/p.dsr" --key-file "$TMP/a.key" check
expect_rc 5 "a key file on a vault that has only a passphrase slot"
run dsr --db "$TMP/p.dsr" --slot nobody --passphrase-file "$TMP/p1" check
expect_rc 3 "--slot naming no slot"
run dsr --db "$TMP/p.dsr" --passphrase-fd 9 check
expect_rc 2 "--passphrase-fd on a closed descriptor"
printf '\n' >"$TMP/empty"
run dsr --db "$TMP/p.dsr" --passphrase-file "$TMP/empty" check
expect_rc 2 "an empty passphrase"

# ---- no key source and no terminal: exit 2, naming the flags ---------------
run dsr --db "$TMP/p.dsr" check
expect_rc 2 "no key source off a terminal"
expect_err "--key-file" "the error names --key-file"
expect_err "--passphrase-file" "the error names --passphrase-file"
expect_err "--passphrase-fd" "the error names --passphrase-fd"
run dsr --db "$TMP/p.dsr" --no-input info
expect_rc 2 "--no-input with no key source"
run dsr --db "$TMP/new.dsr" init
expect_rc 2 "init with no key source off a terminal"
expect_err "--new-key-file" "init names --new-key-file"
expect_err "--passphrase-file" "init names --passphrase-file"
check "and creates nothing" test ! -e "$TMP/new.dsr"
run dsr --db "$TMP/a.dsr" --key-file "$TMP/a.key" --passphrase-file "$TMP/p1" check
expect_rc 2 "two key sources at once"
run dsr --db "$TMP/new.dsr" --key-file "$TMP/a.key" init --new-key-file "$TMP/x.key"
expect_rc 2 "--new-key-file with another key source"
check "and creates nothing" test ! -e "$TMP/new.dsr" -a ! -e "$TMP/x.key"

# ---- SQLite alone cannot read a vault ----------------------------------------
check "the file does not start with the SQLite magic" test "$(head -c 15 "$TMP/a.dsr" | tr -d "\000")" != "SQLite format 3"
check "it starts with the vault magic" test "$(head -c 8 "$TMP/a.dsr")" = DSRVAULT
if command -v sqlite3 >/dev/null; then
  run sqlite3 "$TMP/a.dsr" .tables
  check "sqlite3 FILE .tables fails" test "$RC" -ne 0
  expect_no_out "subjects" "sqlite3 lists no tables"
  run sqlite3 "$TMP/a.dsr" "PRAGMA integrity_check"
  check "sqlite3 cannot even check it" test "$RC" -ne 0
fi

# ---- a mistyped command is named --------------------------------------------------
run dsr registr --email a@example.com
expect_rc 2 "an unknown command exits 2"
expect_err "unknown command 'dsr registr'.*register" "and is named, with the commands there are"
run dsr --db "$TMP/a.dsr" key bogus
expect_rc 2 "an unknown subcommand exits 2"
expect_err "unknown command 'dsr key bogus'.*add, list" "and is named, with the key commands"
run dsr key
expect_rc 2 "a command group alone exits 2"
expect_err "'dsr key' needs a command: add" "and says which commands it takes"
run dsr --json list --status foo
expect_rc 2 "a value the parser rejects exits 2"
check "--json: even a parser error is one JSON document" test "$(jget "$OUT" 'd["ok"], d["error"]["exit_code"]')" = "(False, 2)"

finish
