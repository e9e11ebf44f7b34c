#!/usr/bin/env bash
# End-to-end, as a keyless attacker with write access to the vault's folder
# would try it: SQLite's recovery paths (a hot rollback journal, a WAL left by
# a crash) must never let bytes in that were not written with the key, never
# silently drop acknowledged commits, and never replay a WAL put back from an
# earlier state. The attacker's tools here are python3 and the sqlite3 shell;
# only the checks use the key. (ARCHITECTURE.md, "The vault file".)
. "$(dirname "$0")/lib.sh"
[ -x /usr/bin/python3 ] && python3() { /usr/bin/python3 "$@"; }
new_vault r
export DSR_DB="$V" DSR_KEY_FILE="$K"
HEADER=32768  # the pages start 32 KiB into a vault (format 3)

sha() { sha256sum "$1" | cut -d' ' -f1; }
count_subjects() { dsr list --status all --format ndjson --limit 100000 </dev/null 2>/dev/null | grep -c '"id"'; }

for i in 1 2 3; do
  run dsr register --email "base$i@example.org" --name "Base Person $i"
  expect_rc 0 "register base subject $i"
done

# ---- 1. a forged rollback journal -----------------------------------------
# The attacker builds a plaintext SQLite database of their own (same page size
# and reserve as a vault) and writes its pages into a hot journal beside the
# vault: SQLite would "roll back" the vault to the attacker's database.
rm -f "$TMP/evil.db"
sqlite3 "$TMP/evil.db" ".filectrl reserve_bytes 40" "PRAGMA page_size=4096" \
  "CREATE TABLE planted(x)" "INSERT INTO planted VALUES('owned by a keyless attacker')" >/dev/null
forge_journal() { # forge_journal PLAINTEXT_DB JOURNAL
  python3 - "$1" "$2" <<'PY'
import struct, sys, os
db, out = sys.argv[1], sys.argv[2]
data = open(db, "rb").read()
pg = 4096
pages = [data[i:i + pg] for i in range(0, len(data), pg)]
init = struct.unpack(">I", os.urandom(4))[0]
hdr = bytes.fromhex("d9d505f920a163d7") + struct.pack(">IIIII", len(pages), init, len(pages), 512, pg)
body = hdr.ljust(512, b"\0")
for n, page in enumerate(pages, 1):
    ck = init
    i = pg - 200
    while i > 0:
        ck = (ck + page[i]) & 0xffffffff
        i -= 200
    body += struct.pack(">I", n) + page + struct.pack(">I", ck)
open(out, "wb").write(body)
PY
}
cp "$V" "$TMP/before.dsr"
BEFORE=$(sha "$V")
forge_journal "$TMP/evil.db" "$V-journal"
run dsr check
expect_rc 6 "forged journal: check exits 6"
expect_err "journal" "forged journal: check names the journal"
check "forged journal: check changed nothing in the vault" test "$(sha "$V")" = "$BEFORE"
run dsr list --status all
expect_rc 6 "forged journal: an ordinary command exits 6"
expect_err "journal" "forged journal: the command names the journal"
check "forged journal: nothing was played back into the vault" test "$(sha "$V")" = "$BEFORE"
check "forged journal: the journal is left for the user to inspect" test -s "$V-journal"
rm -f "$V-journal"
run dsr check
expect_rc 0 "forged journal removed: the vault checks out"
check "forged journal removed: every subject is still there" test "$(count_subjects)" -eq 3

# A journal that merely looks hot but is all zeros after its header, or whose
# records were cut: the same answer, never "rolled back" garbage.
cp "$V" "$TMP/before.dsr"
BEFORE=$(sha "$V")
python3 -c 'import sys; open(sys.argv[1], "wb").write(bytes.fromhex("d9d505f920a163d7") + b"\0\0\0\1" + b"\0" * 500 + b"\0" * 4104)' "$V-journal"
run dsr list --status all
expect_rc 6 "a zeroed journal record: exit 6"
check "a zeroed journal record: the vault is unchanged" test "$(sha "$V")" = "$BEFORE"
rm -f "$V-journal" "$V-wal" "$V-shm"
cp "$TMP/before.dsr" "$V"  # (a no-op unless the attacks above succeeded)

