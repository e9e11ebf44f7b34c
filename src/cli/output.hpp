// Standard output through one buffer of dsr's own, which remembers the first
// write that failed and how many bytes reached the file: C stdio forgets the
// error number by the time a program asks, and batch needs to know which
// results were written whole (main.cpp, cmd_batch.cpp).
#pragma once
#include <cstdint>

namespace dsr::cli {

// Puts std::cout on the buffer (once, before anything is written).
void install_stdout();
// Flushes std::cout; false when any write to standard output failed.
bool flush_stdout();
// The errno of the first failed write (0: none), and the bytes written before it.
int stdout_error();
int64_t stdout_bytes_written();

}  // namespace dsr::cli
