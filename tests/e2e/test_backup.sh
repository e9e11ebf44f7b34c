#!/usr/bin/env bash
# Backups: an encrypted, verified copy (a vault under the same slots), made
# while another process writes; backup --verify; restore into a new --db; a
# truncated, bit-flipped or altered backup exits 6 and restores nothing; what
# an old backup means for erasure (and that the man page says so).
. "$(dirname "$0")/lib.sh"
new_vault live
export DSR_DB="$V" DSR_KEY_FILE="$K"
run dsr register --email alice@example.com --name "Alice Doe" --card-number "4111 1111 1111 1111" --card-expiry 12/39 --card-token tok_ALICE99
expect_rc 0 "alice registered"
for i in $(seq 1 300); do
  printf '{"op":"register","email":"p%d@example.com","name":"Person %d","address":"%d Long Street"}\n' "$i" "$i" "$i"
done > "$TMP/people.ndjson"
run dsr batch "$TMP/people.ndjson"
expect_rc 0 "300 subjects registered"
run dsr key add sam --role support --new-key-file "$TMP/sam.key"
expect_rc 0 "a support slot"
printf 'pat words\n' > "$TMP/pat.txt"
run dsr key add pat --role billing --new-passphrase-file "$TMP/pat.txt" --kdf interactive
expect_rc 0 "a billing passphrase slot"

B="$TMP/b1.dsr"
run dsr backup "$B"
expect_rc 0 "backup"
expect_out "verified" "backup says it verified the copy"
check "the backup is mode 0600" test "$(stat -c %a "$B")" = 600
check "the backup shows no personal data" sh -c "! strings '$B' | grep -qE 'alice|Alice|tok_ALICE|Long Street'"
run sqlite3 "$B" .tables
check "the backup is not a readable SQLite file" test "$RC" -ne 0 -o -z "$OUT"
SUM=$(sha256sum < "$B")
run dsr backup "$B"
expect_rc 4 "a backup never overwrites a file (exit 4)"
check "the existing file was left untouched" test "$(sha256sum < "$B")" = "$SUM"
run dsr --json backup "$TMP/b2.dsr"
expect_rc 0 "backup --json"
check "--json gives the pages and size" test "$(jget "$OUT" 'd["ok"] and d["pages"] > 10 and d["size_bytes"] > 0')" = True

run dsr backup --verify "$B"
expect_rc 0 "backup --verify"
expect_out "pages authenticated; SQLite integrity check passed" "verify says what it checked"
run dsr --key-file "$TMP/sam.key" backup --verify "$B"
expect_rc 0 "any slot of the backup may verify it"
run dsr --key-file "" --passphrase-file "$TMP/pat.txt" --json backup --verify "$B"
expect_rc 0 "a passphrase slot verifies it too"
check "--json verify" test "$(jget "$OUT" 'd["ok"] and d["problems"] == []')" = True
printf 'wrong words\n' > "$TMP/wrong.txt"
run dsr --key-file "" --passphrase-file "$TMP/wrong.txt" backup --verify "$B"
expect_rc 5 "a wrong passphrase exits 5"
run dsr backup --verify "$TMP/missing.dsr"
expect_rc 3 "a missing backup exits 3"
run dsr --key-file "$TMP/sam.key" backup "$TMP/sam-backup.dsr"
expect_rc 7 "a support slot may not make a backup"
check "nothing was written" test ! -e "$TMP/sam-backup.dsr"

# ---- restore ---------------------------------------------------------------------
R="$TMP/restored.dsr"
run dsr --db "$R" restore "$B"
expect_rc 0 "restore into a new --db"
check "the restored vault is mode 0600" test "$(stat -c %a "$R")" = 600
run dsr --db "$R" check
expect_rc 0 "the restored vault passes its check"
run dsr --db "$R" --key-file "$TMP/sam.key" show alice@example.com
expect_rc 0 "the restored vault opens with the support slot"
expect_out "card_token +\(restricted" "and its category key is still withheld from support"
run dsr --db "$R" --key-file "" --passphrase-file "$TMP/pat.txt" show alice@example.com
expect_out "card_token +tok_ALICE99" "billing reads the token in the restored vault"
count() { "$DSR_BIN" "$@" list --limit 100000 --format ndjson </dev/null | wc -l; }
check "the restored vault holds all 301 subjects" test "$(count --db "$R")" = 301
run dsr --db "$R" restore "$B"
expect_rc 4 "restore into an existing --db exits 4"
run dsr --db "$V" restore "$B"
expect_rc 4 "restore over the live vault exits 4"
: > "$TMP/stale.dsr-wal"
run dsr --db "$TMP/stale.dsr" restore "$B"
expect_rc 4 "a leftover WAL at the target is refused (exit 4)"
run dsr --db "$TMP/by-sam.dsr" --key-file "$TMP/sam.key" restore "$B"
expect_rc 7 "a support slot may not restore"
check "nothing was restored" test ! -e "$TMP/by-sam.dsr"

