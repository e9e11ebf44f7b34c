#!/usr/bin/env bash
# The I/O fault sweep (fault_sweep.py), registered by tests/CMakeLists.txt only
# in builds with -DDSR_FAULT_INJECTION=ON. DSR_FAULT_SWEEP=full sweeps every
# point; DSR_FAULT_SWEEP_SAMPLE=N sets the sample per command (default 12).
set -u
: "${DSR_BIN:?DSR_BIN must point at the dsr binary}"
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3  # a pyenv shim first on PATH is slow
exec "$py" "$(dirname "$0")/fault_sweep.py"
