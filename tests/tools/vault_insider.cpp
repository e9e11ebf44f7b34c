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
#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
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
  die("unknown command " + cmd);
}
