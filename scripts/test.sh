#!/usr/bin/env bash
# Builds dsr and runs the whole test suite. CI's run (the default) is one
# AddressSanitizer + UBSan build with warnings as errors and I/O fault
# injection, running every test: CI must finish in 20 minutes on 2 cores, and
# each further build costs about 6 of them (bench/RESULTS.md, "CI time").
# Usage: scripts/test.sh [--full]   (--full: also the normal build, TSan and libFuzzer)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
configure() {  # configure BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  # -O1 -g1: the test builds compile in about 60% of the time of -O2 -g
  # (measured on src/domain and tests/unit files), with line tables enough
  # for the sanitizers' stack traces. Unity batches of 8 files compile the
  # shared headers (CLI11, nlohmann/json) once per batch: the ASan build took
  # 715 s of wall time without them and 324 s with them on 2 cores. -no-pie:
  # an ASan binary has 1.5 million relative relocations, and resolving them
  # took half of every test process's start (0.35 s, 0.20 s without): the
  # suites link so (not TSan, which wants PIE). These are test builds; the
  # demo and the package build Release, PIE (scripts/demo.sh).
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=8 \
    -DDSR_TEST_CLOCK=ON -DDSR_BENCH=OFF "$@" >/dev/null
}
run_suite() {  # run_suite BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  configure "$dir" "$@"
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600)
}
if [ "${1:-}" = "--full" ]; then
  # Everything, as before a release (about three times CI's time on 2 cores):
  # the normal build (-O2 flow warnings as errors) and its suite, then the
  # ThreadSanitizer pass over the read-ahead and checkpoint threads' tests, then a short
  # libFuzzer run of every light harness (FUZZING.md).
  run_suite build-test -DDSR_WERROR=ON -DDSR_FAULT_INJECTION=ON -DCMAKE_EXE_LINKER_FLAGS=-no-pie
  configure build-tsan -DDSR_TSAN=ON
  cmake --build build-tsan -j"$jobs" --target dsr_unit
  (cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest -j"$jobs" --output-on-failure --timeout 600 -R '^(batch|bulk registration|prefetch|store: a bulk run)')
  bash scripts/fuzz.sh --ci --build build-fuzz-ci
fi
# What CI runs (.ci/run): one build with AddressSanitizer (leak detection on)
# and UBSan, warnings as errors and I/O fault injection, and the whole suite
# in it: unit and end-to-end tests, the fault sweep, the layer probes and
# every fuzz harness replayed over its corpus and regressions.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan -DDSR_SANITIZE=ON -DDSR_WERROR=ON -DDSR_FAULT_INJECTION=ON -DCMAKE_EXE_LINKER_FLAGS=-no-pie
