#!/usr/bin/env bash
# End-to-end: a flipped bit in any page, two swapped pages, a truncated file or
# a damaged header copy makes `dsr check` exit 6 and name the problem; reading
# commands either print exactly what the intact vault prints or exit 6. Never
# wrong data, never a crash (run the suite with the sanitizer build as well).
. "$(dirname "$0")/lib.sh"
new_vault t
export DSR_KEY_FILE="$K"
PRISTINE="$TMP/pristine.dsr"
for i in $(seq 1 40); do
  dsr --db "$V" register --email "p$i@example.org" --name "Person $i" --address "$i $(printf 'Long Street %.0s' $(seq 1 $((i % 9 + 1))))" \
    --attr "survey.note=$(printf 'n%.0s' $(seq 1 $((i * 24))))" </dev/null >/dev/null 2>&1 || { echo "register failed" >&2; exit 1; }
done
cp "$V" "$PRISTINE"
SIZE=$(stat -c %s "$PRISTINE")
HEADER=32768  # the pages start 32 KiB into a vault (format 3)
PAGE=4096
PAGES=$(((SIZE - HEADER) / PAGE))
check "the vault has whole pages after its header" test $(((SIZE - HEADER) % PAGE)) -eq 0
check "the vault has enough pages to tamper with ($PAGES)" test "$PAGES" -ge 20

# What an intact copy prints: the reference for "never wrong data".
cp "$PRISTINE" "$TMP/ref.dsr"
run dsr --db "$TMP/ref.dsr" list --format ndjson --status all --limit 1000
expect_rc 0 "list on the intact vault"
REF_LIST=$OUT
run dsr --db "$TMP/ref.dsr" export p7@example.org
REF_EXPORT=$(printf '%s' "$OUT" | grep -v -E '"(generated|exported)_at"')
run dsr --db "$TMP/ref.dsr" check
expect_rc 0 "check on the intact vault"
expect_out "^ok" "check says ok"

WORK="$TMP/work.dsr"
stage() { rm -f "$WORK" "$WORK-wal" "$WORK-shm" "$WORK-journal"; cp "$PRISTINE" "$WORK"; }
flip() { # flip OFFSET: xor one byte of the work copy
  python3 -c 'import sys
p, at = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(at); b = f.read(1); f.seek(at); f.write(bytes([b[0] ^ 0x04]))' "$WORK" "$1"
}
swap() { # swap PGNO PGNO
  python3 -c 'import sys
p, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
off = lambda n: 32768 + (n - 1) * 4096
with open(p, "r+b") as f:
    f.seek(off(a)); pa = f.read(4096); f.seek(off(b)); pb = f.read(4096)
    f.seek(off(a)); f.write(pb); f.seek(off(b)); f.write(pa)' "$WORK" "$1" "$2"
}

# The "ok" of the one JSON document on stdout (two documents fail to parse).
first_json_ok() {
  python3 -c 'import json, sys
try:
    print(json.loads(sys.argv[1]).get("ok"))
except ValueError:
    print("not one JSON document")' "$1"
}

# expect_damage WHAT REGEX: check exits 6 naming the problem; readers never lie or crash.
expect_damage() {
  local what=$1 regex=$2
  run dsr --db "$WORK" check
  expect_rc 6 "$what: check exits 6"
  expect_err "$regex" "$what: check names the problem"
  run dsr --db "$WORK" --json check
  expect_rc 6 "$what: check --json exits 6"
  check "$what: check --json prints one document, not ok" test "$(first_json_ok "$OUT")" = False
  run dsr --db "$WORK" list --format ndjson --status all --limit 1000
  if [ "$RC" -eq 0 ]; then
    check "$what: list printed exactly the intact data" test "$OUT" = "$REF_LIST"
  else
    expect_rc 6 "$what: list fails as an integrity error"
    expect_err "damaged|corrupt|truncated|authentication|header" "$what: list says the vault is damaged"
  fi
  run dsr --db "$WORK" export p7@example.org
  if [ "$RC" -eq 0 ]; then
    check "$what: export printed exactly the intact data" \
      test "$(printf '%s' "$OUT" | grep -v -E '"(generated|exported)_at"')" = "$REF_EXPORT"
  else
    expect_rc 6 "$what: export fails as an integrity error"
  fi
}

# ---- a flipped bit: page 1, pages through the middle, the last page ----------
for p in 1 2 $((PAGES / 3)) $((PAGES / 2 + 1)) "$PAGES"; do
  for within in 2345 4090; do  # the page body, and its nonce/tag bytes at the end
    stage
    flip $((HEADER + (p - 1) * PAGE + within))
    expect_damage "bit flipped in page $p at +$within" "page $p fails authentication"
  done
done

# ---- two pages swapped ------------------------------------------------------
for pair in "2 3" "1 $PAGES" "$((PAGES / 2)) $((PAGES / 2 + 1))"; do
  set -- $pair
  stage
  swap "$1" "$2"
  expect_damage "pages $1 and $2 swapped" "page $1 fails authentication"
  run dsr --db "$WORK" check
  expect_err "page $2 fails authentication" "pages $1 and $2 swapped: check names the second page too"
done

# ---- a truncated file ---------------------------------------------------------
stage; truncate -s $((SIZE - 1000)) "$WORK"
expect_damage "truncated mid-page" "truncated"
stage; truncate -s $((SIZE - 3 * PAGE)) "$WORK"
expect_damage "truncated at a page boundary" "truncated"
stage; truncate -s $((HEADER + 5 * PAGE + 17)) "$WORK"
expect_damage "truncated to five and a bit pages" "truncated"
stage; truncate -s "$HEADER" "$WORK"
expect_damage "truncated to the header alone" "truncated|no database pages"
stage; truncate -s 13288 "$WORK"  # copy A whole, copy B cut
expect_damage "truncated inside the header" "header copy B"

# ---- a damaged header copy: named by check; the other copy still opens --------
for copy in A B; do
  base=0
  [ "$copy" = B ] && base=12288
  for at in 3 200; do  # the magic, the slot table
    stage
    flip $((base + at))
    run dsr --db "$WORK" check
    expect_rc 6 "header copy $copy byte $at flipped: check exits 6"
    expect_err "header copy $copy" "header copy $copy byte $at flipped: check names the copy"
    run dsr --db "$WORK" list --format ndjson --status all --limit 1000
    expect_rc 0 "header copy $copy damaged: the other copy still opens the vault"
    check "header copy $copy damaged: list prints the intact data" test "$OUT" = "$REF_LIST"
  done
done
stage; flip 200; flip $((12288 + 200))
expect_damage "both header copies damaged" "header"
run dsr --db "$WORK" check
expect_err "both copies" "both header copies damaged: check says so"

# The untouched copy still checks clean (the staging itself is sound).
stage
run dsr --db "$WORK" check
expect_rc 0 "an untampered copy checks clean"

finish
