// What an insider can do with a slot of their own and the vault file, outside
// dsr: a tool written from the format (ARCHITECTURE.md, "Keys and slots"; the
// layout in src/vault/vfs.hpp and header.cpp) with libsodium alone, sharing no
// code with dsr. The end-to-end tests (tests/e2e/test_insider.sh) use it to try
// what issue 13's insider did against format 2.
//
//   vault_insider data-key VAULT KEYFILE        print the data key sealed to the key file's slot
//   vault_insider read-page VAULT DATAKEY PGNO  exit 0 when the page authenticates under that data key
//   vault_insider set-role VAULT KEYFILE ROLE   change the slot's role byte, fix the MAC and checksums
//                                               (cannot sign: the admin key is not the slot's)
//   vault_insider hijack VAULT KEYFILE          make an admin key of one's own, become admin under it,
//                                               re-sign the header, fix the MAC and checksums
//   vault_insider audit-cut VAULT KEYFILE ID    decrypt the pages, delete audit entry ID, renumber and
//                                               re-chain the later entries (keyed BLAKE2b under the
//                                               index key the slot holds), re-sign those signed by the
//                                               slot's own key, move the head mark, encrypt back
//   vault_insider audit-edit VAULT KEYFILE ID COLUMN VALUE
//                                               the same, changing one column of entry ID instead
// The audit commands use SQLite on a decrypted copy, as an insider would use
// the sqlite3 shell; the vault must be closed (its WAL checkpointed).
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

namespace {

constexpr size_t kCopy = 12288, kSlotsAt = 192, kSlotBytes = 560, kIdentity = 144, kSigned = 400;
constexpr size_t kSigAt = kCopy - 128, kMacAt = kCopy - 64, kSumAt = kCopy - 32;
constexpr size_t kHeaderBytes = 32768, kPage = 4096, kReserve = 40;
constexpr size_t kBundle = 208, kSealed = kBundle + crypto_box_SEALBYTES;

[[noreturn]] void die(const std::string& m) {
  std::fprintf(stderr, "vault_insider: %s\n", m.c_str());
  std::exit(2);
}

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) die("cannot read " + p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void spit(const std::string& p, const std::string& b) {
  std::ofstream out(p, std::ios::binary | std::ios::in | std::ios::out);
  out.write(b.data(), std::streamsize(b.size()));
}
unsigned char* u(std::string& s, size_t at) { return reinterpret_cast<unsigned char*>(&s[at]); }
uint32_t le32(const unsigned char* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }

std::array<unsigned char, 32> kdf(const unsigned char* key, uint64_t id, const char ctx[8]) {
  std::array<unsigned char, 32> out{};
  crypto_kdf_derive_from_key(out.data(), 32, id, ctx, key);
  return out;
}

std::array<unsigned char, 32> key_file(const std::string& path) {
  std::string hex = slurp(path);
  std::array<unsigned char, 32> k{};
  size_t n = 0;
  if (sodium_hex2bin(k.data(), 32, hex.data(), 64, nullptr, &n, nullptr) != 0 || n != 32) die("not a key file");
  return k;
}

struct Opened {
  size_t slot_at;  // offset of the slot in copy A
  std::array<unsigned char, 32> seed, box_sk, sign_seed;
  std::array<unsigned char, kBundle> bundle;
};

// Opens the key-file slot the key file belongs to, in copy A, as dsr would.
Opened open_slot(std::string& v, const std::array<unsigned char, 32>& kf) {
  uint32_t n = le32(u(v, 20));
  for (uint32_t i = 0; i < n && i < 16; ++i) {
    size_t at = kSlotsAt + i * kSlotBytes;
    unsigned char* s = u(v, at);
    if (s[65] != 2 || s[66] != 1) continue;  // key-file, sealed
    Opened o{};
    o.slot_at = at;
    static const char kLabel[] = "dsr key-file slot";
    unsigned char msg[16 + sizeof kLabel];
    std::memcpy(msg, s + 416, 16);
    std::memcpy(msg + 16, kLabel, sizeof kLabel);
    crypto_generichash(o.seed.data(), 32, msg, sizeof msg, kf.data(), 32);
    auto check = kdf(o.seed.data(), 2, "dsrslot3");
    if (sodium_memcmp(check.data(), s + 432, 16) != 0) continue;
    auto wk = kdf(o.seed.data(), 1, "dsrslot3");
    unsigned char ad[16 + 32 + kIdentity], secrets[64];
    std::memcpy(ad, u(v, 32), 16);
    std::memcpy(ad + 16, u(v, 56), 32);
    std::memcpy(ad + 48, s, kIdentity);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(secrets, nullptr, nullptr, s + 472, 80, ad, sizeof ad, s + 448,
                                                   wk.data()) != 0)
      die("the slot's wrap does not open");
    std::memcpy(o.box_sk.data(), secrets, 32);
    std::memcpy(o.sign_seed.data(), secrets + 32, 32);
    if (crypto_box_seal_open(o.bundle.data(), s + kIdentity, kSealed, s + 80, o.box_sk.data()) != 0)
      die("the sealed keys do not open");
    return o;
  }
  die("the key file opens no slot");
}

