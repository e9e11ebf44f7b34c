// Waiting for SQLite's write lock in turn (ARCHITECTURE.md, "Locks").
#pragma once

#include <sqlite3.h>

namespace dsr::vault {

// Makes db wait for a lock by trying again every millisecond, up to
// timeout_ms, instead of SQLite's busy timeout, which sleeps longer and
// longer (up to 100 ms) and so rarely gets in between the chunks of a
// writer that commits in a loop. Replaces any busy handler or timeout.
void wait_in_turn(sqlite3* db, int timeout_ms);

}  // namespace dsr::vault
