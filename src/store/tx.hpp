// A write transaction that takes the write lock up front (BEGIN IMMEDIATE), so
// that a second process waits for the busy timeout instead of deadlocking,
// and rolls back in its destructor unless committed.
#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

namespace dsr::store {

class WriteTx {
 public:
  explicit WriteTx(SQLite::Database& db) : tx_(db, SQLite::TransactionBehavior::IMMEDIATE) {}
  void commit() { tx_.commit(); }

 private:
  SQLite::Transaction tx_;
};

}  // namespace dsr::store