// The MAC under the index key and the checksum, for copy A, then B = A.
void finish(std::string& v, const unsigned char* index) {
  auto mk = kdf(index, 1, "dsrhdmac");
  crypto_generichash(u(v, kMacAt), 32, u(v, 0), kMacAt, mk.data(), 32);
  crypto_generichash(u(v, kSumAt), 32, u(v, 0), kSumAt, nullptr, 0);
  v.replace(kCopy, kCopy, v.substr(0, kCopy));
}

// What the admin signature covers (header.cpp signed_message).
std::vector<unsigned char> signed_bytes(const std::string& v) {
  std::string c = v.substr(0, kCopy);
  std::memset(&c[24], 0, 8);
  uint32_t n = le32(reinterpret_cast<const unsigned char*>(&c[20]));
  for (uint32_t i = 0; i < n && i < 16; ++i) std::memset(&c[kSlotsAt + i * kSlotBytes + kSigned], 0, kSlotBytes - kSigned);
  std::memset(&c[kSigAt], 0, kCopy - kSigAt);
  static const char kCtx[] = "dsr vault header, format 3";
  std::vector<unsigned char> m(kCtx, kCtx + sizeof kCtx);
  m.insert(m.end(), c.begin(), c.end());
  return m;
}

// ---- the audit trail, rewritten outside dsr ---------------------------------

struct PageKeys {
  std::array<unsigned char, 32> page_key;
  unsigned char vault_id[16];
};

PageKeys page_keys(std::string& v, const unsigned char* data_key) {
  PageKeys k{};
  k.page_key = kdf(data_key, 1, "dsrvault");
  std::memcpy(k.vault_id, u(v, 32), 16);
  return k;
}

void page_ad(const PageKeys& k, uint32_t pgno, unsigned char ad[20]) {
  std::memcpy(ad, k.vault_id, 16);
  for (int i = 0; i < 4; ++i) ad[16 + i] = static_cast<unsigned char>(pgno >> (8 * i));
}

// Every page decrypted: a plain SQLite file (the reserved bytes zeroed).
std::string decrypt_pages(std::string& v, const PageKeys& k) {
  size_t n = (v.size() - kHeaderBytes) / kPage;
  std::string plain(n * kPage, '\0');
  for (size_t i = 0; i < n; ++i) {
    unsigned char ad[20];
    page_ad(k, uint32_t(i + 1), ad);
    const unsigned char* page = u(v, kHeaderBytes + i * kPage);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(u(plain, i * kPage), nullptr, page, kPage - kReserve,
                                                            page + kPage - 16, ad, sizeof ad,
                                                            page + kPage - kReserve, k.page_key.data()) != 0)
      die("page " + std::to_string(i + 1) + " does not authenticate (is the vault closed?)");
  }
  return plain;
}

// The plain file's pages sealed again, each under a fresh nonce, as the VFS writes them.
std::string encrypt_pages(const std::string& head, std::string plain, const PageKeys& k) {
  std::string out = head;
  for (size_t i = 0; i * kPage < plain.size(); ++i) {
    unsigned char ad[20];
    page_ad(k, uint32_t(i + 1), ad);
    unsigned char* page = u(plain, i * kPage);
    randombytes_buf(page + kPage - kReserve, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(page, page + kPage - 16, nullptr, page, kPage - kReserve, ad,
                                                        sizeof ad, nullptr, page + kPage - kReserve,
                                                        k.page_key.data());
    out.append(reinterpret_cast<const char*>(page), kPage);
  }
  return out;
}

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) die("sqlite3_open");
  }
  ~Db() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) die(std::string("SQL: ") + (err ? err : "?"));
  }
};

