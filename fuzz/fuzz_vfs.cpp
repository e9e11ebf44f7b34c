// Fuzzes the encrypting VFS (vault/vfs.hpp) and everything that opens a vault
// over damaged or forged files: the main file, its WAL and a rollback journal,
// as an attacker with write access to the folder but no key could leave them.
//
// At start-up the harness writes a vault with a known key file and builds
// three templates from it (each a set of files as a crash would leave them):
//   0: the main file alone (cleanly closed);
//   1: the main file and a WAL with committed transactions and an
//      uncommitted tail (spilled frames of a transaction still open);
//   2: the main file in rollback mode and a hot journal (a transaction
//      killed after its journal was synced and pages were spilled).
// An input picks a template and edits its files with a small program of
// byte- and structure-level operations (flip, overwrite, truncate, copy or
// swap pages / frames / records between the files, set a header field,
// recompute SQLite's WAL or journal checksums over what the VFS shows SQLite,
// delete a file). Then it opens the vault, reads every row, closes it, scans
// the files, and runs `dsr check` (check_vault); when that says ok, it opens
// and reads everything once more.
//
// Findings (abort): a crash, leak, hang or sanitizer report; a page in the
// main file or WAL that authenticates under the key but holds content the
// harness never wrote through the VFS (forged data accepted as the key's);
// `check` saying ok about a vault that then fails to open or read.
// With DSR_FUZZ_STRICT=1 (for the WAL/journal rewrite of issue 11) also: a
// row read back that is not as written (pages of different ages mixed), and
// any failure that is not reported as damage (exit 6). Strict mode makes no
// main-file page rollbacks, a documented limit.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "fuzz/fuzz_support.hpp"
#include "vault/header.hpp"
#include "vault/page_cipher.hpp"
#include "vault/vfs.hpp"

using namespace dsr;
using namespace dsr::vault;

namespace {

constexpr size_t kPage = kPageSize;
constexpr size_t kHdr = kHeaderBytes;
constexpr size_t kFrameBytes = 24 + kPage;
constexpr int kMain = 0, kWal = 1, kJournal = 2;

// ---- the rows this harness writes ---------------------------------------------
// Row (id, gen) always carries body(id, gen): anything else read back is wrong data.
std::string body(int64_t id, int64_t gen) {
  size_t len = 1 + size_t((id * 7919 + gen * 131) % 4700);  // up to ~4.7 KiB: some rows overflow
  std::string s(len, '\0');
  uint32_t x = uint32_t(id * 2654435761u) ^ uint32_t(gen * 40503u);
  for (size_t i = 0; i < len; ++i) {
    x = x * 1103515245u + 12345u;
    s[i] = char('a' + (x >> 16) % 26);
  }
  return s;
}

void sql_body(sqlite3_context* ctx, int, sqlite3_value** argv) {
  std::string b = body(sqlite3_value_int64(argv[0]), sqlite3_value_int64(argv[1]));
  sqlite3_result_text(ctx, b.data(), int(b.size()), SQLITE_TRANSIENT);
}

void add_body_function(sqlite3* db) {
  sqlite3_create_function_v2(db, "fz_body", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, sql_body, nullptr,
                             nullptr, nullptr);
}

// ---- files --------------------------------------------------------------------
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}
uint32_t be32(const void* p) {
  auto* b = static_cast<const unsigned char*>(p);
  return uint32_t(b[0]) << 24 | uint32_t(b[1]) << 16 | uint32_t(b[2]) << 8 | uint32_t(b[3]);
}
void put_be32(void* p, uint32_t v) {
  auto* b = static_cast<unsigned char*>(p);
  b[0] = uint8_t(v >> 24), b[1] = uint8_t(v >> 16), b[2] = uint8_t(v >> 8), b[3] = uint8_t(v);
}
unsigned char* u(std::string& s, size_t at) { return reinterpret_cast<unsigned char*>(s.data()) + at; }

struct Files {
  std::string f[3];
  bool present[3] = {true, false, false};
};

