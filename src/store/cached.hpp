// A prepared statement for fixed SQL, leased from the connection's
// StatementCache (store/statement_cache.hpp) when it has one: reset and with
// its bindings cleared when handed out, reset again when its user is done, so
// it never holds a read snapshot between uses. A statement already leased
// further up the stack, or a connection with no cache, gets a statement of its
// own. Store-internal: the layers above never see SQLite.
#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <string>

namespace dsr::store {

class Cached {
 public:
  Cached(SQLite::Database& db, const std::string& sql);
  ~Cached();
  Cached(const Cached&) = delete;
  Cached& operator=(const Cached&) = delete;
  SQLite::Statement& operator*() { return *st_; }
  SQLite::Statement* operator->() { return st_; }

  struct Entry {
    std::unique_ptr<SQLite::Statement> st;
    bool in_use = false;
  };

 private:
  Entry* entry_ = nullptr;
  SQLite::Statement* st_ = nullptr;
  std::unique_ptr<SQLite::Statement> own_;
};

}  // namespace dsr::store
