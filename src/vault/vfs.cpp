// The "dsr" VFS (ARCHITECTURE.md, "The vault file"). What it holds to:
//  - Encrypt into a private buffer and give back exactly the bytes SQLite
//    wrote; serve partial reads by decrypting whole pages; never mmap; never
//    open a temporary file.
//  - Every page is bound to where it belongs: a page of the main file to
//    (vault id, page number); a WAL frame to its WAL generation (the random id
//    of the generation marker), its position and its frame header; a journal
//    record to its journal segment (a random nonce in the authenticated
//    segment header) and its offset.
//  - Bytes that fail authentication are never handed to SQLite as data, in
//    any file. WAL recovery is decided here: frames up to the last commit that
//    authenticate replay; a frame that fails before a later authentic commit
//    is an integrity error; a WAL of another generation is ignored. A hot
//    journal plays back only if every record it would play authenticates.
//  - No checksum of plaintext is stored: SQLite's WAL frame and journal
//    record checksums are written as zeros and recomputed from plaintext when
//    recovery or playback reads them.
#include "vault/vfs.hpp"
#include "vault/shim_vfs.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#ifdef DSR_FAULT_INJECTION  // test builds only (fault injection hook)
#include "vault/fault.hpp"
#endif

namespace dsr::vault {
namespace {

enum class Kind { main_db, wal, journal };

struct Bound {
  std::shared_ptr<const PageCipher> cipher;
  Layout layout;
};

// Every open Vault binds its cipher to its file's canonical path. Two Vaults of
// one file may be open in a process at once (each with its own connection):
// the path stays bound until the last of them closes.
struct Registry {
  std::mutex mu;
  std::map<std::string, std::vector<Bound>> bound;
};
Registry& registry() {
  // Never destroyed: a Vault held in a static (a fuzz harness's) closes
  // during static destruction, after a local static would be gone (fuzz_ndjson
  // found the use after free).
  static Registry& r = *new Registry;
  return r;
}

thread_local std::string t_last_error;
thread_local std::vector<std::string> t_notices;

sqlite3_vfs* g_base = nullptr;

constexpr sqlite3_int64 kFrameHeader = 24;
constexpr sqlite3_int64 kFrame = kFrameHeader + kPageSize;  // WAL frame: header + page
constexpr sqlite3_int64 kWalHeader = 32;
constexpr uint32_t kWalMagic = 0x377f0682;
constexpr unsigned char kJournalMagic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
// A journal segment header: SQLite's 28 bytes, then (in its zero padding) our
// 16-byte nonce and a 32-byte MAC of the rest.
constexpr int kJournalNonceAt = 28;
constexpr int kJournalMacAt = 44;
constexpr int kJournalHeaderUsed = 76;
constexpr unsigned char kMarkerMagic[8] = {'D', 'S', 'R', 'W', 'A', 'L', 'G', '1'};
constexpr int kMarkerMacAt = 40;
// dsr's journals hold one transaction's pages: no larger one is read (into
// memory) or played back, by the VFS or by `dsr check`.
constexpr int64_t kMaxJournal = int64_t(1) << 30;

uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
uint32_t le32(const unsigned char* p) {
  return (uint32_t(p[3]) << 24) | (uint32_t(p[2]) << 16) | (uint32_t(p[1]) << 8) | uint32_t(p[0]);
}
void put_be32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (24 - 8 * i));
}
void put_le64(unsigned char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
uint64_t le64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

struct Wipe {  // wipes a plaintext buffer when it goes out of scope
  unsigned char* p;
  size_t n;
  ~Wipe() { sodium_memzero(p, n); }
};

// A heap buffer that holds plaintext: wiped when it is released.
class PlainBuf {
 public:
  ~PlainBuf() { release(); }
  void assign(size_t n) {
    release();
    b_.assign(n, 0);
  }
  void release() {
    if (!b_.empty()) sodium_memzero(b_.data(), b_.size());
    b_.clear();
    b_.shrink_to_fit();
  }
  unsigned char* data() { return b_.data(); }
  size_t size() const { return b_.size(); }

 private:
  std::vector<unsigned char> b_;
};

bool all_zero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

// SQLite's WAL checksum (wal.c walChecksumBytes): words are big-endian when
// the WAL header's magic has its low bit set, little-endian otherwise.
void wal_checksum(bool big_endian, const unsigned char* p, size_t n, uint32_t& s1, uint32_t& s2) {
  for (size_t i = 0; i + 8 <= n; i += 8) {
    s1 += (big_endian ? be32(p + i) : le32(p + i)) + s2;
    s2 += (big_endian ? be32(p + i + 4) : le32(p + i + 4)) + s1;
  }
}

// SQLite's journal record checksum (pager.c pager_cksum).
uint32_t journal_checksum(uint32_t init, const unsigned char* page) {
  uint32_t sum = init;
  for (int i = int(kPageSize) - 200; i > 0; i -= 200) sum += page[i];
  return sum;
}

// ---- the WAL generation marker ------------------------------------------------
// 0 magic | 8 seq | 16 salts | 24 id | 40 MAC over (vault id, slot, bytes 0..40)
void marker_mac(const PageCipher& c, uint32_t slot, const unsigned char* rec, unsigned char out[32]) {
  unsigned char msg[16 + 1 + kMarkerMacAt];
  std::memcpy(msg, c.vault_id().data(), 16);
  msg[16] = static_cast<unsigned char>(slot);
  std::memcpy(msg + 17, rec, kMarkerMacAt);
  c.mac(msg, sizeof msg, out);
}

void encode_marker(const PageCipher& c, const WalMarker& m, uint32_t slot, unsigned char* out) {
  std::memset(out, 0, kMarkerSlotBytes);
  std::memcpy(out, kMarkerMagic, 8);
  put_le64(out + 8, m.seq);
  std::memcpy(out + 16, m.salts.data(), 8);
  std::memcpy(out + 24, m.id.data(), 16);
  marker_mac(c, slot, out, out + kMarkerMacAt);
}

std::optional<WalMarker> decode_marker(const PageCipher& c, const unsigned char* in, uint32_t slot) {
  if (std::memcmp(in, kMarkerMagic, 8) != 0) return std::nullopt;
  unsigned char msg[16 + 1 + kMarkerMacAt];
  std::memcpy(msg, c.vault_id().data(), 16);
  msg[16] = static_cast<unsigned char>(slot);
  std::memcpy(msg + 17, in, kMarkerMacAt);
  if (!c.mac_ok(msg, sizeof msg, in + kMarkerMacAt)) return std::nullopt;
  WalMarker m;
  m.seq = le64(in + 8);
  std::memcpy(m.salts.data(), in + 16, 8);
  std::memcpy(m.id.data(), in + 24, 16);
  return m;
}

// What a WAL frame is bound to: the vault, the WAL generation, the frame's
// position and its page number and commit field.
constexpr size_t kFrameAdBytes = 16 + 1 + 16 + 8 + 8;
void frame_ad(const PageCipher& c, const WalMarker& m, uint64_t k, const unsigned char hdr8[8],
              unsigned char ad[kFrameAdBytes]) {
  std::memcpy(ad, c.vault_id().data(), 16);
  ad[16] = 'W';
  std::memcpy(ad + 17, m.id.data(), 16);
  put_le64(ad + 33, k);
  std::memcpy(ad + 41, hdr8, 8);
}

// What a journal record is bound to: the vault, its segment's nonce, its
// offset in the journal and its page number.
constexpr size_t kRecordAdBytes = 16 + 1 + 16 + 8 + 4;
void record_ad(const PageCipher& c, const unsigned char nonce[16], uint64_t page_off, uint32_t pgno,
               unsigned char ad[kRecordAdBytes]) {
  std::memcpy(ad, c.vault_id().data(), 16);
  ad[16] = 'J';
  std::memcpy(ad + 17, nonce, 16);
  put_le64(ad + 33, page_off);
  put_be32(ad + 41, pgno);
}

// The MAC of a journal segment header at `off`: over the vault id, the
// offset, SQLite's 28 bytes and the nonce.
void journal_header_mac(const PageCipher& c, uint64_t off, const unsigned char* hdr, unsigned char out[32]) {
  unsigned char msg[16 + 1 + 8 + kJournalMacAt];
  std::memcpy(msg, c.vault_id().data(), 16);
  msg[16] = 'J';
  put_le64(msg + 17, off);
  std::memcpy(msg + 25, hdr, kJournalMacAt);
  c.mac(msg, sizeof msg, out);
}

std::string frame_name(uint64_t k, uint32_t pgno) {
  return "frame " + std::to_string(k + 1) + " of the WAL (page " + std::to_string(pgno) + ")";
}

// Decodes the journal in raw[0, size) as SQLite would play it back. Writes
// into `image` (size bytes, zero-filled; may be null) exactly what SQLite
// wrote: plaintext pages and the checksums recomputed from them. Returns what
// is wrong, or empty.
std::string decode_journal(const unsigned char* raw, int64_t size, const PageCipher& c, unsigned char* image) {
  int64_t hdr = 0;
  for (int seg = 1; hdr + 28 <= size; ++seg) {
    // A segment's magic is written once its records are synced: before that it
    // is zero, and only the writer rolling back its own transaction plays it
    // (a journal whose first byte is zero is never hot). Such a header is
    // decoded when it authenticates; anything else ends the journal, as SQLite
    // would end it.
    const bool magic = std::memcmp(raw + hdr, kJournalMagic, 8) == 0;
    if (!magic && !all_zero(raw + hdr, 8)) break;
    std::string where = "segment " + std::to_string(seg) + " of the rollback journal";
    if (hdr + kJournalHeaderUsed > size) {
      if (!magic) break;
      return "the header of " + where + " is cut short";
    }
    unsigned char mac[32];
    journal_header_mac(c, uint64_t(hdr), raw + hdr, mac);
    if (sodium_memcmp(mac, raw + hdr + kJournalMacAt, 32) != 0) {
      if (!magic) break;
      return "the header of " + where + " fails authentication (not written by dsr with this vault's key)";
    }
    uint32_t nrec = be32(raw + hdr + 8), init = be32(raw + hdr + 12), sector = be32(raw + hdr + 20),
             pgsz = be32(raw + hdr + 24);
    if (pgsz != kPageSize || sector < 512 || sector > 65536 || (sector & (sector - 1)) != 0)
      return "the header of " + where + " has impossible parameters";
    if (image) std::memcpy(image + hdr, raw + hdr, 28);  // SQLite wrote zeros after its 28 bytes
    const unsigned char* nonce = raw + hdr + kJournalNonceAt;
    const int64_t rec = hdr + sector, rec_size = int64_t(pgsz) + 8;
    const bool counted = nrec != 0 && nrec != 0xffffffffu;
    unsigned char plain[kPageSize];
    Wipe w{plain, sizeof plain};
    uint64_t played = 0;
    for (uint64_t i = 0;; ++i) {
      int64_t r = rec + int64_t(i) * rec_size;
      if (counted && i >= nrec) break;  // never played back: left as zeros
      if (r + rec_size > size) {
        if (counted) return "record " + std::to_string(i + 1) + " of " + where + " is cut short";
        break;
      }
      uint32_t pgno = be32(raw + r);
      unsigned char ad[kRecordAdBytes];
      record_ad(c, nonce, uint64_t(r + 4), pgno, ad);
      if (pgno == 0 || !c.decrypt_bound(ad, sizeof ad, raw + r + 4, plain)) {
        if (counted)
          return "record " + std::to_string(i + 1) + " (page " + std::to_string(pgno) + ") of " + where +
                 " fails authentication (not written by dsr with this vault's key)";
        break;  // the end of what an uncounted segment holds
      }
      if (image) {
        put_be32(image + r, pgno);
        std::memcpy(image + r + 4, plain, kPageSize);
        put_be32(image + r + 4 + kPageSize, journal_checksum(init, plain));
      }
      ++played;
    }
    int64_t end = rec + int64_t(played) * rec_size;
    hdr = (end + sector - 1) / sector * sector;
  }
  return {};
}

// ---- files ------------------------------------------------------------------------
// Where this connection believes the WAL stands: the marker of the generation
// the WAL on disk belongs to. Checked again after every shared-memory lock
// (another process may have started a new generation meanwhile).
struct Generation {
  bool checked = false;
  bool known = false;
  WalMarker marker;
};

struct File;
struct FileState {
  Kind kind = Kind::main_db;
  Bound bound;
  std::string name;
  File* main = nullptr;  // our main-database file (itself, for the main file)
  // main file
  Generation gen;
  // WAL: the frame header last written (for the page that follows it), and
  // what recovery found when it last read the WAL header. SQLite writes a
  // frame as its header, then its page: the header (as stored) waits in
  // `pending` and goes to disk with the page in one write (one system call a
  // frame instead of two); any other call on the file writes it first.
  sqlite3_int64 hdr_off = -1;
  unsigned char hdr[8] = {};
  bool hdr_pending = false;
  unsigned char pending[24] = {};
  bool scanned = false;
  uint64_t replay_frames = 0;
  std::vector<uint32_t> checksums;
  // journal: the segment being written, and the authenticated plaintext image read back
  sqlite3_int64 seg_off = -1;
  unsigned char seg_nonce[16] = {};
  sqlite3_int64 pgno_off = -1;
  uint32_t pgno = 0;
  bool image_ok = false;
  PlainBuf image;
};

struct File {
  sqlite3_file base;
  FileState* st;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
  const PageCipher& cipher() const { return *st->bound.cipher; }
  sqlite3_int64 data_offset() const { return st->bound.layout.data_offset; }
};

int real_read(File* f, void* buf, int n, sqlite3_int64 off) {
  return f->real()->pMethods->xRead(f->real(), buf, n, off);
}
int real_write(File* f, const void* buf, int n, sqlite3_int64 off) {
  return f->real()->pMethods->xWrite(f->real(), buf, n, off);
}

ReadAt reader_of(sqlite3_file* real) {
  return [real](unsigned char* buf, long n, int64_t off) -> long {
    int rc = real->pMethods->xRead(real, buf, int(n), off);
    if (rc == SQLITE_OK) return n;
    if (rc != SQLITE_IOERR_SHORT_READ) return -1;
    sqlite3_int64 size = 0;
    if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) return -1;
    return long(std::clamp<sqlite3_int64>(size - off, 0, n));
  };
}

