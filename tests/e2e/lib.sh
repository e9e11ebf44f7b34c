# Shared helpers for end-to-end tests: each test_*.sh runs the real dsr binary
# the way a script would and checks exit codes, stdout and stderr.
set -u
umask 077  # secret files must be private (dsr refuses others); tests make theirs so
: "${DSR_BIN:?DSR_BIN must point at the dsr binary}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dsr-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0
unset DSR_DB DSR_KEY_FILE DSR_PASSPHRASE_FILE DSR_SLOT NO_COLOR
export DSR_LOCK_TIMEOUT=5

dsr() { "$DSR_BIN" "$@"; }

# run CMD...: runs it with stdin from /dev/null, capturing OUT, ERR and RC.
run() {
  "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
  RC=$?
  OUT=$(cat "$TMP/out")
  ERR=$(cat "$TMP/err")
}

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $1" >&2; echo "  rc=$RC" >&2; echo "  stdout: ${OUT:0:600}" >&2; echo "  stderr: ${ERR:0:600}" >&2; }

expect_rc() { # expect_rc CODE DESCRIPTION
  if [ "$RC" -eq "$1" ]; then ok; else bad "$2 (wanted exit $1)"; fi
}
expect_out() { # expect_out REGEX DESCRIPTION
  if printf '%s' "$OUT" | grep -Eq -- "$1"; then ok; else bad "$2 (stdout should match /$1/)"; fi
}
expect_err() {
  if printf '%s' "$ERR" | grep -Eq -- "$1"; then ok; else bad "$2 (stderr should match /$1/)"; fi
}
expect_no_out() {
  if printf '%s' "$OUT" | grep -Eq -- "$1"; then bad "$2 (stdout should not match /$1/)"; else ok; fi
}
expect_no_err() {
  if printf '%s' "$ERR" | grep -Eq -- "$1"; then bad "$2 (stderr should not match /$1/)"; else ok; fi
}
check() { # check DESCRIPTION -- a shell condition evaluated by the caller: check "desc" test ...
  local desc=$1; shift
  if "$@"; then ok; else RC=${RC:-0}; OUT=${OUT:-}; ERR=${ERR:-}; bad "$desc"; fi
}

# new_vault NAME: a vault at $TMP/NAME.dsr unlocked by $TMP/NAME.key; sets V and K.
new_vault() {
  V="$TMP/$1.dsr"
  K="$TMP/$1.key"
  "$DSR_BIN" --db "$V" init --new-key-file "$K" --name admin </dev/null >/dev/null 2>&1 || { echo "init failed" >&2; exit 1; }
}

# jq is not assumed: json_get FILE-or-STRING EXPR uses python3 if present.
jget() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(eval(sys.argv[2], {"d": d}))' "$1" "$2"; }

trickle() { # trickle FILE: FILE's lines, 100 at a time, a tenth of a second apart
  # (a writer fed this way is still running when the test acts, however fast the machine)
  split -l 100 "$1" "$1.part."
  for f in "$1".part.*; do cat "$f"; sleep 0.1; done
}

finish() {
  echo "$(basename "$0"): $PASS passed, $FAIL failed"
  [ "$FAIL" -eq 0 ]
}
