#!/usr/bin/env bash
# Crash test: a batch killed with SIGKILL at random points. Every line it
# reported ok must be in the vault when it is opened again, and `dsr check`
# must pass. 24 trials, chunk sizes varied, kill times spread over the run.
. "$(dirname "$0")/lib.sh"
# A python3 found first on PATH may be a slow wrapper (pyenv shims): use the system one when there is one.
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault c
export DSR_DB="$V" DSR_KEY_FILE="$K"
TRIALS=${CRASH_TRIALS:-24}
LINES=1000
RANDOM=4242

gen() {  # gen TRIAL: register lines, with a bad line now and then
  python3 - "$1" "$LINES" <<'PY'
import json, sys
t, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(n):
    if i % 97 == 13:
        print(json.dumps({"op": "register", "email": "broken", "name": "Bad Line"}))
    else:
        print(json.dumps({"op": "register", "email": f"t{t}-{i}@example.com", "name": f"Trial {t} Person {i}"}))
PY
}

# How long does an uninterrupted run take, for each chunk size the trials use
# (one commit a line is many times slower than one in a thousand)? A trial's
# kill time is spread over 0..1.1x of its chunk size's run.
chunks=(1 10 100 1000)
declare -A full
for c in "${chunks[@]}"; do
  gen "10$c" > "$TMP/in.timing"
  start=$(date +%s%N)
  "$DSR_BIN" batch --chunk "$c" "$TMP/in.timing" > /dev/null 2>&1
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  [ "$ms" -ge 20 ] || ms=20
  full[$c]=$ms
done

verify() {  # verify OUTFILE INFILE LISTFILE: prints "reported_ok missing"
  python3 - "$@" <<'PY'
import json, sys
out, inp, lst = sys.argv[1:4]
lines = open(inp).read().splitlines()
have = {}
for l in open(lst):
    d = json.loads(l)
    # A subject's values are a list of {field, value, ...} (dsr(1), JSON OUTPUT).
    have[d["id"]] = next((v["value"] for v in d.get("values", []) if v.get("field") == "email"), None)
ok = missing = 0
for l in open(out, errors="replace"):
    try:
        r = json.loads(l)
    except ValueError:
        continue  # a line cut by the kill was never a complete report
    if not r.get("ok"):
        continue
    ok += 1
    want = json.loads(lines[r["line"] - 1])["email"]
    if have.get(r["result"]["id"]) != want:
        missing += 1
print(ok, missing)
PY
}

killed=0 partial=0 total_ok=0
for t in $(seq 1 "$TRIALS"); do
  # A fresh vault every few trials keeps the listing below fast; the others reopen a killed one.
  if [ $((t % 4)) -eq 0 ]; then unset DSR_DB DSR_KEY_FILE; new_vault "c$t"; export DSR_DB="$V" DSR_KEY_FILE="$K"; fi
  gen "$t" > "$TMP/in.$t"
  chunk=${chunks[$((RANDOM % 4))]}
  full_ms=${full[$chunk]}
  delay_ms=$(( RANDOM % (full_ms * 11 / 10 + 1) ))
  # The input comes through a FIFO held open until the kill: the batch cannot
  # end before it, however fast the machine is at that moment (a run that has
  # done every line waits for more, its results committed and reported).
  mkfifo "$TMP/fifo.$t"
  "$DSR_BIN" batch --chunk "$chunk" "$TMP/fifo.$t" > "$TMP/out.$t" 2>/dev/null &
  pid=$!
  exec 3>"$TMP/fifo.$t"
  cat "$TMP/in.$t" >&3 &
  feeder=$!
  sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
  if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null
  exec 3>&-
  kill "$feeder" 2>/dev/null
  wait "$feeder" 2>/dev/null
  "$DSR_BIN" list --status all --format ndjson --limit 1000000 > "$TMP/list.$t"
  read -r reported missing < <(verify "$TMP/out.$t" "$TMP/in.$t" "$TMP/list.$t")
  total_ok=$((total_ok + reported))
  [ "$reported" -lt $((LINES - LINES / 97 - 1)) ] && partial=$((partial + 1))
  RC=$missing; OUT="trial $t chunk $chunk kill at ${delay_ms}ms: $reported reported ok"; ERR=""
  expect_rc 0 "trial $t: every line reported ok is in the vault"
  run dsr check
  expect_rc 0 "trial $t: dsr check passes after the kill"
done
echo "crash test: $TRIALS trials, $killed killed mid-run, $partial cut short, $total_ok lines reported ok (full runs: chunk 1 ${full[1]} ms, 10 ${full[10]} ms, 100 ${full[100]} ms, 1000 ${full[1000]} ms)"
RC=0; OUT=""; ERR=""
check "most trials were killed while the batch ran" test "$killed" -ge $((TRIALS / 2))
check "some trials were cut short with lines still to go" test "$partial" -ge 3
check "some trials had reported lines before the kill" test "$total_ok" -gt 0
finish
