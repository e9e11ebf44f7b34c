#include "vault/header.hpp"

#include <sodium.h>
#include <unistd.h>

#include <cstring>

#include "dsr/error.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr::vault {
namespace {

constexpr char kMagic[8] = {'D', 'S', 'R', 'V', 'A', 'U', 'L', 'T'};
constexpr size_t kSlotBytes = 224;
constexpr size_t kSlotsAt = 64;
constexpr size_t kMacAt = kCopyBytes - 64;
constexpr size_t kSumAt = kCopyBytes - 32;
constexpr size_t kSlotAdBytes = 112;  // name .. salt
constexpr size_t kPayloadBytes = 72;  // master(32) | has_category(1) | category(32) | pad
constexpr size_t kDataKeyAt = kSlotsAt + kMaxSlots * kSlotBytes;  // nonce(24) | wrapped data key(48)
static_assert(kDataKeyAt + 24 + 48 <= kMacAt);

void put32(unsigned char* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i)); }
void put64(unsigned char* p, uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i)); }
uint32_t get32(const unsigned char* p) { uint32_t v = 0; for (int i = 3; i >= 0; --i) v = (v << 8) | p[i]; return v; }
uint64_t get64(const unsigned char* p) { uint64_t v = 0; for (int i = 7; i >= 0; --i) v = (v << 8) | p[i]; return v; }

void encode_slot_meta(const SlotRecord& s, unsigned char* p) {
  std::memset(p, 0, kSlotAdBytes);
  std::memcpy(p, s.info.name.data(), std::min(s.info.name.size(), kMaxSlotName));
  p[64] = static_cast<unsigned char>(s.info.role);
  p[65] = static_cast<unsigned char>(s.info.kind);
  put64(p + 72, static_cast<uint64_t>(s.info.created));
  put64(p + 80, s.info.kdf_ops);
  put64(p + 88, s.info.kdf_mem);
  std::memcpy(p + 96, s.salt.data(), 16);
}

void encode_slot(const SlotRecord& s, unsigned char* p) {
  encode_slot_meta(s, p);
  std::memcpy(p + 112, s.nonce.data(), 24);
  std::memcpy(p + 136, s.wrapped.data(), kWrappedBytes);
}

SlotRecord decode_slot(const unsigned char* p) {
  SlotRecord s;
  s.info.name.assign(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), kMaxSlotName));
  s.info.role = static_cast<Role>(p[64]);
  s.info.kind = static_cast<SlotKind>(p[65]);
  s.info.created = static_cast<int64_t>(get64(p + 72));
  s.info.kdf_ops = get64(p + 80);
  s.info.kdf_mem = get64(p + 88);
  std::memcpy(s.salt.data(), p + 96, 16);
  std::memcpy(s.nonce.data(), p + 112, 24);
  std::memcpy(s.wrapped.data(), p + 136, kWrappedBytes);
  return s;
}

void encode(const Header& h, unsigned char* p) {
  std::memset(p, 0, kCopyBytes);
  std::memcpy(p, kMagic, 8);
  put32(p + 8, h.version);
  put32(p + 12, h.page_size);
  put32(p + 16, h.reserve);
  put32(p + 20, static_cast<uint32_t>(h.slots.size()));
  put64(p + 24, h.generation);
  std::memcpy(p + 32, h.id.data(), 16);
  for (size_t i = 0; i < h.slots.size(); ++i) encode_slot(h.slots[i], p + kSlotsAt + i * kSlotBytes);
  std::memcpy(p + kDataKeyAt, h.data_nonce.data(), 24);
  std::memcpy(p + kDataKeyAt + 24, h.data_wrapped.data(), h.data_wrapped.size());
}

