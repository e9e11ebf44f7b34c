#!/usr/bin/env bash
# End-to-end: output a script can trust. A result that does not reach
# standard output is exit 1 with a message; -q keeps results; CSV cells that
# a spreadsheet would run as formulas are neutralised, by every command;
# --delimiter; conflicting output flags are refused.
. "$(dirname "$0")/lib.sh"
new_vault o
export DSR_DB="$V" DSR_KEY_FILE="$K"

# ---- lost output ------------------------------------------------------------
run dsr register --email alice@example.com --name "Alice Doe" --username alice
expect_rc 0 "register"
run bash -c '"$0" register --email bob@example.com --name "Bob Roe" > /dev/full' "$DSR_BIN"
expect_rc 1 "register onto a full disk: exit 1 (the id was lost)"
expect_err "^dsr: cannot write standard output: No space left on device" "and it says so"
for cmd in "list" "list --format csv" "show alice" "export alice" "info" "key list --json" "help" "--help" "audit log"; do
  run bash -c '"$0" $1 > /dev/full' "$DSR_BIN" "$cmd"
  expect_rc 1 "dsr $cmd > /dev/full: exit 1"
  expect_err "^dsr: cannot write standard output" "dsr $cmd > /dev/full: a message"
done
# A closed pipe with SIGPIPE ignored (systemd's default for services): the
# write fails with EPIPE instead of killing dsr. The read end is closed before
# dsr starts, so there is no race.
closed_pipe() {
  python3 - "$@" <<'PY'
import os, signal, subprocess, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
r, w = os.pipe()
os.close(r)
p = subprocess.run(sys.argv[1:], stdout=w, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, restore_signals=False)
sys.stderr.write(p.stderr.decode())
sys.exit(p.returncode)
PY
}
run closed_pipe "$DSR_BIN" list
expect_rc 1 "list into a closed pipe, SIGPIPE ignored: exit 1"
expect_err "cannot write standard output: Broken pipe" "the message names the broken pipe"
run closed_pipe "$DSR_BIN" show alice --json
expect_rc 1 "show --json into a closed pipe: exit 1"

# batch: a failed write stops the run and names the last result written.
python3 -c '
for i in range(3000): print("{\"op\":\"register\",\"email\":\"b%d@example.com\",\"name\":\"B %d\"}" % (i, i))' > "$TMP/many.ndjson"
run bash -c '(trap "" PIPE; "$0" batch --chunk 200 < "$1" | head -c1 >/dev/null; exit ${PIPESTATUS[0]})' "$DSR_BIN" "$TMP/many.ndjson"
expect_rc 1 "batch | head -c1 with SIGPIPE ignored: exit 1"
expect_err "^dsr: cannot write standard output \(Broken pipe\)" "batch says it could not write"
# A reader that takes 20000 bytes and closes its end: the message names the
# last line whose result dsr wrote whole. The pipe holds one page (F_SETPIPE_SZ),
# so what dsr wrote is what the reader took and at most 4096 bytes more.
python3 -c '
for i in range(3000): print("{\"op\":\"register\",\"email\":\"c%d@example.com\",\"name\":\"C %d\"}" % (i, i))' > "$TMP/more.ndjson"
cat > "$TMP/reader.py" <<'PY'
import fcntl, os, signal, subprocess, sys
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)  # F_SETPIPE_SZ
p = subprocess.Popen([sys.argv[1], "batch", "--chunk", "50", sys.argv[2]], stdout=w, stderr=subprocess.PIPE,
                     stdin=subprocess.DEVNULL, restore_signals=False)
os.close(w)
got = b""
while len(got) < 20000:
    chunk = os.read(r, 20000 - len(got))
    if not chunk:
        break
    got += chunk
os.close(r)
err = p.communicate()[1]
open(sys.argv[3], "wb").write(got)
sys.stderr.write(err.decode())
sys.exit(p.returncode)
PY
run python3 "$TMP/reader.py" "$DSR_BIN" "$TMP/more.ndjson" "$TMP/results"
expect_rc 1 "batch into a reader that stops: exit 1"
expect_err "the last result written is line [0-9]+" "batch names the last line it reported"
last=$(printf '%s' "$ERR" | grep -oE 'the last result written is line [0-9]+' | grep -oE '[0-9]+$')
got=$(grep -c '^{"line":.*}$' "$TMP/results")
check "the reader got whole results up to about that line ($got, named $last)" \
  test "${last:-0}" -ge "$got" -a "${last:-0}" -le $((got + 4096 / 60 + 1))
check "the results it got are lines 1 to $got, in order" \
  test "$(python3 -c 'import json,sys; print(all(json.loads(l)["line"]==i+1 for i,l in enumerate(l for l in open(sys.argv[1]) if l.endswith("}\n"))))' "$TMP/results")" = True

# ---- -q silences messages, never results ------------------------------------
unset DSR_DB DSR_KEY_FILE
new_vault q
export DSR_DB="$V" DSR_KEY_FILE="$K"
run dsr register --email alice@example.com --name "Alice Doe" --username alice
run dsr -q register --email carol@example.com --name "Carol Poe"
expect_rc 0 "-q register"
expect_out "^sub_" "-q register still prints the id"
run dsr -q list
expect_out "carol@example.com" "-q list still lists"
run dsr -q show carol@example.com
expect_out "Carol Poe" "-q show still shows"
run dsr list --limit 1
expect_err "^dsr: more subjects follow" "messages on stderr start with dsr:"
run dsr -q list --limit 1
check "-q leaves the message out" test -z "$ERR"
run dsr -q delete carol@example.com --dry-run
expect_out "^would erase " "-q delete --dry-run still answers what it would erase"
run dsr -q retention run --dry-run
expect_out "dry run: would remove" "-q retention run --dry-run still answers"
run dsr -q deactivate carol@example.com --reason test
expect_rc 0 "-q deactivate"
check "-q deactivate prints no message" test -z "$OUT$ERR"