// ---- the world ------------------------------------------------------------------
struct World {
  std::string path;  // the vault every input is written to
  Credential cred{SlotKind::key_file, Secret()};
  std::unique_ptr<PageCipher> cipher;
  Files templates[3];
  std::set<std::pair<uint32_t, std::array<unsigned char, 16>>> legit;  // (pgno, hash of plaintext)
  std::set<std::array<unsigned char, 16>> legit_page1;                // page 1 after its 100-byte header
};
World* g = nullptr;

// DSR_FUZZ_STRICT=1: the stricter findings meant for the WAL/journal rewrite.
bool strict() {
  static const bool on = std::getenv("DSR_FUZZ_STRICT") != nullptr;
  return on;
}

std::array<unsigned char, 16> hash(const unsigned char* p, size_t n) {
  std::array<unsigned char, 16> h{};
  crypto_generichash(h.data(), h.size(), p, n, nullptr, 0);
  return h;
}

void remember(uint32_t pgno, const unsigned char* plain) {
  if (pgno == 1) g->legit_page1.insert(hash(plain + 100, kPage - 100));
  g->legit.insert({pgno, hash(plain, kPage)});
}
bool is_legit(uint32_t pgno, const unsigned char* plain) {
  // SQLite writes a page of zeros itself when a rollback extends a cut file
  // to the journal's original size (pager_truncate): nothing of an attacker's.
  if (std::all_of(plain, plain + kPage, [](unsigned char c) { return c == 0; })) return true;
  if (pgno == 1) return g->legit_page1.count(hash(plain + 100, kPage - 100)) > 0;
  return g->legit.count({pgno, hash(plain, kPage)}) > 0;
}

// Where a rollback journal's records are, segment by segment, as SQLite's
// playback finds them: {offset of the record, checksum initialiser}.
std::vector<std::pair<size_t, uint32_t>> journal_records(const std::string& j) {
  static const unsigned char kMagic[8] = {0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7};
  std::vector<std::pair<size_t, uint32_t>> out;
  size_t at = 0;
  while (at + 28 <= j.size() && std::memcmp(j.data() + at, kMagic, 8) == 0 && out.size() < 4096) {
    uint32_t nrec = be32(j.data() + at + 8), init = be32(j.data() + at + 12);
    uint32_t sector = be32(j.data() + at + 20);
    if (sector < 512 || sector > 65536 || (sector & (sector - 1))) break;
    size_t rec = at + sector;
    if (nrec == 0xffffffffu) nrec = uint32_t((j.size() - std::min(j.size(), rec)) / (kPage + 8));
    for (uint32_t k = 0; k < nrec && rec + kPage + 8 <= j.size() && out.size() < 4096; ++k, rec += kPage + 8)
      out.push_back({rec, init});
    at = (rec + sector - 1) / sector * sector;
    if (nrec == 0) break;
  }
  return out;
}

// What the VFS shows SQLite of a stored page: the plaintext when it
// authenticates, its raw bytes otherwise (vfs.cpp's WAL and journal reads).
void visible(uint32_t pgno, const unsigned char* stored, unsigned char* out) {
  if (!g->cipher->decrypt(pgno, stored, out)) std::memcpy(out, stored, kPage);
}

// SQLite's WAL checksum (wal.c walChecksumBytes).
void wal_checksum(bool native, const unsigned char* a, size_t n, uint32_t& s1, uint32_t& s2) {
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint32_t x0, x1;
    if (native) {
      std::memcpy(&x0, a + i, 4);
      std::memcpy(&x1, a + i + 4, 4);
    } else {
      x0 = be32(a + i);
      x1 = be32(a + i + 4);
    }
    s1 += x0 + s2;
    s2 += x1 + s1;
  }
}

// Rewrites the WAL header checksum, then every frame's salts and checksums
// from frame `from` on, as SQLite would compute them over what it reads.
void fix_wal(std::string& w, size_t from) {
  if (w.size() < 32) return;
  bool native = (be32(w.data()) & 1) == 0;  // little-endian host
  uint32_t s1 = 0, s2 = 0;
  wal_checksum(native, u(w, 0), 24, s1, s2);
  put_be32(u(w, 24), s1);
  put_be32(u(w, 28), s2);
  unsigned char plain[kPage];
  for (size_t k = 0; 32 + (k + 1) * kFrameBytes <= w.size(); ++k) {
    unsigned char* fh = u(w, 32 + k * kFrameBytes);
    if (k >= from) std::memcpy(fh + 8, u(w, 16), 8);
    wal_checksum(native, fh, 8, s1, s2);
    visible(be32(fh), fh + 24, plain);
    wal_checksum(native, plain, kPage, s1, s2);
    if (k >= from) {
      put_be32(fh + 16, s1);
      put_be32(fh + 20, s2);
    } else {
      s1 = be32(fh + 16);
      s2 = be32(fh + 20);
    }
  }
}

