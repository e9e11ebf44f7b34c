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
#  - A support slot cannot rewrite the audit trail: with the pages decrypted
#    under its own data key, an entry deleted and the rest re-chained under the
#    index key it holds and re-signed where the signature is its own,
#    `audit verify` exits 6; a cut tail verifies alone (the limit) but not
#    against an anchor kept outside the vault.
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

# ---- 3. a support slot rewrites the audit trail --------------------------------
tom() { run dsr --key-file "$TMP/tom.key" "$@"; }
run dsr key add tom --role support --new-key-file "$TMP/tom.key"
expect_rc 0 "tom gets a support slot"
tom register --email tom.did@example.org --name "Tom Did"
expect_rc 0 "tom registers someone"
tom correct tom.did@example.org --set card_token=tok_1234
expect_rc 7 "tom is refused a billing field (the refusal is audited)"
tom correct tom.did@example.org --set "name=Tom Done"
expect_rc 0 "tom corrects a name"
run dsr register --email after.tom@example.org --name "After Tom"
expect_rc 0 "the admin works after him"
run dsr audit verify
expect_rc 0 "the trail verifies before tom touches it"
ids() { dsr audit log --actor tom --format ndjson | grep "\"command\":\"$1\"" | sed 's/.*"id":\([0-9]*\).*/\1/' | tail -n1; }
REFUSED=$(dsr audit log --actor tom --format ndjson | grep '"outcome":"refused"' | sed 's/.*"id":\([0-9]*\).*/\1/')
check "tom's refusal is in the trail (entry $REFUSED)" test -n "$REFUSED"
cp "$V" "$TMP/before-tom.dsr"
run insider audit-cut "$V" "$TMP/tom.key" "$REFUSED"
expect_rc 0 "tom deletes his refusal and re-chains and re-signs what he can"
expect_out "signed by other slots left" "later entries of the admin's are not his to re-sign"
run dsr list --status all
expect_rc 0 "the pages he wrote authenticate: the vault opens"
run dsr audit log --actor tom --format ndjson
check "the refusal is gone from the log" test "$(printf '%s\n' "$OUT" | grep -c '"outcome":"refused"')" -eq 0
run dsr audit verify
expect_rc 6 "audit verify catches it: the admin's entries no longer verify"
expect_err "signature" "and says a signature fails"
run dsr check
expect_rc 6 "check catches it too"
cp "$TMP/before-tom.dsr" "$V"
run insider audit-edit "$V" "$TMP/tom.key" "$REFUSED" actor admin
expect_rc 0 "tom puts his refusal under the admin's name instead"
run dsr audit verify
expect_rc 6 "an entry forged under another slot's name is caught"
cp "$TMP/before-tom.dsr" "$V"

# The tail: entries after the last one anyone else signed are tom's alone.
tom correct tom.did@example.org --set "name=Tom Again"
expect_rc 0 "tom corrects once more, the newest entry"
run dsr audit anchor
expect_rc 0 "the admin's daily anchor"
printf '%s\n' "$OUT" > "$TMP/anchor.json"
LAST=$(ids correct)
run insider audit-cut "$V" "$TMP/tom.key" "$LAST"
expect_rc 0 "tom cuts his newest entry"
run dsr audit verify
expect_rc 0 "alone, a cut tail verifies: the tool re-chains exactly as dsr does (the limit anchors exist for)"
run dsr audit verify --anchor "$TMP/anchor.json"
expect_rc 6 "against the anchor kept outside the vault it does not"
expect_err "anchor" "and the anchor is named"

finish
