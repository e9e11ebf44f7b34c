// Write transactions, and what the layers above may ask of the connection's
// transaction state without seeing SQLite.
//
// A WriteTx at the outermost level takes the write lock up front (BEGIN
// IMMEDIATE), so a second process waits for the busy timeout instead of
// failing on a lock upgrade; inside another transaction (a batch) it is a
// savepoint, so one failed operation rolls back alone. Rolls back in its
// destructor unless committed. Thread safety: the connection's thread only.
#pragma once

#include <chrono>
#include <exception>
#include <string>

namespace SQLite { class Database; }

namespace dsr::store {

// How hard a commit must try to survive a power cut. `relaxed` is for
// transactions that only append audit entries of reads: their commit skips the
// WAL fsync; the checkpoint that ends every command syncs them all the same.
enum class Durability { full, relaxed };

class WriteTx {
 public:
  explicit WriteTx(SQLite::Database& db, Durability d = Durability::full);
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;
  ~WriteTx();
  void commit();

 private:
  void restore() noexcept;
  SQLite::Database& db_;
  std::chrono::steady_clock::time_point began_{};  // when BEGIN IMMEDIATE got the lock
  bool nested_;
  bool relaxed_;
  bool open_ = false;
  std::string name_;
};

// True while a transaction is open on the connection (SQLite rolls the whole
// of one back by itself on some errors: disk full, I/O).
bool in_transaction(SQLite::Database& db);
// Whether the connection was opened read only.
bool read_only(SQLite::Database& db);
// Resets every statement of the connection left part-way through its rows.
// Such a statement keeps a read snapshot open, and while it does no checkpoint
// can copy the WAL back: in a long run the WAL would grow without end. Call it
// only between operations, when no statement is in use.
void release_stale_reads(SQLite::Database& db);
// True when `e` is SQLite's refusal of a row that breaks a UNIQUE index.
bool is_unique_violation(const std::exception& e);

}  // namespace dsr::store
