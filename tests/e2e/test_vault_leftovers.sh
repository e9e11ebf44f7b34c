#!/usr/bin/env bash
# End-to-end: what an interrupted rekey or backup leaves behind (a full copy of
# the vault that may still hold values erased since, a partial backup) is
# found at the next open, removed when no such job runs, and named on stderr;
# `check` and `info` mention it. A record beside the vault that dsr did not
# write never makes it delete anything.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault l
export DSR_DB="$V" DSR_KEY_FILE="$K"
python3 -c 'import json
for i in range(20000):
    print(json.dumps({"op": "register", "email": f"p{i}@example.org", "name": f"Person {i}"}))' > "$TMP/in.ndjson"
run dsr batch "$TMP/in.ndjson"
expect_rc 0 "20,000 subjects registered"

# ---- a rekey killed before its rename --------------------------------------
cp "$V" "$V-rekey"
run dsr info
expect_rc 0 "info opens a vault with a leftover rekey copy"
expect_err "removed .*-rekey" "info names the copy it removed"
check "the rekey copy is gone" test ! -e "$V-rekey"
cp "$V" "$V-rekey"
run dsr check
expect_rc 0 "check passes with a leftover rekey copy"
expect_err "rekey" "check mentions the rekey copy"
check "check removed it too" test ! -e "$V-rekey"

# ---- a backup killed half way ----------------------------------------------
B="$TMP/nightly.dsr"
"$DSR_BIN" backup "$B" </dev/null >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 400); do [ -s "$B.partial" ] && break; sleep 0.01; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [ -e "$B" ]; then
  # The machine finished the backup before the kill: nothing to clean up then.
  check "a finished backup leaves no partial file" test ! -e "$B.partial"
  rm -f "$B"
else
  check "the killed backup left its partial file" test -e "$B.partial"
  check "and its record beside the vault" test -n "$(ls "$V"-backup-* 2>/dev/null)"
  run dsr info
  expect_rc 0 "info after a killed backup"
  expect_err "removed .*nightly.dsr.partial" "info names the partial backup it removed"
  check "the partial backup is gone" test ! -e "$B.partial"
  check "its record is gone" test -z "$(ls "$V"-backup-* 2>/dev/null)"
fi
run dsr backup "$B"
expect_rc 0 "a new backup to the same path works"
check "no partial file after a backup" test ! -e "$B.partial"
check "no record after a backup" test -z "$(ls "$V"-backup-* 2>/dev/null)"

# ---- a record dsr did not write --------------------------------------------
echo "precious" > "$TMP/precious.txt"
printf '%s\n%s\n' "$TMP/precious.txt" "$(printf '0%.0s' $(seq 1 64))" > "$V-backup-forged1"
run dsr info
expect_rc 0 "info with a forged record beside the vault"
expect_err "left .*backup-forged1 alone" "the forged record is named and left"
check "the file it names was not deleted" test -s "$TMP/precious.txt"

finish
