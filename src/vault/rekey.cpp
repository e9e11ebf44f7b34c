// dsr rekey and key remove: a new data key, every page re-encrypted into a copy
// that replaces the vault file in one rename. The new key is sealed to every
// remaining slot's public key, so no slot's secret is needed, and a removed
// slot never sees it.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "util/fd.hpp"
#include "vault/fair_wait.hpp"
#include "vault/file_copy.hpp"
#include "vault/header_io.hpp"
#include "vault/vault_impl.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr {
namespace {

// Takes the write lock on `locker` at a moment when the WAL holds no frame:
// everything committed is then in the main file (which the copy reads), and
// nothing can be committed to the WAL (which the new file inherits) until the
// lock is released. Writers keep committing while we wait: retry until the
// lock timeout.
// SQLite's own busy handler sleeps longer and longer; against a writer that
// commits in a loop it would rarely get in. Poll every millisecond instead.
struct Polling {
  std::chrono::steady_clock::time_point until;
  static int wait(void* self, int) {
    if (std::chrono::steady_clock::now() > static_cast<Polling*>(self)->until) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return 1;
  }
};

void lock_with_empty_wal(SQLite::Database& worker, SQLite::Database& locker, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  Polling polling{deadline};
  sqlite3_busy_handler(worker.getHandle(), Polling::wait, &polling);
  sqlite3_busy_handler(locker.getHandle(), Polling::wait, &polling);
  struct Restore {  // the copy and the rest wait as any connection does
    SQLite::Database &a, &b;
    int ms;
    ~Restore() {
      vault::wait_in_turn(a.getHandle(), ms);
      vault::wait_in_turn(b.getHandle(), ms);
    }
  } restore{worker, locker, timeout_ms};
  for (;;) {
    int frames = -1, copied = -1;
    // Waits (busy handler) for readers and writers to finish; may fall short.
    sqlite3_wal_checkpoint_v2(worker.getHandle(), "main", SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied);
    locker.exec("BEGIN IMMEDIATE");  // busy past the lock timeout: ErrorKind::locked
    int rc = sqlite3_wal_checkpoint_v2(worker.getHandle(), "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied);
    if (rc == SQLITE_OK && frames == 0) return;
    locker.exec("ROLLBACK");
    if (std::chrono::steady_clock::now() > deadline)
      fail(ErrorKind::locked, "other processes keep writing to the vault and rekey needs a moment without "
                              "them: retry later (or raise --lock-timeout)");
  }
}

void release(SQLite::Database& locker) noexcept {
  try {
    locker.exec("ROLLBACK");  // nothing was written through it: this only drops the lock
  } catch (...) {
  }
}

}  // namespace

Vault::RekeyReport Vault::rekey(const ProgressFn& progress, const std::string& remove) {
  Impl& im = *impl_;
  if (!im.db) fail(ErrorKind::failure, "the vault is closed");
  if (im.options.read_only) fail(ErrorKind::usage, "the vault was opened read-only; it cannot be rekeyed");
  if (im.keys.admin_sk.empty())
    fail(ErrorKind::refused, "a rekey or a slot's removal needs an admin slot that holds the vault's admin signing "
                             "key; slot '" + im.slot_name + "' holds none");
  sqlite3* own = im.db->getHandle();
  if (sqlite3_get_autocommit(own) == 0) fail(ErrorKind::failure, "rekey cannot run inside a transaction");
  // A statement left running holds a read snapshot that the WAL can never be emptied past.
  for (sqlite3_stmt* st = sqlite3_next_stmt(own, nullptr); st; st = sqlite3_next_stmt(own, st))
    if (sqlite3_stmt_busy(st)) fail(ErrorKind::failure, "rekey: reset the statements running on the vault first");

  const std::string tmp = im.path + "-rekey";
  auto worker = side_connection(im.path, im.options.lock_timeout_ms, im.header, im.db->getHandle());
  auto locker = side_connection(im.path, im.options.lock_timeout_ms, im.header, im.db->getHandle());
  lock_with_empty_wal(*worker, *locker, im.options.lock_timeout_ms);
  bool renamed = false;
  try {
    // The header as it is now: a slot may have changed since this vault was opened.
    HeaderRead hr = read_header_via(locker->getHandle());
    verify_header(hr, im.keys);
    if (hr.header.id != im.header.id) fail(ErrorKind::integrity, "the vault header belongs to another vault");
    require_same_data_key(hr.header, im.header);
    Header next = std::move(hr.header);
    RekeyReport report;
    if (!remove.empty()) {
      auto it = std::find_if(next.slots.begin(), next.slots.end(),
                             [&](const SlotRecord& s) { return s.info.name == remove; });
      if (it == next.slots.end())
        fail(ErrorKind::not_found, "the vault has no key slot named '" + remove + "'; see `dsr key list`");
      auto sealed_admins = std::count_if(next.slots.begin(), next.slots.end(), [](const SlotRecord& s) {
        return s.info.role == Role::admin && s.scheme == Scheme::sealed;
      });
      if (it->info.role == Role::admin && it->scheme == Scheme::sealed && sealed_admins == 1)
        fail(ErrorKind::refused, "'" + remove + "' is the last admin slot: without it nobody could manage keys; "
                                 "add another admin slot first");
      report.removed = remove;
      next.slots.erase(it);
    }
    // Format 2's keys go: its slots were never sealed a key of their own.
    for (auto it = next.slots.begin(); it != next.slots.end();) {
      if (it->scheme == Scheme::legacy) {
        report.shut_out.push_back(it->info.name);
        it = next.slots.erase(it);
      } else {
        ++it;
      }
    }
    next.legacy_data = false;
    next.data_nonce.fill(0);
    next.data_wrapped.fill(0);
    // New keys for the pages, sealed to every slot that stays.
    VaultKeys keys;
    keys.epoch = next.epoch + 1;
    keys.data = Secret::random(32);
    keys.index = im.keys.index.clone();
    keys.category = im.keys.category.clone();
    keys.admin_sk = im.keys.admin_sk.clone();
    next.epoch = keys.epoch;
    for (auto& s : next.slots) reseal_slot(next, s, keys);
    auto cipher = std::make_shared<const PageCipher>(page_key(keys.data), next.id);
    uint64_t total = uint64_t(worker->execAndGet("PRAGMA page_count").getInt64() -
                              worker->execAndGet("PRAGMA freelist_count").getInt64());
    // A copy left by a killed rekey: no other rekey can be running, we hold the lock.
    sysio::unlink(tmp.c_str());
    create_header_file(tmp, next, authority_of(keys));
    uint64_t pages;
    {
      vault::CipherBinding bound(tmp, cipher);
      if (progress) progress({Progress::Stage::copying, 0, total});
      pages = vault::vacuum_into(*worker, tmp, total, progress);
    }
    // The old file goes with the rename: check the copy first.
    std::vector<std::string> problems;
    vault::authenticate_pages(tmp, *cipher, problems, progress);
    if (!problems.empty())
      fail(ErrorKind::failure, "rekey: the new copy fails its check (" + problems.front() +
                                   "); the vault was left as it was");
    if (progress) progress({Progress::Stage::replacing, pages, pages});
    if (sysio::rename(tmp.c_str(), im.path.c_str()) != 0)
      fail(ErrorKind::failure, "rekey: cannot replace " + im.path + ": " + std::strerror(errno) +
                                   "; the vault was left as it was");
    renamed = true;
    vault::sync_parent_dir(im.path);
    im.header = std::move(next);
    // This slot's own keys stay; the vault's are the new ones.
    im.keys.epoch = keys.epoch;
    im.keys.data = std::move(keys.data);
    im.keys.legacy_master = Secret();
    release(*locker);
    locker.reset();  // both are on the replaced file: closing them checkpoints nothing
    worker.reset();
    take_last_vfs_error();
    if (progress) progress({Progress::Stage::done, pages, pages});
    report.pages = pages;
    return report;
  } catch (...) {
    if (!renamed) sysio::unlink(tmp.c_str());
    if (locker) release(*locker);
    throw;
  }
}

void Vault::reopen() {
  Impl& im = *impl_;
  OpenOptions opts = im.options;
  im.close();
  take_last_vfs_error();  // the old connection's checkpoint on a replaced file was refused
  int fd = sysio::open(im.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail(ErrorKind::not_found, "no vault at " + im.path);
    fail(ErrorKind::failure, "cannot open " + im.path + ": " + std::strerror(errno));
  }
  HeaderRead hr = read_header(util::UniqueFd(fd).get());
  verify_header(hr, im.keys);
  if (hr.header.id != im.header.id) fail(ErrorKind::integrity, im.path + " holds another vault now");
  im.header = std::move(hr.header);
  im.connect(opts, /*fresh=*/false);
}

}  // namespace dsr
