#!/usr/bin/env bash
# End-to-end: every example in dsr(1)'s EXAMPLES section works when pasted
# from the rendered page into a shell; EXIT STATUS renders as a table; the
# page is mandoc -Tlint clean at warning level (scdoc's own "PP after SH|SS"
# notes aside).
. "$(dirname "$0")/lib.sh"
scdoc < "$DSR_SRC/man/dsr.1.scd" > "$TMP/dsr.1"
RC=$?; OUT=""; ERR=""
expect_rc 0 "scdoc"
if command -v mandoc >/dev/null; then
  render() { mandoc -Tascii "$TMP/dsr.1" | col -bx; }
  run bash -c 'mandoc -Tlint -Wwarning "$0" | grep -v "PP after S[HS]\|PP empty"' "$TMP/dsr.1"
  check "mandoc -Tlint: no warning" test -z "$OUT"
else
  render() { groff -man -Tascii "$TMP/dsr.1" 2>/dev/null | col -bx; }
fi
render > "$TMP/dsr.txt"
# The code blocks: lines indented further than the prose (7 columns).
awk '/^EXAMPLES/{on=1;next} /^[A-Z]/{on=0} on' "$TMP/dsr.txt" > "$TMP/examples.txt"
awk '/^           /{sub(/^           /,""); print; next} {print "#--"}' "$TMP/examples.txt" > "$TMP/code.txt"
check "the examples have code" grep -q '^dsr ' "$TMP/code.txt"
mkdir -p "$TMP/paste" "$TMP/bin"
ln -s "$DSR_BIN" "$TMP/bin/dsr"
# Shell blocks run in order; a crontab line must have its five time fields
# and name dsr by an absolute path; unit files (a block that starts with a
# comment or a [section]) are left to systemd.
awk 'BEGIN{n=0} /^#--$/{if(open){n++; open=0}; next} {open=1; print > (dir "/block." sprintf("%02d", n))}' \
  dir="$TMP" "$TMP/code.txt"
script="$TMP/paste.sh"
echo 'set -e' > "$script"
for b in "$TMP"/block.*; do
  first=$(head -1 "$b")
  case $first in
    "#"*|"["*) continue ;;
    [0-9]*" * * "*)
      check "the crontab line has the time fields and a command" test "$(awk '{print NF}' "$b")" -gt 6
      check "the crontab line names dsr by its installed path" grep -q ' /usr/[a-z/]*bin/dsr ' "$b"
      ;;
    *) cat "$b" >> "$script" ;;
  esac
done
check "two shell blocks to paste" test "$(grep -c '^dsr ' "$script")" -ge 6
run bash -c 'cd "$1/paste" && PATH="$1/bin:$PATH" bash "$1/paste.sh"' bash "$TMP"
expect_rc 0 "the pasted examples run (as rendered by the man page)"
check "the batch example deactivated bob" grep -q 'deactivated' "$TMP/paste/subjects.csv"
check "its CSV used the ; delimiter" grep -q '^id;status;' "$TMP/paste/subjects.csv"
# EXIT STATUS is a table: each code on its own row.
awk '/^EXIT STATUS/{on=1;next} /^[A-Z]/{on=0} on' "$TMP/dsr.txt" > "$TMP/exit.txt"
for code in 0 1 2 3 4 5 6 7 75; do
  check "exit status $code has its own row" grep -qE "^ +\| ?$code +\|" "$TMP/exit.txt"
done
awk '/^SEE ALSO/{on=1;next} /^[A-Z]/{on=0} on' "$TMP/dsr.txt" > "$TMP/see.txt"
check "SEE ALSO names more than sqlite3" grep -q "systemd.timer" "$TMP/see.txt"
check "a JSON OUTPUT section with its version" grep -qE "^JSON OUTPUT" "$TMP/dsr.txt"
check "a systemd timer example" grep -q "OnCalendar=" "$TMP/examples.txt"
finish