# ---- a WAL left by a crash ----------------------------------------------------
# A batch fed one line at a time commits each line before it answers; killed
# with SIGKILL it leaves every commit in the WAL, none checkpointed.
crash_with_commits() { # crash_with_commits PREFIX N: N committed registrations left in the WAL
  local prefix=$1 n=$2 fifo="$TMP/fifo.$1" out="$TMP/batch.$1" i
  rm -f "$fifo"; mkfifo "$fifo"
  "$DSR_BIN" batch --chunk 1 <"$fifo" >"$out" 2>/dev/null &
  local pid=$!
  exec 7>"$fifo"
  for i in $(seq 1 "$n"); do
    printf '{"op":"register","email":"%s%d@example.org","name":"Crash Person %d"}\n' "$prefix" "$i" "$i" >&7
    for _ in $(seq 1 200); do [ "$(grep -c '"ok":true' "$out" 2>/dev/null)" -ge "$i" ] && break; sleep 0.05; done
  done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  exec 7>&-
  rm -f "$fifo"
}
# frames PATH: "index pgno commit" of each frame of the WAL's current generation.
frames() {
  python3 - "$1" <<'PY'
import struct, sys
w = open(sys.argv[1], "rb").read()
salts = w[16:24]
k, off = 0, 32
while off + 24 + 4096 <= len(w):
    pgno, commit = struct.unpack(">II", w[off:off + 8])
    if w[off + 8:off + 16] != salts:
        break
    print(k, pgno, commit)
    k += 1
    off += 24 + 4096
PY
}
flip_frame() { # flip_frame PATH INDEX: one bit of the page of frame INDEX
  python3 - "$1" "$2" <<'PY'
import sys
p, k = sys.argv[1], int(sys.argv[2])
at = 32 + k * (24 + 4096) + 24 + 100
with open(p, "r+b") as f:
    f.seek(at); b = f.read(1); f.seek(at); f.write(bytes([b[0] ^ 1]))
PY
}

crash_with_commits w 3
check "the crash left a WAL" test -s "$V-wal"
FR=$(frames "$V-wal")
COMMITS=$(printf '%s\n' "$FR" | awk '$3 != 0' | wc -l)
check "the WAL holds the three acknowledged commits ($COMMITS)" test "$COMMITS" -ge 3
cp "$V" "$TMP/crash.dsr"; cp "$V-wal" "$TMP/crash.dsr-wal"

# ---- 4. no checksum of plaintext in the clear ------------------------------
# SQLite's frame checksums are computed over the plaintext page: stored as
# they are, they confirm a guess of a page's content. The shim stores none.
python3 - "$V-wal" >"$TMP/cksums" <<'PY'
import sys
w = open(sys.argv[1], "rb").read()
off = 32
while off + 24 + 4096 <= len(w):
    print(w[off + 16:off + 24].hex())
    off += 24 + 4096
PY
check "no frame header of the WAL stores a checksum of its plaintext" test -z "$(grep -v '^0000000000000000$' "$TMP/cksums")"

# ---- 2. one altered frame before the last commit ---------------------------
FIRST_COMMIT=$(printf '%s\n' "$FR" | awk '$3 != 0 {print $1; exit}')
flip_frame "$V-wal" "$FIRST_COMMIT"
WAL_BEFORE=$(sha "$V-wal"); MAIN_BEFORE=$(sha "$V")
run dsr list --status all
expect_rc 6 "an altered WAL frame before later commits: exit 6, not silent loss"
expect_err "WAL|frame" "the altered frame is named"
check "the WAL was not truncated" test "$(sha "$V-wal")" = "$WAL_BEFORE"
check "the main file was not changed" test "$(sha "$V")" = "$MAIN_BEFORE"
run dsr check
expect_rc 6 "check: exit 6 for the altered frame"
expect_err "frame" "check names the frame"
# The crash as it was: recovery keeps every acknowledged commit.
cp "$TMP/crash.dsr" "$V"; cp "$TMP/crash.dsr-wal" "$V-wal"; rm -f "$V-shm"
check "after the crash every acknowledged commit is there" test "$(count_subjects)" -eq 6
run dsr check
expect_rc 0 "after recovery the vault checks out"