# ---- damaged backups: exit 6, nothing restored -----------------------------------------
damaged() {  # damaged NAME: $TMP/NAME.dsr must fail verify and restore with exit 6
  run dsr backup --verify "$TMP/$1.dsr"
  expect_rc 6 "$1: backup --verify exits 6"
  run dsr --db "$TMP/$1-restored.dsr" restore "$TMP/$1.dsr"
  expect_rc 6 "$1: restore exits 6"
  check "$1: nothing was restored" test ! -e "$TMP/$1-restored.dsr"
  check "$1: no temporary file is left" test -z "$(ls "$TMP" | grep "$1-restored.dsr.restore")"
}
SIZE=$(stat -c %s "$B")
head -c $((SIZE - 3 * 4096)) "$B" > "$TMP/cut-pages.dsr"
damaged cut-pages
expect_err "truncated" "cut-pages: the error says truncated"
head -c $((SIZE - 1000)) "$B" > "$TMP/cut-mid.dsr"
damaged cut-mid
head -c 6000 "$B" > "$TMP/cut-header.dsr"
damaged cut-header
flip() {  # flip SRC DST OFFSET: copy with one bit flipped
  python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[int(sys.argv[3])] ^= 1; open(sys.argv[2], "wb").write(b)' "$@"
}
flip "$B" "$TMP/flipped.dsr" $((32768 + 7 * 4096 + 100))
damaged flipped
run dsr backup --verify "$TMP/flipped.dsr"
expect_err "page 8 fails authentication" "flipped: verify names the page"
flip "$B" "$TMP/hdr-a.dsr" 200
run dsr backup --verify "$TMP/hdr-a.dsr"
expect_rc 6 "one damaged header copy: verify exits 6 (and names it)"
expect_err "header copy A" "and names the copy"
flip "$B" "$TMP/hdr-both.tmp" 200
flip "$TMP/hdr-both.tmp" "$TMP/hdr-both.dsr" $((12288 + 200))
damaged hdr-both

# ---- online: a backup while another process keeps writing ---------------------------------
for i in $(seq 1001 4000); do
  printf '{"op":"register","email":"w%d@example.com","name":"Writer %d"}\n' "$i" "$i"
done > "$TMP/writes.ndjson"
before=$(count)
# Fed 100 lines every tenth of a second, the writer runs for about 3 s
# however fast the machine is.
trickle "$TMP/writes.ndjson" |
  "$DSR_BIN" batch --chunk 1 - > "$TMP/writes.out" 2>&1 &
writer=$!
sleep 0.3
# The backup's audit entry waits for the writer's lock, which SQLite does not hand
# over fairly: a generous timeout keeps a loaded machine from failing it (exit 75).
run dsr --lock-timeout 60 backup "$TMP/online.dsr"
expect_rc 0 "backup while another process writes"
wait "$writer"
RC=$?; expect_rc 0 "the writer was not disturbed by the backup"
# The snapshot count below shows the backup read mid-write (whether it ended
# before the writer depends on the load, as its audit entry waits for the lock).
run dsr --db "$TMP/online-restored.dsr" restore "$TMP/online.dsr"
expect_rc 0 "the online backup restores"
n=$(count --db "$TMP/online-restored.dsr")
check "the online backup holds a consistent snapshot ($before < $n < $((before + 3000)))" test "$n" -gt "$before" -a "$n" -lt $((before + 3000))
run dsr --db "$TMP/online-restored.dsr" check
expect_rc 0 "the online backup passes its check"

# ---- erasure: an old backup keeps what it held, a rekey does not change that --------------------
run dsr backup "$TMP/before-erasure.dsr"
expect_rc 0 "a backup before an erasure"
run dsr delete alice@example.com --reason "erasure request" --yes
expect_rc 0 "alice erased"
run dsr rekey --yes
expect_rc 0 "rekey after the erasure"
run dsr --db "$TMP/old.dsr" restore "$TMP/before-erasure.dsr"
expect_rc 0 "the old backup still restores"
run dsr --db "$TMP/old.dsr" show alice@example.com
expect_rc 0 "and it still holds the erased subject"
expect_out "Alice Doe" "with her values"
MAN="$DSR_SRC/man/dsr.1.scd"
check "the man page says an old backup keeps what it held until destroyed" \
  grep -qi "old backup keeps what it held" "$MAN"
check "the man page says a rekey does not change that" grep -qi "rekey does not change that" "$MAN"
finish