struct Stmt {
  sqlite3_stmt* st = nullptr;
  Stmt(Db& d, const char* sql) {
    if (sqlite3_prepare_v2(d.db, sql, -1, &st, nullptr) != SQLITE_OK) die(std::string("SQL: ") + sqlite3_errmsg(d.db));
  }
  ~Stmt() { sqlite3_finalize(st); }
  bool step() { return sqlite3_step(st) == SQLITE_ROW; }
  std::string text(int i) {
    const void* b = sqlite3_column_blob(st, i);
    return b ? std::string(static_cast<const char*>(b), size_t(sqlite3_column_bytes(st, i))) : std::string();
  }
  void blob(int i, const std::string& b) { sqlite3_bind_blob(st, i, b.data(), int(b.size()), SQLITE_TRANSIENT); }
};

void put_len(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out.push_back(':');
  out += s;
}

// The chain hash dsr computes (read from its code): keyed BLAKE2b-256 under the
// index key of "audit-chain", a zero byte and the length-prefixed columns.
std::string chain_hash(const unsigned char* index, Stmt& r, const std::string& prev) {
  std::string m;
  put_len(m, prev);
  for (int i = 0; i < 8; ++i) put_len(m, r.text(i));
  static const char kPurpose[] = "audit-chain";  // with its terminating zero
  std::string in(kPurpose, sizeof kPurpose);
  in += m;
  unsigned char h[32];
  crypto_generichash(h, 32, reinterpret_cast<const unsigned char*>(in.data()), in.size(), index, 32);
  return {reinterpret_cast<char*>(h), 32};
}

// Re-chains every entry from `from` on, re-signing the slot's own.
void rechain(Db& d, const Opened& o, int64_t from) {
  const unsigned char* index = o.bundle.data() + 40;
  unsigned char pk[32], sk[64];
  crypto_sign_seed_keypair(pk, sk, o.sign_seed.data());
  std::string mine(reinterpret_cast<char*>(pk), 32), prev;
  {
    Stmt p(d, "SELECT hash FROM audit WHERE id = ?");
    sqlite3_bind_int64(p.st, 1, from - 1);
    if (p.step()) prev = p.text(0);
  }
  std::vector<std::tuple<int64_t, std::string, std::string, bool>> fixes;
  {
    Stmt r(d, "SELECT id, at, actor, command, subjects, fields, request, outcome, signer FROM audit WHERE id >= ? ORDER BY id");
    sqlite3_bind_int64(r.st, 1, from);
    while (r.step()) {
      std::string h = chain_hash(index, r, prev);
      fixes.emplace_back(sqlite3_column_int64(r.st, 0), prev, h, r.text(8) == mine);
      prev = h;
    }
  }
  int resigned = 0, others = 0;
  for (const auto& [id, p, h, own] : fixes) {
    Stmt up(d, "UPDATE audit SET prev_hash = ?, hash = ?, sig = coalesce(?, sig) WHERE id = ?");
    up.blob(1, p);
    up.blob(2, h);
    if (own) {
      std::string m("dsr-audit-entry", 16);
      m += h;
      unsigned char sig[64];
      crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(m.data()), m.size(), sk);
      up.blob(3, std::string(reinterpret_cast<char*>(sig), 64));
      ++resigned;
    } else {
      ++others;
    }
    sqlite3_bind_int64(up.st, 4, id);
    sqlite3_step(up.st);
  }
  std::printf("re-chained %zu entries: re-signed %d of my own, %d signed by other slots left as they were\n",
              fixes.size(), resigned, others);
}

