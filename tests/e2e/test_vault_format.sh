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

finish