// A slot's metadata is authenticated only when it is unwrapped, after the key
// derivation has run: bound the Argon2id cost first, so that a forged header
// is reported as damage instead of exhausting memory or running for hours.
bool plausible(const SlotInfo& s) {
  bool role_ok = s.role == Role::admin || s.role == Role::support || s.role == Role::billing || s.role == Role::auditor;
  if (!role_ok) return false;
  if (s.kind == SlotKind::key_file) return true;
  if (s.kind != SlotKind::passphrase) return false;
  return s.kdf_ops >= crypto_pwhash_OPSLIMIT_MIN && s.kdf_ops <= 64 && s.kdf_mem >= crypto_pwhash_MEMLIMIT_MIN &&
         s.kdf_mem <= (uint64_t(16) << 30);
}

std::optional<Header> decode(const unsigned char* p, std::string& why) {
  if (std::memcmp(p, kMagic, 8) != 0) { why = "bad magic"; return std::nullopt; }
  unsigned char sum[32];
  crypto_generichash(sum, 32, p, kSumAt, nullptr, 0);
  if (sodium_memcmp(sum, p + kSumAt, 32) != 0) { why = "checksum mismatch"; return std::nullopt; }
  Header h;
  h.version = get32(p + 8);
  h.page_size = get32(p + 12);
  h.reserve = get32(p + 16);
  uint32_t n = get32(p + 20);
  h.generation = get64(p + 24);
  std::memcpy(h.id.data(), p + 32, 16);
  if (h.version != kFormatVersion && h.version != kFormatVersion2) {
    why = "unsupported format version " + std::to_string(h.version);
    return std::nullopt;
  }
  if (h.page_size != kPageSize || h.reserve != kReserveBytes || n > kMaxSlots) { why = "bad parameters"; return std::nullopt; }
  for (uint32_t i = 0; i < n; ++i) {
    h.slots.push_back(decode_slot(p + kSlotsAt + i * kSlotBytes));
    if (!plausible(h.slots.back().info)) {
      why = "slot " + std::to_string(i + 1) + " has impossible parameters";
      return std::nullopt;
    }
  }
  std::memcpy(h.data_nonce.data(), p + kDataKeyAt, 24);
  std::memcpy(h.data_wrapped.data(), p + kDataKeyAt + 24, h.data_wrapped.size());
  return h;
}

void slot_ad(const SlotRecord& s, const VaultId& id, unsigned char* ad) {
  std::memcpy(ad, id.data(), 16);
  put32(ad + 16, kKeyWrapFormat);
  encode_slot_meta(s, ad + 20);
}

Secret wrapping_key(const SlotRecord& s, const Credential& cred) {
  Secret k(32);
  if (cred.kind == SlotKind::passphrase) {
    if (crypto_pwhash(k.data(), 32, reinterpret_cast<const char*>(cred.secret.data()), cred.secret.size(),
                      s.salt.data(), s.info.kdf_ops, static_cast<size_t>(s.info.kdf_mem),
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
      fail(ErrorKind::failure, "not enough memory for the passphrase's key derivation");
  } else {
    static constexpr char kLabel[] = "dsr key-file slot";
    unsigned char msg[16 + sizeof kLabel];
    std::memcpy(msg, s.salt.data(), 16);
    std::memcpy(msg + 16, kLabel, sizeof kLabel);
    crypto_generichash(k.data(), 32, msg, sizeof msg, cred.secret.data(), cred.secret.size());
  }
  return k;
}

// The data key's associated data: the vault id and the key-wrapping format.
void data_key_ad(const VaultId& id, unsigned char ad[20]) {
  std::memcpy(ad, id.data(), 16);
  put32(ad + 16, kKeyWrapFormat);
}

}  // namespace

Secret derive(const Secret& master, Subkey which) {
  Secret k(32);
  crypto_kdf_derive_from_key(k.data(), 32, static_cast<uint64_t>(which), "dsrvault", master.data());
  return k;
}

void set_data_key(Header& h, const Secret& master, const Secret& data_key) {
  if (data_key.size() != 32) fail(ErrorKind::failure, "a data key is 32 bytes");
  Secret wk = derive(master, Subkey::data_key_wrap);
  unsigned char ad[20];
  data_key_ad(h.id, ad);
  randombytes_buf(h.data_nonce.data(), h.data_nonce.size());
  crypto_aead_xchacha20poly1305_ietf_encrypt(h.data_wrapped.data(), nullptr, data_key.data(), 32, ad, sizeof ad,
                                             nullptr, h.data_nonce.data(), wk.data());
}

Secret page_key(const Header& h, const Secret& master) {
  Secret wk = derive(master, Subkey::data_key_wrap);
  unsigned char ad[20];
  data_key_ad(h.id, ad);
  Secret data_key(32);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(data_key.data(), nullptr, nullptr, h.data_wrapped.data(),
                                                 h.data_wrapped.size(), ad, sizeof ad, h.data_nonce.data(),
                                                 wk.data()) != 0)
    fail(ErrorKind::integrity, "the vault header's data key fails authentication (tampered)");
  return derive(data_key, Subkey::pages);
}

