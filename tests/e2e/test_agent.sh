#!/usr/bin/env bash
# End-to-end: the unlock agent (dsr unlock / dsr lock; src/cli/agent.hpp).
# A passphrase slot (Argon2id, moderate: about a second and 256 MiB a command)
# is unlocked once; commands with no key source then open the vault through
# the agent without the Argon2id step, as the same slot. Checked here: the
# socket's place and modes, a socket with the wrong mode or owner refused,
# another vault not opened by this vault's agent, a stale socket ignored,
# lock, the --for timeout, replacement, revocation by key remove and key
# passwd, key sources winning over the agent, and what the agent process
# shows (no secret in its argv or environment, no core dumps, locked memory).
. "$(dirname "$0")/lib.sh"
export XDG_RUNTIME_DIR="$TMP/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
AGENTS="$TMP/agents"
: > "$AGENTS"
cleanup() {
  while read -r p; do kill "$p" 2>/dev/null; done < "$AGENTS"
  rm -rf "$TMP"
}
trap cleanup EXIT

new_vault a
A=$V
AK=$K
PW="$TMP/pia.txt"
printf 'agent test passphrase 7\n' > "$PW"
run dsr --db "$A" --key-file "$AK" key add pia --role admin --new-passphrase-file "$PW" --kdf moderate
expect_rc 0 "a passphrase slot (Argon2id moderate)"
export DSR_DB=$A

alive() { kill -0 "$1" 2>/dev/null; }
gone_within() { # gone_within PID SECONDS
  local i
  for ((i = 0; i < $2 * 10; i++)); do alive "$1" || return 0; sleep 0.1; done
  return 1
}
unlock() { # unlock ARGS...: dsr unlock --json with ARGS; sets APID and SOCK
  run dsr --json "$@"
  APID= SOCK=
  if [ "$RC" -eq 0 ]; then
    APID=$(jget "$OUT" 'd["pid"]')
    SOCK=$(jget "$OUT" 'd["socket"]')
    echo "$APID" >> "$AGENTS"
  fi
}
mode_of() { stat -c %a "$1"; }

# ---- where the agent may live -------------------------------------------------
run env -u XDG_RUNTIME_DIR "$DSR_BIN" --passphrase-file "$PW" unlock --for 30s
expect_rc 2 "no XDG_RUNTIME_DIR: unlock exits 2"
expect_err "XDG_RUNTIME_DIR" "and says what is missing"
check "nothing was started without XDG_RUNTIME_DIR" test ! -e "$XDG_RUNTIME_DIR/dsr"
run dsr --passphrase-file "$PW" unlock --for 3x
expect_rc 2 "a bad --for is a usage error"
run dsr --passphrase-file "$PW" unlock --for 25h
expect_rc 2 "--for above 24h is refused"
run dsr --passphrase-file "$TMP/none.txt" unlock
expect_rc 3 "unlock with a missing passphrase file fails like any open"
run dsr --passphrase-file <(printf 'wrong one\n') unlock --for 30s
expect_rc 5 "unlock with a wrong passphrase: exit 5, no agent"
check "no socket after a failed unlock" test -z "$(ls "$XDG_RUNTIME_DIR/dsr" 2>/dev/null)"

# ---- unlock, then commands without a key source ------------------------------
unlock --passphrase-file "$PW" unlock --for 10m
expect_rc 0 "unlock --for 10m --passphrase-file F"
check "the agent runs" alive "$APID"
check "the directory is 0700" test "$(mode_of "$XDG_RUNTIME_DIR/dsr")" = 700
check "the socket is 0600" test "$(mode_of "$SOCK")" = 600
check "the socket is under XDG_RUNTIME_DIR/dsr" test "$(dirname "$SOCK")" = "$XDG_RUNTIME_DIR/dsr"

run dsr --json info
expect_rc 0 "info with no key source, through the agent"
expect_out '"opened_by": "pia"' "as the unlocked slot"
run dsr register --email alice@example.com --name "Alice Agent"
expect_rc 0 "a write through the agent"
run dsr --key-file "$AK" audit log --format json
expect_out '"actor": "pia"' "the write is audited under the slot's name"
run dsr --key-file "$AK" --json info
expect_out '"opened_by": "admin"' "a key flag wins over the agent"
run env DSR_KEY_FILE="$AK" "$DSR_BIN" --json info
expect_out '"opened_by": "admin"' "DSR_KEY_FILE wins over the agent"
run dsr --slot admin list
expect_rc 2 "--slot naming another slot does not take the agent's key"
run dsr check
expect_rc 0 "check through the agent"

