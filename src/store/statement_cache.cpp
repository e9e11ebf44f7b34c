#include "store/statement_cache.hpp"

#include <mutex>
#include <unordered_map>

#include "store/cached.hpp"

namespace dsr::store {

struct StatementCache::Impl {
  SQLite::Database& db;
  std::unordered_map<std::string, Cached::Entry> entries;
};

namespace {

// Which connection has which cache. Looked up once a statement; the lock is
// uncontended but for tests that open vaults on several threads.
std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}
std::unordered_map<const SQLite::Database*, StatementCache::Impl*>& registry() {
  static auto* r = new std::unordered_map<const SQLite::Database*, StatementCache::Impl*>();  // outlives every cache
  return *r;
}

StatementCache::Impl* cache_of(const SQLite::Database& db) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(&db);
  return it == registry().end() ? nullptr : it->second;
}

}  // namespace

StatementCache::StatementCache(SQLite::Database& db) : impl_(std::make_unique<Impl>(Impl{db, {}})) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  registry()[&db] = impl_.get();
}

StatementCache::~StatementCache() {
  std::lock_guard<std::mutex> lock(registry_mutex());
  auto it = registry().find(&impl_->db);
  if (it != registry().end() && it->second == impl_.get()) registry().erase(it);
}

Cached::Cached(SQLite::Database& db, const std::string& sql) {
  if (StatementCache::Impl* cache = cache_of(db)) {
    Entry& e = cache->entries[sql];
    if (!e.st) e.st = std::make_unique<SQLite::Statement>(db, sql);
    if (!e.in_use) {
      e.in_use = true;
      entry_ = &e;
      st_ = e.st.get();
      st_->tryReset();
      st_->clearBindings();
      return;
    }
  }
  own_ = std::make_unique<SQLite::Statement>(db, sql);
  st_ = own_.get();
}

Cached::~Cached() {
  if (entry_) {
    st_->tryReset();
    entry_->in_use = false;
  }
}

}  // namespace dsr::store
