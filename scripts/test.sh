#!/usr/bin/env bash
# Builds dsr and runs the whole test suite: unit tests and end-to-end tests,
# first in a normal build, then in an AddressSanitizer+UBSan build (both with
# I/O fault injection, for the fault sweep; both replay the fuzz corpora), then
# a short libFuzzer run of the harnesses that need only part of the library.
# Usage: scripts/test.sh [--fast]   (--fast skips the sanitizer build and fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
run_suite() {  # run_suite BUILD_DIR CMAKE_ARGS...
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDSR_TEST_CLOCK=ON -DDSR_BENCH=OFF "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
  (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 600)
}
run_suite build-test -DDSR_FAULT_INJECTION=ON
if [ "${1:-}" != "--fast" ]; then
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite build-asan -DDSR_SANITIZE=ON -DDSR_FAULT_INJECTION=ON
  bash scripts/fuzz.sh --ci --build build-fuzz-ci
fi