# A torn tail (a transaction that never committed) is still dropped quietly.
cp "$TMP/crash.dsr" "$V"; cp "$TMP/crash.dsr-wal" "$V-wal"; rm -f "$V-shm"
python3 - "$V-wal" <<'PY'
import sys
p = sys.argv[1]
w = bytearray(open(p, "rb").read())
last = w[-(24 + 4096):]
# an uncommitted frame after the last commit, half written
frame = bytearray(last)
frame[4:8] = b"\0\0\0\0"
frame[24 + 2048:] = bytes(2048)
open(p, "wb").write(bytes(w) + bytes(frame))
PY
run dsr list --status all --format ndjson --limit 1000
expect_rc 0 "a torn frame after the last commit is discarded quietly"
check "a torn tail loses no acknowledged commit" test "$(printf '%s\n' "$OUT" | grep -c '"id"')" -eq 6

# ---- 3. a stale WAL put back --------------------------------------------------
# The attacker saves the WAL of a crash, lets the vault move on (the subject is
# erased), then puts the saved WAL back: it must not bring the subject back.
rm -f "$V-wal" "$V-shm"
crash_with_commits stale 1
cp "$V-wal" "$TMP/saved-wal"
STALE_ID=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["result"]["id"])' "$TMP/batch.stale")
run dsr delete "$STALE_ID" --reason "erasure request" --yes
expect_rc 0 "the subject of the saved WAL is erased"
run dsr show "$STALE_ID" --json
STATUS_AFTER=$(jget "$OUT" 'd.get("status")')
check "the subject is erased ($STATUS_AFTER)" test "$STATUS_AFTER" = erased
run dsr audit log --json
AUDIT_N=$(jget "$OUT" 'len(d["entries"]) if isinstance(d, dict) else len(d)')
cp "$TMP/saved-wal" "$V-wal"; rm -f "$V-shm"
run dsr show "$STALE_ID" --json
STATUS_STALE=$(jget "$OUT" 'd.get("status")' 2>/dev/null)
check "a stale WAL does not resurrect the erased subject ($RC, ${STATUS_STALE:-none})" \
  test "$RC" -eq 6 -o "$STATUS_STALE" = erased
expect_err "WAL" "the stale WAL is named"
run dsr audit log --json
check "a stale WAL removes no audit entry" test "$RC" -eq 6 -o "$(jget "$OUT" 'len(d["entries"]) if isinstance(d, dict) else len(d)' 2>/dev/null)" -ge "$AUDIT_N"
run dsr audit verify
check "the audit chain verifies after the stale WAL was refused" test "$RC" -eq 0 -o "$RC" -eq 6
run dsr check
check "check after the stale WAL exits 0 or 6, never passes a resurrection ($RC)" test "$RC" -eq 0 -o "$RC" -eq 6

# ---- 5. a schema page that fails authentication: exit 6 ---------------------
rm -f "$V-wal" "$V-shm"
cp "$V" "$TMP/good.dsr"
python3 - "$V" "$HEADER" <<'PY'
import sys
p, h = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(h + 500); b = f.read(1); f.seek(h + 500); f.write(bytes([b[0] ^ 0x10]))
PY
run dsr list
expect_rc 6 "a damaged schema page: exit 6 (integrity), not 1"
expect_err "page 1" "the damaged page is named"
# Every page, the schema's included: an ordinary command either works or exits 6, never 1.
PAGES=$(( ($(stat -c %s "$TMP/good.dsr") - HEADER) / 4096 ))
wrong=""
for p in $(seq 1 "$PAGES"); do
  cp "$TMP/good.dsr" "$V"
  python3 - "$V" "$HEADER" "$p" <<'PY'
import sys
path, h, p = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
at = h + (p - 1) * 4096 + 700
with open(path, "r+b") as f:
    f.seek(at); b = f.read(1); f.seek(at); f.write(bytes([b[0] ^ 0x20]))
PY
  for cmd in info "list --status all"; do
    # shellcheck disable=SC2086
    dsr $cmd </dev/null >/dev/null 2>"$TMP/err.page"
    rc=$?
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 6 ]; then wrong+=" page $p: $cmd exit $rc;"; fi
    if [ "$rc" -eq 6 ] && ! grep -q "page $p" "$TMP/err.page"; then wrong+=" page $p: $cmd does not name it;"; fi
  done
done
check "a damaged page of any kind exits 0 or 6 and is named (${wrong:-all $PAGES pages})" test -z "$wrong"
cp "$TMP/good.dsr" "$V"

finish