// Rewrites every journal record's checksum (pager.c pager_cksum) over what SQLite reads.
void fix_journal(std::string& j) {
  unsigned char plain[kPage];
  for (auto [rec, init] : journal_records(j)) {
    visible(be32(j.data() + rec), u(j, rec + 4), plain);
    uint32_t sum = init;
    for (int i = int(kPage) - 200; i > 0; i -= 200) sum += plain[i];
    put_be32(u(j, rec + 4 + kPage), sum);
  }
}

// The structural units of each file: a main-file page, a WAL frame, a journal record.
struct Unit {
  size_t at = 0, len = 0;
  bool ok = false;
};
Unit unit(const Files& fs, int f, size_t k) {
  const std::string& s = fs.f[f];
  Unit x;
  if (f == kMain) {
    x = {kHdr + k * kPage, kPage, true};
  } else if (f == kWal) {
    x = {32 + k * kFrameBytes, kFrameBytes, true};
  } else {
    auto recs = journal_records(s);
    if (recs.empty()) return x;
    x = {recs[k % recs.size()].first, kPage + 8, true};
    return x;
  }
  size_t n = s.size() > x.at ? (s.size() - x.at) : 0;
  x.ok = n >= x.len;
  return x;
}
size_t units(const Files& fs, int f) {
  const std::string& s = fs.f[f];
  if (f == kMain) return s.size() > kHdr ? (s.size() - kHdr) / kPage : 0;
  if (f == kWal) return s.size() > 32 ? (s.size() - 32) / kFrameBytes : 0;
  return journal_records(s).size();
}
// The page inside a unit (a main page is all page; a frame and a record have a header first).
size_t page_offset(int f) { return f == kMain ? 0 : f == kWal ? 24 : 4; }

