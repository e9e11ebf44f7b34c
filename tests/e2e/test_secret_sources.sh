#!/usr/bin/env bash
# End-to-end: where secrets come from. Key and passphrase files are refused
# (exit 2, naming the file and the fix) when others may read or change them or
# when they belong to another user, as ssh refuses such keys; a vault others
# may read gets a warning. A passphrase can come from a command's output
# (--passphrase-command, DSR_PASSPHRASE_COMMAND) and, for a systemd service,
# from $CREDENTIALS_DIRECTORY/dsr.key without any flag.
. "$(dirname "$0")/lib.sh"
new_vault s
printf 'correct horse battery\n' > "$TMP/pw"
run dsr --db "$V" --key-file "$K" key add pia --role support --passphrase-file "$TMP/pw" --kdf interactive
expect_rc 0 "a passphrase slot from a private file"

chmod 644 "$TMP/pw"
run dsr --db "$V" --passphrase-file "$TMP/pw" info
expect_rc 2 "a passphrase file others may read: exit 2"
expect_err "pw may be read or changed by other users \(mode 0644\)" "the message names the file and its mode"
expect_err "chmod 600 $TMP/pw" "and the fix"
chmod 620 "$TMP/pw"
run dsr --db "$V" --passphrase-file "$TMP/pw" info
expect_rc 2 "a passphrase file the group may write: exit 2"
chmod 600 "$TMP/pw"
run dsr --db "$V" --passphrase-file "$TMP/pw" info
expect_rc 0 "the same file made private opens the vault"

chmod 640 "$K"
run dsr --db "$V" --key-file "$K" info
expect_rc 2 "a key file the group may read: exit 2"
expect_err "key file .* \(mode 0640\)" "the message names the key file"
chmod 600 "$K"
run dsr --db "$V" --key-file "$K" key add kim --role support --passphrase-file <(printf 'from a pipe\n') --kdf interactive
expect_rc 0 "a passphrase through a pipe has no permissions to check"

if [ "$(id -u)" -eq 0 ]; then
  cp "$K" "$TMP/theirs.key"
  chown 65534 "$TMP/theirs.key"
  chmod 600 "$TMP/theirs.key"
  run dsr --db "$V" --key-file "$TMP/theirs.key" info
  expect_rc 2 "a key file of another user: exit 2"
  expect_err "belongs to another user \(uid 65534\)" "the message says whose it is"
else
  echo "note: the other-user case needs root to chown; CI runs as root"
fi

# --passphrase-command: the first line of its output, through a pipe.
run dsr --db "$V" --passphrase-command "cat '$TMP/pw'" --json info
expect_rc 0 "--passphrase-command opens the passphrase slot"
expect_out '"opened_by": "pia"' "as the slot it opens"
run env DSR_PASSPHRASE_COMMAND="cat '$TMP/pw'" "$DSR_BIN" --db "$V" --json info
expect_rc 0 "DSR_PASSPHRASE_COMMAND does the same"
run dsr --db "$V" --passphrase-command "exit 3" info
expect_rc 2 "a failing passphrase command: exit 2"
expect_err "passphrase command .* failed \(exit 3\)" "the message says it failed and how"
run dsr --db "$V" --passphrase-command "true" info
expect_rc 2 "a command that prints nothing: exit 2"
run dsr --db "$V" --key-file "$K" --passphrase-command "cat '$TMP/pw'" info
expect_rc 2 "two key sources are refused"

# systemd credentials: LoadCredential=dsr.key:... puts the key file there.
mkdir -p "$TMP/creds"
cp "$K" "$TMP/creds/dsr.key"
run env CREDENTIALS_DIRECTORY="$TMP/creds" "$DSR_BIN" --db "$V" --json info
expect_rc 0 "a service unit's credential opens the vault without a flag"
expect_out '"opened_by": "admin"' "as the key file's slot"
run env CREDENTIALS_DIRECTORY="$TMP/creds" DSR_PASSPHRASE_FILE="$TMP/pw" "$DSR_BIN" --db "$V" --json info
expect_out '"opened_by": "pia"' "an explicit key source beats the credential"

# A vault others may read: a warning, and the command still works.
chmod 644 "$V"
run dsr --db "$V" --key-file "$K" info
expect_rc 0 "a vault others may read still opens"
expect_err "may be read by other users \(mode 0644\).*chmod 600" "with a warning naming the fix"
chmod 600 "$V"
run dsr --db "$V" --key-file "$K" info
expect_no_err "other users" "no warning once it is private"

finish
