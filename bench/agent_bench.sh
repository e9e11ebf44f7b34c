#!/usr/bin/env bash
# agent_bench: `dsr show EMAIL` as a whole process through the unlock agent
# (a passphrase slot, Argon2id moderate, unlocked once), with a key-file
# slot, and `sqlite3 plain.db` running the same indexed SELECT on a plain
# table of the same rows: runs interleaved, medians and ratios from the same
# run. One passphrase-slot `show` (Argon2id every time) for reference.
# Not a test: it prints the figures recorded in bench/RESULTS.md.
#
#   bench/agent_bench.sh [N] [RUNS]   N subjects (default 1000000), RUNS per command (default 30)
#   DSR=PATH                          the dsr binary (default build-bench-batch/dsr, built Release if missing)
#   BENCH_DIR=DIR                     where the data and vaults go (default bench/out/agent)
set -euo pipefail
N=${1:-1000000}
RUNS=${2:-30}
SRC=$(cd "$(dirname "$0")/.." && pwd)
DIR=${BENCH_DIR:-$SRC/bench/out/agent}
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )
mkdir -p "$DIR"
if [ -z "${DSR:-}" ]; then
  BUILD=$SRC/build-bench-batch
  if [ ! -x "$BUILD/dsr" ]; then
    { cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDSR_TESTING=OFF -DDSR_BENCH=OFF &&
      cmake --build "$BUILD" -j"$(nproc)" --target dsr; } >"$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; exit 1; }
  fi
  DSR=$BUILD/dsr
fi
unset DSR_DB DSR_KEY_FILE DSR_PASSPHRASE_FILE DSR_PASSPHRASE_COMMAND CREDENTIALS_DIRECTORY
export XDG_RUNTIME_DIR=$DIR/run
mkdir -p -m 700 "$XDG_RUNTIME_DIR"
V=$DIR/agent.dsr
trap '"$DSR" --db "$V" -q lock >/dev/null 2>&1 || true' EXIT

if [ ! -s "$DIR/rows.$N.ndjson" ]; then
  "$PY" - "$N" "$DIR/rows.$N.ndjson" "$DIR/rows.$N.csv" <<'PY'
import json, sys
n, nd, cs = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open(nd, "w") as f, open(cs, "w") as c:
    c.write("email,name,username\n")
    for i in range(n):
        e, name, u = f"user{i}@example.com", f"User Number {i}", f"user{i}"
        f.write(json.dumps({"op": "register", "email": e, "name": name, "username": u}) + "\n")
        c.write(f"{e},{name},{u}\n")
PY
fi
if [ ! -s "$V" ] || [ "$(cat "$DIR/n" 2>/dev/null)" != "$N" ]; then
  rm -f "$V" "$V"-* "$DIR"/*.key "$DIR"/plain.db* "$DIR/pw"
  "$DSR" --db "$V" init --new-key-file "$DIR/admin.key" --name bench >/dev/null 2>&1
  printf 'bench passphrase\n' > "$DIR/pw"
  chmod 600 "$DIR/pw"
  "$DSR" --db "$V" --key-file "$DIR/admin.key" key add pia --role admin --new-passphrase-file "$DIR/pw" --kdf moderate >/dev/null
  t0=$(date +%s)
  "$DSR" --db "$V" --key-file "$DIR/admin.key" -q batch "$DIR/rows.$N.ndjson" >/dev/null
  echo "agent_bench: registered $N subjects in $(( $(date +%s) - t0 )) s"
  sqlite3 "$DIR/plain.db" "CREATE TABLE subjects(id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT, username TEXT UNIQUE)"
  sqlite3 "$DIR/plain.db" -cmd ".mode csv" ".import $DIR/rows.$N.csv subjects_in" \
    "INSERT INTO subjects(email, name, username) SELECT * FROM subjects_in; DROP TABLE subjects_in; VACUUM"
  echo "$N" > "$DIR/n"
fi
"$DSR" --db "$V" --passphrase-file "$DIR/pw" -q unlock --for 30m >/dev/null

echo "agent_bench: N=$N, $RUNS runs each, nproc=$(nproc), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "dsr: $DSR; vault $(du -m "$V" | cut -f1) MiB, plain table $(du -m "$DIR/plain.db" | cut -f1) MiB"
"$PY" - "$DSR" "$V" "$DIR" "$N" "$RUNS" <<'PY'
import os, random, statistics, subprocess, sys, time
dsr, vault, d, n, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
env = dict(os.environ)
def timed(cmd):
    t = time.perf_counter()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    ms = (time.perf_counter() - t) * 1000
    if r.returncode != 0 or b"example.com" not in r.stdout:
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}: {r.stderr.decode()[:300]}")
    return ms
cmds = {
    "show, through the agent": lambda e: [dsr, "--db", vault, "show", e],
    "show, key-file slot": lambda e: [dsr, "--db", vault, "--key-file", f"{d}/admin.key", "show", e],
    "sqlite3 indexed SELECT": lambda e: ["sqlite3", "-batch", "-bail", "-init", "/dev/null", f"{d}/plain.db",
                                         f"SELECT * FROM subjects WHERE email = '{e}'"],
}
times = {k: [] for k in cmds}
rng = random.Random(5)
for name, make in cmds.items():  # warm the page cache of both files
    timed(make("user0@example.com"))
for i in range(runs):
    e = f"user{rng.randrange(n)}@example.com"
    for name, make in cmds.items():
        times[name].append(timed(make(e)))
pw = [timed([dsr, "--db", vault, "--passphrase-file", f"{d}/pw", "show", f"user{rng.randrange(n)}@example.com"]) for _ in range(3)]
base = statistics.median(times["sqlite3 indexed SELECT"])
def q(v, p): return sorted(v)[max(0, min(len(v) - 1, round(p * (len(v) - 1))))]
print(f"| whole process | median | p10 | p90 | / sqlite3 |")
print(f"|---|---|---|---|---|")
for name, v in times.items():
    m = statistics.median(v)
    print(f"| {name} | {m:.2f} ms | {q(v, .1):.2f} | {q(v, .9):.2f} | {m / base:.2f}x |")
m = statistics.median(pw)
print(f"| show, passphrase slot (Argon2id moderate each time; 3 runs) | {m:.0f} ms | | | {m / base:.0f}x |")
PY