void apply(Files& fs, dsr::fuzz::Bytes& in) {
  for (int step = 0; step < 12 && !in.empty(); ++step) {
    uint8_t op = in.u8();
    int f = (op >> 4) % 3;
    std::string& s = fs.f[f];
    // Strict mode leaves out what rolls a main-file page back to an older
    // version: page-level AEAD cannot tell (a documented limit).
    int code = op & 0x0f;
    if (strict() && f == kMain && (code == 4 || code == 5 || code == 10 || code == 12 || code == 13)) continue;
    switch (code) {
      case 0: {  // flip bits of one byte
        uint32_t at = in.u24();
        uint8_t x = in.u8() | 1;
        if (!s.empty()) s[at % s.size()] ^= char(x);
        break;
      }
      case 1: {  // overwrite bytes
        size_t at = in.u24() % (s.size() + 1);
        std::string_view d = in.take(in.u8());
        if (at + d.size() > s.size()) s.resize(at + d.size());
        s.replace(at, d.size(), d);
        fs.present[f] = true;
        break;
      }
      case 2:  // truncate anywhere
        s.resize(in.u24() % (s.size() + 1));
        break;
      case 3: {  // keep the first k units (and n bytes of the next)
        size_t k = in.u8() % (units(fs, f) + 1);
        size_t extra = in.u16() % 4200;
        Unit x = unit(fs, f, k);
        if (x.ok || f != kJournal) s.resize(std::min(s.size(), x.at + extra));
        break;
      }
      case 4: {  // copy the page of unit i of file g over the page of unit j of file f
        int from = in.u8() % 3;
        size_t i = in.u8(), j = in.u8();
        if (units(fs, from) == 0 || units(fs, f) == 0) break;
        Unit a = unit(fs, from, i % units(fs, from)), b = unit(fs, f, j % units(fs, f));
        if (!a.ok || !b.ok) break;
        std::string page = fs.f[from].substr(a.at + page_offset(from), kPage);
        s.replace(b.at + page_offset(f), kPage, page);
        break;
      }
      case 5: {  // swap two whole units of one file
        size_t n = units(fs, f);
        if (n < 2) break;
        Unit a = unit(fs, f, in.u8() % n), b = unit(fs, f, in.u8() % n);
        if (!a.ok || !b.ok || a.at == b.at) break;
        std::string ua = s.substr(a.at, a.len), ub = s.substr(b.at, b.len);
        s.replace(a.at, a.len, ub);
        s.replace(b.at, b.len, ua);
        break;
      }
      case 6: {  // set a 32-bit field of a unit's header (page number, commit size, salts, checksums)
        size_t n = units(fs, f);
        uint8_t field = in.u8();
        uint32_t v = in.u32();
        if (f == kMain || n == 0) {  // main: a field of the SQLite header on page 1 (ciphertext: damage)
          if (s.size() >= kHdr + 100) put_be32(u(s, kHdr + (field % 25) * 4), v);
          break;
        }
        Unit x = unit(fs, f, in.u8() % n);
        if (!x.ok) break;
        if (f == kWal) put_be32(u(s, x.at + (field % 6) * 4), v);
        else put_be32(u(s, (field & 1) ? x.at : x.at + 4 + kPage), v);  // record: page number or checksum
        break;
      }
      case 7:  // the WAL's checksums, made to match what SQLite will read
        fix_wal(fs.f[kWal], in.u8());
        break;
      case 8:  // the journal's record checksums, likewise
        fix_journal(fs.f[kJournal]);
        break;
      case 9:  // remove the WAL or the journal (a missing main file is only "no vault")
        if (f == kMain) break;
        fs.present[f] = false;
        s.clear();
        break;
      case 10: {  // append a copy of one of the file's own units (a frame or record twice)
        size_t n = units(fs, f);
        if (n == 0) break;
        Unit a = unit(fs, f, in.u8() % n);
        if (a.ok) s += s.substr(a.at, a.len);
        break;
      }
      case 11: {  // the WAL header of one template on another's WAL (salts, sequence)
        int t = in.u8() % 3;
        const std::string& other = g->templates[t].f[kWal];
        if (other.size() >= 32 && s.size() >= 32 && f == kWal) s.replace(0, 32, other.substr(0, 32));
        break;
      }
      case 12: {  // a whole file from another template
        int t = in.u8() % 3;
        s = g->templates[t].f[f];
        fs.present[f] = g->templates[t].present[f];
        break;
      }
      case 13: {  // a page in the clear: unit i of file g as the VFS shows it (plaintext when it
                  // authenticates), written raw over the page of unit j of file f; what an attacker
                  // who knows or guesses a page would forge
        int from = in.u8() % 3;
        size_t i = in.u8(), j = in.u8();
        if (units(fs, from) == 0 || units(fs, f) == 0) break;
        Unit a = unit(fs, from, i % units(fs, from)), b = unit(fs, f, j % units(fs, f));
        if (!a.ok || !b.ok) break;
        uint32_t pgno = from == kMain ? uint32_t(a.at - kHdr) / uint32_t(kPage) + 1 : be32(fs.f[from].data() + a.at);
        unsigned char plain[kPage];
        visible(pgno, u(fs.f[from], a.at + page_offset(from)), plain);
        s.replace(b.at + page_offset(f), kPage, reinterpret_cast<const char*>(plain), kPage);
        break;
      }
      default:
        break;
    }
  }
}

// ---- reading the vault ----------------------------------------------------------
OpenOptions options() {
  OpenOptions o;
  o.lock_timeout_ms = 50;
  return o;
}

