// Rules followed here (see shared/design/VAULT.md): encrypt into a private
// buffer, return exactly what SQLite wrote, serve partial reads by decrypting
// whole pages, bind page numbers as associated data, let torn WAL/journal
// frames fail SQLite's own checksum, never mmap, never open a temp file.
#include "vault/vfs.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#ifdef DSR_FAULT_INJECTION  // test builds only (fault injection hook)
#include "vault/fault.hpp"
#endif

namespace dsr::vault {
namespace {

enum class Kind { main_db, wal, journal };

// Every open Vault binds its cipher to its file's canonical path. Two Vaults of
// one file may be open in a process at once (each with its own connection):
// the path stays bound until the last of them closes.
struct Registry {
  std::mutex mu;
  std::map<std::string, std::vector<std::shared_ptr<const PageCipher>>> ciphers;
};
Registry& registry() {
  // Never destroyed: a Vault held in a static (a fuzz harness's) closes
  // during static destruction, after a local static would be gone (fuzz_ndjson
  // found the use after free).
  static Registry& r = *new Registry;
  return r;
}

thread_local std::string t_last_error;

sqlite3_vfs* g_base = nullptr;

struct File {
  sqlite3_file base;
  Kind kind;
  std::shared_ptr<const PageCipher>* cipher;  // heap-held, freed in close
  sqlite3_int64 last_pgno_off;                // offset the cached page number belongs to
  uint32_t last_pgno;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

constexpr sqlite3_int64 kFrame = 24 + kPageSize;  // WAL frame: header + page
constexpr sqlite3_int64 kWalHeader = 32;

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

void note_failure(Kind kind, uint32_t pgno) {
  const char* what = kind == Kind::main_db ? "main file" : kind == Kind::wal ? "WAL" : "journal";
  t_last_error = "page " + std::to_string(pgno) + " of the " + what +
                 " failed authentication (tampered, swapped or corrupt)";
}

struct Wipe {  // wipes a plaintext buffer when it goes out of scope
  unsigned char* p;
  size_t n;
  ~Wipe() { sodium_memzero(p, n); }
};

int real_read(File* f, void* buf, int n, sqlite3_int64 off) {
  return f->real()->pMethods->xRead(f->real(), buf, n, off);
}
int real_write(File* f, const void* buf, int n, sqlite3_int64 off) {
  return f->real()->pMethods->xWrite(f->real(), buf, n, off);
}

// The page number stored just before a journal or WAL page (the 4-byte pgno
// record, or the frame header 24 bytes earlier). Only the write path may use
// the number cached from the last write: SQLite writes the record header and
// then the page, under the write lock. A reader must read it from disk, since
// another process may have rewritten the frame since (the WAL restarts from
// frame 1 after every complete checkpoint).
int stored_pgno(File* f, sqlite3_int64 page_off, sqlite3_int64 back, uint32_t* pgno, bool may_use_cache) {
  if (may_use_cache && f->last_pgno_off == page_off - back) {
    *pgno = f->last_pgno;
    return SQLITE_OK;
  }
  unsigned char b[4];
  int rc = real_read(f, b, 4, page_off - back);
  if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_DATA : rc;
  *pgno = be32(b);
  return SQLITE_OK;
}

bool all_zero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

// ---- main database: pages at kHeaderBytes + (pgno-1)*kPageSize -------------
// One page at a page boundary, straight into SQLite's buffer (nearly every read).
int main_read_page(File* f, unsigned char* out, sqlite3_int64 off) {
  unsigned char raw[kPageSize];  // ciphertext only: no need to wipe
  uint32_t pgno = uint32_t(off / kPageSize + 1);
  int rc = real_read(f, raw, kPageSize, kHeaderBytes + off);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    // Beyond the end SQLite expects zeros (a short read); a page cut in half is damage.
    if (!all_zero(raw, kPageSize)) {
      t_last_error = "page " + std::to_string(pgno) + " of the main file is truncated";
      return SQLITE_IOERR_DATA;
    }
    std::memset(out, 0, kPageSize);
    return SQLITE_IOERR_SHORT_READ;
  }
  if (rc != SQLITE_OK) return rc;
  if (!(*f->cipher)->decrypt(pgno, raw, out)) {
    std::memset(out, 0, kPageSize);
    note_failure(Kind::main_db, pgno);
    return SQLITE_IOERR_DATA;
  }
  return SQLITE_OK;
}

// Any other shape (the 100-byte header read, 16-byte reads at offset 24, and
// the partial overflow reads of newer SQLite): decrypt each whole page.
int main_read(File* f, unsigned char* out, int n, sqlite3_int64 off) {
  if (n == int(kPageSize) && off % kPageSize == 0) return main_read_page(f, out, off);
  std::memset(out, 0, size_t(n));
  unsigned char plain[kPageSize];
  Wipe w{plain, sizeof plain};
  bool short_read = false;
  for (sqlite3_int64 p = off / kPageSize; p * kPageSize < off + n; ++p) {
    sqlite3_int64 page_start = p * kPageSize;
    int rc = main_read_page(f, plain, page_start);
    if (rc == SQLITE_IOERR_SHORT_READ) {
      short_read = true;
      continue;
    }
    if (rc != SQLITE_OK) return rc;
    sqlite3_int64 from = std::max(off, page_start);
    sqlite3_int64 to = std::min(off + n, page_start + kPageSize);
    std::memcpy(out + (from - off), plain + (from - page_start), size_t(to - from));
  }
  return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

bool reserve_is_zero(const unsigned char* page) { return all_zero(page + kPageSize - kReserveBytes, kReserveBytes); }

int encrypt_and_write(File* f, uint32_t pgno, const unsigned char* page, sqlite3_int64 real_off) {
  // SQLite must have left the reserved bytes zero (VAULT.md rule 7): if not, the
  // page would not round-trip, so refuse rather than lose data.
  if (!reserve_is_zero(page)) return SQLITE_IOERR_WRITE;
  unsigned char out[kPageSize];  // never encrypt in SQLite's buffer (rule 1)
  (*f->cipher)->encrypt(pgno, page, out);
  return real_write(f, out, kPageSize, real_off);
}

// A checkpoint reads each page from the WAL and writes it, unchanged, to the
// same page number in the main file. Under the same key and associated data
// the WAL's ciphertext is valid there too, so the last page a WAL read
// decrypted is kept, and a main-file write of exactly that plaintext writes
// that ciphertext instead of encrypting again (a third less crypto per page
// written). Reused only after comparing the whole page; the plaintext copy is
// wiped once used and when a file of its vault closes.
struct Passthrough {
  const PageCipher* cipher = nullptr;
  uint32_t pgno = 0;
  unsigned char sealed[kPageSize];
  unsigned char plain[kPageSize];
  void keep(const PageCipher* c, uint32_t p, const unsigned char* ciphertext, const unsigned char* plaintext) {
    cipher = c;
    pgno = p;
    std::memcpy(sealed, ciphertext, kPageSize);
    std::memcpy(plain, plaintext, kPageSize);
  }
  bool matches(const PageCipher* c, uint32_t p, const unsigned char* plaintext) const {
    return cipher == c && pgno == p && std::memcmp(plain, plaintext, kPageSize) == 0;
  }
  void clear() {
    if (!cipher) return;
    sodium_memzero(plain, sizeof plain);
    cipher = nullptr;
  }
  ~Passthrough() { clear(); }
};
thread_local Passthrough t_passthrough;

int main_write(File* f, const unsigned char* in, int n, sqlite3_int64 off) {
  if (off % kPageSize != 0 || n % kPageSize != 0) return SQLITE_IOERR_WRITE;
  for (int i = 0; i < n; i += kPageSize) {
    sqlite3_int64 o = off + i;
    uint32_t pgno = uint32_t(o / kPageSize + 1);
    int rc;
    if (t_passthrough.matches(f->cipher->get(), pgno, in + i)) {
      rc = real_write(f, t_passthrough.sealed, kPageSize, kHeaderBytes + o);
      t_passthrough.clear();
    } else {
      rc = encrypt_and_write(f, pgno, in + i, kHeaderBytes + o);
    }
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

// ---- WAL: 32-byte header, then frames of a 24-byte header and a page --------
sqlite3_int64 wal_page_start(sqlite3_int64 frame_index) { return kWalHeader + frame_index * kFrame + 24; }
bool wal_page_aligned(sqlite3_int64 off) { return off >= kWalHeader + 24 && (off - kWalHeader) % kFrame == 24; }

int wal_write(File* f, const unsigned char* in, int n, sqlite3_int64 off) {
  if (off >= kWalHeader) {
    sqlite3_int64 rel = (off - kWalHeader) % kFrame;
    if (rel == 0 && n == 24) {  // frame header: remember the page number
      f->last_pgno_off = off;
      f->last_pgno = be32(in);
      return real_write(f, in, n, off);
    }
    if (rel == 24 && n == int(kPageSize)) {  // the page (also rewritten alone within a transaction)
      uint32_t pgno;
      int rc = stored_pgno(f, off, 24, &pgno, /*may_use_cache=*/true);
      if (rc != SQLITE_OK) return rc;
      return encrypt_and_write(f, pgno, in, off);
    }
    if (rel == 0 && n == int(kFrame)) {
      int rc = real_write(f, in, 24, off);
      if (rc != SQLITE_OK) return rc;
      f->last_pgno_off = off;
      f->last_pgno = be32(in);
      return encrypt_and_write(f, be32(in), in + 24, off + 24);
    }
    return SQLITE_IOERR_WRITE;  // any other shape could put plaintext on disk
  }
  if (off + n > kWalHeader) return SQLITE_IOERR_WRITE;
  return real_write(f, in, n, off);
}

// A page read on its own (a reader's page lookup, a checkpoint's copy): one
// read of the frame header and the page, decrypted straight into SQLite's buffer.
int wal_read_page(File* f, unsigned char* out, sqlite3_int64 off) {
  unsigned char frame[kFrame];  // ciphertext only
  int rc = real_read(f, frame, int(kFrame), off - 24);
  uint32_t pgno = be32(frame);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    // SQLite only reads frames the wal-index lists as committed: a missing one is damage.
    t_last_error = "frame " + std::to_string((off - kWalHeader) / kFrame + 1) + " of the WAL is truncated";
    return SQLITE_IOERR_DATA;
  }
  if (rc != SQLITE_OK) return rc;
  if (!(*f->cipher)->decrypt(pgno, frame + 24, out)) {
    std::memset(out, 0, kPageSize);
    note_failure(Kind::wal, pgno);
    return SQLITE_IOERR_DATA;
  }
  t_passthrough.keep(f->cipher->get(), pgno, frame + 24, out);
  return SQLITE_OK;
}

int wal_read(File* f, unsigned char* out, int n, sqlite3_int64 off) {
  if (n == int(kPageSize) && wal_page_aligned(off)) return wal_read_page(f, out, off);
  int rc = real_read(f, out, n, off);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  bool short_read = rc == SQLITE_IOERR_SHORT_READ;
  sqlite3_int64 end = off + n;
  if (end <= kWalHeader + 24) return rc;
  sqlite3_int64 first = off <= kWalHeader ? 0 : (off - kWalHeader) / kFrame;
  unsigned char plain[kPageSize];
  Wipe w{plain, sizeof plain};
  for (sqlite3_int64 k = first; wal_page_start(k) < end; ++k) {
    sqlite3_int64 ps = wal_page_start(k);
    if (ps + kPageSize <= off) continue;
    bool page_inside = off <= ps && ps + sqlite3_int64(kPageSize) <= end;
    bool whole_frame = page_inside && off <= ps - 24;  // recovery-style read: the header came with it
    if (page_inside && short_read) continue;  // frame not all there: SQLite sees the short read
    if (whole_frame) {
      // A torn or stale frame fails here; leave its raw bytes so that SQLite's
      // frame checksum rejects it (rule 5: never invent data).
      if ((*f->cipher)->decrypt(be32(out + (ps - 24 - off)), out + (ps - off), plain))
        std::memcpy(out + (ps - off), plain, kPageSize);
      continue;
    }
    // Part of a page, or a page without its header: decrypt the whole frame privately.
    int r = wal_read_page(f, plain, ps);
    if (r != SQLITE_OK) return r;
    sqlite3_int64 from = std::max(off, ps);
    sqlite3_int64 to = std::min(end, ps + sqlite3_int64(kPageSize));
    std::memcpy(out + (from - off), plain + (from - ps), size_t(to - from));
  }
  return rc;
}

// ---- rollback journal: records of pgno (4 bytes), page, checksum (4 bytes) --
// Headers are sector-aligned and records are pgsz+8 long, so a page always
// starts at an offset that is 4 mod 8 and a header never does.
bool journal_page(sqlite3_int64 off, int n) { return n == int(kPageSize) && off % 8 == 4; }

int journal_write(File* f, const unsigned char* in, int n, sqlite3_int64 off) {
  if (journal_page(off, n)) {
    uint32_t pgno;
    int rc = stored_pgno(f, off, 4, &pgno, /*may_use_cache=*/true);
    if (rc != SQLITE_OK) return rc;
    return encrypt_and_write(f, pgno, in, off);
  }
  if (n == 4) {
    f->last_pgno_off = off;
    f->last_pgno = be32(in);
  } else if (n > 512 && n != int(kPageSize)) {
    return SQLITE_IOERR_WRITE;  // not a shape SQLite 3.40 writes; refuse plaintext
  }
  return real_write(f, in, n, off);
}

int journal_read(File* f, unsigned char* out, int n, sqlite3_int64 off) {
  int rc = real_read(f, out, n, off);
  if (rc != SQLITE_OK || !journal_page(off, n)) return rc;
  uint32_t pgno;
  int r = stored_pgno(f, off, 4, &pgno, /*may_use_cache=*/false);
  if (r != SQLITE_OK) return r;
  unsigned char plain[kPageSize];
  Wipe w{plain, sizeof plain};
  // A torn last record after a crash is normal: leave it raw so that SQLite's
  // record checksum rejects it.
  if ((*f->cipher)->decrypt(pgno, out, plain)) std::memcpy(out, plain, kPageSize);
  return SQLITE_OK;
}

// ---- sqlite3_io_methods -----------------------------------------------------
File* as(sqlite3_file* p) { return reinterpret_cast<File*>(p); }

int x_close(sqlite3_file* p) {
  File* f = as(p);
  if (t_passthrough.cipher == f->cipher->get()) t_passthrough.clear();
  int rc = f->real()->pMethods ? f->real()->pMethods->xClose(f->real()) : SQLITE_OK;
  delete f->cipher;
  f->cipher = nullptr;
  return rc;
}
int x_read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off) {
  File* f = as(p);
  auto* out = static_cast<unsigned char*>(buf);
  switch (f->kind) {
    case Kind::main_db: return main_read(f, out, n, off);
    case Kind::wal: return wal_read(f, out, n, off);
    case Kind::journal: return journal_read(f, out, n, off);
  }
  return SQLITE_IOERR_READ;
}
int x_write(sqlite3_file* p, const void* buf, int n, sqlite3_int64 off) {
  File* f = as(p);
  auto* in = static_cast<const unsigned char*>(buf);
  switch (f->kind) {
    case Kind::main_db: return main_write(f, in, n, off);
    case Kind::wal: return wal_write(f, in, n, off);
    case Kind::journal: return journal_write(f, in, n, off);
  }
  return SQLITE_IOERR_WRITE;
}
sqlite3_int64 shift(File* f) { return f->kind == Kind::main_db ? kHeaderBytes : 0; }
int x_truncate(sqlite3_file* p, sqlite3_int64 size) {
  File* f = as(p);
  return f->real()->pMethods->xTruncate(f->real(), size + shift(f));
}
int x_sync(sqlite3_file* p, int flags) { return as(p)->real()->pMethods->xSync(as(p)->real(), flags); }
int x_file_size(sqlite3_file* p, sqlite3_int64* size) {
  File* f = as(p);
  int rc = f->real()->pMethods->xFileSize(f->real(), size);
  if (rc == SQLITE_OK) *size = std::max<sqlite3_int64>(0, *size - shift(f));
  return rc;
}
// A vault file replaced under an open connection (a rekey in another process
// renames a new file over the path) must not be used through the old file any
// more: its WAL and shared memory now belong to the new one. Every new lock is
// refused, so a command fails with "run it again" instead of committing into
// an unlinked file, or checkpointing and truncating the WAL when it closes.
bool replaced(File* f) {
  int moved = 0;
  return f->kind == Kind::main_db &&
         f->real()->pMethods->xFileControl(f->real(), SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved;
}
int refuse_replaced() {
  t_last_error = "the vault file was replaced while this command had it open (a rekey by another process?); "
                 "nothing was written through the old file: run the command again";
  return SQLITE_IOERR_LOCK;
}
int x_lock(sqlite3_file* p, int l) {
  if (replaced(as(p))) return refuse_replaced();
  return as(p)->real()->pMethods->xLock(as(p)->real(), l);
}
int x_unlock(sqlite3_file* p, int l) { return as(p)->real()->pMethods->xUnlock(as(p)->real(), l); }
int x_check_reserved(sqlite3_file* p, int* out) {
  return as(p)->real()->pMethods->xCheckReservedLock(as(p)->real(), out);
}
int x_file_control(sqlite3_file* p, int op, void* arg) {
  File* f = as(p);
  switch (op) {
    case SQLITE_FCNTL_MMAP_SIZE:  // memory-mapped I/O would bypass decryption
      *static_cast<sqlite3_int64*>(arg) = 0;
      return SQLITE_OK;
    case SQLITE_FCNTL_SIZE_HINT: {
      sqlite3_int64 hint = *static_cast<sqlite3_int64*>(arg) + shift(f);
      return f->real()->pMethods->xFileControl(f->real(), op, &hint);
    }
    case SQLITE_FCNTL_VFSNAME:
      *static_cast<char**>(arg) = sqlite3_mprintf("dsr/%s", g_base->zName);
      return SQLITE_OK;
    default:
      return f->real()->pMethods->xFileControl(f->real(), op, arg);
  }
}
int x_sector_size(sqlite3_file* p) { return as(p)->real()->pMethods->xSectorSize(as(p)->real()); }
int x_device_characteristics(sqlite3_file* p) {
  int c = as(p)->real()->pMethods->xDeviceCharacteristics(as(p)->real());
  // Writes land at a shifted offset and are rewritten whole: claim no atomicity.
  return c & ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K | SQLITE_IOCAP_ATOMIC2K |
               SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K | SQLITE_IOCAP_ATOMIC16K |
               SQLITE_IOCAP_ATOMIC32K | SQLITE_IOCAP_ATOMIC64K | SQLITE_IOCAP_BATCH_ATOMIC);
}
int x_shm_map(sqlite3_file* p, int pg, int sz, int extend, void volatile** pp) {
  return as(p)->real()->pMethods->xShmMap(as(p)->real(), pg, sz, extend, pp);
}
int x_shm_lock(sqlite3_file* p, int offset, int n, int flags) {
  if ((flags & SQLITE_SHM_LOCK) && replaced(as(p))) return refuse_replaced();
  return as(p)->real()->pMethods->xShmLock(as(p)->real(), offset, n, flags);
}
void x_shm_barrier(sqlite3_file* p) { as(p)->real()->pMethods->xShmBarrier(as(p)->real()); }
int x_shm_unmap(sqlite3_file* p, int del) { return as(p)->real()->pMethods->xShmUnmap(as(p)->real(), del); }
int x_fetch(sqlite3_file*, sqlite3_int64, int, void** pp) {
  *pp = nullptr;  // never hand out a mapping of ciphertext
  return SQLITE_OK;
}
int x_unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }

const sqlite3_io_methods kMethods = {
    3,           x_close,      x_read,           x_write,
    x_truncate,  x_sync,       x_file_size,      x_lock,
    x_unlock,    x_check_reserved, x_file_control, x_sector_size,
    x_device_characteristics, x_shm_map, x_shm_lock, x_shm_barrier,
    x_shm_unmap, x_fetch,      x_unfetch,
};

std::shared_ptr<const PageCipher> lookup(const char* db_name) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.ciphers.find(db_name);
  return it == r.ciphers.end() || it->second.empty() ? nullptr : it->second.back();
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = as(p);
  f->base.pMethods = nullptr;
  Kind kind;
  if (flags & SQLITE_OPEN_MAIN_DB) kind = Kind::main_db;
  else if (flags & SQLITE_OPEN_WAL) kind = Kind::wal;
  else if (flags & SQLITE_OPEN_MAIN_JOURNAL) kind = Kind::journal;
  else return SQLITE_CANTOPEN;  // temp files would hold plaintext: temp_store must be MEMORY
  if (!name) return SQLITE_CANTOPEN;
  auto cipher = lookup(kind == Kind::main_db ? name : sqlite3_filename_database(name));
  if (!cipher) return SQLITE_CANTOPEN;  // no key bound: never read or write it in the clear
  std::memset(f->real(), 0, g_base->szOsFile);
  int rc = g_base->xOpen(g_base, name, f->real(), flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real()->pMethods) f->real()->pMethods->xClose(f->real());
    return rc;
  }
  f->kind = kind;
  f->cipher = new std::shared_ptr<const PageCipher>(std::move(cipher));
  f->last_pgno_off = -1;
  f->last_pgno = 0;
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// Everything that is not file I/O goes to the default VFS.
int x_delete(sqlite3_vfs*, const char* n, int sync) { return g_base->xDelete(g_base, n, sync); }
int x_access(sqlite3_vfs*, const char* n, int flags, int* out) { return g_base->xAccess(g_base, n, flags, out); }
int x_full_pathname(sqlite3_vfs*, const char* n, int size, char* out) {
  return g_base->xFullPathname(g_base, n, size, out);
}
void* x_dl_open(sqlite3_vfs*, const char* n) { return g_base->xDlOpen(g_base, n); }
void x_dl_error(sqlite3_vfs*, int n, char* msg) { g_base->xDlError(g_base, n, msg); }
void (*x_dl_sym(sqlite3_vfs*, void* h, const char* s))(void) { return g_base->xDlSym(g_base, h, s); }
void x_dl_close(sqlite3_vfs*, void* h) { g_base->xDlClose(g_base, h); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return g_base->xRandomness(g_base, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int x_current_time(sqlite3_vfs*, double* t) { return g_base->xCurrentTime(g_base, t); }
int x_get_last_error(sqlite3_vfs*, int n, char* msg) { return g_base->xGetLastError(g_base, n, msg); }
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* t) { return g_base->xCurrentTimeInt64(g_base, t); }

sqlite3_vfs g_vfs;

// ---- a wiping allocator: SQLite's page cache holds plaintext ----------------
void* w_malloc(int n) {
  auto* p = static_cast<sqlite3_int64*>(std::malloc(size_t(n) + 8));
  if (!p) return nullptr;
  p[0] = n;
  return p + 1;
}
void w_free(void* q) {
  if (!q) return;
  auto* p = static_cast<sqlite3_int64*>(q) - 1;
  sodium_memzero(q, size_t(p[0]));
  std::free(p);
}
int w_size(void* q) { return q ? int(static_cast<sqlite3_int64*>(q)[-1]) : 0; }
void* w_realloc(void* q, int n) {
  if (!q) return w_malloc(n);
  void* r = w_malloc(n);
  if (!r) return nullptr;
  std::memcpy(r, q, size_t(std::min(n, w_size(q))));
  w_free(q);
  return r;
}
int w_roundup(int n) { return (n + 7) & ~7; }
int w_init(void*) { return SQLITE_OK; }
void w_shutdown(void*) {}
const sqlite3_mem_methods kWipingAllocator = {w_malloc, w_free, w_realloc, w_size, w_roundup, w_init, w_shutdown, nullptr};

}  // namespace

void register_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Only possible before SQLite initialises; if something else got there
    // first the default allocator stays (the pages are still encrypted on disk).
    sqlite3_config(SQLITE_CONFIG_MALLOC, &kWipingAllocator);
    // No allocation statistics (dsr reads none): without them an allocation
    // takes no global mutex. And no mutex per connection: dsr never shares a
    // connection between threads.
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_initialize();
    g_base = sqlite3_vfs_find(nullptr);
#ifdef DSR_FAULT_INJECTION  // test builds only: every OS call can be made to fail (vault/fault.hpp)
    g_base = fault::wrap_vfs(g_base);
#endif
    std::memset(&g_vfs, 0, sizeof g_vfs);
    g_vfs.iVersion = 2;
    g_vfs.szOsFile = int(sizeof(File)) + g_base->szOsFile;
    g_vfs.mxPathname = g_base->mxPathname;
    g_vfs.zName = kVfsName;
    g_vfs.xOpen = x_open;
    g_vfs.xDelete = x_delete;
    g_vfs.xAccess = x_access;
    g_vfs.xFullPathname = x_full_pathname;
    g_vfs.xDlOpen = x_dl_open;
    g_vfs.xDlError = x_dl_error;
    g_vfs.xDlSym = x_dl_sym;
    g_vfs.xDlClose = x_dl_close;
    g_vfs.xRandomness = x_randomness;
    g_vfs.xSleep = x_sleep;
    g_vfs.xCurrentTime = x_current_time;
    g_vfs.xGetLastError = x_get_last_error;
    g_vfs.xCurrentTimeInt64 = x_current_time_int64;
    sqlite3_vfs_register(&g_vfs, 0);
  });
}

