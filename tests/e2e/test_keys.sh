#!/usr/bin/env bash
# Key slots from the command line: add (key file or passphrase), list, remove
# (confirmation, dry run, the last admin slot), passwd; taken names and files;
# adding a slot or changing a passphrase re-encrypts no data page (only the
# pages of its audit entry change); removing one re-encrypts them all.
. "$(dirname "$0")/lib.sh"
new_vault keys
export DSR_DB="$V" DSR_KEY_FILE="$K"
for i in $(seq 1 40); do
  printf '{"op":"register","email":"p%d@example.com","name":"Person %d","address":"%d Long Street"}\n' "$i" "$i" "$i"
done > "$TMP/people.ndjson"
run dsr batch "$TMP/people.ndjson"
expect_rc 0 "40 subjects registered"

pages() { python3 -c 'import sys; print(open(sys.argv[1],"rb").read()[32768:].hex())' "$V" | sha256sum | cut -c1-64; }
header() { head -c 24576 "$V" | sha256sum | cut -c1-64; }
PAGES0=$(pages); HEADER0=$(header)
# The data pages of the vault now, to compare with later: snap NAME, then
# `changed NAME` prints how many 4 KiB pages of the old ones differ now.
snap() { cp "$V" "$TMP/$1.snap"; }
changed() { python3 -c '
import sys
a = open(sys.argv[1], "rb").read()[32768:]; b = open(sys.argv[2], "rb").read()[32768:]
print(sum(1 for i in range(0, len(a), 4096) if a[i:i+4096] != b[i:i+4096]), len(a) // 4096)' "$TMP/$1.snap" "$V"; }
# The trail's entries for a command: audit_count COMMAND OUTCOME
audit_count() { "$DSR_BIN" --json audit log --limit 1000 | python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if e["command"] == sys.argv[1] and e["outcome"] == sys.argv[2]))' "$1" "$2"; }

# ---- add ----------------------------------------------------------------------
run dsr key add sam --role support --new-key-file "$TMP/sam.key"
expect_rc 0 "key add with a new key file"
expect_out "added support key slot 'sam' \(key-file\)" "key add says what it added"
check "the new key file is mode 0600" test "$(stat -c %a "$TMP/sam.key")" = 600
run dsr --key-file "$TMP/sam.key" --json info
expect_rc 0 "the new key file opens the vault"
check "it opens sam's slot" test "$(jget "$OUT" 'd["opened_by"]')" = sam
printf 'pat passphrase one\n' > "$TMP/pat1.txt"
run dsr key add pat --role billing --new-passphrase-file "$TMP/pat1.txt" --kdf interactive
expect_rc 0 "key add with a passphrase from a file"
run dsr --key-file "" --passphrase-file "$TMP/pat1.txt" --json info
expect_rc 0 "the passphrase opens the vault"
check "it opens pat's slot" test "$(jget "$OUT" 'd["opened_by"]')" = pat
# Flags beat the environment: DSR_KEY_FILE is set, yet --passphrase-file opens pat's slot.
run dsr --passphrase-file "$TMP/pat1.txt" --json info
expect_rc 0 "a key flag overrides DSR_KEY_FILE"
check "and opens the flag's slot" test "$(jget "$OUT" 'd["opened_by"]')" = pat
run env DSR_PASSPHRASE_FILE="$TMP/pat1.txt" "$DSR_BIN" --key-file "$K" --json info
expect_rc 0 "--key-file overrides DSR_PASSPHRASE_FILE"
check "and opens the key file's slot" test "$(jget "$OUT" 'd["opened_by"]')" != pat
run env DSR_PASSPHRASE_FILE="$TMP/pat1.txt" "$DSR_BIN" --json info
expect_rc 2 "both variables and no flag: which one is meant is unclear"
expect_err "give one key source" "and the error says so"
printf 'pia passphrase\n' > "$TMP/pia.txt"
run dsr key add pia --role support --passphrase-file "$TMP/pia.txt" --kdf interactive
expect_rc 0 "key add NAME --passphrase-file F (dsr(1)): F is the new slot's"
run env -u DSR_KEY_FILE "$DSR_BIN" --passphrase-file "$TMP/pia.txt" --json info
expect_rc 0 "pia's passphrase opens the vault"
check "it opens pia's slot" test "$(jget "$OUT" 'd["opened_by"]')" = pia
run dsr key remove pia --yes
expect_rc 0 "and pia's slot goes again"
check "removing a slot re-encrypted the data pages" test "$(pages)" != "$PAGES0"
snap add
run dsr --json key add cron --role auditor --new-key-file "$TMP/cron.key"
expect_rc 0 "key add --json"
check "--json names the slot and its role" test "$(jget "$OUT" 'd["slot"]["name"] + "/" + d["slot"]["role"] + "/" + d["key_file"]')" = "cron/auditor/$TMP/cron.key"
read -r N TOTAL <<<"$(changed add)"
check "adding a slot re-encrypted no data page: $N of $TOTAL pages changed (its audit entry)" test "$N" -ge 1 -a "$N" -le 3 -a "$TOTAL" -ge 20
check "each slot added is in the audit trail" test "$(audit_count 'key add' ok)" = 4
check "adding slots changed the header" test "$(header)" != "$HEADER0"

run dsr key add sam --role auditor --new-key-file "$TMP/sam2.key"
expect_rc 4 "a slot name that exists exits 4"
check "no key file is made for a refused name" test ! -e "$TMP/sam2.key"
run dsr key add sally --role support --new-key-file "$TMP/sam.key"
expect_rc 4 "an existing key file is never overwritten (exit 4)"
run dsr --json info
check "sally was not added" test "$(jget "$OUT" '"sally" in [s["name"] for s in d["slots"]]')" = False
run dsr key add ann --role support
expect_rc 2 "no new secret and no terminal: exit 2"
expect_err "--new-passphrase-file" "the error names the flag to pass"
run dsr key add ann --role janitor --new-key-file "$TMP/ann.key"
expect_rc 2 "an unknown role is a usage error"
run dsr key add ann --role support --new-key-file "$TMP/ann.key" --new-passphrase-file "$TMP/pat1.txt"
expect_rc 2 "two secrets for one slot is a usage error"
run dsr key add "two words" --role support --new-key-file "$TMP/tw.key"
expect_rc 2 "a slot name with a space is a usage error"
check "and leaves no key file" test ! -e "$TMP/tw.key"

# ---- concurrent adds: each process re-reads the header under the write lock -----------
snap concurrent
for i in 1 2 3 4 5 6; do
  "$DSR_BIN" key add "par$i" --role auditor --new-key-file "$TMP/par$i.key" </dev/null >/dev/null 2>"$TMP/par$i.err" &
done
wait
run dsr --json info
check "six slots added at once by six processes are all there" \
  test "$(jget "$OUT" 'sorted(s["name"] for s in d["slots"] if s["name"].startswith("par"))')" = "['par1', 'par2', 'par3', 'par4', 'par5', 'par6']"
for i in 1 2 3 4 5 6; do
  run dsr --key-file "$TMP/par$i.key" --json info
  expect_rc 0 "par$i's key file opens the vault"
done
read -r N TOTAL <<<"$(changed concurrent)"
check "concurrent adds re-encrypted no data page: $N of $TOTAL pages changed (their audit entries)" test "$N" -le 3
check "and each of the six is in the audit trail" test "$(audit_count 'key add' ok)" = 10
for i in 1 2 3 4 5 6; do
  run dsr key remove "par$i" --yes
  expect_rc 0 "par$i removed"
done

# ---- list ---------------------------------------------------------------------
run dsr --key-file "$TMP/sam.key" show p1@example.com
expect_rc 0 "sam reads a subject (an audit entry)"
run dsr key list
expect_rc 0 "key list"
expect_out "^NAME +ROLE +KIND +CREATED +LAST USED" "key list has a header"
expect_out "admin \* +admin +key-file" "the current slot is marked"
expect_out "pat +billing +passphrase" "pat is a billing passphrase slot"
run dsr --json key list
expect_rc 0 "key list --json"
check "four slots listed" test "$(jget "$OUT" 'len(d)')" = 4
check "sam was last used (from the audit trail)" test "$(jget "$OUT" '[s for s in d if s["name"]=="sam"][0]["last_used"] is not None')" = True
check "cron was never used" test "$(jget "$OUT" '[s for s in d if s["name"]=="cron"][0]["last_used"]')" = None
check "created is an ISO time" test "$(jget "$OUT" 'd[1]["created"].endswith("Z")')" = True
run dsr key list --format csv
expect_out "^name,role,kind,created,last_used|^NAME,ROLE,KIND,CREATED,LAST USED" "key list --format csv"

# ---- remove -------------------------------------------------------------------
PAGES1=$(pages)
run dsr key remove cron
expect_rc 2 "key remove off a terminal without --yes exits 2"
expect_err "--yes" "and names --yes"
run dsr key remove cron --dry-run
expect_rc 0 "key remove --dry-run"
expect_out "would remove auditor key slot 'cron'" "the dry run says what would go"
run dsr --key-file "$TMP/cron.key" --json info
expect_rc 0 "after the dry run cron still opens the vault"
run dsr key remove cron --yes
expect_rc 0 "key remove --yes"
check "removing a slot re-encrypted every data page under a key it never held" test "$(pages)" != "$PAGES1"
run dsr --key-file "$TMP/cron.key" info
expect_rc 5 "the removed slot's key file no longer opens the vault"
run dsr key remove nobody --yes
expect_rc 3 "removing a slot that does not exist exits 3"
run dsr key remove admin --yes
expect_rc 7 "removing the last admin slot exits 7"
expect_err "last admin slot" "and says why"
run dsr key remove admin --dry-run
expect_rc 7 "the dry run of it is refused too"
run dsr key add ops2 --role admin --new-key-file "$TMP/ops2.key"
expect_rc 0 "a second admin slot"
run dsr --key-file "$TMP/ops2.key" key remove admin --yes
expect_rc 0 "with two admins, one may go"
run dsr --key-file "$TMP/ops2.key" key remove ops2 --yes
expect_rc 7 "the remaining admin is the last one again"
export DSR_KEY_FILE="$TMP/ops2.key"
snap passwd

# ---- passwd -------------------------------------------------------------------
printf 'pat passphrase two\n' > "$TMP/pat2.txt"
run dsr --key-file "" --passphrase-file "$TMP/pat1.txt" key passwd --new-passphrase-file "$TMP/pat2.txt"
expect_rc 0 "a billing slot changes its own passphrase"
expect_out "changed the passphrase of key slot 'pat'" "passwd says whose"
read -r N TOTAL <<<"$(changed passwd)"
check "passwd re-encrypted no data page: $N of $TOTAL pages changed (its audit entry)" test "$N" -ge 1 -a "$N" -le 3
check "the passphrase change is in the audit trail" test "$(audit_count 'key passwd' ok)" = 1
run dsr --key-file "" --passphrase-file "$TMP/pat1.txt" info
expect_rc 5 "the old passphrase no longer opens the vault"
run dsr --key-file "" --passphrase-file "$TMP/pat2.txt" --json info
expect_rc 0 "the new passphrase opens it"
check "as pat, still billing" test "$(jget "$OUT" '[s["role"] for s in d["slots"] if s["name"]=="pat"][0]')" = billing
run dsr --key-file "" --passphrase-file "$TMP/pat2.txt" key passwd
expect_rc 2 "passwd without a new passphrase off a terminal exits 2"
run dsr --key-file "$TMP/sam.key" key passwd --new-passphrase-file "$TMP/pat2.txt"
expect_rc 2 "a key-file slot has no passphrase to change"
expect_err "key-file slot" "and says so"
run dsr check
expect_rc 0 "the vault passes its check"
finish