// Reads every row and returns how many are not as this harness wrote them.
// Each page authenticates, so such a row is made of pages of different ages:
// the main file with a page rolled back to an older version (a documented
// limit of page-level AEAD), or a WAL or hot journal applied in part (issue
// 11, findings 1-3, the lead's rewrite). Counted, and a finding only under
// DSR_FUZZ_STRICT, which makes no main-file rollbacks.
size_t read_rows(Vault& v, size_t* rows = nullptr) {
  size_t n = 0, wrong = 0;
  SQLite::Statement q(v.db(), "SELECT id, gen, body FROM fz");
  while (q.executeStep()) {
    int64_t id = q.getColumn(0).getInt64(), gen = q.getColumn(1).getInt64();
    std::string b = q.getColumn(2).getString();
    bool right = gen >= 1 && gen <= 4 && b == body(id, gen);
    DSR_FUZZ_CHECK(right || !strict(), "row id %lld gen %lld was never written", (long long)id, (long long)gen);
    wrong += !right;
    ++n;
  }
  SQLite::Statement k(v.db(), "SELECT name, id FROM fz_names");
  while (k.executeStep()) {
    int64_t id = k.getColumn(1).getInt64();
    bool right = k.getColumn(0).getString() == "name-" + std::to_string(id);
    DSR_FUZZ_CHECK(right || !strict(), "fz_names row %lld was never written", (long long)id);
    wrong += !right;
    ++n;
  }
  if (rows) *rows = n;
  return wrong;
}

// Every stored page that authenticates under the key, as the VFS binds it:
// main-file pages to their number, WAL frames to the generation the main
// file's marker names and their position, journal records to their segment
// and offset. visit(file, pgno, plaintext).
template <class Visit>
void for_each_authentic(const std::string& main_file, const std::string& wal, const std::string& journal,
                        Visit&& visit) {
  unsigned char plain[kPage];
  for (size_t k = 0; kHdr + (k + 1) * kPage <= main_file.size(); ++k) {
    uint32_t pgno = uint32_t(k + 1);
    if (g->cipher->decrypt(pgno, reinterpret_cast<const unsigned char*>(main_file.data()) + kHdr + k * kPage, plain))
      visit(kMain, k, pgno, plain);
  }
  vault::ReadAt main_reader = [&main_file](unsigned char* buf, long n, int64_t off) -> long {
    if (off >= int64_t(main_file.size())) return 0;
    long got = long(std::min<int64_t>(n, int64_t(main_file.size()) - off));
    std::memcpy(buf, main_file.data() + off, size_t(got));
    return got;
  };
  if (auto marker = vault::read_wal_marker(main_reader, *g->cipher)) {
    for (size_t k = 0; 32 + (k + 1) * kFrameBytes <= wal.size(); ++k) {
      const auto* fh = reinterpret_cast<const unsigned char*>(wal.data()) + 32 + k * kFrameBytes;
      if (vault::open_wal_frame(*g->cipher, *marker, k, fh, plain)) visit(kWal, k, be32(fh), plain);
    }
  }
  if (!journal.empty()) {
    std::vector<unsigned char> image(journal.size());
    vault::decode_journal_image(reinterpret_cast<const unsigned char*>(journal.data()), int64_t(journal.size()),
                                *g->cipher, image.data());
    std::string img(image.begin(), image.end());
    size_t i = 0;
    for (auto [at, init] : journal_records(img)) {
      (void)init;
      const unsigned char* page = image.data() + at + 4;
      if (std::any_of(page, page + kPage, [](unsigned char c) { return c != 0; })) visit(kJournal, i, be32(image.data() + at), page);
      ++i;
    }
  }
}

// Every page of the main file and frame of the WAL that authenticates holds
// content written through the VFS by this harness.
void scan_files() {
  std::string m = slurp(g->path), w = slurp(g->path + "-wal");
  for_each_authentic(m, w, std::string(), [](int f, size_t k, uint32_t pgno, const unsigned char* plain) {
    if (f == kMain)
      DSR_FUZZ_CHECK(is_legit(pgno, plain), "page %u of the main file authenticates but was never written", pgno);
    else
      DSR_FUZZ_CHECK(is_legit(pgno, plain), "WAL frame %zu (page %u) authenticates but was never written", k + 1, pgno);
  });
}

void remember_files(const Files& fs) {
  for_each_authentic(fs.f[kMain], fs.present[kWal] ? fs.f[kWal] : std::string(),
                     fs.present[kJournal] ? fs.f[kJournal] : std::string(),
                     [](int, size_t, uint32_t pgno, const unsigned char* plain) { remember(pgno, plain); });
}