HeaderRead read_header(int fd) {
  std::array<std::array<unsigned char, kCopyBytes>, 2> raw{};
  ssize_t got = sysio::pread(fd, raw[0].data(), kCopyBytes, 0);
  ssize_t got2 = sysio::pread(fd, raw[1].data(), kCopyBytes, kCopyBytes);
  // A read error is not a damaged header (fault sweep: it was reported as one, exit 6).
  if (got < 0 || got2 < 0) fail(ErrorKind::failure, "cannot read the vault header: " + std::string(std::strerror(errno)));
  return parse_header(raw[0].data(), got, raw[1].data(), got2);
}

HeaderRead parse_header(const unsigned char* copy_a, long got, const unsigned char* copy_b, long got2) {
  std::array<std::array<unsigned char, kCopyBytes>, 2> raw{};
  if (got > 0) std::memcpy(raw[0].data(), copy_a, std::min<size_t>(size_t(got), kCopyBytes));
  if (got2 > 0) std::memcpy(raw[1].data(), copy_b, std::min<size_t>(size_t(got2), kCopyBytes));
  if (got < static_cast<ssize_t>(8) || std::memcmp(raw[0].data(), kMagic, 8) != 0) {
    if (got2 != static_cast<ssize_t>(kCopyBytes) || std::memcmp(raw[1].data(), kMagic, 8) != 0)
      fail(ErrorKind::integrity, "not a dsr vault (no vault header)");
  }
  HeaderRead out;
  std::array<std::optional<Header>, 2> h;
  int best_copy = -1;
  for (int c = 0; c < 2; ++c) {
    std::string why = "truncated";
    if ((c == 0 ? got : got2) == static_cast<long>(kCopyBytes)) h[c] = decode(raw[c].data(), why);
    if (!h[c]) {
      out.problems.push_back(std::string("header copy ") + (c == 0 ? "A" : "B") + " is damaged (" + why + ")");
      continue;
    }
    if (best_copy < 0 || h[c]->generation > h[best_copy]->generation) best_copy = c;
  }
  if (best_copy < 0) fail(ErrorKind::integrity, "the vault header is damaged in both copies; restore from a backup");
  int other = 1 - best_copy;
  if (h[other] && h[other]->generation == h[best_copy]->generation) {
    out.twin = raw[other];
    out.twin_name = other == 0 ? 'A' : 'B';
  }
  out.header = std::move(*h[best_copy]);
  out.chosen = raw[best_copy];
  return out;
}

void verify_header_mac(const HeaderRead& h, const Secret& master) {
  Secret mk = derive(master, Subkey::header_mac);
  unsigned char mac[32];
  crypto_generichash(mac, 32, h.chosen.data(), kMacAt, mk.data(), mk.size());
  if (sodium_memcmp(mac, h.chosen.data() + kMacAt, 32) != 0)
    fail(ErrorKind::integrity, "the vault header fails authentication (tampered)");
}

std::string verify_twin_mac(const HeaderRead& h, const Secret& master) {
  if (!h.twin) return {};
  Secret mk = derive(master, Subkey::header_mac);
  unsigned char mac[32];
  crypto_generichash(mac, 32, h.twin->data(), kMacAt, mk.data(), mk.size());
  if (sodium_memcmp(mac, h.twin->data() + kMacAt, 32) != 0)
    return std::string("header copy ") + h.twin_name + " fails authentication (tampered)";
  return {};
}

