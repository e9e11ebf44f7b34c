#!/usr/bin/env bash
# batch_bench: bulk work as scripts and cron do it, timed with /usr/bin/time -v.
#   1. `dsr batch` registering N subjects from NDJSON,
#   2. `dsr import` registering the same N subjects from CSV (a second vault),
#   3. the sqlite3 CLI loading the same rows into a plain table (the baseline),
#   4. `retention run` erasing the tenth of the subjects deactivated 2+ years ago.
# Not a test: it prints the figures recorded in bench/RESULTS.md.
#
#   bench/batch_bench.sh [N]        N subjects (default 1000000)
#   BENCH_DIR=DIR                   where the data and vaults go (default bench/out/batch)
#   BENCH_DSR=PATH                  time this dsr (a Release build) instead of building one
#   BENCH_RETENTION=0               skip steps 4 (deactivate, retention run); needed when
#                                   BENCH_DSR was built without the test clock
#
# Builds Release in its own directory (build-bench-batch), with the test clock
# so that retention can be run "two years later" (DSR_TODAY); the clock does
# not change the code that is timed. With BENCH_DSR it builds nothing.
set -euo pipefail
N=${1:-1000000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$SRC/build-bench-batch}
DIR=${BENCH_DIR:-$SRC/bench/out/batch}
PY=$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || command -v python3 )

RETENTION=${BENCH_RETENTION:-1}

mkdir -p "$DIR"
if [ -n "${BENCH_DSR:-}" ]; then
  DSR=$BENCH_DSR
else
  { cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DDSR_TEST_CLOCK=ON -DDSR_TESTING=OFF -DDSR_BENCH=OFF &&
    cmake --build "$BUILD" -j"$(nproc)" --target dsr; } >"$DIR/build.log" 2>&1 || { tail -20 "$DIR/build.log"; exit 1; }
  DSR=$BUILD/dsr
fi
rm -f "$DIR"/*.dsr "$DIR"/*.dsr-* "$DIR"/*.key "$DIR"/plain.db*
unset DSR_DB DSR_KEY_FILE DSR_PASSPHRASE_FILE DSR_TODAY

# The same N registrations (what the policy's Registration section collects:
# name, email, a unique identifier, a service of interest) as NDJSON and CSV.
if [ ! -s "$DIR/rows.$N.csv" ]; then
  "$PY" - "$N" "$DIR/rows.$N.ndjson" "$DIR/rows.$N.csv" <<'PY'
import json, sys
n, nd, cs = int(sys.argv[1]), sys.argv[2], sys.argv[3]
services = ["news", "deals", "support", "events"]
with open(nd, "w") as f, open(cs, "w") as c:
    c.write("email,name,username,interests\n")
    for i in range(n):
        e, name, u, s = f"user{i}@example.com", f"User Number {i}", f"user{i}", services[i % 4]
        f.write(json.dumps({"op": "register", "email": e, "name": name, "username": u, "interests": [s]}) + "\n")
        c.write(f"{e},{name},{u},{s}\n")
PY
fi

# measure LABEL CMD...: runs it under /usr/bin/time -v; sets WALL, CPU (user+sys), RSS_MB.
measure() {
  local label=$1; shift
  /usr/bin/time -v "$@" 2>"$DIR/time.$label" >"$DIR/out.$label" || { echo "$label failed:"; tail -5 "$DIR/time.$label"; exit 1; }
  WALL=$(awk -F': ' '/Elapsed/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$DIR/time.$label")
  CPU=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u+s}' "$DIR/time.$label")
  RSS_MB=$(awk -F': ' '/Maximum resident/ {printf "%.1f", $2/1024}' "$DIR/time.$label")
}
rate() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f", (t > 0 ? n / t : 0) }'; }
report() {  # report LABEL COUNT
  printf '%-28s %9s rows  %8.2f s wall  %7.0f rows/s  | %8.2f s cpu  %7.0f rows/s  | peak RSS %6s MiB | load %s\n' \
    "$1" "$2" "$WALL" "$(rate "$2" "$WALL")" "$CPU" "$(rate "$2" "$CPU")" "$RSS_MB" "$(cut -d' ' -f1 /proc/loadavg)"
}

echo "batch_bench: N=$N, nproc=$(nproc), $(date -u +%Y-%m-%dT%H:%MZ), load average $(cut -d' ' -f1-3 /proc/loadavg), dsr $DSR"

"$PY" -c 'pass'  # warm the interpreter cache
measure sqlite3 sqlite3 "$DIR/plain.db" -cmd ".mode csv" ".import $DIR/rows.$N.csv people"
report "sqlite3 .import (baseline)" "$N"
BASE_WALL=$WALL BASE_CPU=$CPU

"$DSR" --db "$DIR/batch.dsr" init --new-key-file "$DIR/batch.key" --name bench >/dev/null 2>&1
measure batch "$DSR" --db "$DIR/batch.dsr" --key-file "$DIR/batch.key" -q batch "$DIR/rows.$N.ndjson"
report "dsr batch (NDJSON)" "$N"
ok=$(grep -c '"ok":true' "$DIR/out.batch" || true)
[ "$ok" -eq "$N" ] || { echo "batch: only $ok of $N lines ok"; exit 1; }
echo "  ratio to sqlite3: $(awk -v a="$WALL" -v b="$BASE_WALL" 'BEGIN{printf "%.1f", a/b}')x the wall time, $(awk -v a="$CPU" -v b="$BASE_CPU" 'BEGIN{printf "%.1f", a/b}')x the CPU time"

"$DSR" --db "$DIR/import.dsr" init --new-key-file "$DIR/import.key" --name bench >/dev/null 2>&1
measure import "$DSR" --db "$DIR/import.dsr" --key-file "$DIR/import.key" -q import "$DIR/rows.$N.csv"
report "dsr import (CSV)" "$N"
echo "  ratio to sqlite3: $(awk -v a="$WALL" -v b="$BASE_WALL" 'BEGIN{printf "%.1f", a/b}')x the wall time, $(awk -v a="$CPU" -v b="$BASE_CPU" 'BEGIN{printf "%.1f", a/b}')x the CPU time"
echo "  vault size: $(du -m "$DIR/import.dsr" | cut -f1) MiB; plain table: $(du -m "$DIR/plain.db" | cut -f1) MiB"

if [ "$RETENTION" = 0 ]; then
  echo "retention skipped (BENCH_RETENTION=0); load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

# Retention: a tenth of the subjects deactivated on 2026-01-01, run on 2028-06-01 (rule: 2y).
M=$((N / 10))
awk -v m="$M" 'BEGIN { for (i = 0; i < m; i++) printf "{\"op\":\"deactivate\",\"subject\":\"user%d@example.com\",\"reason\":\"bench\"}\n", i * 10 }' \
  > "$DIR/deactivate.ndjson"
measure deactivate env DSR_TODAY=2026-01-01 "$DSR" --db "$DIR/import.dsr" --key-file "$DIR/import.key" -q batch "$DIR/deactivate.ndjson"
report "dsr batch (deactivate)" "$M"
measure retention env DSR_TODAY=2028-06-01 "$DSR" --db "$DIR/import.dsr" --key-file "$DIR/import.key" --json retention run --yes
report "dsr retention run (erase)" "$M"
erased=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rules"][0]["removed"])' "$DIR/out.retention")
[ "$erased" -eq "$M" ] || { echo "retention erased $erased, expected $M"; exit 1; }
echo "  erased $erased of $N subjects in $WALL s (target: under 10 s for 100,000)"
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