void write_files(const Files& fs) {
  static const char* const kSuffix[3] = {"", "-wal", "-journal"};
  ::unlink((g->path + "-shm").c_str());
  for (int f = 0; f < 3; ++f) {
    std::string p = g->path + kSuffix[f];
    if (fs.present[f]) spit(p, fs.f[f]);
    else ::unlink(p.c_str());
  }
}

Files snapshot(bool wal, bool journal) {
  Files fs;
  fs.f[kMain] = slurp(g->path);
  if (wal) {
    fs.f[kWal] = slurp(g->path + "-wal");
    fs.present[kWal] = true;
  }
  if (journal) {
    fs.f[kJournal] = slurp(g->path + "-journal");
    fs.present[kJournal] = true;
  }
  return fs;
}

void build() {
  g = new World;
  std::string dir = dsr::fuzz::scratch_dir();
  g->path = dir + "/vfs.dsr";
  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(0x5A ^ i);
  g->cred.secret = Secret::copy_of(key, sizeof key);
  auto cred = [] { return Credential{SlotKind::key_file, g->cred.secret.clone()}; };
  {
    Vault v = Vault::create(g->path, "admin", cred(), KdfStrength::interactive);
    add_body_function(v.db().getHandle());
    v.db().exec(
        "CREATE TABLE fz (id INTEGER PRIMARY KEY, gen INTEGER NOT NULL, body TEXT NOT NULL);"
        "CREATE INDEX fz_gen ON fz(gen, id);"
        "CREATE TABLE fz_names (name TEXT PRIMARY KEY, id INTEGER NOT NULL) WITHOUT ROWID;"
        "BEGIN;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40)"
        "  INSERT INTO fz SELECT i, 1, fz_body(i, 1) FROM n;"
        "INSERT INTO fz_names SELECT 'name-' || id, id FROM fz;"
        "COMMIT;"
        "UPDATE fz SET gen = 2, body = fz_body(id, 2) WHERE id % 3 = 0;"
        "DELETE FROM fz WHERE id % 7 = 0;");
  }
  int fd = ::open(g->path.c_str(), O_RDONLY);
  HeaderRead hr = read_header(fd);
  ::close(fd);
  auto keys = unlock_slot(hr.header, hr.header.slots.at(0), g->cred);
  if (!keys) std::abort();
  g->cipher = std::make_unique<PageCipher>(page_key(keys->data), hr.header.id);
  Files clean = snapshot(true, false);  // the WAL file is kept, empty, between commands
  g->templates[0] = clean;

  {  // 1: committed transactions in the WAL and an uncommitted tail
    Vault v = Vault::open(g->path, cred(), options());
    add_body_function(v.db().getHandle());
    v.db().exec(
        "PRAGMA wal_autocheckpoint=0;"
        "WITH RECURSIVE n(i) AS (SELECT 41 UNION ALL SELECT i + 1 FROM n WHERE i < 55)"
        "  INSERT INTO fz SELECT i, 3, fz_body(i, 3) FROM n;"
        "BEGIN; UPDATE fz SET gen = 3, body = fz_body(id, 3) WHERE id <= 10; DELETE FROM fz WHERE id BETWEEN 20 AND 25;"
        "INSERT INTO fz_names VALUES ('name-41', 41); COMMIT;"
        "PRAGMA cache_size=12; BEGIN;"
        "WITH RECURSIVE n(i) AS (SELECT 100 UNION ALL SELECT i + 1 FROM n WHERE i < 160)"
        "  INSERT INTO fz SELECT i, 4, fz_body(i, 4) FROM n;");
    g->templates[1] = snapshot(true, false);
    v.db().exec("ROLLBACK");
  }
  write_files(clean);

  {  // 2: a hot journal (rollback mode, a transaction killed after spilling pages)
    auto cipher = std::make_shared<const PageCipher>(page_key(keys->data), hr.header.id);
    std::string canonical = bind_cipher(g->path, cipher);
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(g->path.c_str(), &db, SQLITE_OPEN_READWRITE, kVfsName) != SQLITE_OK) std::abort();
    add_body_function(db);
    const char* sql =
        "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=0; PRAGMA journal_mode=DELETE; PRAGMA cache_size=10;"
        "BEGIN; UPDATE fz SET gen = 4, body = fz_body(id, 4) WHERE id % 2 = 1;"
        "WITH RECURSIVE n(i) AS (SELECT 200 UNION ALL SELECT i + 1 FROM n WHERE i < 230)"
        "  INSERT INTO fz SELECT i, 4, fz_body(i, 4) FROM n;";
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::fprintf(stderr, "journal template: %s\n", err);
      std::abort();
    }
    g->templates[2] = snapshot(false, true);
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    unbind_cipher(canonical, cipher.get());
  }
  for (const auto& t : g->templates) remember_files(t);
  if (const char* dump = std::getenv("DSR_FUZZ_VFS_DUMP")) {  // for a look at the templates
    static const char* const kSuffix[3] = {"", "-wal", "-journal"};
    for (int t = 0; t < 3; ++t)
      for (int f = 0; f < 3; ++f)
        if (g->templates[t].present[f]) spit(std::string(dump) + "/t" + std::to_string(t) + ".dsr" + kSuffix[f], g->templates[t].f[f]);
  }
  if (g->templates[1].f[kWal].size() < 32 + 4 * kFrameBytes || journal_records(g->templates[2].f[kJournal]).size() < 4) {
    std::fprintf(stderr, "templates too small: WAL %zu bytes, journal %zu records\n", g->templates[1].f[kWal].size(),
                 journal_records(g->templates[2].f[kJournal]).size());
    std::abort();
  }
}

