#!/usr/bin/env bash
# End-to-end: the passphrase prompt at a terminal (a pseudo-terminal here).
# A passphrase typed before the prompt appears is kept, not discarded (dsr
# used to wait forever for it); Ctrl-C at the prompt leaves echo on.
. "$(dirname "$0")/lib.sh"
new_vault p
cat > "$TMP/prompt_at_tty.py" <<'PY'
import os, pty, signal, sys, termios, time
mode, dsr, db = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execv(dsr, [dsr, "--db", db, "show", "nobody@example.com"])
def read_until(text, limit=10.0):
    got, end = b"", time.time() + limit
    while text not in got and time.time() < end:
        try:
            got += os.read(fd, 1024)
        except OSError:
            break
    return got
if mode == "typeahead":
    os.write(fd, b"not-the-passphrase\n")   # typed at once, before dsr prompts
    out = read_until(b"dsr:")
    end = time.time() + 10
    while time.time() < end:
        p, status = os.waitpid(pid, os.WNOHANG)
        if p:
            print("exit", os.waitstatus_to_exitcode(status))
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        print("hung")
else:
    read_until(b"Passphrase")
    time.sleep(0.2)
    os.kill(pid, signal.SIGINT)
    os.waitpid(pid, 0)
    attrs = termios.tcgetattr(fd)
    print("echo", "on" if attrs[3] & termios.ECHO else "off")
PY
run python3 "$TMP/prompt_at_tty.py" typeahead "$DSR_BIN" "$V"
expect_out "^exit 5$" "a passphrase typed ahead of the prompt is read (exit 5: it opens no slot), not lost"
run python3 "$TMP/prompt_at_tty.py" interrupt "$DSR_BIN" "$V"
expect_out "^echo on$" "Ctrl-C at the prompt leaves the terminal echoing"
finish
