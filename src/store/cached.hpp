// Prepared statements kept per connection for fixed SQL, for the store's hot
// paths: preparing a statement often costs more than running it.
#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace dsr::store {

// Bulk paths (a batch of registrations, a disclosure of 100,000 subjects) run
// the same few statements over and over. A statement is reset when handed out
// and again when its user is done, so it never holds a read transaction
// between uses. SQLite's close trace event (which runs before sqlite3_close
// checks for unfinalized statements) finalizes a connection's statements, so
// the connection closes as before. Nothing else in dsr sets a trace callback;
// whoever adds one must chain to on_close().
class Cached {
 public:
  Cached(SQLite::Database& db, const std::string& sql) {
    std::lock_guard<std::mutex> lock(mu());
    sqlite3* h = db.getHandle();
    auto it = pool().find(h);
    if (it == pool().end()) {
      sqlite3_trace_v2(h, SQLITE_TRACE_CLOSE, &on_close, nullptr);
      it = pool().emplace(h, Pool{}).first;
    }
    Entry& e = it->second[sql];
    if (!e.st) e.st = std::make_unique<SQLite::Statement>(db, sql);
    if (e.in_use) {  // already in use further up the stack: a statement of its own
      own_ = std::make_unique<SQLite::Statement>(db, sql);
      st_ = own_.get();
    } else {
      e.in_use = true;
      entry_ = &e;
      st_ = e.st.get();
      st_->tryReset();
      st_->clearBindings();
    }
  }
  ~Cached() {
    if (entry_) {
      st_->tryReset();
      entry_->in_use = false;
    }
  }
  Cached(const Cached&) = delete;
  Cached& operator=(const Cached&) = delete;
  SQLite::Statement& operator*() { return *st_; }
  SQLite::Statement* operator->() { return st_; }

 private:
  struct Entry {
    std::unique_ptr<SQLite::Statement> st;
    bool in_use = false;
  };
  using Pool = std::unordered_map<std::string, Entry>;
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static std::unordered_map<sqlite3*, Pool>& pool() {
    static auto* p = new std::unordered_map<sqlite3*, Pool>();  // never destroyed: connections may close at exit
    return *p;
  }
  static int on_close(unsigned type, void*, void* db, void*) {
    if (type != SQLITE_TRACE_CLOSE) return 0;
    Pool gone;
    {
      std::lock_guard<std::mutex> lock(mu());
      auto it = pool().find(static_cast<sqlite3*>(db));
      if (it == pool().end()) return 0;
      gone = std::move(it->second);
      pool().erase(it);
    }
    gone.clear();  // finalizes them, before sqlite3_close looks for unfinalized statements
    return 0;
  }

  Entry* entry_ = nullptr;
  SQLite::Statement* st_ = nullptr;
  std::unique_ptr<SQLite::Statement> own_;
};

}  // namespace dsr::store
