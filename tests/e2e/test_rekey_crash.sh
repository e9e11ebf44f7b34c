#!/usr/bin/env bash
# Rekey killed with SIGKILL at random points: the vault must open (with the
# old or the new data key), pass `dsr check`, hold exactly the same records,
# and open with every slot. Then a rekey racing a batch that writes: every
# line the batch reported ok must be in the vault afterwards.
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault rk
export DSR_DB="$V" DSR_KEY_FILE="$K"
TRIALS=${CRASH_TRIALS:-10}
RANDOM=777
python3 - > "$TMP/people.ndjson" <<'PY'
import json
for i in range(6000):
    print(json.dumps({"op": "register", "email": f"p{i}@example.com", "name": f"Person {i}",
                      "address": f"{i} Long Street, Springfield, a line long enough to fill pages"}))
PY
run dsr batch --chunk 2000 "$TMP/people.ndjson"
expect_rc 0 "6000 subjects registered"
run dsr key add sam --role support --new-key-file "$TMP/sam.key"
expect_rc 0 "a support key-file slot"
printf 'pat words\n' > "$TMP/pat.txt"
run dsr key add pat --role billing --new-passphrase-file "$TMP/pat.txt" --kdf interactive
expect_rc 0 "a billing passphrase slot"

records() { "$DSR_BIN" list --status all --limit 1000000 --format ndjson </dev/null | sha256sum | cut -c1-64; }
header() { head -c 24576 "$V" | sha256sum | cut -c1-64; }
REF=$(records)

start=$(date +%s%N)
run dsr rekey --yes
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 0 "an uninterrupted rekey"
[ "$full_ms" -ge 50 ] || full_ms=50

completed=0 cut=0 leftover=0
for t in $(seq 1 "$TRIALS"); do
  before=$(header)
  delay_ms=$(( RANDOM % (full_ms * 12 / 10 + 1) ))
  "$DSR_BIN" rekey --yes >/dev/null 2>&1 &
  pid=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  if [ "$(header)" = "$before" ]; then cut=$((cut + 1)); else completed=$((completed + 1)); fi
  [ -e "$V-rekey" ] && leftover=$((leftover + 1))
  run dsr check
  expect_rc 0 "trial $t (kill at ${delay_ms} ms): dsr check passes"
  check "trial $t: the records are exactly as before" test "$(records)" = "$REF"
  run dsr --key-file "$TMP/sam.key" show p5999@example.com
  expect_rc 0 "trial $t: the support slot opens the vault"
  run dsr --key-file "" --passphrase-file "$TMP/pat.txt" show p0@example.com
  expect_rc 0 "trial $t: the passphrase slot opens the vault"
done
echo "rekey crash test: $TRIALS trials, $cut killed before the rename ($leftover left a copy), $completed completed (full run ${full_ms} ms)"
RC=0; OUT=""; ERR=""
check "some trials were killed before the rename" test "$cut" -ge 1
run dsr rekey --yes
expect_rc 0 "a rekey after the kills"
check "it removed the copy a killed rekey left" test ! -e "$V-rekey"
run dsr check
expect_rc 0 "and the vault passes its check"

# ---- a rekey while a batch writes ------------------------------------------------------
python3 - > "$TMP/more.ndjson" <<'PY'
import json
for i in range(3000):
    print(json.dumps({"op": "register", "email": f"w{i}@example.com", "name": f"Writer {i}"}))
PY
# Fed 100 lines every tenth of a second, so the batch is still writing when
# the rekey runs, however fast the machine is.
trickle "$TMP/more.ndjson" |
  "$DSR_BIN" batch --chunk 5 - > "$TMP/more.out" 2>"$TMP/more.err" &
writer=$!
sleep 0.3
run dsr rekey --yes
expect_rc 0 "rekey while a batch writes"
wait "$writer"
RC=$?; OUT=""; ERR=$(cat "$TMP/more.err")
expect_rc 75 "the batch, writing when the file was replaced, stops with exit 75 (run again)"
expect_err "replaced while this command had it open.*stopped before line [0-9]+" "and says so, and where it stopped"
"$DSR_BIN" list --status all --limit 1000000 --format ndjson </dev/null > "$TMP/after.ndjson"
read -r reported missing < <(python3 - "$TMP/more.out" "$TMP/after.ndjson" <<'PY'
import json, sys
have = {json.loads(l)["id"] for l in open(sys.argv[2])}
ok = missing = 0
for l in open(sys.argv[1], errors="replace"):
    try:
        r = json.loads(l)
    except ValueError:
        continue
    if r.get("ok"):
        ok += 1
        if r["result"]["id"] not in have:
            missing += 1
print(ok, missing)
PY
)
RC=$missing; OUT="$reported lines reported ok"; ERR=$(head -c 300 "$TMP/more.err")
expect_rc 0 "every line the batch reported ok is in the rekeyed vault ($reported reported ok)"
check "the batch committed lines before the rekey" test "$reported" -gt 0
run dsr check
expect_rc 0 "the vault passes its check after the race"
finish