# Fast: no Argon2id in a command through the agent. Robust proof: its peak
# memory stays far below Argon2id moderate's 256 MiB; and 20 commands take
# less time than 10 opens with the passphrase, measured in the same run.
peak_kib() { python3 -c 'import resource,subprocess,sys
subprocess.run(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"; }
through_agent=$(peak_kib "$DSR_BIN" list)
with_pass=$(peak_kib "$DSR_BIN" --passphrase-file "$PW" list)
check "a command through the agent peaks below 128 MiB ($through_agent KiB)" test "${through_agent:-999999}" -lt 131072
check "the passphrase open peaks above 200 MiB ($with_pass KiB): the measure can tell" test "${with_pass:-0}" -gt 204800
t0=$(date +%s%N)
dsr --passphrase-file "$PW" list >/dev/null 2>&1
t1=$(date +%s%N)
n_ok=0
for i in $(seq 20); do dsr list >/dev/null 2>&1 && n_ok=$((n_ok + 1)); done
t2=$(date +%s%N)
one_pass=$(((t1 - t0) / 1000000))
twenty=$(((t2 - t1) / 1000000))
echo "note: one passphrase open ${one_pass} ms; 20 commands through the agent ${twenty} ms"
check "20 list commands through the agent all succeed" test "$n_ok" -eq 20
check "20 commands through the agent take less than 10 passphrase opens" test "$twenty" -lt $((10 * one_pass))

# ---- the agent process ---------------------------------------------------------
check "the agent's argv holds no passphrase" bash -c "! tr '\0' '\n' < /proc/$APID/cmdline | grep -qF 'agent test passphrase'"
if [ -r "/proc/$APID/environ" ]; then
  check "the agent's environment holds no passphrase" bash -c "! tr '\0' '\n' < /proc/$APID/environ | grep -qF 'agent test passphrase'"
else
  check "the agent's environment is unreadable (not dumpable)" test "$(stat -c %u "/proc/$APID/environ")" = 0
fi
check "the agent makes no core dump" grep -qE '^Max core file size +0 +0' "/proc/$APID/limits"
if nm -D "$DSR_BIN" 2>/dev/null | grep -q '__asan_init'; then
  # AddressSanitizer turns mlock into a no-op (its shadow memory): said, not
  # hidden; the normal build (scripts/test.sh --full) checks VmLck.
  echo "note: ASan build: mlock is a no-op, locked memory not checked here" >&2
else
  check "the agent holds locked memory (its key, sodium_malloc)" bash -c "awk '/^VmLck:/ { exit !(\$2 > 0) }' /proc/$APID/status"
fi
check "the agent's stdin is /dev/null" test "$(readlink "/proc/$APID/fd/0")" = /dev/null
check "the agent's stdout is /dev/null" test "$(readlink "/proc/$APID/fd/1")" = /dev/null
check "the agent is in a session of its own" test "$(ps -o sid= -p "$APID" | tr -d ' ')" != "$(ps -o sid= -p $$ | tr -d ' ')"

# ---- a socket or directory that is not private is refused -------------------------
chmod 666 "$SOCK"
run dsr list
expect_rc 2 "a socket of mode 0666 is not used"
expect_err "ignoring the unlock agent socket .*mode 0666" "and a message says why"
chmod 600 "$SOCK"
chmod 755 "$XDG_RUNTIME_DIR/dsr"
run dsr list
expect_rc 2 "a directory of mode 0755 is not used"
expect_err "directory .*mode 0755" "and a message says why"
run dsr --key-file "$AK" unlock --for 30s
expect_rc 2 "unlock refuses to use a directory others may enter"
check "the agent was not replaced by that refused unlock" alive "$APID"
chmod 700 "$XDG_RUNTIME_DIR/dsr"
run dsr list
expect_rc 0 "modes restored: the agent is used again"
if [ "$(id -u)" -eq 0 ]; then
  chown 65534 "$SOCK"
  run dsr list
  expect_rc 2 "a socket that belongs to another user is not used"
  expect_err "belongs to uid 65534" "and a message names its owner"
  chown 0 "$SOCK"
else
  echo "note: the other-owner case needs root to chown (the unit test agent.trust covers the check)"
fi

# ---- another vault is not opened by this vault's agent -----------------------------
new_vault b
B=$V
BK=$K
run dsr --db "$B" list
expect_rc 2 "another vault: no agent of its own, no key: exit 2"
unlock --db "$B" --key-file "$BK" unlock --for 10m
BSOCK=$SOCK
BPID=$APID
run dsr --db "$B" lock
check "vault b's own agent stopped" gone_within "$BPID" 5
SOCK=$(ls "$XDG_RUNTIME_DIR"/dsr/*.sock)
check "one socket left, vault a's" test "$(echo "$SOCK" | wc -l)" -eq 1
mv "$SOCK" "$BSOCK"  # vault a's agent now answers at vault b's name
run dsr --db "$B" list
expect_rc 2 "vault a's agent does not open vault b"
expect_err "another vault" "the agent said it holds another vault's key"
mv "$BSOCK" "$SOCK"
run dsr list
expect_rc 0 "vault a still opens through its agent"

# ---- lock --------------------------------------------------------------------------
run dsr lock
expect_rc 0 "lock"
expect_out "forgot its key" "lock says what happened"
check "the agent exited" gone_within "$APID" 5
check "its socket is gone" test ! -e "$SOCK"
run dsr list
expect_rc 2 "after lock, a command asks for a key (no terminal: exit 2)"
expect_err "no key given" "and says so"
run dsr lock
expect_rc 0 "lock with no agent exits 0"
expect_err "no unlock agent was running" "and says so on stderr"
run dsr -q lock
expect_rc 0 "lock -q with no agent exits 0"
check "lock -q says nothing" test -z "$ERR$OUT"

# ---- a stale socket is ignored silently; unlock replaces it ---------------------------
unlock --passphrase-file "$PW" unlock --for 10m
OLD=$APID
kill -9 "$OLD"
gone_within "$OLD" 5
check "the killed agent left its socket" test -S "$SOCK"
run dsr list
expect_rc 2 "a stale socket: no key, exit 2"
expect_no_err "agent" "a stale socket is ignored silently"
unlock --passphrase-file "$PW" unlock --for 10m
expect_rc 0 "unlock over a stale socket"
run dsr list
expect_rc 0 "the new agent answers"

# ---- unlock again replaces the agent ---------------------------------------------------
OLD=$APID
unlock --passphrase-file "$PW" unlock --for 10m
expect_rc 0 "unlock while an agent runs"
expect_out '"replaced": true' "it replaced the running agent"
check "the old agent exited" gone_within "$OLD" 5
check "the new one runs" alive "$APID"
run dsr list
expect_rc 0 "and answers"
run dsr lock

# ---- --for ends the agent by itself -----------------------------------------------------
unlock --passphrase-file "$PW" unlock --for 15s
expect_rc 0 "unlock --for 15s"
check "the agent runs at first" alive "$APID"
run dsr list
expect_rc 0 "and answers at first"
check "the agent exits by itself after 15s" gone_within "$APID" 30
check "and removes its socket" test ! -e "$SOCK"
run dsr list
expect_rc 2 "then a command asks for a key"

# ---- revocation: key remove and key passwd make the agent's key useless -----------------
unlock --passphrase-file "$PW" unlock --for 10m
run dsr list
expect_rc 0 "the agent opens the vault before the slot is removed"
run dsr --key-file "$AK" key remove pia --yes
expect_rc 0 "key remove pia"
run dsr list
expect_rc 2 "after key remove, the agent's key opens nothing (exit 2, no terminal)"
expect_err "no longer opens this vault" "a note says the agent's key is stale"
run dsr --key-file "$AK" key add pia --role admin --new-passphrase-file "$PW" --kdf interactive
expect_rc 0 "a new slot pia with the same passphrase"
run dsr list
expect_rc 2 "the agent's key does not open the new slot of the same name"
run dsr --passphrase-file "$PW" --json info
expect_out '"opened_by": "pia"' "the passphrase itself opens the new slot"
unlock --passphrase-file "$PW" unlock --for 10m
run dsr list
expect_rc 0 "unlocked again"
printf 'a changed passphrase\n' > "$TMP/pia2.txt"
run dsr --passphrase-file "$PW" key passwd --new-passphrase-file "$TMP/pia2.txt" --kdf interactive
expect_rc 0 "key passwd"
run dsr list
expect_rc 2 "after key passwd, the agent's key opens nothing"
run dsr lock

finish
