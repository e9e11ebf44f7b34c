#include "vault/fair_wait.hpp"
#include "vault/file_copy.hpp"

#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include "dsr/error.hpp"
#include "vault/header_io.hpp"
#include "vault/vault_impl.hpp"
#include "vault/vfs.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr::vault {
namespace {

uint32_t be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

uint64_t file_pages(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0 || st.st_size <= off_t(kHeaderBytes)) return 0;  // a new file: format 3
  return uint64_t(st.st_size - off_t(kHeaderBytes)) / kPageSize;
}

// The progress handler of a VACUUM INTO: how far the copy has grown.
struct CopyProbe {
  const std::string* dest;
  uint64_t total;
  const ProgressFn* progress;
  uint64_t last = 0;
  unsigned calls = 0;
  std::exception_ptr error{};
};

int probe(void* arg) {
  auto* p = static_cast<CopyProbe*>(arg);
  uint64_t pages = file_pages(*p->dest);
  // Report growth, and now and then anyway: the copy may sit in SQLite's cache.
  if (pages == p->last && ++p->calls % 32 != 0) return 0;
  p->last = pages;
  try {
    (*p->progress)({Progress::Stage::copying, pages, std::max(pages, p->total)});
  } catch (...) {
    p->error = std::current_exception();
    return 1;  // interrupts the VACUUM; the error is rethrown below
  }
  return 0;
}

}  // namespace

