#!/usr/bin/env bash
# End-to-end, as an insider would try it: a staff member with a slot of their
# own who also has the vault file and reads the format. Their tool
# (tests/tools/vault_insider.cpp) shares no code with dsr: it opens their own
# slot with their key file and works on the file directly.
#  - Removal revokes: after `key remove`, the keys the removed slot held open
#    no page of the vault or of a new backup; the old header written back
#    neither reopens the vault for them nor goes unnoticed.
#  - A support slot cannot make itself admin: changing its role, or re-signing
#    the header under an admin key of its own, makes every other slot exit 6.
. "$(dirname "$0")/lib.sh"
: "${DSR_INSIDER:?DSR_INSIDER must point at the vault_insider tool}"
insider() { "$DSR_INSIDER" "$@"; }
new_vault i
export DSR_DB="$V" DSR_KEY_FILE="$K"
for n in 1 2 3 4 5; do
  run dsr register --email "p$n@example.org" --name "Person $n" --card-number 4111111111111111 --card-expiry 12/30
  expect_rc 0 "register p$n"
done
run dsr key add sam --role support --new-key-file "$TMP/sam.key"
expect_rc 0 "sam gets a support slot"

# ---- 1. removal revokes -------------------------------------------------------
OLD=$(insider data-key "$V" "$TMP/sam.key")
check "sam can take the data key out of his own slot (any slot holder can)" test ${#OLD} -eq 64
run insider read-page "$V" "$OLD" 1
expect_rc 0 "with it he reads the vault's pages while he holds a slot"
head -c 24576 "$V" > "$TMP/header-with-sam"
run dsr key remove sam --yes
expect_rc 0 "the admin removes sam"
PAGES=$(( ($(stat -c %s "$V") - 32768) / 4096 ))
bad=0
for p in $(seq 1 "$PAGES"); do insider read-page "$V" "$OLD" "$p" >/dev/null && bad=$((bad + 1)); done
check "after his removal sam's key opens none of the $PAGES pages ($bad do)" test "$bad" -eq 0
run dsr backup "$TMP/after.dsr"
expect_rc 0 "a new backup"
run insider read-page "$TMP/after.dsr" "$OLD" 1
expect_rc 1 "sam's key opens no page of the new backup"
run dsr --key-file "$TMP/sam.key" info
expect_rc 5 "sam's key file opens no slot of the vault"
# He writes back the header he copied while he had a slot.
head -c 24576 "$V" > "$TMP/header-now"
cp "$V" "$TMP/now.dsr"
dd if="$TMP/header-with-sam" of="$V" conv=notrunc status=none
run dsr --key-file "$TMP/sam.key" list --status all
expect_rc 6 "the old header written back does not reopen the vault for sam"
run dsr list --status all
expect_rc 6 "and the admin's next command notices it (exit 6)"
run dsr check
expect_rc 6 "check notices it too"
cp "$TMP/now.dsr" "$V"
run dsr list --status all --format ndjson
expect_rc 0 "the current header put back: all is well"
check "every subject is there" test "$(printf '%s\n' "$OUT" | grep -c '"id"')" -eq 5

# ---- 2. a support slot tries to make itself admin ------------------------------
run dsr key add ria --role support --new-key-file "$TMP/ria.key"
expect_rc 0 "ria gets a support slot"
cp "$V" "$TMP/before-ria.dsr"
run insider set-role "$V" "$TMP/ria.key" admin
expect_rc 0 "ria flips her role byte and fixes the checksums and the MAC"
run dsr list --status all
expect_rc 6 "the admin's command exits 6: the header fails its signature"
expect_err "admin signature" "and says why"
run dsr --key-file "$TMP/ria.key" key add eve --role admin --new-key-file "$TMP/eve.key"
expect_rc 6 "ria's own commands exit 6 as well"
check "no key file was made for eve" test ! -e "$TMP/eve.key"

cp "$TMP/before-ria.dsr" "$V"
run insider hijack "$V" "$TMP/ria.key"
expect_rc 0 "ria makes an admin key of her own and re-signs the header under it"
run dsr list --status all
expect_rc 6 "the admin's slot notices: exit 6"
expect_err "does not hold the admin key" "and says the header was changed without the admin key"
run dsr check
expect_rc 6 "check exits 6"
run dsr --key-file "$TMP/ria.key" export p1@example.org
check "inside her forged header ria still cannot read card numbers (no category key)" \
  test "$(printf '%s' "$OUT" | grep -c 4111111111111111)" -eq 0
cp "$TMP/before-ria.dsr" "$V"
run dsr check
expect_rc 0 "the genuine file checks out"

finish
