// Vault::Impl: what an open vault holds. Shared by the files that implement
// Vault (vault.cpp: open/create/check; keyring.cpp: key slots; rekey.cpp;
// backup.cpp); nothing outside src/vault includes it.
#pragma once
#include <SQLiteCpp/Database.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <memory>
#include <string>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/fair_wait.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"

namespace dsr {

using namespace dsr::vault;

inline constexpr int kCacheKiB = 32768;  // see connect()

// The settings of every connection to a vault (Impl::connect, Vault::connect_again).
inline void configure_connection(SQLite::Database& db) {
  // Keep the (checkpointed, zero-length) WAL file between commands: recreating
  // it costs a directory fsync on every command.
  int persist_wal = 1;
  sqlite3_file_control(db.getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
  // Every page SQLite reads from disk costs an AEAD decryption (about 3 us per
  // page on one core): a page cache of 32 MiB instead of SQLite's 2 MiB keeps
  // a vault of 100k subjects in memory once read. SQLite grows the cache on
  // demand and the wiping allocator clears it on free. (bench/RESULTS.md)
  // No cell_size_check: every page is authenticated before SQLite sees it,
  // so a page cannot carry cells we did not write; the check would cost
  // every cached page access.
  db.exec(
      "PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
      "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
      "PRAGMA cache_size=-" +
      std::to_string(kCacheKiB));
}

struct Vault::Impl {
  std::string path;
  std::string canonical;
  Header header;
  VaultKeys keys;  // what the slot that opened the vault holds (vault/header.hpp)
  std::string slot_name;
  Role role = Role::admin;
  std::shared_ptr<const PageCipher> cipher;
  std::unique_ptr<SQLite::Database> db;
  OpenOptions options;  // as last connected
  std::vector<std::string> notices;

  ~Impl() { close(); }

  void connect(const OpenOptions& opts, bool fresh) {
    options = opts;
    cipher = std::make_shared<const PageCipher>(page_key(keys.data), header.id);
    canonical = bind_cipher(path, cipher, layout_for_format(header.version));
    int flags = opts.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE;
    db = std::make_unique<SQLite::Database>(path.c_str(), flags, opts.lock_timeout_ms, kVfsName);
    vault::wait_in_turn(db->getHandle(), opts.lock_timeout_ms);
    if (fresh) {
      // The reserve must be set before SQLite writes its first page.
      int reserve = kReserveBytes;
      sqlite3_file_control(db->getHandle(), "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
      db->exec("PRAGMA page_size=" + std::to_string(kPageSize));
    }
    configure_connection(*db);
    // create() always leaves page 1 behind: a vault without pages was cut
    // short, and SQLite would take it for a new, empty database (and the
    // journal_mode switch below would write a fresh page 1 into it).
    if (!fresh && db->execAndGet("PRAGMA page_count").getInt64() == 0)
      fail(ErrorKind::integrity, "the vault file is truncated: it holds no database pages; restore from a backup");
    if (fresh) {
      db->exec("PRAGMA journal_mode=WAL");
    } else if (!opts.read_only) {
      std::string mode = db->execAndGet("PRAGMA journal_mode").getString();
      if (mode != "wal") db->exec("PRAGMA journal_mode=WAL");
    }
  }

  // True when the WAL is now empty (everything is in the main file).
  bool checkpoint() {
    if (!db) return false;
    int frames = -1, copied = -1;
    // Busy: another process is reading; it (or the last to close) checkpoints later.
    int rc = sqlite3_wal_checkpoint_v2(db->getHandle(), "main", SQLITE_CHECKPOINT_TRUNCATE, &frames, &copied);
    return rc == SQLITE_OK && frames <= 0;
  }

  void close() {
    // Closing may run while an error unwinds: keep the VFS's account of it.
    struct KeepError {
      std::string saved = take_last_vfs_error();
      ~KeepError() { restore_last_vfs_error(std::move(saved)); }
    } keep;
    if (db) {
      // Never wait at exit: when another process holds the vault, the last
      // one to close checkpoints (a reader must not stall behind a writer).
      vault::wait_in_turn(db->getHandle(), 0);
      checkpoint();
      db.reset();
    }
    if (cipher) {
      unbind_cipher(canonical, cipher.get());
      cipher.reset();
    }
  }
};

// Upgrades a vault of format 2 at `path` in place (upgrade.cpp): under its
// write lock, with an empty WAL, the same header (format 3) and the same page
// ciphertext at the new offset go into PATH-upgrade, which is renamed over it.
// `keys` are what the opener's slot holds under format 2; when it is an admin
// slot, the admin signing key is made and the slot sealed (keys updated).
void upgrade_format2(const std::string& path, const HeaderRead& hr, const std::string& slot_name,
                     const Credential& cred, VaultKeys& keys, const OpenOptions& opts);

// Makes the admin signing key of a vault upgraded from format 2 whose opener
// holds a legacy admin slot, and seals that slot (keyring.cpp).
void establish_admin_key(Vault::Impl& im, const Credential& cred);

// Finds what interrupted jobs left beside the vault (leftovers.cpp): PATH-rekey
// and PATH-upgrade (full copies), partial backups. Removes them when no job is
// running, and says so in im.notices.
void clear_leftovers(Vault::Impl& im);

// A backup's partial file, recorded beside the vault (PATH-backup-XXXXXX, under
// an exclusive lock while the backup runs, with a MAC under a vault key) until
// the backup is done or has failed; a killed backup leaves the record, and the
// next command removes the partial file it names.
class BackupIntent {
 public:
  BackupIntent(const Vault::Impl& im, const std::string& partial);
  ~BackupIntent();
  BackupIntent(const BackupIntent&) = delete;
  BackupIntent& operator=(const BackupIntent&) = delete;

 private:
  std::string path_;
  int fd_ = -1;
};

// Whether the file at `path` is no longer the one `then` describes (a rekey
// renamed a new file over it, or it is gone).
inline bool file_replaced(const std::string& path, const struct stat& then) {
  struct stat now{};
  return ::stat(path.c_str(), &now) != 0 || now.st_ino != then.st_ino || now.st_dev != then.st_dev;
}

}  // namespace dsr