# ---- CSV: one writer, formulas neutralised, --delimiter ------------------------
run dsr register --email "=1+1@example.com" --name "@SUM(A1:A3)" --address "+1 Main St" --attr "survey.note=-2+3"
expect_rc 0 "a valid email that starts with ="
run dsr list --format csv
expect_out "^id,status,name,email" "list csv has its header"
expect_out ",'@SUM\(A1:A3\),'=1\+1@example.com," "list csv: formula cells start with '"
expect_no_out ",=1\+1@" "no cell starts with ="
run dsr contacts --purpose service-announcement --format csv
expect_out "'=1\+1@example.com" "contacts csv neutralises too (the same writer)"
run dsr audit log --format csv
expect_rc 0 "audit log csv"
printf 'email,name\nb1@example.com,B One\nb2@example.com,B Two\nb3@example.com,B Three\nb4@example.com,B Four\nb5@example.com,B Five\n' >"$TMP/bulk.csv"
run dsr import "$TMP/bulk.csv"
expect_rc 0 "import five subjects (one bulk audit entry)"
run dsr audit log
expect_out "sub_[0-9A-Z]+, sub_[0-9A-Z]+, sub_[0-9A-Z]+, \.\.\. \(5 in all; --format json lists them\)" \
  "a table line shows a bulk entry's first three subjects and the count"
run dsr audit log --json
check "json lists every subject of the bulk entry" test "$(jget "$OUT" 'max(len(e["subjects"]) for e in d)')" = 5
run dsr --delimiter ';' list --format csv
expect_out "^id;status;name;email" "--delimiter ';' separates with ;"
printf 'email;name;username\ndee@example.com;"Dee; Doe";dee\n' > "$TMP/semi.csv"
run dsr import "$TMP/semi.csv" --delimiter ';'
expect_rc 0 "import --delimiter ';'"
run dsr show dee --json
check "the ; inside quotes stayed in the name" test "$(jget "$OUT" '[v["value"] for v in d["values"] if v["field"]=="name"][0]')" = "Dee; Doe"
run dsr import "$TMP/semi.csv" --delimiter ':'
expect_rc 2 "an unsupported delimiter is a usage error"

# ---- one JSON shape, conflicting flags refused -------------------------------
run dsr list --format json
first_json=$(jget "$OUT" 'sorted(d[0].keys())')
run dsr list --format ndjson
first_nd=$(jget "$(printf '%s\n' "$OUT" | head -1)" 'sorted(d.keys())')
check "list: json and ndjson records have one shape" test "$first_json" = "$first_nd"
run dsr show alice --json
# show is the same record plus the person's choices (consents, opt-outs).
check "and it is show's, plus choices" test "$(jget "$OUT" 'sorted(k for k in d.keys() if k != "choices")')" = "$first_json"
check "show carries the choices" test "$(jget "$OUT" '"choices" in d')" = "True"
run dsr key list --json
check "key list --json is an array, as --format json" test "$(jget "$OUT" 'type(d).__name__')" = list
run dsr info --json
check "info: slot times are RFC 3339" test "$(jget "$OUT" 'd["slots"][0]["created"].endswith("Z")')" = True
run dsr --version
expect_out "JSON output version 2" "--version names the JSON output's version, as dsr(1) does"
grep -q "version 2 of the JSON output" "$DSR_SRC/man/dsr.1.scd"; RC=$?; expect_rc 0 "the man page's JSON OUTPUT has the same version"
run dsr --json list --format ndjson
expect_rc 2 "--json with --format ndjson is refused"
expect_err "--json and --format ndjson" "and named"
run dsr list --json --format json
expect_rc 0 "--json with --format json agree"

# ---- tables measure display width --------------------------------------------
run dsr register --email kanji@example.com --name "山田太郎" --username yamada
run dsr list
name_col() { printf '%s\n' "$OUT" | grep -F "$1" | python3 -c '
import sys, unicodedata
line = sys.stdin.readline().rstrip("\n")
i = line.index(sys.argv[1])
print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line[:i]))' "$2"; }
check "the email column starts at one screen column after a CJK name" \
  test "$(name_col 山田太郎 kanji@example.com)" = "$(name_col 'Alice Doe' alice@example.com)"
# At a terminal the table fits its width (script(1) gives dsr one, 60 columns).
if command -v script >/dev/null; then
  run script -qec "stty cols 60; $DSR_BIN list" /dev/null
  expect_rc 0 "list at a 60-column terminal"
  widest=$(printf '%s\n' "$OUT" | tr -d '\r' | python3 -c '
import sys, unicodedata
print(max(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l.rstrip("\n")) for l in sys.stdin))')
  check "every line fits 60 columns (widest $widest)" test "$widest" -le 60
  expect_out "…" "cut cells end with an ellipsis"
  run bash -c '"$0" list | cat' "$DSR_BIN"
  expect_out "alice@example.com" "into a pipe nothing is cut"
fi
finish