std::string bind_cipher(const std::string& db_path, std::shared_ptr<const PageCipher> cipher) {
  register_vfs();
  std::vector<char> full(size_t(g_base->mxPathname) + 1);
  if (g_base->xFullPathname(g_base, db_path.c_str(), int(full.size()), full.data()) != SQLITE_OK)
    return db_path;
  std::string canonical(full.data());
  auto& r = registry();
  std::lock_guard lock(r.mu);
  r.ciphers[canonical].push_back(std::move(cipher));
  return canonical;
}

void unbind_cipher(const std::string& canonical_path, const PageCipher* owner) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.ciphers.find(canonical_path);
  if (it == r.ciphers.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [owner](const auto& c) { return c.get() == owner; }), v.end());
  if (v.empty()) r.ciphers.erase(it);
}

std::string take_last_vfs_error() { return std::exchange(t_last_error, {}); }

namespace {
sqlite3_file* real_main_file(sqlite3* db) {
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &f) != SQLITE_OK || !f || f->pMethods != &kMethods)
    return nullptr;
  return as(f)->real();
}
}  // namespace

long header_read(sqlite3* db, unsigned char* buf, int n, int64_t off) {
  sqlite3_file* r = real_main_file(db);
  if (!r) return -1;
  int rc = r->pMethods->xRead(r, buf, n, off);
  if (rc == SQLITE_OK) return n;
  if (rc != SQLITE_IOERR_SHORT_READ) return -1;
  sqlite3_int64 size = 0;
  if (r->pMethods->xFileSize(r, &size) != SQLITE_OK) return -1;
  return long(std::clamp<sqlite3_int64>(size - off, 0, n));
}

bool header_write(sqlite3* db, const unsigned char* buf, int n, int64_t off) {
  sqlite3_file* r = real_main_file(db);
  return r && r->pMethods->xWrite(r, buf, n, off) == SQLITE_OK && r->pMethods->xSync(r, SQLITE_SYNC_FULL) == SQLITE_OK;
}

}  // namespace dsr::vault