// How inputs ended, printed at exit (fuzz/FUZZING.md records them).
struct Outcomes {
  std::map<std::string, uint64_t> open, check;
  ~Outcomes() {
    auto line = [](const char* what, const std::map<std::string, uint64_t>& m) {
      std::string s;
      for (const auto& [k, n] : m) s += " " + k + "=" + std::to_string(n);
      std::fprintf(stderr, "vfs outcomes, %s:%s\n", what, s.c_str());
    };
    if (open.empty()) return;
    line("open", open);
    line("check", check);
  }
};
Outcomes& outcomes() {
  static Outcomes o;
  return o;
}

// DSR_FUZZ_STRICT=1: damage must be reported as damage (exit 6), never as
// exit 1 "disk I/O error" (issue 11: every authentication failure exits 6).
void judge(const char* where, const Error& err) {
  if (strict())
    DSR_FUZZ_CHECK(err.kind() == ErrorKind::integrity, "%s failed as %s, not integrity: %s", where,
                   kind_name(err.kind()), err.what());
}

int deterministic_randomness(sqlite3_vfs*, int n, char* out) {
  randombytes_buf(out, size_t(n));
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  dsr::fuzz::use_deterministic_randomness();
  crypto_init();
  register_vfs();
  // SQLite's own randomness (WAL salts, journal nonces) from the same fixed
  // stream, so that the templates are the same in every run.
  sqlite3_vfs_find("unix")->xRandomness = deterministic_randomness;
  build();
  return 0;
}

