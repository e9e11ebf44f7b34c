#include "store/tx.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

namespace dsr::store {
namespace {
int& depth() {
  static thread_local int d = 0;
  return d;
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
