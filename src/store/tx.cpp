#include "store/tx.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

namespace dsr::store {
namespace {
int& depth() {
  static thread_local int d = 0;
  return d;
}

// Taking turns (ARCHITECTURE.md, "Locks"). SQLite hands its write lock to no
// one in order: a bulk run that commits chunk after chunk takes it again
// within microseconds, and a command waiting behind it (a read of personal
// data waits too: its audit entry is a write) waited up to its timeout and
// exited 75. So a process that has held the lock for kTurn since it last
// stepped aside sleeps kAside after its commit; waiters try every
// millisecond (vault/fair_wait.hpp) and get in. A lone command never holds
// it that long; a bulk run loses at most kAside per kTurn (4%).
constexpr auto kTurn = std::chrono::milliseconds(50);
constexpr auto kAside = std::chrono::milliseconds(2);
thread_local std::chrono::steady_clock::duration t_held{};

void step_aside_if_due(std::chrono::steady_clock::time_point began) {
  t_held += std::chrono::steady_clock::now() - began;
  if (t_held < kTurn) return;
  t_held = {};
  std::this_thread::sleep_for(kAside);
}
}  // namespace

WriteTx::WriteTx(SQLite::Database& db, Durability d)
    : db_(db), nested_(in_transaction(db)), relaxed_(!nested_ && d == Durability::relaxed) {
  if (relaxed_) db_.exec("PRAGMA synchronous=NORMAL");
  if (nested_) {
    name_ = "dsr_sp" + std::to_string(++depth());
    db_.exec("SAVEPOINT " + name_);
  } else {
    db_.exec("BEGIN IMMEDIATE");
    began_ = std::chrono::steady_clock::now();
  }
  open_ = true;
}

WriteTx::~WriteTx() {
  if (!open_) return;
  try {
    if (nested_) db_.exec("ROLLBACK TO " + name_ + "; RELEASE " + name_);
    else db_.exec("ROLLBACK");
  } catch (...) {
  }
  if (nested_) --depth();
  restore();
}

void WriteTx::commit() {
  db_.exec(nested_ ? "RELEASE " + name_ : std::string("COMMIT"));
  open_ = false;
  if (nested_) --depth();
  restore();
  if (!nested_) step_aside_if_due(began_);
}

void WriteTx::restore() noexcept {
  if (!relaxed_) return;
  relaxed_ = false;
  try {
    db_.exec("PRAGMA synchronous=FULL");
  } catch (...) {
  }
}

bool in_transaction(SQLite::Database& db) { return sqlite3_get_autocommit(db.getHandle()) == 0; }
bool read_only(SQLite::Database& db) { return sqlite3_db_readonly(db.getHandle(), "main") == 1; }

void release_stale_reads(SQLite::Database& db) {
  sqlite3* h = db.getHandle();
  for (sqlite3_stmt* st = sqlite3_next_stmt(h, nullptr); st; st = sqlite3_next_stmt(h, st))
    if (sqlite3_stmt_busy(st)) sqlite3_reset(st);
}

bool is_unique_violation(const std::exception& e) {
  auto* se = dynamic_cast<const SQLite::Exception*>(&e);
  return se && se->getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE;
}

}  // namespace dsr::store