int rewrite_audit(const std::string& path, std::string& v, const std::string& keyfile, int argc, char** argv) {
  std::string cmd = argv[1];
  if (argc < 5 || (cmd == "audit-edit" && argc != 7)) die("usage: see the comment at the top of vault_insider.cpp");
  Opened o = open_slot(v, key_file(keyfile));
  PageKeys k = page_keys(v, o.bundle.data() + 8);
  std::string plain = decrypt_pages(v, k);
  char tmpl[] = "/tmp/vault_insider-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0) die("mkstemp");
  if (::write(fd, plain.data(), plain.size()) != ssize_t(plain.size())) die("write");
  ::close(fd);
  int64_t id = std::strtoll(argv[4], nullptr, 10);
  {
    Db d(tmpl);
    d.exec("BEGIN");
    if (cmd == "audit-cut") {
      d.exec("DELETE FROM audit WHERE id = " + std::to_string(id));
      d.exec("UPDATE audit SET id = id - 1 WHERE id > " + std::to_string(id));
    } else {
      std::string col = argv[5];
      if (col.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) die("bad column");
      Stmt up(d, ("UPDATE audit SET " + col + " = ? WHERE id = ?").c_str());
      sqlite3_bind_text(up.st, 1, argv[6], -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(up.st, 2, id);
      sqlite3_step(up.st);
    }
    rechain(d, o, id);
    if (cmd == "audit-cut")  // the head mark on the newest, as dsr leaves it
      d.exec("UPDATE audit SET head = (id = (SELECT max(id) FROM audit))");
    d.exec("COMMIT");
  }
  std::string edited = slurp(tmpl);
  ::unlink(tmpl);
  std::string out = encrypt_pages(v.substr(0, kHeaderBytes), edited, k);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(out.data(), std::streamsize(out.size()));
  return f ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (sodium_init() < 0) die("libsodium");
  if (argc < 4) die("usage: see the comment at the top of vault_insider.cpp");
  std::string cmd = argv[1], path = argv[2];
  std::string v = slurp(path);
  if (v.size() < kHeaderBytes) die("not a vault of format 3");
  if (cmd == "data-key") {
    Opened o = open_slot(v, key_file(argv[3]));
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, o.bundle.data() + 8, 32);
    std::printf("%s\n", hex);
    return 0;
  }
  if (cmd == "read-page" && argc == 5) {
    unsigned char data[32];
    size_t n = 0;
    if (sodium_hex2bin(data, 32, argv[3], 64, nullptr, &n, nullptr) != 0 || n != 32) die("bad data key");
    auto page_key = kdf(data, 1, "dsrvault");
    uint32_t pgno = uint32_t(std::strtoul(argv[4], nullptr, 10));
    size_t at = kHeaderBytes + (pgno - 1) * kPage;
    if (at + kPage > v.size()) die("no such page");
    unsigned char ad[20], plain[kPage];
    std::memcpy(ad, u(v, 32), 16);
    for (int i = 0; i < 4; ++i) ad[16 + i] = static_cast<unsigned char>(pgno >> (8 * i));
    const unsigned char* page = u(v, at);
    bool ok = crypto_aead_xchacha20poly1305_ietf_decrypt_detached(plain, nullptr, page, kPage - kReserve,
                                                                  page + kPage - 16, ad, sizeof ad,
                                                                  page + kPage - kReserve, page_key.data()) == 0;
    std::printf("%s\n", ok ? "page authenticates" : "page does not authenticate");
    return ok ? 0 : 1;
  }
  if (cmd == "set-role" && argc == 5) {
    Opened o = open_slot(v, key_file(argv[3]));
    std::string role = argv[4];
    unsigned char r = role == "admin" ? 1 : role == "support" ? 2 : role == "billing" ? 3 : role == "auditor" ? 4 : 0;
    if (!r) die("unknown role");
    v[o.slot_at + 64] = char(r);
    finish(v, o.bundle.data() + 40);
    spit(path, v.substr(0, 2 * kCopy));
    std::printf("role byte set; the admin signature no longer covers it\n");
    return 0;
  }
  if (cmd == "hijack") {
    Opened o = open_slot(v, key_file(argv[3]));
    unsigned char admin_pk[32], admin_sk[64];
    crypto_sign_keypair(admin_pk, admin_sk);
    std::memcpy(u(v, 56), admin_pk, 32);
    unsigned char* s = u(v, o.slot_at);
    s[64] = 1;  // admin
    // My own slot: wrap again with the new admin key in its associated data,
    // and seal to myself the keys I have, plus the admin key I just made.
    auto wk = kdf(o.seed.data(), 1, "dsrslot3");
    unsigned char ad[16 + 32 + kIdentity], secrets[64];
    std::memcpy(ad, u(v, 32), 16);
    std::memcpy(ad + 16, admin_pk, 32);
    std::memcpy(ad + 48, s, kIdentity);
    std::memcpy(secrets, o.box_sk.data(), 32);
    std::memcpy(secrets + 32, o.sign_seed.data(), 32);
    randombytes_buf(s + 448, 24);
    crypto_aead_xchacha20poly1305_ietf_encrypt(s + 472, nullptr, secrets, 64, ad, sizeof ad, nullptr, s + 448, wk.data());
    o.bundle[72] |= 2;
    std::memcpy(o.bundle.data() + 112, admin_sk, 64);
    crypto_box_seal(s + kIdentity, o.bundle.data(), kBundle, s + 80);
    std::vector<unsigned char> m = signed_bytes(v);
    crypto_sign_detached(u(v, kSigAt), nullptr, m.data(), m.size(), admin_sk);
    finish(v, o.bundle.data() + 40);
    spit(path, v.substr(0, 2 * kCopy));
    std::printf("header re-signed under an admin key of my own\n");
    return 0;
  }
  if (cmd == "audit-cut" || cmd == "audit-edit") return rewrite_audit(path, v, argv[3], argc, argv);
  die("unknown command " + cmd);
}
