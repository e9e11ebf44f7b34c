#!/usr/bin/env bash
# End-to-end: a vault written by the previous release (format 2,
# tests/fixtures/format2) is upgraded in place when a command opens it: every
# value, slot, disclosure, request and audit entry is kept, `info` shows the
# new format, and an upgrade killed half way leaves the old vault intact (its
# copy is removed by the next command). Backups of format 2 still verify and
# restore.
. "$(dirname "$0")/lib.sh"
FIX="$DSR_SRC/tests/fixtures/format2"
stage() { rm -rf "$TMP/old"; mkdir "$TMP/old"; cp "$FIX"/vault.dsr "$FIX"/admin.key "$FIX"/support.key "$TMP/old/"; chmod 600 "$TMP/old"/*; }
stage
V="$TMP/old/vault.dsr"
export DSR_DB="$V" DSR_KEY_FILE="$TMP/old/admin.key" DSR_TODAY=2026-11-30
ORIG=$(sha256sum "$V" | cut -d' ' -f1)

run dsr check
expect_rc 0 "check passes on a vault of format 2"
expect_err "format 2" "check says the vault is of format 2"
check "check does not upgrade" test "$(sha256sum "$V" | cut -d' ' -f1)" = "$ORIG"

run dsr list --status all --format ndjson
expect_rc 0 "the first command opens the old vault"
expect_err "upgraded the vault to format 3" "it says it upgraded the vault"
expect_out '"value":"alice@example.com"' "alice is there"
check "both subjects are there, the erased one as erased" test "$(printf '%s\n' "$OUT" | grep -c '"status":"erased"')" -eq 1
check "the file was rewritten (pages moved to 32 KiB)" test "$(( $(stat -c %s "$V") - 155648 ))" -ge $((32768 - 8192))
check "no copy is left beside it" test ! -e "$V-upgrade"

run dsr info
expect_out "format version: 3" "info shows the new format"
run dsr list --status all
expect_no_err "upgraded" "the second command does not upgrade again"
run dsr show alice@example.com --json
expect_rc 0 "show alice"
expect_out '14155550100' "alice's phone survived"
run dsr export alice@example.com
expect_out "1111" "the admin still reads the card (the category key survived)"
run dsr --key-file "$TMP/old/support.key" show alice@example.com --json
expect_rc 0 "the support slot still opens the vault"
expect_no_out "4111111111111111" "support still cannot read the card number"
run dsr disclosures alice@example.com --json
expect_out "County Court" "the disclosure survived"
run dsr request show req_1 --json
expect_rc 0 "the request survived"
run dsr audit verify
expect_rc 0 "the audit chain verifies after the upgrade"
run dsr check
expect_rc 0 "check passes after the upgrade"
run dsr register --email carol@example.com --name "Carol Poe"
expect_rc 0 "the upgraded vault takes writes"

# A format-2 vault with a WAL left by a crash: its frames cannot be
# authenticated, so it is not upgraded and nothing is replayed.
stage
printf 'not a real wal, but not empty' > "$V-wal"
run dsr list
expect_rc 6 "a format-2 WAL with content: exit 6"
expect_err "format 2" "the message says why"
check "the old vault is left as it was" test "$(sha256sum "$V" | cut -d' ' -f1)" = "$ORIG"
rm -f "$V-wal" "$V-shm"

# An upgrade killed before its rename left PATH-upgrade: the vault is still the
# old one, and the next command upgrades it and removes the copy.
stage
cp "$V" "$V-upgrade"
run dsr list --status all
expect_rc 0 "a vault with a leftover upgrade copy opens"
check "the leftover copy was removed" test ! -e "$V-upgrade"
run dsr info
expect_out "format version: 3" "and the vault was upgraded"

# A backup written by the previous release (a vault file of format 2).
stage
run dsr backup --verify "$V"
expect_rc 0 "a backup of format 2 verifies"
run dsr restore "$V" --db "$TMP/restored.dsr"
expect_rc 0 "a backup of format 2 restores"
run dsr --db "$TMP/restored.dsr" show alice@example.com --json
expect_rc 0 "the restored vault opens (and is upgraded)"
expect_out "alice@example.com" "with alice in it"

# A vault of the release before schema 16 (format 3, schema 15,
# tests/fixtures/schema15): the audit trail's newest entry recorded beside
# the table. The first command that writes marks that entry as the head
# instead; the trail, signed by two slots, then verifies, and a cut is still
# caught.
FIX15="$DSR_SRC/tests/fixtures/schema15"
rm -rf "$TMP/s15"; mkdir "$TMP/s15"; cp "$FIX15"/vault.dsr "$FIX15"/admin.key "$FIX15"/support.key "$TMP/s15/"; chmod 600 "$TMP/s15"/*
export DSR_DB="$TMP/s15/vault.dsr" DSR_KEY_FILE="$TMP/s15/admin.key"
ORIG15=$(sha256sum "$DSR_DB" | cut -d' ' -f1)
run dsr check
expect_rc 0 "check passes on a vault of schema 15"
expect_err "schema is older" "read only, it leaves the trail for after the upgrade and says so"
check "check does not migrate it" test "$(sha256sum "$DSR_DB" | cut -d' ' -f1)" = "$ORIG15"
run dsr audit verify
expect_rc 0 "audit verify migrates the vault and the trail verifies"
expect_out "intact" "it says the chain and signatures are intact"
run dsr info
expect_out "schema 16" "the vault is of schema 16 now"
run dsr check
expect_rc 0 "check passes after the upgrade, the trail verified"
run dsr --key-file "$TMP/s15/support.key" register --email dora@example.com --name "Dora Pym"
expect_rc 0 "the support slot writes after the upgrade"
run dsr audit verify
expect_rc 0 "the trail still verifies with the new entry after it"
cp "$DSR_DB" "$TMP/s15/before-cut.dsr"
SUPPORT_ENTRY=$(dsr audit log --actor sam --format ndjson | head -n1 | sed 's/.*"id":\([0-9]*\).*/\1/')
run "$DSR_INSIDER" audit-cut "$DSR_DB" "$TMP/s15/support.key" "$SUPPORT_ENTRY"
expect_rc 0 "the support slot cuts an entry of its own from the upgraded trail and re-chains the rest"
run dsr audit verify
expect_rc 6 "audit verify catches it (the admin's later entries no longer verify)"
cp "$TMP/s15/before-cut.dsr" "$DSR_DB"
dsr audit anchor >"$TMP/s15/anchor.json"
LAST=$(dsr audit log --format ndjson | tail -n1 | sed 's/.*"id":\([0-9]*\).*/\1/')
run "$DSR_INSIDER" audit-edit "$DSR_DB" "$TMP/s15/support.key" "$LAST" head 0
expect_rc 0 "the support slot takes the head mark off the newest entry"
run dsr audit verify
expect_rc 6 "audit verify says the end was removed"
expect_err "not the newest entry written" "in those words"
cp "$TMP/s15/before-cut.dsr" "$DSR_DB"
dsr audit anchor >"$TMP/s15/anchor.json"
LAST=$(dsr audit log --format ndjson | tail -n1 | sed 's/.*"id":\([0-9]*\).*/\1/')
run "$DSR_INSIDER" audit-cut "$DSR_DB" "$TMP/s15/support.key" "$LAST"
expect_rc 0 "the support slot cuts the newest entry and moves the head mark with it"
run dsr audit verify
expect_rc 0 "alone, that verifies: the limit (the insider tool writes the mark as dsr does)"
run dsr audit verify --anchor "$TMP/s15/anchor.json"
expect_rc 6 "against an anchor kept outside the vault it does not"

finish