std::array<unsigned char, kCopyBytes> seal_header(Header& h, const Secret& master) {
  h.generation += 1;
  std::array<unsigned char, kCopyBytes> buf{};
  encode(h, buf.data());
  Secret mk = derive(master, Subkey::header_mac);
  crypto_generichash(buf.data() + kMacAt, 32, buf.data(), kMacAt, mk.data(), mk.size());
  crypto_generichash(buf.data() + kSumAt, 32, buf.data(), kSumAt, nullptr, 0);
  return buf;
}

void write_header(int fd, Header& h, const Secret& master) {
  std::array<unsigned char, kCopyBytes> buf = seal_header(h, master);
  // B first: a crash while writing A leaves B (new) valid; while writing B, A (old).
  for (off_t at : {off_t(kCopyBytes), off_t(0)}) {
    if (sysio::pwrite(fd, buf.data(), kCopyBytes, at) != static_cast<ssize_t>(kCopyBytes) || sysio::fsync(fd) != 0)
      fail(ErrorKind::failure, "cannot write the vault header: " + std::string(std::strerror(errno)));
  }
}

SlotRecord make_slot(const std::string& name, Role role, const Credential& cred, KdfStrength kdf,
                     const Keys& keys, const VaultId& id, int64_t created) {
  if (name.empty() || name.size() > kMaxSlotName)
    fail(ErrorKind::usage, "slot name must be 1 to 63 bytes");
  SlotRecord s;
  s.info.name = name;
  s.info.role = role;
  s.info.kind = cred.kind;
  s.info.created = created != 0 ? created : static_cast<int64_t>(time(nullptr));
  s.info.kdf_ops = 0;  // the header is plaintext: never leave a field uninitialised
  s.info.kdf_mem = 0;
  if (cred.kind == SlotKind::passphrase) {
    switch (kdf) {
      case KdfStrength::interactive:
        s.info.kdf_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE; break;
      case KdfStrength::moderate:
        s.info.kdf_ops = crypto_pwhash_OPSLIMIT_MODERATE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_MODERATE; break;
      case KdfStrength::sensitive:
        s.info.kdf_ops = crypto_pwhash_OPSLIMIT_SENSITIVE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_SENSITIVE; break;
    }
  }
  randombytes_buf(s.salt.data(), s.salt.size());
  randombytes_buf(s.nonce.data(), s.nonce.size());
  Secret payload(kPayloadBytes);
  std::memcpy(payload.data(), keys.master.data(), 32);
  bool with_category = role_reads_restricted(role) && !keys.category.empty();
  payload.data()[32] = with_category ? 1 : 0;
  if (with_category) std::memcpy(payload.data() + 33, keys.category.data(), 32);
  Secret wk = wrapping_key(s, cred);
  unsigned char ad[20 + kSlotAdBytes];
  slot_ad(s, id, ad);
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.wrapped.data(), nullptr, payload.data(), kPayloadBytes, ad,
                                             sizeof ad, nullptr, s.nonce.data(), wk.data());
  return s;
}

std::optional<Keys> unwrap_slot(const SlotRecord& s, const Credential& cred, const VaultId& id) {
  if (s.info.kind != cred.kind) return std::nullopt;
  Secret wk = wrapping_key(s, cred);
  unsigned char ad[20 + kSlotAdBytes];
  slot_ad(s, id, ad);
  Secret payload(kPayloadBytes);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(payload.data(), nullptr, nullptr, s.wrapped.data(), kWrappedBytes,
                                                 ad, sizeof ad, s.nonce.data(), wk.data()) != 0)
    return std::nullopt;
  Keys k{Secret::copy_of(payload.data(), 32), Secret()};
  if (payload.data()[32] == 1) k.category = Secret::copy_of(payload.data() + 33, 32);
  return k;
}

}  // namespace dsr::vault
