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

class WriteTx {
 public:
  explicit WriteTx(SQLite::Database& db) : db_(db), nested_(sqlite3_get_autocommit(db.getHandle()) == 0) {
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
  }
  void commit() {
    db_.exec(nested_ ? "RELEASE " + name_ : std::string("COMMIT"));
    open_ = false;
    if (nested_) --depth();
  }

 private:
  static int& depth() {
    static thread_local int d = 0;
    return d;
  }
  SQLite::Database& db_;
  bool nested_;
  bool open_ = false;
  std::string name_;
};

}  // namespace dsr::store
