#!/usr/bin/env python3
"""I/O fault sweep (issue 11): every command that changes the vault, with its
Nth I/O call failing, for N from 1 to the number of I/O calls it makes.

Needs a dsr built with -DDSR_FAULT_INJECTION=ON (src/vault/fault.hpp): the
environment variable DSR_FAULT=any:N:ERR fails the Nth read, write, sync,
truncate, open, rename or unlink, whether SQLite or dsr itself makes it, and
DSR_FAULT_LOG=FILE receives the counts at exit.

For each command: a reference run without a fault counts its I/O points and
gives the state after it. Then for each N (all of them with
DSR_FAULT_SWEEP=full; else a fixed sample, DSR_FAULT_SWEEP_SAMPLE points per
command, spread evenly from the first to the last), on a fresh copy of a
prepared vault, the command runs with fault N (EIO; ENOSPC for every third N)
and must (DSR_FAULT_SWEEP_TORN=1: a failed write first writes half its bytes):
  - either fail with exit 1 and a message on stderr ("dsr: ..."), or succeed;
  - leave the vault in the state before or the state after the command
    (subjects, the audit trail, key slots, the corrected subject's export),
    and exactly the state after when it succeeded;
  - leave a vault that `dsr check` and `dsr audit verify` pass;
  - leave no plaintext on disk: no marker value in any file of the folder;
  - leave no stray file (a partial backup, a rekey copy) behind.

Prints one line per command (points, swept, outcomes) and the totals.
Exit status 0 when every swept point held, 1 otherwise.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

DSR = os.path.abspath(os.environ["DSR_BIN"])
FULL = os.environ.get("DSR_FAULT_SWEEP") == "full"
SAMPLE = int(os.environ.get("DSR_FAULT_SWEEP_SAMPLE", "12"))
ONLY = os.environ.get("DSR_FAULT_SWEEP_ONLY")  # a command name, to sweep just that one
TORN = os.environ.get("DSR_FAULT_SWEEP_TORN") == "1"  # a failed write writes half its bytes first
TODAY = "2026-03-02"
LATER = "2026-06-01"  # retention runs then: 30 days after the deactivations

# Values that must never reach the disk in the clear.
MARKERS = [b"zqmarker", b"Zqmarker", b"newzq", b"Newzq", b"zqbatch", b"Zqcorrected"]

failures = []


def scratch_root():
    for base in ("/dev/shm", os.environ.get("TMPDIR", "/tmp")):
        if os.path.isdir(base) and os.access(base, os.W_OK):
            return tempfile.mkdtemp(prefix="dsr-fault.", dir=base)
    return tempfile.mkdtemp(prefix="dsr-fault.")


ROOT = scratch_root()


def env_for(folder, today=TODAY, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DSR_")}
    env.update({"DSR_DB": os.path.join(folder, "v.dsr"), "DSR_KEY_FILE": os.path.join(ROOT, "admin.key"),
                "DSR_LOCK_TIMEOUT": "5", "DSR_TODAY": today, "NO_COLOR": "1"})
    env.update(extra or {})
    return env


def dsr(folder, args, stdin=None, today=TODAY, extra=None):
    p = subprocess.run([DSR] + args, input=stdin, capture_output=True, env=env_for(folder, today, extra),
                       cwd=folder, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def must(folder, args, **kw):
    rc, out, err = dsr(folder, args, **kw)
    if rc != 0:
        sys.exit(f"fault_sweep: setup `dsr {' '.join(args)}` failed ({rc}): {err}")
    return out


def prepare():
    base = os.path.join(ROOT, "base")
    os.makedirs(base)
    env = env_for(base)
    del env["DSR_KEY_FILE"]
    p = subprocess.run([DSR, "init", "--new-key-file", os.path.join(ROOT, "admin.key"), "--name", "admin"],
                       capture_output=True, env=env, cwd=base)
    if p.returncode != 0:
        sys.exit(f"fault_sweep: init failed: {p.stderr.decode()}")
    must(base, ["register", "--email", "zqmarker@example.org", "--name", "Zqmarker Person",
                "--address", "77 Zqmarker Street", "--phone", "+14155550177", "--zip", "94110"])
    for i in range(6):
        must(base, ["register", "--email", f"p{i}@example.org", "--name", f"Person {i}",
                    "--attr", f"survey.note=note {i}"])
    for i in (1, 2):
        must(base, ["deactivate", f"p{i}@example.org", "--reason", "asked"])
    must(base, ["--yes", "retention", "set", "deactivated_subjects", "30d"])
    return base


def copy_folder(src, name):
    dst = os.path.join(ROOT, name)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst)
    return dst


# Audit entries of reads: a command that fails may have shown something first
# (delete shows what it will erase); reading is not a change of state.
READS = {"show", "list", "export", "find", "audit log", "key list", "info", "contacts", "disclosures"}


def drop_times(v):
    """Times differ from run to run: drop every *_at key, at any depth (a
    subject's values carry their own collected_at)."""
    if isinstance(v, dict):
        return {k: drop_times(x) for k, x in v.items() if not k.endswith("_at")}
    if isinstance(v, list):
        return [drop_times(x) for x in v]
    return v


def normal_ndjson(text, drop):
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        if d.get("command") in READS and d.get("outcome") == "ok":
            continue
        for k in list(d):
            if k in drop:
                d.pop(k)
        d = drop_times(d)
        if isinstance(d.get("subjects"), list):
            d["subjects"] = len(d["subjects"])
        rows.append(json.dumps(d, sort_keys=True))
    return sorted(rows)


def strip_times(x):
    if isinstance(x, dict):
        return {k: strip_times(v) for k, v in x.items() if not k.endswith("_at") and k not in ("id", "generated", "last_used", "created")}
    if isinstance(x, list):
        return [strip_times(v) for v in x]
    return x


def state(folder, cmd):
    """What the vault holds, read on a copy (reading writes audit entries)."""
    probe = copy_folder(folder, "probe")
    s = {}
    rc, out, err = dsr(probe, ["list", "--status", "all", "--format", "ndjson", "--limit", "1000"])
    s["list"] = (rc, normal_ndjson(out, ("id", "created_at")) if rc == 0 else err)
    rc, out, err = dsr(probe, ["audit", "log", "--format", "ndjson", "--limit", "1000"])
    s["audit"] = (rc, normal_ndjson(out, ("id", "at")) if rc == 0 else err)
    if cmd["name"] == "correct":
        rc, out, err = dsr(probe, ["export", "zqmarker@example.org"])
        s["export"] = (rc, strip_times(json.loads(out)) if rc == 0 else err)
    if cmd["name"] == "key-add":
        rc, out, err = dsr(probe, ["--json", "key", "list"])
        s["keys"] = (rc, strip_times(json.loads(out)) if rc == 0 else err)
    rc, out, err = dsr(probe, ["audit", "verify"])
    s["audit_verify"] = rc
    shutil.rmtree(probe, ignore_errors=True)
    return s


def fault_log(path):
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return None
    if not lines:
        return None
    return dict(kv.split("=", 1) for kv in lines[-1].split())


def plaintext_in(folder):
    found = []
    for name in os.listdir(folder):
        p = os.path.join(folder, name)
        if not os.path.isfile(p) or name.endswith(".log") or name.endswith(".ndjson"):
            continue
        with open(p, "rb") as f:
            data = f.read()
        for m in MARKERS:
            if m in data:
                found.append(f"{name} holds {m.decode()}")
    return found


BATCH = "\n".join([
    json.dumps({"op": "register", "email": "zqbatch1@example.org", "name": "Zqbatch One"}),
    json.dumps({"op": "register", "email": "zqbatch2@example.org", "name": "Zqbatch Two", "attrs": {"survey.q": "zqbatch"}}),
    json.dumps({"op": "correct", "subject": "p3@example.org", "set": {"zip": "10001"}}),
    json.dumps({"op": "delete", "subject": "p4@example.org", "reason": "asked"}),
    json.dumps({"op": "deactivate", "subject": "p5@example.org", "reason": "asked"}),
]) + "\n"

COMMANDS = [
    {"name": "register", "args": ["register", "--email", "newzq@example.org", "--name", "Newzq Person",
                                  "--phone", "+14155550199", "--attr", "survey.note=newzq"]},
    {"name": "correct", "args": ["correct", "zqmarker@example.org", "--set", "zip=10001",
                                 "--set", "address=1 Zqcorrected Road"]},
    {"name": "delete", "args": ["--yes", "delete", "zqmarker@example.org", "--reason", "asked"]},
    {"name": "batch", "args": ["--yes", "batch"], "stdin": BATCH.encode()},
    # Retention commits its erasures (with their audit entries) before it
    # records the run: a failure at that last step keeps the erasures.
    {"name": "retention-run", "args": ["retention", "run", "--yes"], "today": LATER,
     "partial": lambda s: {**s, "audit": (s["audit"][0], [r for r in s["audit"][1] if '"retention run"' not in r])
                           if isinstance(s["audit"][1], list) else s["audit"]}},
    {"name": "rekey", "args": ["--yes", "rekey"]},
    {"name": "backup", "args": ["backup", "BACKUP"], "product": "backup.dsr"},
    {"name": "key-add", "args": ["key", "add", "ops", "--role", "support", "--new-key-file", "KEYFILE"],
     "product": "ops.key"},
]


def args_for(cmd, folder):
    return [a.replace("BACKUP", os.path.join(folder, "backup.dsr")).replace("KEYFILE", os.path.join(folder, "ops.key"))
            for a in cmd["args"]]


def points_to_sweep(total):
    if FULL or total <= SAMPLE:
        return list(range(1, total + 1))
    # Spread evenly from the first to the last point: the same every run.
    return sorted({1 + (i * (total - 1)) // (SAMPLE - 1) for i in range(SAMPLE)})


def sweep(base, cmd):
    name = cmd["name"]
    today = cmd.get("today", TODAY)
    before = state(base, cmd)
    ref = copy_folder(base, "ref")
    log = os.path.join(ROOT, "ref.log")
    if os.path.exists(log):
        os.unlink(log)
    rc, out, err = dsr(ref, args_for(cmd, ref), stdin=cmd.get("stdin"), today=today, extra={"DSR_FAULT_LOG": log})
    counts = fault_log(log)
    if rc != 0 or counts is None:
        failures.append(f"{name}: the reference run failed ({rc}) or left no count (is this a DSR_FAULT_INJECTION build?): {err.strip()}")
        return None
    total = int(counts["total"])
    after = state(ref, cmd)
    if after == before:
        failures.append(f"{name}: the command changed nothing the sweep can see")
    leftovers_ref = set(os.listdir(ref))
    shutil.rmtree(ref, ignore_errors=True)

    outcome = {"ok": 0, "failed-before": 0, "failed-after": 0, "failed-partial": 0}
    partial = cmd.get("partial")
    messages = {}
    swept = points_to_sweep(total)
    if os.environ.get("DSR_FAULT_SWEEP_POINTS"):
        swept = [int(x) for x in os.environ["DSR_FAULT_SWEEP_POINTS"].split(",")]
    for n in swept:
        err_kind = "ENOSPC" if n % 3 == 0 else "EIO"
        work = copy_folder(base, "work")
        flog = os.path.join(ROOT, "fault.log")
        if os.path.exists(flog):
            os.unlink(flog)
        rc, out, err = dsr(work, args_for(cmd, work), stdin=cmd.get("stdin"), today=today,
                           extra={"DSR_FAULT": f"any:{n}:{err_kind}" + (":torn" if TORN else ""), "DSR_FAULT_LOG": flog})
        fl = fault_log(flog) or {}
        where = f"{name} fault {n}/{total} {fl.get('fired', '?')}"
        problems = []
        if rc < 0 or rc >= 128:
            problems.append(f"killed by a signal or crashed (rc {rc}): {err.strip()[-400:]}")
        elif rc != 0:
            msg = err.strip().splitlines()[-1] if err.strip() else ""
            if not re.match(r"^dsr: .{10,}", msg):
                problems.append(f"exit {rc} without a clear message on stderr: {err.strip()[:300]!r}")
            if rc != 1:
                problems.append(f"an I/O error exits {rc}, not 1 (failure): {msg}")
            messages[msg[:90]] = messages.get(msg[:90], 0) + 1
        if fl.get("fired", "none") == "none":
            problems.append("the fault did not fire (the command's I/O is not deterministic?)")
        s = state(work, cmd)
        if rc == 0:
            if s != after:
                diff = [k for k in s if s[k] != after.get(k)]
                problems.append(f"succeeded, but the vault does not hold the state after the command (differs in {diff})")
                if os.environ.get("DSR_FAULT_SWEEP_VERBOSE"):
                    for k in diff:
                        a, b = after.get(k), s[k]
                        if isinstance(a, tuple) and isinstance(a[1], list) and isinstance(b[1], list):
                            print(f"  {k} only after: {sorted(set(a[1]) - set(b[1]))}\n  {k} only found: {sorted(set(b[1]) - set(a[1]))}", file=sys.stderr)
                        else:
                            print(f"  {k} after:  {a}\n  {k} found: {b}", file=sys.stderr)
            else:
                outcome["ok"] += 1
        elif s == before:
            outcome["failed-before"] += 1
        elif s == after:
            outcome["failed-after"] += 1
        elif partial and partial(s) == partial(after):
            outcome["failed-partial"] += 1
        else:
            diff = [k for k in s if s[k] != before.get(k) and s[k] != after.get(k)]
            problems.append(f"failed, and the vault holds neither the state before nor after (differs in {diff})")
            if os.environ.get("DSR_FAULT_SWEEP_VERBOSE"):
                print(f"  {where}: stderr: {err.strip()}", file=sys.stderr)
                for k in diff:
                    a, b = before.get(k), s[k]
                    if isinstance(a, tuple) and isinstance(a[1], list) and isinstance(b[1], list):
                        print(f"  {k} only before: {sorted(set(a[1]) - set(b[1]))}\n  {k} only found: {sorted(set(b[1]) - set(a[1]))}", file=sys.stderr)
                    else:
                        print(f"  {k} before: {a}\n  {k} after: {after.get(k)}\n  {k} found: {b}", file=sys.stderr)
        if s.get("audit_verify") != 0:
            problems.append(f"`dsr audit verify` fails afterwards (exit {s.get('audit_verify')})")
        crc, cout, cerr = dsr(work, ["check"])
        if crc != 0:
            problems.append(f"`dsr check` fails afterwards ({crc}): {(cerr or cout).strip()[:300]}")
        problems += plaintext_in(work)
        products = {p for p in [cmd.get("product")] if p}
        stray = sorted(set(os.listdir(work)) - leftovers_ref - {"fault.log"} - (products if rc == 0 else set()))
        stray = [f for f in stray if f not in ("v.dsr-shm", "v.dsr-wal")]
        if rc != 0 and cmd.get("product") in os.listdir(work):
            stray.append(cmd["product"] + " (the command failed)")
        if stray:
            problems.append(f"left behind: {stray}")
        for p in problems:
            failures.append(f"{where}: {p}")
        shutil.rmtree(work, ignore_errors=True)
    print(f"{name:14s} {total:4d} I/O points ({counts['read']} read, {counts['write']} write, {counts['sync']} sync, "
          f"{counts['truncate']} truncate, {counts['open']} open, {counts['rename']} rename, {counts['unlink']} unlink); "
          f"swept {len(swept)}: {outcome['ok']} ok, {outcome['failed-before']} failed (before), "
          f"{outcome['failed-after']} failed (after)"
          + (f", {outcome['failed-partial']} failed (erasures kept, run not recorded)" if partial else ""), flush=True)
    for m, k in sorted(messages.items(), key=lambda kv: -kv[1])[:4]:
        print(f"{'':14s}   {k:3d}x {m}")
    return total, len(swept)


def main():
    base = prepare()
    total_points = total_swept = 0
    for cmd in COMMANDS:
        if ONLY and cmd["name"] != ONLY:
            continue
        r = sweep(base, cmd)
        if r:
            total_points += r[0]
            total_swept += r[1]
    mode = "every point" if FULL else f"a sample of up to {SAMPLE} points per command (DSR_FAULT_SWEEP=full for all)"
    if TORN:
        mode += ", failed writes torn (half written)"
    print(f"total: {total_points} I/O points in {len(COMMANDS) if not ONLY else 1} commands; {total_swept} swept ({mode})")
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    shutil.rmtree(ROOT, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)