void note_failure(const std::string& what) { t_last_error = what; }

std::string file_label(const File* f) {
  const std::string& n = f->st->name;
  return n.empty() ? std::string() : " (" + n + ")";
}

// ---- main database: pages at data_offset + (pgno-1)*kPageSize -----------------
int main_read_page(File* f, unsigned char* out, sqlite3_int64 off) {
  unsigned char raw[kPageSize];  // ciphertext only: no need to wipe
  uint32_t pgno = uint32_t(off / kPageSize + 1);
  int rc = real_read(f, raw, kPageSize, f->data_offset() + off);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    // SQLite reads past the end of the main file only to learn that a new
    // database is empty: page 1 of a file holding no page. Any other short
    // read is a file cut short (a page in half, or whole pages gone that the
    // WAL does not hold): serving zeros would hand SQLite pages nobody wrote.
    sqlite3_int64 size = 0;
    const bool empty = f->real()->pMethods->xFileSize(f->real(), &size) == SQLITE_OK &&
                       size <= f->data_offset();
    if (pgno != 1 || !empty || !all_zero(raw, kPageSize)) {
      note_failure("page " + std::to_string(pgno) + " of the main file is truncated");
      return SQLITE_IOERR_DATA;
    }
    std::memset(out, 0, kPageSize);
    return SQLITE_IOERR_SHORT_READ;
  }
  if (rc != SQLITE_OK) return rc;
  if (!f->cipher().decrypt(pgno, raw, out)) {
    std::memset(out, 0, kPageSize);
    note_failure("page " + std::to_string(pgno) +
                 " of the main file fails authentication (tampered, swapped or corrupt)");
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

int main_write(File* f, const unsigned char* in, int n, sqlite3_int64 off) {
  constexpr int kPage = int(kPageSize);
  if (off < 0 || n < 0 || off % kPage != 0 || n % kPage != 0) return SQLITE_IOERR_WRITE;
  unsigned char out[kPageSize];  // never encrypt in SQLite's buffer
  for (int i = 0; i < n; i += kPage) {
    // SQLite must have left the reserved bytes zero: if not, the page would
    // not round-trip, so refuse rather than lose data.
    if (!reserve_is_zero(in + i)) return SQLITE_IOERR_WRITE;
    sqlite3_int64 o = off + i;
    f->cipher().encrypt(uint32_t(o / kPageSize + 1), in + i, out);
    int rc = real_write(f, out, kPageSize, f->data_offset() + o);
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

// ---- WAL: 32-byte header, then frames of a 24-byte header and a page ----------
int legacy_refusal(File* f, const char* what) {
  note_failure(std::string("the vault is of format 2 and its ") + what + file_label(f) +
               " holds changes that cannot be authenticated; dsr upgrades such a vault only with an empty " + what +
               ": open it once with the release that wrote it, then again with this one");
  return SQLITE_IOERR_DATA;
}

File* main_of(File* f) { return f->st->main; }

// Brings the connection's idea of the WAL generation up to date with the WAL
// header on disk.
int check_generation(File* w) {
  Generation& g = main_of(w)->st->gen;
  if (g.checked) return SQLITE_OK;
  unsigned char h[kWalHeader];
  int rc = real_read(w, h, int(kWalHeader), 0);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    g.known = false;
    g.checked = true;
    return SQLITE_OK;
  }
  if (rc != SQLITE_OK) return rc;
  if (!(g.known && std::memcmp(h + 16, g.marker.salts.data(), 8) == 0)) {
    auto m = read_wal_marker(reader_of(main_of(w)->real()), w->cipher());
    g.known = m && std::memcmp(m->salts.data(), h + 16, 8) == 0;
    if (g.known) g.marker = *m;
  }
  g.checked = true;
  return SQLITE_OK;
}

// A new WAL generation begins with SQLite's write of the WAL header: first the
// marker naming it goes into the main file, synced, so that no frame of it can
// be on disk while the vault still names the previous generation.
int wal_new_generation(File* w, const unsigned char* hdr) {
  File* m = main_of(w);
  const PageCipher& c = w->cipher();
  auto current = read_wal_marker(reader_of(m->real()), c);
  WalMarker next;
  next.seq = current ? current->seq + 1 : 1;
  std::memcpy(next.salts.data(), hdr + 16, 8);
  randombytes_buf(next.id.data(), next.id.size());
  const uint32_t slot = uint32_t(next.seq % 2);
  unsigned char rec[kMarkerSlotBytes];
  encode_marker(c, next, slot, rec);
  int rc = m->real()->pMethods->xWrite(m->real(), rec, int(kMarkerSlotBytes), kMarkerAt + slot * kMarkerSlotBytes);
  if (rc == SQLITE_OK) rc = m->real()->pMethods->xSync(m->real(), SQLITE_SYNC_FULL);
  if (rc != SQLITE_OK) return rc;
  m->st->gen = Generation{true, true, next};
  return real_write(w, hdr, int(kWalHeader), 0);
}

// Writes the frame header that waits for its page (see FileState), if one does.
int wal_flush_header(File* w) {
  FileState& s = *w->st;
  if (!s.hdr_pending) return SQLITE_OK;
  s.hdr_pending = false;
  return real_write(w, s.pending, int(kFrameHeader), s.hdr_off);
}

int wal_encrypt_write(File* w, uint64_t k, const unsigned char hdr8[8], const unsigned char* page,
                      sqlite3_int64 off) {
  if (!reserve_is_zero(page)) return SQLITE_IOERR_WRITE;
  int rc = check_generation(w);
  if (rc != SQLITE_OK) return rc;
  const Generation& g = main_of(w)->st->gen;
  if (!g.known) {
    note_failure("the WAL" + file_label(w) + " belongs to no generation the vault names; nothing was written");
    return SQLITE_IOERR_WRITE;
  }
  unsigned char ad[kFrameAdBytes];
  frame_ad(w->cipher(), g.marker, k, hdr8, ad);
  FileState& s = *w->st;
  unsigned char out[kFrame];  // the frame header that waits for this page (if it does), then the page
  w->cipher().encrypt_bound(ad, sizeof ad, page, out + kFrameHeader);
  if (s.hdr_pending && s.hdr_off == off - kFrameHeader) {
    std::memcpy(out, s.pending, kFrameHeader);
    s.hdr_pending = false;
    return real_write(w, out, int(kFrame), off - kFrameHeader);
  }
  rc = wal_flush_header(w);
  return rc != SQLITE_OK ? rc : real_write(w, out + kFrameHeader, kPageSize, off);
}

int wal_write_header(File* w, const unsigned char* in, sqlite3_int64 off) {
  int rc = wal_flush_header(w);
  if (rc != SQLITE_OK) return rc;
  FileState& s = *w->st;
  std::memcpy(s.hdr, in, 8);
  s.hdr_off = off;
  std::memcpy(s.pending, in, 16);
  std::memset(s.pending + 16, 0, 8);  // SQLite's checksum covers the plaintext page: never stored
  s.hdr_pending = true;  // written with its page (wal_encrypt_write) or before anything else
  return SQLITE_OK;
}

int wal_write(File* w, const unsigned char* in, int n, sqlite3_int64 off) {
  FileState& s = *w->st;
  if (s.bound.layout.legacy) return legacy_refusal(w, "WAL");
  s.scanned = false;  // the WAL changes: what recovery found no longer holds
  if (off == 0 && n == int(kWalHeader)) {
    int rc = wal_flush_header(w);
    return rc != SQLITE_OK ? rc : wal_new_generation(w, in);
  }
  if (off < kWalHeader) return SQLITE_IOERR_WRITE;
  sqlite3_int64 rel = (off - kWalHeader) % kFrame;
  uint64_t k = uint64_t((off - kWalHeader) / kFrame);
  if (rel == 0 && n == int(kFrameHeader)) return wal_write_header(w, in, off);
  if (!(rel == kFrameHeader && n == int(kPageSize) && s.hdr_off == off - kFrameHeader)) {
    int rc = wal_flush_header(w);
    if (rc != SQLITE_OK) return rc;
  }
  if (rel == kFrameHeader && n == int(kPageSize)) {
    // The page after its header, or rewritten alone within a transaction.
    unsigned char hdr8[8];
    if (s.hdr_off == off - kFrameHeader) {
      std::memcpy(hdr8, s.hdr, 8);
    } else {
      int rc = real_read(w, hdr8, 8, off - kFrameHeader);
      if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
    }
    return wal_encrypt_write(w, k, hdr8, in, off);
  }
  if (rel == 0 && n == int(kFrame)) {
    int rc = wal_write_header(w, in, off);
    return rc != SQLITE_OK ? rc : wal_encrypt_write(w, k, in, in + kFrameHeader, off + kFrameHeader);
  }
  return SQLITE_IOERR_WRITE;  // any other shape could put plaintext on disk
}

// Decrypts the page of frame k (its header in frame[0..24), the page after it).
bool wal_open_frame(File* w, uint64_t k, const unsigned char* frame, unsigned char* out) {
  const Generation& g = main_of(w)->st->gen;
  if (!g.known || be32(frame) == 0) return false;
  unsigned char ad[kFrameAdBytes];
  frame_ad(w->cipher(), g.marker, k, frame, ad);
  return w->cipher().decrypt_bound(ad, sizeof ad, frame + kFrameHeader, out);
}

// A page read on its own (a reader's page lookup, a checkpoint's copy).
int wal_read_page(File* w, unsigned char* out, sqlite3_int64 off) {
  unsigned char frame[kFrame];  // ciphertext only
  uint64_t k = uint64_t((off - kWalHeader) / kFrame);
  int rc = real_read(w, frame, int(kFrame), off - kFrameHeader);
  if (rc == SQLITE_IOERR_SHORT_READ) {
    // SQLite only reads frames the wal-index lists as committed: a missing one is damage.
    note_failure("frame " + std::to_string(k + 1) + " of the WAL" + file_label(w) + " is truncated");
    return SQLITE_IOERR_DATA;
  }
  if (rc != SQLITE_OK) return rc;
  rc = check_generation(w);
  if (rc != SQLITE_OK) return rc;
  if (!wal_open_frame(w, k, frame, out)) {
    std::memset(out, 0, kPageSize);
    note_failure(frame_name(k, be32(frame)) + file_label(w) + " fails authentication (tampered or corrupt)");
    return SQLITE_IOERR_DATA;
  }
  return SQLITE_OK;
}

// SQLite reads the WAL header only to recover the WAL (the first connection
// after the last one closed): scan the whole WAL first and decide what replays.
int wal_recover_header(File* w, unsigned char* out) {
  FileState& s = *w->st;
  int rc = real_read(w, out, int(kWalHeader), 0);
  s.scanned = false;
  if (rc != SQLITE_OK) return rc;
  Generation& g = main_of(w)->st->gen;
  auto marker = read_wal_marker(reader_of(main_of(w)->real()), w->cipher());
  WalScan scan = scan_wal(reader_of(w->real()), w->cipher(), marker);
  switch (scan.state) {
    case WalScan::State::none:
      return SQLITE_OK;
    case WalScan::State::stale:
      // Its frames were all checkpointed before the generation that followed
      // it began, or it was put back from an earlier state: replay none of it.
      std::memset(out, 0, 4);
      g.known = false;
      g.checked = false;
      t_notices.push_back("ignored the WAL" + file_label(w) +
                          ": it does not belong to the vault's current state (left at the start of a write that "
                          "crashed, or put back from earlier); nothing in it was applied");
      return SQLITE_OK;
    case WalScan::State::damaged:
      note_failure(scan.problem() + file_label(w));
      return SQLITE_IOERR_DATA;
    case WalScan::State::ok:
      s.scanned = true;
      s.replay_frames = scan.frames;
      s.checksums = std::move(scan.checksums);
      g = Generation{true, true, *marker};
      return SQLITE_OK;
  }
  return SQLITE_OK;
}

// Whole frames (recovery, and a writer rewriting its frames' checksums) and any
// other shape: frame headers with the checksums recovery computed (zeros
// otherwise), pages decrypted; never a byte that failed authentication.
int wal_read(File* w, unsigned char* out, int n, sqlite3_int64 off) {
  FileState& s = *w->st;
  if (s.bound.layout.legacy) return legacy_refusal(w, "WAL");
  if (int rc = wal_flush_header(w); rc != SQLITE_OK) return rc;
  if (off == 0 && n == int(kWalHeader)) return wal_recover_header(w, out);
  if (n == int(kPageSize) && off >= kWalHeader + kFrameHeader && (off - kWalHeader) % kFrame == kFrameHeader)
    return wal_read_page(w, out, off);
  int rc = real_read(w, out, n, off);
  if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) return rc;
  const bool short_read = rc == SQLITE_IOERR_SHORT_READ;
  const sqlite3_int64 end = off + n;
  if (end <= kWalHeader) return rc;
  int grc = check_generation(w);
  if (grc != SQLITE_OK) return grc;
  unsigned char frame[kFrame];
  unsigned char plain[kPageSize];
  Wipe wipe{plain, sizeof plain};
  uint64_t first = off <= kWalHeader ? 0 : uint64_t((off - kWalHeader) / kFrame);
  for (uint64_t k = first; kWalHeader + sqlite3_int64(k) * kFrame < end; ++k) {
    const sqlite3_int64 fh = kWalHeader + sqlite3_int64(k) * kFrame, fp = fh + kFrameHeader;
    const bool replays = s.scanned && k < s.replay_frames;
    int r = real_read(w, frame, int(kFrame), fh);
    const bool whole = r == SQLITE_OK;
    if (r != SQLITE_OK && r != SQLITE_IOERR_SHORT_READ) return r;
    // The header: page number and commit as stored; salts and checksums as recovery
    // established them (zeros where it did not: SQLite then stops there).
    unsigned char h[kFrameHeader];
    std::memcpy(h, frame, 8);
    if (replays) {
      std::memcpy(h + 8, main_of(w)->st->gen.marker.salts.data(), 8);
      put_be32(h + 16, s.checksums[2 * k]);
      put_be32(h + 20, s.checksums[2 * k + 1]);
    } else {
      std::memcpy(h + 8, frame + 8, 8);
      std::memset(h + 16, 0, 8);
    }
    for (sqlite3_int64 i = std::max(off, fh); i < std::min(end, fp); ++i) out[i - off] = h[i - fh];
    if (std::max(off, fp) >= std::min(end, fp + sqlite3_int64(kPageSize))) continue;  // no part of the page
    bool opened = whole && wal_open_frame(w, k, frame, plain);
    if (!opened) {
      if (!whole || (s.scanned && !replays)) {
        std::memset(plain, 0, kPageSize);  // a torn tail recovery drops: never raw bytes
      } else {
        note_failure(frame_name(k, be32(frame)) + file_label(w) + " fails authentication (tampered or corrupt)");
        return SQLITE_IOERR_DATA;
      }
    }
    sqlite3_int64 from = std::max(off, fp), to = std::min(end, fp + sqlite3_int64(kPageSize));
    std::memcpy(out + (from - off), plain + (from - fp), size_t(to - from));
  }
  if (off < kWalHeader) {
    // The WAL header itself is stored as SQLite wrote it: already in out.
  }
  return short_read ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

// ---- rollback journal: segment headers, then records of pgno | page | checksum ----
// Segment headers sit at sector boundaries and records are pgsz+8 long, so a
// record's page starts at an offset that is 4 mod 8 and its page number and
// checksum at 0 and 4 mod 8 respectively.
int journal_write(File* j, const unsigned char* in, int n, sqlite3_int64 off) {
  FileState& s = *j->st;
  if (s.bound.layout.legacy) return legacy_refusal(j, "rollback journal");
  s.image_ok = false;
  s.image.release();
  const PageCipher& c = j->cipher();
  if (n >= 28 && off % 8 == 0 && be32(in + 24) == kPageSize) {
    // A new segment header (its magic and record count still zero unless the
    // journal is not synced): give it a nonce and authenticate it.
    if (n < kJournalHeaderUsed || !all_zero(in + 28, size_t(kJournalHeaderUsed - 28))) return SQLITE_IOERR_WRITE;
    std::vector<unsigned char> buf(in, in + n);
    randombytes_buf(buf.data() + kJournalNonceAt, 16);
    journal_header_mac(c, uint64_t(off), buf.data(), buf.data() + kJournalMacAt);
    s.seg_off = off;
    std::memcpy(s.seg_nonce, buf.data() + kJournalNonceAt, 16);
    return real_write(j, buf.data(), n, off);
  }
  if (n == 12 && off % 8 == 0 && std::memcmp(in, kJournalMagic, 8) == 0) {
    // The record count of a segment, written once its records are synced.
    unsigned char hdr[kJournalHeaderUsed];
    int rc = real_read(j, hdr, kJournalHeaderUsed, off);
    if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
    std::memcpy(hdr, in, 12);
    journal_header_mac(c, uint64_t(off), hdr, hdr + kJournalMacAt);
    return real_write(j, hdr, kJournalHeaderUsed, off);
  }
  if (n == 4 && off % 8 == 0) {  // a record's page number
    s.pgno_off = off;
    s.pgno = be32(in);
    return real_write(j, in, n, off);
  }
  if (n == int(kPageSize) && off % 8 == 4) {  // a record's page
    if (!reserve_is_zero(in) || s.seg_off < 0 || off < s.seg_off) return SQLITE_IOERR_WRITE;
    uint32_t pgno = s.pgno;
    if (s.pgno_off != off - 4) {
      unsigned char b[4];
      int rc = real_read(j, b, 4, off - 4);
      if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_WRITE : rc;
      pgno = be32(b);
    }
    unsigned char ad[kRecordAdBytes];
    record_ad(c, s.seg_nonce, uint64_t(off), pgno, ad);
    unsigned char out[kPageSize];
    c.encrypt_bound(ad, sizeof ad, in, out);
    return real_write(j, out, kPageSize, off);
  }
  if (n == 4 && off % 8 == 4) {  // a record's checksum: computed over plaintext, never stored
    const unsigned char zero[4] = {0, 0, 0, 0};
    return real_write(j, zero, 4, off);
  }
  if (n <= 28 && all_zero(in, size_t(n))) return real_write(j, in, n, off);  // a header cleared
  return SQLITE_IOERR_WRITE;  // not a shape dsr's journals take (no super-journals): refuse plaintext
}

// The first read of a journal authenticates all of it and keeps what SQLite
// wrote; every read is then served from that image.
int journal_load(File* j) {
  FileState& s = *j->st;
  sqlite3_int64 size = 0;
  int rc = j->real()->pMethods->xFileSize(j->real(), &size);
  if (rc != SQLITE_OK) return rc;
  if (size > kMaxJournal) {
    note_failure("the rollback journal" + file_label(j) + " is larger than dsr ever writes one (1 GiB)");
    return SQLITE_IOERR_DATA;
  }
  std::vector<unsigned char> raw(static_cast<size_t>(size));
  for (sqlite3_int64 at = 0; at < size;) {
    int chunk = int(std::min<sqlite3_int64>(size - at, 1 << 20));
    rc = real_read(j, raw.data() + at, chunk, at);
    if (rc != SQLITE_OK) return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_IOERR_DATA : rc;
    at += chunk;
  }
  s.image.assign(size_t(size));
  std::string problem = decode_journal(raw.data(), size, j->cipher(), s.image.data());
  if (!problem.empty()) {
    s.image.release();
    note_failure(problem + file_label(j) +
                 ": nothing in it was applied. dsr never leaves a journal beside a vault in normal use: move it "
                 "away and run `dsr check`");
    return SQLITE_IOERR_DATA;
  }
  s.image_ok = true;
  return SQLITE_OK;
}

int journal_read(File* j, unsigned char* out, int n, sqlite3_int64 off) {
  FileState& s = *j->st;
  if (s.bound.layout.legacy) {
    sqlite3_int64 size = 0;
    int rc = j->real()->pMethods->xFileSize(j->real(), &size);
    if (rc != SQLITE_OK) return rc;
    if (size > 0) return legacy_refusal(j, "rollback journal");
    std::memset(out, 0, size_t(n));
    return SQLITE_IOERR_SHORT_READ;
  }
  if (!s.image_ok) {
    int rc = journal_load(j);
    if (rc != SQLITE_OK) return rc;
  }
  sqlite3_int64 size = sqlite3_int64(s.image.size());
  std::memset(out, 0, size_t(n));
  if (off < size) std::memcpy(out, s.image.data() + off, size_t(std::min<sqlite3_int64>(n, size - off)));
  return off + n > size ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

// ---- sqlite3_io_methods -----------------------------------------------------------
File* as(sqlite3_file* p) { return reinterpret_cast<File*>(p); }

// Where SQLite's offset 0 of a file lies in the real file: past the vault
// header in the main database, at 0 in the others.
sqlite3_int64 shift(File* f) { return f->st->kind == Kind::main_db ? f->data_offset() : 0; }
// A vault file replaced under an open connection (a rekey in another process
// renames a new file over the path) must not be used through the old file any
// more: its WAL and shared memory now belong to the new one. Every new lock is
// refused, so a command fails with "run it again" instead of committing into
// an unlinked file, or checkpointing and truncating the WAL when it closes.
bool replaced(File* f) {
  int moved = 0;
  return f->st->kind == Kind::main_db &&
         f->real()->pMethods->xFileControl(f->real(), SQLITE_FCNTL_HAS_MOVED, &moved) == SQLITE_OK && moved;
}
int refuse_replaced() {
  t_last_error = "the vault file was replaced while this command had it open (a rekey by another process?); "
                 "nothing was written through the old file: run the command again";
  return SQLITE_IOERR_LOCK;
}

// Reads and writes go through the cipher at the shifted offsets; syncs,
// unlocks and the shared memory pass to the real file.
struct CipherMethods : ForwardFile<File> {
  // A WAL frame header that waits for its page goes to disk before any other
  // call on the file (FileState).
  static int flush(File* f) { return f->st->kind == Kind::wal ? wal_flush_header(f) : SQLITE_OK; }
  static int close(sqlite3_file* p) {
    File* f = as(p);
    int frc = f->real()->pMethods ? flush(f) : SQLITE_OK;
    int rc = f->real()->pMethods ? f->real()->pMethods->xClose(f->real()) : SQLITE_OK;
    if (rc == SQLITE_OK) rc = frc;
    delete f->st;
    f->st = nullptr;
    return rc;
  }
  static int read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off) {
    File* f = as(p);
    auto* out = static_cast<unsigned char*>(buf);
    switch (f->st->kind) {
      case Kind::main_db: return main_read(f, out, n, off);
      case Kind::wal: return wal_read(f, out, n, off);
      case Kind::journal: return journal_read(f, out, n, off);
    }
    return SQLITE_IOERR_READ;
  }
  static int write(sqlite3_file* p, const void* buf, int n, sqlite3_int64 off) {
    File* f = as(p);
    auto* in = static_cast<const unsigned char*>(buf);
    switch (f->st->kind) {
      case Kind::main_db: return main_write(f, in, n, off);
      case Kind::wal: return wal_write(f, in, n, off);
      case Kind::journal: return journal_write(f, in, n, off);
    }
    return SQLITE_IOERR_WRITE;
  }
  static int truncate(sqlite3_file* p, sqlite3_int64 size) {
    File* f = as(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    f->st->scanned = false;
    f->st->image_ok = false;
    f->st->image.release();
    return f->real()->pMethods->xTruncate(f->real(), size + shift(f));
  }
  static int sync(sqlite3_file* p, int flags) {
    File* f = as(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    return f->real()->pMethods->xSync(f->real(), flags);
  }
  static int file_size(sqlite3_file* p, sqlite3_int64* size) {
    File* f = as(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    if (f->st->kind == Kind::journal && f->st->image_ok) {
      *size = sqlite3_int64(f->st->image.size());
      return SQLITE_OK;
    }
    int rc = f->real()->pMethods->xFileSize(f->real(), size);
    if (rc == SQLITE_OK) *size = std::max<sqlite3_int64>(0, *size - shift(f));
    return rc;
  }
  static int lock(sqlite3_file* p, int l) {
    if (replaced(as(p))) return refuse_replaced();
    if (int rc = flush(as(p)); rc != SQLITE_OK) return rc;
    return as(p)->real()->pMethods->xLock(as(p)->real(), l);
  }
  static int unlock(sqlite3_file* p, int l) {
    if (int rc = flush(as(p)); rc != SQLITE_OK) return rc;
    return as(p)->real()->pMethods->xUnlock(as(p)->real(), l);
  }
  static int file_control(sqlite3_file* p, int op, void* arg) {
    File* f = as(p);
    if (int rc = flush(f); rc != SQLITE_OK) return rc;
    switch (op) {
      case SQLITE_FCNTL_MMAP_SIZE:  // memory-mapped I/O would bypass decryption
        *static_cast<sqlite3_int64*>(arg) = 0;
        return SQLITE_OK;
      case SQLITE_FCNTL_SIZE_HINT: {
        sqlite3_int64 hint = *static_cast<sqlite3_int64*>(arg) + shift(f);
        return f->real()->pMethods->xFileControl(f->real(), op, &hint);
      }
      case SQLITE_FCNTL_VFSNAME: *static_cast<char**>(arg) = sqlite3_mprintf("dsr/%s", g_base->zName); return SQLITE_OK;
      default: return f->real()->pMethods->xFileControl(f->real(), op, arg);
    }
  }
  static int device_characteristics(sqlite3_file* p) {
    int c = as(p)->real()->pMethods->xDeviceCharacteristics(as(p)->real());
    // Writes land at a shifted offset and are rewritten whole: claim no atomicity.
    return c &
           ~(SQLITE_IOCAP_ATOMIC | SQLITE_IOCAP_ATOMIC512 | SQLITE_IOCAP_ATOMIC1K | SQLITE_IOCAP_ATOMIC2K |
             SQLITE_IOCAP_ATOMIC4K | SQLITE_IOCAP_ATOMIC8K | SQLITE_IOCAP_ATOMIC16K | SQLITE_IOCAP_ATOMIC32K |
             SQLITE_IOCAP_ATOMIC64K | SQLITE_IOCAP_BATCH_ATOMIC | SQLITE_IOCAP_SAFE_APPEND | SQLITE_IOCAP_SEQUENTIAL);
  }
  static int shm_lock(sqlite3_file* p, int offset, int n, int flags) {
    File* f = as(p);
    if (flags & SQLITE_SHM_LOCK) {
      if (replaced(f)) return refuse_replaced();
      f->st->gen.checked = false;  // another process may have begun a new WAL generation
    }
    return f->real()->pMethods->xShmLock(f->real(), offset, n, flags);
  }
  static int fetch(sqlite3_file*, sqlite3_int64, int, void** pp) {
    *pp = nullptr;  // never hand out a mapping of ciphertext
    return SQLITE_OK;
  }
  static int unfetch(sqlite3_file*, sqlite3_int64, void*) { return SQLITE_OK; }
};

constexpr sqlite3_io_methods kMethods = io_methods<CipherMethods>();

std::optional<Bound> lookup(const char* db_name) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.bound.find(db_name);
  if (it == r.bound.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string base_name(const char* path) {
  const char* slash = std::strrchr(path, '/');
  return slash ? slash + 1 : path;
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = as(p);
  f->base.pMethods = nullptr;
  f->st = nullptr;
  Kind kind;
  if (flags & SQLITE_OPEN_MAIN_DB) kind = Kind::main_db;
  else if (flags & SQLITE_OPEN_WAL) kind = Kind::wal;
  else if (flags & SQLITE_OPEN_MAIN_JOURNAL) kind = Kind::journal;
  else return SQLITE_CANTOPEN;  // temp files would hold plaintext: temp_store must be MEMORY
  if (!name) return SQLITE_CANTOPEN;
  auto bound = lookup(kind == Kind::main_db ? name : sqlite3_filename_database(name));
  if (!bound) return SQLITE_CANTOPEN;  // no key bound: never read or write it in the clear
  File* main = f;
  if (kind != Kind::main_db) {
    sqlite3_file* m = sqlite3_database_file_object(name);
    if (!m || m->pMethods != &kMethods) return SQLITE_CANTOPEN;
    main = as(m);
  }
  std::memset(f->real(), 0, size_t(g_base->szOsFile));
  int rc = g_base->xOpen(g_base, name, f->real(), flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real()->pMethods) f->real()->pMethods->xClose(f->real());
    return rc;
  }
  auto* st = new (std::nothrow) FileState;
  if (!st) {
    f->real()->pMethods->xClose(f->real());
    return SQLITE_NOMEM;
  }
  st->kind = kind;
  st->bound = std::move(*bound);
  st->name = base_name(name);
  st->main = main;
  f->st = st;
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

// Everything that is not file I/O goes to the default VFS.
int x_delete(sqlite3_vfs*, const char* n, int sync) { return g_base->xDelete(g_base, n, sync); }
int x_access(sqlite3_vfs*, const char* n, int flags, int* out) { return g_base->xAccess(g_base, n, flags, out); }
int x_full_pathname(sqlite3_vfs*, const char* n, int size, char* out) {
  return g_base->xFullPathname(g_base, n, size, out);
}

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

// ---- shared with `dsr check` ------------------------------------------------------
std::optional<WalMarker> read_wal_marker(const ReadAt& main_file, const PageCipher& cipher) {
  unsigned char raw[2 * kMarkerSlotBytes];
  long got = main_file(raw, long(sizeof raw), kMarkerAt);
  if (got < 0) return std::nullopt;
  if (got < long(sizeof raw)) std::memset(raw + std::max<long>(got, 0), 0, sizeof raw - size_t(std::max<long>(got, 0)));
  std::optional<WalMarker> best;
  for (uint32_t slot = 0; slot < 2; ++slot) {
    auto m = decode_marker(cipher, raw + slot * kMarkerSlotBytes, slot);
    if (m && (!best || m->seq > best->seq)) best = m;
  }
  return best;
}

std::string WalScan::problem() const {
  if (state != State::damaged) return {};
  return "frame " + std::to_string(bad_frame) + " of the WAL (page " + std::to_string(bad_pgno) +
         ") fails authentication (tampered or corrupt) and " + std::to_string(commits_after) +
         " commit(s) after it would be lost; nothing was replayed";
}

WalScan scan_wal(const ReadAt& wal, const PageCipher& cipher, const std::optional<WalMarker>& marker) {
  WalScan r;
  unsigned char h[kWalHeader];
  if (wal(h, long(kWalHeader), 0) != long(kWalHeader)) return r;
  uint32_t magic = be32(h);
  if ((magic & ~1u) != kWalMagic || be32(h + 8) != kPageSize) return r;  // no log SQLite would replay
  const bool big = (magic & 1) != 0;
  uint32_t s1 = 0, s2 = 0;
  wal_checksum(big, h, 24, s1, s2);
  if (s1 != be32(h + 24) || s2 != be32(h + 28)) return r;  // SQLite ignores a WAL whose header is torn
  std::vector<unsigned char> frame(kFrame);
  if (wal(frame.data(), long(kFrame), kWalHeader) != long(kFrame)) return r;  // not one whole frame
  if (!marker || std::memcmp(marker->salts.data(), h + 16, 8) != 0) {
    r.state = WalScan::State::stale;
    return r;
  }
  unsigned char plain[kPageSize];
  Wipe wipe{plain, sizeof plain};
  bool bad = false;
  std::vector<uint32_t> chain;
  for (uint64_t k = 0; wal(frame.data(), long(kFrame), kWalHeader + int64_t(k) * kFrame) == long(kFrame); ++k) {
    const bool commit = be32(frame.data() + 4) != 0;
    unsigned char ad[kFrameAdBytes];
    frame_ad(cipher, *marker, k, frame.data(), ad);
    bool authentic =
        be32(frame.data()) != 0 && cipher.decrypt_bound(ad, sizeof ad, frame.data() + kFrameHeader, plain);
    if (!authentic) {
      if (!bad) {
        bad = true;
        r.bad_frame = k + 1;
        r.bad_pgno = be32(frame.data());
      }
      continue;
    }
    if (bad) {
      if (commit) ++r.commits_after;
      continue;
    }
    wal_checksum(big, frame.data(), 8, s1, s2);
    wal_checksum(big, plain, kPageSize, s1, s2);
    chain.push_back(s1);
    chain.push_back(s2);
    if (commit) {
      r.frames = k + 1;
      ++r.commits;
    }
  }
  if (bad && r.commits_after > 0) {
    r.state = WalScan::State::damaged;
    return r;
  }
  chain.resize(size_t(2 * r.frames));
  r.checksums = std::move(chain);
  r.state = WalScan::State::ok;
  return r;
}

std::string decode_journal_image(const unsigned char* raw, int64_t size, const PageCipher& cipher,
                                 unsigned char* image) {
  return decode_journal(raw, size, cipher, image);
}

bool open_wal_frame(const PageCipher& cipher, const WalMarker& marker, uint64_t k, const unsigned char* frame,
                    unsigned char* out) {
  if (be32(frame) == 0) return false;
  unsigned char ad[kFrameAdBytes];
  frame_ad(cipher, marker, k, frame, ad);
  return cipher.decrypt_bound(ad, sizeof ad, frame + kFrameHeader, out);
}

std::string journal_problem(const ReadAt& journal, int64_t size, const PageCipher& cipher) {
  if (size <= 0) return {};
  if (size > kMaxJournal) return "the rollback journal is larger than dsr ever writes one (1 GiB)";
  std::vector<unsigned char> raw(static_cast<size_t>(size));
  if (journal(raw.data(), long(size), 0) != long(size)) return "the rollback journal cannot be read";
  return decode_journal(raw.data(), size, cipher, nullptr);
}

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
    register_shim_vfs(g_vfs, g_base, kVfsName, ShimMethods{int(sizeof(File)), x_open, x_delete, x_access, x_full_pathname});
  });
}

std::string bind_cipher(const std::string& db_path, std::shared_ptr<const PageCipher> cipher, Layout layout) {
  register_vfs();
  std::vector<char> full(size_t(g_base->mxPathname) + 1);
  if (g_base->xFullPathname(g_base, db_path.c_str(), int(full.size()), full.data()) != SQLITE_OK)
    return db_path;
  std::string canonical(full.data());
  auto& r = registry();
  std::lock_guard lock(r.mu);
  r.bound[canonical].push_back(Bound{std::move(cipher), layout});
  return canonical;
}

void unbind_cipher(const std::string& canonical_path, const PageCipher* owner) {
  auto& r = registry();
  std::lock_guard lock(r.mu);
  auto it = r.bound.find(canonical_path);
  if (it == r.bound.end()) return;
  auto& v = it->second;
  v.erase(std::remove_if(v.begin(), v.end(), [owner](const Bound& b) { return b.cipher.get() == owner; }), v.end());
  if (v.empty()) r.bound.erase(it);
}

std::string take_last_vfs_error() { return std::exchange(t_last_error, {}); }
void restore_last_vfs_error(std::string error) { t_last_error = std::move(error); }
std::vector<std::string> take_vfs_notices() { return std::exchange(t_notices, {}); }

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
  return reader_of(r)(buf, n, off);
}

bool header_write(sqlite3* db, const unsigned char* buf, int n, int64_t off) {
  sqlite3_file* r = real_main_file(db);
  return r && r->pMethods->xWrite(r, buf, n, off) == SQLITE_OK && r->pMethods->xSync(r, SQLITE_SYNC_FULL) == SQLITE_OK;
}

}  // namespace dsr::vault
