// Test-only I/O fault injection. Compiled only when CMake's
// DSR_FAULT_INJECTION option is ON (the test builds of scripts/test.sh);
// release builds have neither this code nor its hooks.
//
// Every I/O point is counted: each read, write, sync, truncate, open, rename
// and unlink that SQLite issues (through a wrapper VFS that register_vfs()
// puts between the "dsr" VFS and the OS VFS) or that dsr issues itself
// (through vault/sysio.hpp). The environment chooses one to fail:
//
//   DSR_FAULT=OP:N:ERR[:sticky][:torn]   fail the Nth OP (1-based) with ERR
//       OP   read | write | sync | truncate | open | rename | unlink | any
//       ERR  EIO | ENOSPC
//       sticky: every later OP fails as well (a disk that stays full)
//       torn: the Nth, if a write, first writes the first half of its bytes
//       (with sticky: a device that died in the middle of a write)
//   DSR_FAULT_LOG=FILE            at exit, append one line to FILE:
//       "read=12 write=30 sync=8 truncate=2 open=5 rename=1 unlink=0 total=58 fired=write#17:ENOSPC(wal)"
//       ("fired=none" when nothing failed)
//
// A run with DSR_FAULT_LOG and no DSR_FAULT counts a command's I/O points;
// tests/e2e/test_fault_sweep.sh then fails each of them in turn.
#pragma once
#include <cstdint>
#include <string>

struct sqlite3_vfs;

namespace dsr::fault {

enum class Op { read, write, sync, truncate, open, rename, unlink };
inline constexpr int kOps = 7;

// Called at every I/O point before it is made: 0 to go ahead, or the errno
// this point must fail with. `what` names the file kind for the log
// ("main", "wal", "journal", "dsr").
int at(Op op, const char* what) noexcept;
// After at() failed a write: whether to write the first half of it first
// (only for the Nth point: later ones of a sticky fault write nothing).
bool torn() noexcept;

// Wraps `base` (the OS VFS) in a counting, failing VFS, registered under the
// name "dsr-fault" (not as the default). Idempotent.
sqlite3_vfs* wrap_vfs(sqlite3_vfs* base);

// For unit tests: replaces the environment's choice ("" for none) and resets
// every counter. Throws std::invalid_argument on a malformed spec.
void configure(const std::string& spec);
struct Counts {
  uint64_t by_op[kOps] = {};
  uint64_t total = 0;
  uint64_t fired = 0;  // how many points were failed
};
Counts counts();
// The one line DSR_FAULT_LOG receives.
std::string report();

}  // namespace dsr::fault
