#!/usr/bin/env bash
# End-to-end: without the key the files reveal nothing. Personal data stored
# with dsr appears in no byte of the vault, its WAL or a journal (also when the
# writer is killed before its checkpoint); SQLite cannot open the file; every
# commit reported before a kill -9 is there afterwards.
. "$(dirname "$0")/lib.sh"
new_vault m
export DSR_DB="$V" DSR_KEY_FILE="$K"

# no_marker FILE DESCRIPTION: no marker, no SQLite signature, no schema text in FILE.
no_marker() {
  if [ ! -e "$1" ]; then ok; return; fi
  local hits
  hits=$(grep -a -o -i -E 'quuxmarker|SQLite format 3|CREATE TABLE|subjects_email|4155550199' "$1" | sort -u | tr '\n' ' ')
  if [ -z "$hits" ]; then ok; else RC=0; OUT=""; ERR="found: $hits"; bad "$2"; fi
}
scan_all() { # scan_all WHEN
  no_marker "$V" "$1: the main file holds plaintext"
  no_marker "$V-wal" "$1: the WAL holds plaintext"
  no_marker "$V-journal" "$1: the journal holds plaintext"
  no_marker "$V-shm" "$1: the shared-memory index holds plaintext"
}

run dsr register --email zed.quuxmarker@example.org --name "Zebediah Quuxmarker" --phone "+1 415 555 0199" \
  --address "742 Evergreen Terrace, Quuxmarker Town" --zip 94107 --attr survey.pet=quuxmarker-hamster
expect_rc 0 "register a subject full of markers"
ZED=$OUT
run dsr show "$ZED" --json
expect_rc 0 "show"
expect_out "Quuxmarker" "the markers were stored (the scans below are not vacuous)"
check "the command checkpointed its WAL away" test ! -s "$V-wal"
scan_all "after register"

run dsr correct "$ZED" --set "address=1 Quuxmarker Plaza" --set "name=Zeb Quuxmarker"
expect_rc 0 "correct"
scan_all "after correct"

# SQLite itself cannot make sense of the file.
check "the file does not start with the SQLite magic" test "$(head -c 15 "$V" | tr -d '\000')" != "SQLite format 3"
if command -v sqlite3 >/dev/null; then
  run sqlite3 "$V" .tables
  check "sqlite3 FILE .tables fails" test "$RC" -ne 0
  expect_err "not a database" "sqlite3 says it is not a database"
  expect_no_out "subjects" "sqlite3 lists no tables"
fi
if command -v strings >/dev/null; then
  check "strings finds no personal data" test -z "$(strings -n 6 "$V" | grep -i -E 'quuxmarker|example\.org|evergreen')"
fi

# ---- a writer killed with SIGKILL before its checkpoint ---------------------
# dsr batch commits each chunk and prints its results before reading on; fed
# through a FIFO it waits for more input with its commits in the WAL only.
mkfifo "$TMP/in"
"$DSR_BIN" batch --chunk 1 - <"$TMP/in" >"$TMP/batch.out" 2>"$TMP/batch.err" &
BPID=$!
exec 7>"$TMP/in"
for i in 1 2 3 4 5; do
  printf '{"op":"register","email":"k%d.quuxmarker@example.org","name":"Killed Quuxmarker %d","phone":"+1 415 555 0199"}\n' "$i" "$i" >&7
done
for _ in $(seq 1 100); do
  [ "$(grep -c '"ok":true' "$TMP/batch.out")" -ge 5 ] && break
  sleep 0.1
done
kill -9 "$BPID"
wait "$BPID" 2>/dev/null
exec 7>&-
check "batch reported five commits before the kill" test "$(grep -c '"ok":true' "$TMP/batch.out")" -eq 5
check "the commits are in the WAL, not yet checkpointed" test -s "$V-wal"
scan_all "after kill -9 before a checkpoint"
for i in 1 2 3 4 5; do
  run dsr show "k$i.quuxmarker@example.org" --json
  expect_rc 0 "commit $i reported before the kill survives it"
done
run dsr check
expect_rc 0 "the vault checks clean after the kill"
scan_all "after recovery"

# ---- repeated kills at random points: every reported commit survives --------
for round in 1 2 3 4; do
  : >"$TMP/batch.out"
  # Fed in bursts of 20 lines a tenth of a second apart, so the kill falls
  # mid-stream however fast the machine is.
  (for i in $(seq 1 400); do
    printf '{"op":"register","email":"r%d.%d@example.org","name":"Round %d Person %d","address":"%d Quuxmarker Road"}\n' \
      "$round" "$i" "$round" "$i" "$i"
    [ $((i % 20)) -eq 0 ] && sleep 0.1
  done) | "$DSR_BIN" batch --chunk 1 - >"$TMP/batch.out" 2>"$TMP/batch.err" &
  BPID=$!
  sleep "0.$((RANDOM % 6 + 2))"
  kill -9 "$BPID" 2>/dev/null
  wait "$BPID" 2>/dev/null
  reported=$(grep -c '"ok":true' "$TMP/batch.out")
  check "round $round: the batch was killed mid-stream (reported $reported of 400)" test "$reported" -lt 400
  scan_all "round $round, after the kill"
  run dsr list --format ndjson --status all --limit 100000
  expect_rc 0 "round $round: list after the kill"
  missing=0
  for i in $(grep '"ok":true' "$TMP/batch.out" | sed -E 's/.*"line":([0-9]+).*/\1/'); do
    printf '%s' "$OUT" | grep -q "\"r$round.$i@example.org\"" || missing=$((missing + 1))
  done
  check "round $round: all $reported reported commits survived ($missing missing)" test "$missing" -eq 0
  run dsr check
  expect_rc 0 "round $round: the vault checks clean"
done

finish