// Seed programs: each template as it is, and one or two of each kind of edit
// at places that matter (offsets computed from the templates' layout).
extern "C" void DsrFuzzWriteSeeds(const char* dir) {
  auto u24 = [](size_t v) { return std::string{char(v & 0xff), char(v >> 8 & 0xff), char(v >> 16 & 0xff)}; };
  auto op = [](int code, int file) { return std::string(1, char(file << 4 | code)); };
  size_t frame3_body = 32 + 3 * kFrameBytes + 24 + 100;
  size_t rec0_body = journal_records(g->templates[2].f[kJournal]).at(0).first + 4 + 3000;
  std::vector<std::pair<std::string, std::string>> seeds = {
      {"main-only", std::string(1, 0)},
      {"wal", std::string(1, 1)},
      {"hot-journal", std::string(1, 2)},
      {"main-page-flipped", std::string(1, 0) + op(0, kMain) + u24(kHdr + 5 * kPage + 77) + "\x10"},
      {"main-pages-swapped", std::string(1, 0) + op(5, kMain) + "\x03\x04"},
      {"main-truncated", std::string(1, 0) + op(3, kMain) + "\x10" + "\x00\x08"},
      {"wal-frame-flipped", std::string(1, 1) + op(0, kWal) + u24(frame3_body) + "\x01"},
      {"wal-frame-forged-checksums-fixed", std::string(1, 1) + op(0, kWal) + u24(frame3_body) + "\x01" + op(7, kWal) + "\x00"},
      {"wal-torn-after-first-commit", std::string(1, 1) + op(3, kWal) + "\x0f" + "\x00\x05"},
      {"wal-frames-swapped", std::string(1, 1) + op(5, kWal) + "\x02\x05"},
      {"wal-frame-replayed", std::string(1, 1) + op(10, kWal) + "\x03" + op(7, kWal) + "\x40"},
      {"wal-plaintext-frame", std::string(1, 1) + op(13, kWal) + "\x00\x02\x01" + op(7, kWal) + "\x00"},
      {"wal-salts-of-another-wal", std::string(1, 1) + op(6, kWal) + "\x02" + "\x01\x02\x03\x04" + "\x05"},
      {"stale-wal-beside-clean-main", std::string(1, 0) + op(12, kWal) + "\x01"},
      {"journal-record-flipped", std::string(1, 2) + op(0, kJournal) + u24(rec0_body) + "\x01"},
      {"journal-record-flipped-checksums-fixed", std::string(1, 2) + op(0, kJournal) + u24(rec0_body) + "\x01" + op(8, kJournal)},
      {"journal-plaintext-record", std::string(1, 2) + op(13, kJournal) + "\x00\x02\x00" + op(8, kJournal)},
      {"journal-truncated", std::string(1, 2) + op(3, kJournal) + "\x03" + "\x00\x01"},
      {"journal-beside-wal-vault", std::string(1, 0) + op(12, kJournal) + "\x02"},
      {"journal-removed", std::string(1, 2) + op(9, kJournal)},
      {"journal-header-field", std::string(1, 2) + op(1, kJournal) + u24(8) + "\x04" + "\xff\xff\xff\xff"},
  };
  for (const auto& [name, bytes] : seeds) spit(std::string(dir) + "/" + name, bytes);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool verbose = std::getenv("DSR_FUZZ_VERBOSE") != nullptr;
  dsr::fuzz::Bytes in(data, size);
  Files fs = g->templates[in.u8() % 3];
  apply(fs, in);
  write_files(fs);

  try {
    Vault v = Vault::open(g->path, Credential{SlotKind::key_file, g->cred.secret.clone()}, options());
    size_t rows = 0, wrong = read_rows(v, &rows);
    v.close();
    if (verbose) std::fprintf(stderr, "  open: %zu rows read, %zu not as written\n", rows, wrong);
    ++outcomes().open[wrong ? "ok-rows-mixed" : "ok"];
  } catch (const std::exception& e) {
    Error err = classify(e);  // every failure is a dsr::Error (exit code) once classified
    if (verbose) std::fprintf(stderr, "  open: %s: %s\n", kind_name(err.kind()), err.what());
    ++outcomes().open[kind_name(err.kind())];
    judge("open", err);
  }
  take_last_vfs_error();
  scan_files();

  bool ok = false;
  try {
    CheckReport r = check_vault(g->path, Credential{SlotKind::key_file, g->cred.secret.clone()}, options());
    ok = r.ok();
    ++outcomes().check[ok ? "ok" : "problems"];
    if (verbose)
      for (const auto& p : r.problems) std::fprintf(stderr, "  check: %s\n", p.c_str());
  } catch (const std::exception& e) {
    Error err = classify(e);
    if (verbose) std::fprintf(stderr, "  check: %s: %s\n", kind_name(err.kind()), err.what());
    ++outcomes().check[kind_name(err.kind())];
    judge("check", err);
  }
  if (verbose && ok) std::fprintf(stderr, "  check: ok\n");
  take_last_vfs_error();
  if (ok) {
    try {
      Vault v = Vault::open(g->path, Credential{SlotKind::key_file, g->cred.secret.clone()}, options());
      if (read_rows(v)) ++outcomes().check["ok-rows-mixed"];
    } catch (const std::exception& e) {
      DSR_FUZZ_CHECK(false, "check said ok, then reading failed: %s", classify(e).what());
    }
    scan_files();
  }
  return 0;
}