std::unique_ptr<SQLite::Database> side_connection(const std::string& path, int lock_timeout_ms, const Header& opened,
                                                  sqlite3* own) {
  auto replaced = [own] {
    int moved = 0;
    return sqlite3_file_control(own, "main", SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved;
  };
  auto rekeyed = [] {
    take_last_vfs_error();
    fail(ErrorKind::locked, "another process rekeyed the vault after this command opened it; run the command again");
  };
  if (replaced()) rekeyed();
  std::unique_ptr<SQLite::Database> db;
  try {
    // SQLite reads the first page as it opens: on a replaced file that page fails authentication.
    db = std::make_unique<SQLite::Database>(path.c_str(), SQLite::OPEN_READWRITE, lock_timeout_ms, kVfsName);
    wait_in_turn(db->getHandle(), lock_timeout_ms);
  } catch (...) {
    if (replaced()) rekeyed();
    throw;
  }
  if (replaced()) rekeyed();
  require_same_data_key(read_header_via(db->getHandle()).header, opened);
  int persist_wal = 1;  // as every connection of a vault (vault_impl.hpp)
  sqlite3_file_control(db->getHandle(), "main", SQLITE_FCNTL_PERSIST_WAL, &persist_wal);
  db->exec("PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" + std::to_string(kCacheKiB));
  return db;
}

void create_header_file(const std::string& dest, Header& header, const HeaderAuthority& authority) {
  int fd = sysio::open(dest.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) fail(ErrorKind::conflict, dest + " already exists; it was left untouched");
    fail(ErrorKind::failure, "cannot create " + dest + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);  // whatever the umask
  try {
    write_header(fd, header, authority);
    if (sysio::ftruncate(fd, kHeaderBytes) != 0 || sysio::fsync(fd) != 0)
      fail(ErrorKind::failure, "cannot write " + dest + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    sysio::unlink(dest.c_str());
    throw;
  }
  ::close(fd);
}

CipherBinding::CipherBinding(const std::string& path, std::shared_ptr<const PageCipher> cipher, Layout layout)
    : cipher_(std::move(cipher)) {
  canonical_ = bind_cipher(path, cipher_, layout);
}
CipherBinding::~CipherBinding() { unbind_cipher(canonical_, cipher_.get()); }

uint64_t vacuum_into(SQLite::Database& from, const std::string& dest, uint64_t total, const ProgressFn& progress) {
  CopyProbe p{&dest, total, &progress, 0, 0, {}};
  if (progress) sqlite3_progress_handler(from.getHandle(), 1000, probe, &p);
  struct Detach {
    sqlite3* db;
    ~Detach() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
  } detach{from.getHandle()};
  try {
    // The copy is a new database in rollback mode: SQLite accepts the target
    // because the VFS hides its header (an empty file to SQLite).
    SQLite::Statement vacuum(from, "VACUUM INTO ?");
    vacuum.bind(1, dest);
    vacuum.exec();
  } catch (...) {
    if (p.error) std::rethrow_exception(p.error);
    throw;
  }
  uint64_t pages = file_pages(dest);
  if (progress) progress({Progress::Stage::syncing, pages, pages});
  sync_file(dest);
  sync_parent_dir(dest);
  return pages;
}

uint64_t authenticate_pages(const std::string& path, const PageCipher& cipher, std::vector<std::string>& problems,
                            const ProgressFn& progress, Layout layout) {
  const uint64_t data_offset = layout.data_offset;
  int fd = sysio::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(ErrorKind::failure, "cannot open " + path + ": " + std::strerror(errno));
  struct stat st{};
  ::fstat(fd, &st);
  uint64_t data_bytes = st.st_size > off_t(data_offset) ? uint64_t(st.st_size) - data_offset : 0;
  uint64_t pages = data_bytes / kPageSize;
  if (data_bytes % kPageSize)
    problems.push_back("the file is truncated: it ends " + std::to_string(data_bytes % kPageSize) +
                       " bytes into page " + std::to_string(pages + 1));
  if (pages == 0) problems.push_back("the file is truncated: it holds no database pages");
  constexpr uint64_t kChunk = 256;  // pages per read
  std::vector<unsigned char> raw(kChunk * kPageSize);
  Secret plain(kPageSize);
  uint64_t bad = 0, recorded = 0;
  for (uint64_t first = 0; first < pages; first += kChunk) {
    uint64_t n = std::min(kChunk, pages - first);
    ssize_t want = ssize_t(n * kPageSize);
    ssize_t got = sysio::pread(fd, raw.data(), size_t(want), off_t(data_offset + first * kPageSize));
    if (got < 0) {  // an I/O error, not damage (fault sweep: it was reported as damage, exit 6)
      int e = errno;
      ::close(fd);
      fail(ErrorKind::failure, "cannot read " + path + ": " + std::strerror(e));
    }
    if (got != want) {
      problems.push_back("cannot read pages " + std::to_string(first + 1) + " to " + std::to_string(first + n));
      break;
    }
    for (uint64_t i = 0; i < n; ++i) {
      uint32_t pgno = uint32_t(first + i + 1);
      if (pgno == kLockBytePage) continue;
      if (!cipher.decrypt(pgno, raw.data() + i * kPageSize, plain.data())) {
        if (++bad <= 20)
          problems.push_back("page " + std::to_string(pgno) + " fails authentication (tampered, swapped or corrupt)");
        continue;
      }
      // Page 1 records the database size (valid when the change counter matches).
      if (pgno == 1 && be32(plain.data() + 24) == be32(plain.data() + 92)) recorded = be32(plain.data() + 28);
    }
    if (progress && ((first / kChunk) % 16 == 0 || first + n == pages))
      progress({Progress::Stage::verifying, first + n, pages});
  }
  ::close(fd);
  if (bad > 20) problems.push_back("... and " + std::to_string(bad - 20) + " more pages fail authentication");
  if (recorded > pages)
    problems.push_back("the file is truncated: the database holds " + std::to_string(recorded) +
                       " pages but the file only " + std::to_string(pages));
  else if (recorded != 0 && recorded < pages)
    problems.push_back("the file holds " + std::to_string(pages - recorded) + " pages more than its database (" +
                       std::to_string(recorded) + ")");
  return pages;
}

void integrity_check(const std::string& path, std::shared_ptr<const PageCipher> cipher,
                     std::vector<std::string>& problems, Layout layout) {
  CipherBinding bound(path, std::move(cipher), layout);
  try {
    SQLite::Database db(path.c_str(), SQLite::OPEN_READONLY, 0, kVfsName);
    db.exec("PRAGMA temp_store=MEMORY; PRAGMA cache_size=-" + std::to_string(kCacheKiB));
    SQLite::Statement q(db, "PRAGMA integrity_check");
    while (q.executeStep()) {
      std::string line = q.getColumn(0).getString();
      if (line != "ok") problems.push_back("SQLite integrity check: " + line);
    }
  } catch (const SQLite::Exception& e) {
    std::string detail = take_last_vfs_error();
    problems.push_back(detail.empty() ? std::string("SQLite integrity check failed: ") + e.what() : detail);
  }
}

void publish_new_file(const std::string& tmp, const std::string& dest) {
  if (sysio::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dest.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) fail(ErrorKind::conflict, dest + " appeared meanwhile; it was left untouched");
    // A filesystem without RENAME_NOREPLACE: a hard link never replaces either.
    if (sysio::link(tmp.c_str(), dest.c_str()) != 0) {
      if (errno == EEXIST) fail(ErrorKind::conflict, dest + " appeared meanwhile; it was left untouched");
      fail(ErrorKind::failure, "cannot create " + dest + ": " + std::strerror(errno));
    }
    sysio::unlink(tmp.c_str());
  }
  sync_parent_dir(dest);
}

void sync_file(const std::string& path) {
  int fd = sysio::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  bool ok = fd >= 0 && sysio::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) fail(ErrorKind::failure, "cannot sync " + path + ": " + std::strerror(errno));
}

void sync_parent_dir(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  int fd = sysio::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the file itself is synced
  sysio::fsync(fd);
  ::close(fd);
}

}  // namespace dsr::vault
