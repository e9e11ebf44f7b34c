#!/usr/bin/env bash
# End-to-end: `dsr batch` as a script drives it: NDJSON in, one result per line out.
. "$(dirname "$0")/lib.sh"
# A python3 found first on PATH may be a slow wrapper (pyenv shims): use the system one when there is one.
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault b
export DSR_DB="$V" DSR_KEY_FILE="$K"

# Good and bad lines mixed.
cat > "$TMP/mixed.ndjson" <<'NDJSON'
{"op":"register","email":"ann@example.com","name":"Ann Able","username":"ann","interests":["news"],"attrs":{"survey.age_band":"30-39"}}
{"op":"register","email":"nope","name":"Bad Email"}

this is not json
{"op":"register","email":"ben@example.com","name":"Ben Baker","phone":"+1 415 555 0100"}
{"op":"launch"}
{"op":"correct","subject":"ann","set":{"zip":"94110"},"source":"Address Check Inc"}
{"op":"register","email":"ANN@example.com","name":"Duplicate"}
{"op":"deactivate","subject":"ben@example.com","reason":"restriction request"}
{"op":"delete","subject":"ann"}
NDJSON
run dsr batch "$TMP/mixed.ndjson"
expect_rc 1 "a batch with failed lines exits 1"
expect_err "^dsr: 5 of 9 lines failed \(first at line 2\)" "stderr says how many lines failed"
check "one result per non-blank input line" test "$(printf '%s\n' "$OUT" | wc -l)" -eq 9
check "results carry the input line numbers, in order" \
  test "$(printf '%s\n' "$OUT" | python3 -c 'import sys,json; print(" ".join(str(json.loads(l)["line"]) for l in sys.stdin))')" = "1 2 4 5 6 7 8 9 10"
check "ok flags line up with the input" \
  test "$(printf '%s\n' "$OUT" | python3 -c 'import sys,json; print("".join("1" if json.loads(l)["ok"] else "0" for l in sys.stdin))')" = "100101010"
line() { printf '%s\n' "$OUT" | sed -n "$1p"; }
check "a bad value names the field" test "$(jget "$(line 2)" 'd["error"]["message"].split(":")[0]')" = email
check "a bad value is a usage error (exit_code 2)" test "$(jget "$(line 2)" 'd["error"]["exit_code"]')" = 2
check "a duplicate is a conflict (exit_code 4)" test "$(jget "$(line 7)" 'd["error"]["kind"]')" = conflict
check "delete without --yes names --yes" test "$(jget "$(line 9)" '"--yes" in d["error"]["message"]')" = True
ANN=$(jget "$(line 1)" 'd["result"]["id"]')
check "register returns the new id" test "${ANN:0:4}" = sub_
run dsr show ann --json
expect_rc 0 "good lines are stored"
check "the correction from the batch is stored with its source" \
  test "$(jget "$OUT" '[v["source"] for v in d["values"] if v["field"]=="zip"][0]')" = "Address Check Inc"
run dsr show nope
expect_rc 3 "bad lines are not"
run dsr list --status all --format ndjson
check "exactly two subjects exist" test "$(printf '%s\n' "$OUT" | grep -c .)" -eq 2

# stdin, quiet success, exit 0
run bash -c "echo '{\"op\":\"reactivate\",\"subject\":\"ben@example.com\"}' | \"$DSR_BIN\" batch"
expect_rc 0 "all lines ok: exit 0"
expect_err "^dsr: batch: 1 lines ok" "a one-line summary on stderr"
run bash -c "echo '{\"op\":\"export\",\"subject\":\"ben@example.com\"}' | \"$DSR_BIN\" -q batch -"
expect_rc 0 "export through a batch"
check "-q leaves stderr empty" test -z "$ERR"
check "the export is the access package" test "$(jget "$OUT" 'd["result"]["format"]')" = dsr-access-package

# delete with --yes
run bash -c "echo '{\"op\":\"delete\",\"subject\":\"ann\",\"reason\":\"erasure request\"}' | \"$DSR_BIN\" batch --yes"
expect_rc 0 "delete with --yes"
check "the erased fields are listed" test "$(jget "$OUT" '"email" in d["result"]["fields"]')" = True
run dsr show "$ANN" --json
check "the subject is erased" test "$(jget "$OUT" 'd["status"]')" = erased

# --atomic: any failure rolls every line back
printf '%s\n' '{"op":"register","email":"cy@example.com","name":"Cy"}' '{"op":"register","email":"bad","name":"X"}' \
  '{"op":"register","email":"di@example.com","name":"Di"}' > "$TMP/atomic.ndjson"
run dsr batch --atomic "$TMP/atomic.ndjson"
expect_rc 1 "--atomic with a bad line exits 1"
expect_err "rolled every lines back|nothing was written" "and says nothing was written"
check "every line is reported, none ok" \
  test "$(printf '%s\n' "$OUT" | python3 -c 'import sys,json; print(sum(json.loads(l)["ok"] for l in sys.stdin))')" = 0
check "the good lines say they were rolled back" test "$(jget "$(line 1)" 'd["rolled_back"]')" = True
run dsr show cy@example.com
expect_rc 3 "nothing of an --atomic batch with a failure is stored"
sed -i '2d' "$TMP/atomic.ndjson"
run dsr batch --atomic "$TMP/atomic.ndjson"
expect_rc 0 "--atomic with good lines only"
run dsr show di@example.com
expect_rc 0 "commits them"

# dry run
run bash -c "echo '{\"op\":\"register\",\"email\":\"eve@example.com\",\"name\":\"Eve\"}' | \"$DSR_BIN\" batch --dry-run"
expect_rc 0 "dry run"
check "the dry-run result says so" test "$(jget "$OUT" 'd["dry_run"]')" = True
run dsr show eve@example.com
expect_rc 3 "a dry run writes nothing"

# an over-long line is that line's error, and the next line still runs
python3 -c 'import json; print(json.dumps({"op":"register","email":"long@example.com","name":"x"*1100000})); print(json.dumps({"op":"register","email":"after@example.com","name":"After"}))' > "$TMP/long.ndjson"
run dsr batch "$TMP/long.ndjson"
expect_rc 1 "an over-long line fails"
check "it is reported as too long" test "$(jget "$(line 1)" '"longer than" in d["error"]["message"]')" = True
check "the line after it ran" test "$(jget "$(line 2)" 'd["ok"]')" = True

run dsr batch "$TMP/no-such-file.ndjson"
expect_rc 3 "a missing input file is not found"

# A co-process gets each answer before it sends the next question.
coproc BATCH { "$DSR_BIN" batch - 2>/dev/null; }
echo '{"op":"register","email":"co1@example.com","name":"Co One"}' >&"${BATCH[1]}"
RC=0; OUT=""; ERR=""
if read -r -t 10 answer <&"${BATCH[0]}"; then ok; else bad "no answer to the first line while the input stays open"; fi
check "the answer is the result of that line" test "$(jget "$answer" 'd["ok"]')" = True
echo '{"op":"show"}' >&"${BATCH[1]}"
read -r -t 10 answer <&"${BATCH[0]}"
check "and the next" test "$(jget "$answer" 'd["line"]')" = 2
exec {BATCH[1]}>&-
wait "$BATCH_PID" 2>/dev/null

finish
