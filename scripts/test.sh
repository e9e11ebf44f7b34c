#!/usr/bin/env bash
# Builds dsr and runs the whole test suite: unit tests and end-to-end tests in
# a normal build with warnings as errors and I/O fault injection (the fault
# sweep; the fuzz corpora replayed), then in an AddressSanitizer (leak
# detection on) + UBSan build, then the tests of the read-ahead thread under
# ThreadSanitizer, then a short libFuzzer run of the light harnesses.
# The sanitizer builds show warnings without failing on them: GCC's
# flow-based warnings differ with instrumentation, and the normal build judges.
# Usage: scripts/test.sh [--fast]   (--fast: the normal build only)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
configure() {  # configure BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  # -O1 -g1: the test builds compile in about 60% of the time of -O2 -g
  # (measured on src/domain and tests/unit files), with line tables enough
  # for the sanitizers' stack traces. The demo builds Release (scripts/demo.sh).
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DDSR_TEST_CLOCK=ON -DDSR_BENCH=OFF "$@" >/dev/null
}
run_suite() {  # run_suite BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  configure "$dir" "$@"
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600)
}
run_suite build-test -DDSR_WERROR=ON -DDSR_FAULT_INJECTION=ON
if [ "${1:-}" != "--fast" ]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DDSR_SANITIZE=ON -DDSR_FAULT_INJECTION=ON
  # ThreadSanitizer: only the unit tests, only those that run the read-ahead thread.
  configure build-tsan -DDSR_TSAN=ON
  cmake --build build-tsan -j"$jobs" --target dsr_unit
  (cd build-tsan && TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    ctest -j"$jobs" --output-on-failure --timeout 600 -R '^(batch|bulk registration|prefetch)')
  bash scripts/fuzz.sh --ci --build build-fuzz-ci
fi
