#include "vault/fair_wait.hpp"

#include <chrono>
#include <cstdint>
#include <thread>

namespace dsr::vault {
namespace {

// When the current wait began: a connection waits on the thread that uses
// it, and one thread waits for one lock at a time.
thread_local std::chrono::steady_clock::time_point t_since;

int try_again(void* arg, int count) {
  const auto timeout = std::chrono::milliseconds(static_cast<int>(reinterpret_cast<intptr_t>(arg)));
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) t_since = now;
  if (now - t_since >= timeout) return 0;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return 1;
}

}  // namespace

void wait_in_turn(sqlite3* db, int timeout_ms) {
  if (timeout_ms <= 0) {
    sqlite3_busy_handler(db, nullptr, nullptr);
    return;
  }
  sqlite3_busy_handler(db, try_again, reinterpret_cast<void*>(static_cast<intptr_t>(timeout_ms)));
}

}  // namespace dsr::vault
