// A write transaction. At the outermost level it takes the write lock up front
// (BEGIN IMMEDIATE), so a second process waits for the busy timeout instead of
// failing on a lock upgrade; inside another transaction (a batch) it is a
// savepoint, so one failed operation rolls back alone. Rolls back in its
// destructor unless committed.
#pragma once
#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <string>

namespace dsr::store {

// How hard a commit must try to survive a power cut. `relaxed` is for
// transactions that only append audit entries of reads: their commit skips the
// WAL fsync; the checkpoint that ends every command syncs them all the same.
enum class Durability { full, relaxed };

class WriteTx {
 public:
  explicit WriteTx(SQLite::Database& db, Durability d = Durability::full)
      : db_(db), nested_(sqlite3_get_autocommit(db.getHandle()) == 0),
        relaxed_(!nested_ && d == Durability::relaxed) {
    if (relaxed_) db_.exec("PRAGMA synchronous=NORMAL");
    if (nested_) {
      name_ = "dsr_sp" + std::to_string(++depth());
      db_.exec("SAVEPOINT " + name_);
    } else {
      db_.exec("BEGIN IMMEDIATE");
    }
    open_ = true;
  }
  WriteTx(const WriteTx&) = delete;
  WriteTx& operator=(const WriteTx&) = delete;
  ~WriteTx() {
    if (!open_) return;
    try {
      if (nested_) db_.exec("ROLLBACK TO " + name_ + "; RELEASE " + name_);
      else db_.exec("ROLLBACK");
    } catch (...) {
    }
    if (nested_) --depth();
    restore();
  }
  void commit() {
    db_.exec(nested_ ? "RELEASE " + name_ : std::string("COMMIT"));
    open_ = false;
    if (nested_) --depth();
    restore();
  }

 private:
  static int& depth() {
    static thread_local int d = 0;
    return d;
  }
  void restore() noexcept {
    if (!relaxed_) return;
    relaxed_ = false;
    try {
      db_.exec("PRAGMA synchronous=FULL");
    } catch (...) {
    }
  }
  SQLite::Database& db_;
  bool nested_;
  bool relaxed_;
  bool open_ = false;
  std::string name_;
};

}  // namespace dsr::store
