#include "vault/header.hpp"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>

#include "dsr/error.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr::vault {
namespace {

constexpr char kMagic[8] = {'D', 'S', 'R', 'V', 'A', 'U', 'L', 'T'};

// ---- format 3 -------------------------------------------------------------------
constexpr size_t kSlotsAt = 192;
constexpr size_t kSlotSigned = 400;  // name .. sealed keys: under the admin signature
constexpr size_t kSlotBytes = 560;
constexpr size_t kSigAt = kCopyBytes - 128;
constexpr size_t kMacAt = kCopyBytes - 64;
constexpr size_t kSumAt = kCopyBytes - 32;
static_assert(kSlotsAt + kMaxSlots * kSlotBytes <= kSigAt);
constexpr size_t kIdentityBytes = 144;  // the start of a slot's signed part, up to its public keys
constexpr char kSignContext[] = "dsr vault header, format 3";

// ---- format 2 (read to upgrade it; its slots live on as legacy slots) -----------
constexpr size_t kV2SlotBytes = 224;
constexpr size_t kV2SlotsAt = 64;
constexpr size_t kV2MacAt = kCopyBytesV2 - 64;
constexpr size_t kV2SumAt = kCopyBytesV2 - 32;
constexpr size_t kV2DataKeyAt = kV2SlotsAt + kMaxSlots * kV2SlotBytes;
constexpr size_t kSlotMetaBytes = 112;  // format 2's slot associated data: name .. salt
constexpr size_t kLegacyPayload = 72;   // master(32) | has_category(1) | category(32) | pad

// Subkeys of format 2's master key (its header MAC, the index key, the wrap of the data key).
enum class LegacyKey : uint64_t { pages = 1, header_mac = 2, index = 3, data_key_wrap = 4 };
// Subkeys of a slot's seed.
enum class SlotKey : uint64_t { wrap = 1, check = 2 };

void put32(unsigned char* p, uint32_t v) { for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i)); }
void put64(unsigned char* p, uint64_t v) { for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i)); }
uint32_t get32(const unsigned char* p) { uint32_t v = 0; for (int i = 3; i >= 0; --i) v = (v << 8) | p[i]; return v; }
uint64_t get64(const unsigned char* p) { uint64_t v = 0; for (int i = 7; i >= 0; --i) v = (v << 8) | p[i]; return v; }

Secret subkey(const Secret& key, uint64_t id, const char ctx[8]) {
  Secret k(32);
  crypto_kdf_derive_from_key(k.data(), 32, id, ctx, key.data());
  return k;
}
Secret legacy_key(const Secret& master, LegacyKey which) { return subkey(master, uint64_t(which), "dsrvault"); }
Secret slot_key(const Secret& seed, SlotKey which) { return subkey(seed, uint64_t(which), "dsrslot3"); }
Secret header_mac_key(const Secret& index) { return subkey(index, 1, "dsrhdmac"); }

bool all_zero(const unsigned char* p, size_t n) {
  return std::all_of(p, p + n, [](unsigned char c) { return c == 0; });
}

// ---- format 2's slot metadata and wraps (legacy slots) --------------------------
void encode_slot_meta(const SlotRecord& s, unsigned char* p) {
  std::memset(p, 0, kSlotMetaBytes);
  std::memcpy(p, s.info.name.data(), std::min(s.info.name.size(), kMaxSlotName));
  p[64] = static_cast<unsigned char>(s.info.role);
  p[65] = static_cast<unsigned char>(s.info.kind);
  put64(p + 72, static_cast<uint64_t>(s.info.created));
  put64(p + 80, s.info.kdf_ops);
  put64(p + 88, s.info.kdf_mem);
  std::memcpy(p + 96, s.salt.data(), 16);
}

void legacy_slot_ad(const SlotRecord& s, const VaultId& id, unsigned char* ad) {
  std::memcpy(ad, id.data(), 16);
  put32(ad + 16, kKeyWrapFormat);
  encode_slot_meta(s, ad + 20);
}

void data_key_ad(const VaultId& id, unsigned char ad[20]) {
  std::memcpy(ad, id.data(), 16);
  put32(ad + 16, kKeyWrapFormat);
}

// ---- format 3's encoding -------------------------------------------------------------
void encode_identity(const SlotRecord& s, unsigned char* p) {
  std::memset(p, 0, kIdentityBytes);
  std::memcpy(p, s.info.name.data(), std::min(s.info.name.size(), kMaxSlotName));
  p[64] = static_cast<unsigned char>(s.info.role);
  p[65] = static_cast<unsigned char>(s.info.kind);
  p[66] = static_cast<unsigned char>(s.scheme);
  put64(p + 72, static_cast<uint64_t>(s.info.created));
  std::memcpy(p + 80, s.box_pk.data(), 32);
  std::memcpy(p + 112, s.sign_pk.data(), 32);
}

void encode_slot(const SlotRecord& s, unsigned char* p) {
  encode_identity(s, p);
  std::memcpy(p + kIdentityBytes, s.bundle.data(), kSealedBytes);
  put64(p + 400, s.info.kdf_ops);
  put64(p + 408, s.info.kdf_mem);
  std::memcpy(p + 416, s.salt.data(), 16);
  std::memcpy(p + 432, s.check.data(), 16);
  std::memcpy(p + 448, s.nonce.data(), 24);
  std::memcpy(p + 472, s.wrapped.data(), kWrapBytes);
}

SlotRecord decode_slot(const unsigned char* p) {
  SlotRecord s;
  s.info.name.assign(reinterpret_cast<const char*>(p), strnlen(reinterpret_cast<const char*>(p), kMaxSlotName));
  s.info.role = static_cast<Role>(p[64]);
  s.info.kind = static_cast<SlotKind>(p[65]);
  s.scheme = static_cast<Scheme>(p[66]);
  s.info.created = static_cast<int64_t>(get64(p + 72));
  std::memcpy(s.box_pk.data(), p + 80, 32);
  std::memcpy(s.sign_pk.data(), p + 112, 32);
  std::memcpy(s.bundle.data(), p + kIdentityBytes, kSealedBytes);
  s.info.kdf_ops = get64(p + 400);
  s.info.kdf_mem = get64(p + 408);
  std::memcpy(s.salt.data(), p + 416, 16);
  std::memcpy(s.check.data(), p + 432, 16);
  std::memcpy(s.nonce.data(), p + 448, 24);
  std::memcpy(s.wrapped.data(), p + 472, kWrapBytes);
  s.info.legacy = s.scheme == Scheme::legacy;
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
  put64(p + 48, h.epoch);
  std::memcpy(p + 56, h.admin_pk.data(), 32);
  p[88] = h.legacy_data ? 1 : 0;
  std::memcpy(p + 96, h.data_nonce.data(), 24);
  std::memcpy(p + 120, h.data_wrapped.data(), 48);
  for (size_t i = 0; i < h.slots.size(); ++i) encode_slot(h.slots[i], p + kSlotsAt + i * kSlotBytes);
  std::memcpy(p + kSigAt, h.signature.data(), h.signature.size());
}

// What the admin signs: the whole copy but the generation (which picks the
// newer copy), each slot's own wrap (which a slot re-makes on its own when
// its passphrase changes), and the signature, MAC and checksum.
// Unused slot places and padding are signed as the zeros they are.
std::vector<unsigned char> signed_message(const unsigned char* raw, size_t nslots) {
  std::vector<unsigned char> copy(raw, raw + kCopyBytes);
  put64(copy.data() + 24, 0);
  for (size_t i = 0; i < nslots; ++i)
    std::memset(copy.data() + kSlotsAt + i * kSlotBytes + kSlotSigned, 0, kSlotBytes - kSlotSigned);
  std::memset(copy.data() + kSigAt, 0, kCopyBytes - kSigAt);
  std::vector<unsigned char> m(sizeof kSignContext + kCopyBytes);
  std::memcpy(m.data(), kSignContext, sizeof kSignContext);
  std::memcpy(m.data() + sizeof kSignContext, copy.data(), kCopyBytes);
  return m;
}

// A slot's metadata is authenticated only after its key derivation has run:
// bound the Argon2id cost first, so that a forged header is reported as
// damage instead of exhausting memory or running for hours.
bool plausible(const SlotRecord& s) {
  const SlotInfo& i = s.info;
  bool role_ok = i.role == Role::admin || i.role == Role::support || i.role == Role::billing || i.role == Role::auditor;
  if (!role_ok || (s.scheme != Scheme::sealed && s.scheme != Scheme::legacy)) return false;
  if (i.kind == SlotKind::key_file) return true;
  if (i.kind != SlotKind::passphrase) return false;
  return i.kdf_ops >= crypto_pwhash_OPSLIMIT_MIN && i.kdf_ops <= 64 && i.kdf_mem >= crypto_pwhash_MEMLIMIT_MIN &&
         i.kdf_mem <= (uint64_t(16) << 30);
}

// Format 2's slot: the same identity fields, a key wrapped by the slot's
// secret itself (a legacy slot).
SlotRecord decode_v2_slot(const unsigned char* q) {
  SlotRecord s;
  s.scheme = Scheme::legacy;
  s.info.legacy = true;
  s.info.name.assign(reinterpret_cast<const char*>(q), strnlen(reinterpret_cast<const char*>(q), kMaxSlotName));
  s.info.role = static_cast<Role>(q[64]);
  s.info.kind = static_cast<SlotKind>(q[65]);
  s.info.created = static_cast<int64_t>(get64(q + 72));
  s.info.kdf_ops = get64(q + 80);
  s.info.kdf_mem = get64(q + 88);
  std::memcpy(s.salt.data(), q + 96, 16);
  std::memcpy(s.nonce.data(), q + 112, 24);
  std::memcpy(s.wrapped.data(), q + 136, kWrapBytes);
  return s;
}

// Where a format keeps what both formats share: the checksum over everything
// before `sum_at`, the version, and the slots, `slot_bytes` apart from
// `slots_at`, each read by `slot`.
struct HeaderFormat {
  size_t sum_at;
  uint32_t version;
  size_t slots_at, slot_bytes;
  SlotRecord (*slot)(const unsigned char*);
};

// The fields both formats share, checked: the magic, the checksum, the
// version, the page parameters, the slot count and each slot's parameters.
std::optional<Header> decode_common(const unsigned char* p, const HeaderFormat& l, std::string& why) {
  if (std::memcmp(p, kMagic, 8) != 0) { why = "bad magic"; return std::nullopt; }
  unsigned char sum[32];
  crypto_generichash(sum, 32, p, l.sum_at, nullptr, 0);
  if (sodium_memcmp(sum, p + l.sum_at, 32) != 0) {
    why = "checksum mismatch";
    return std::nullopt;
  }
  Header h;
  h.version = get32(p + 8);
  h.page_size = get32(p + 12);
  h.reserve = get32(p + 16);
  uint32_t n = get32(p + 20);
  h.generation = get64(p + 24);
  std::memcpy(h.id.data(), p + 32, 16);
  if (h.version != l.version) {
    why = "unsupported format version " + std::to_string(h.version);
    return std::nullopt;
  }
  if (h.page_size != kPageSize || h.reserve != kReserveBytes || n > kMaxSlots) {
    why = "bad parameters";
    return std::nullopt;
  }
  for (uint32_t i = 0; i < n; ++i) {
    h.slots.push_back(l.slot(p + l.slots_at + i * l.slot_bytes));
    if (!plausible(h.slots.back())) {
      why = "slot " + std::to_string(i + 1) + " has impossible parameters";
      return std::nullopt;
    }
  }
  return h;
}

std::optional<Header> decode(const unsigned char* p, std::string& why) {
  std::optional<Header> h = decode_common(p, {kSumAt, kFormatVersion, kSlotsAt, kSlotBytes, decode_slot}, why);
  if (!h) return std::nullopt;
  h->epoch = get64(p + 48);
  std::memcpy(h->admin_pk.data(), p + 56, 32);
  h->legacy_data = p[88] == 1;
  std::memcpy(h->data_nonce.data(), p + 96, 24);
  std::memcpy(h->data_wrapped.data(), p + 120, 48);
  std::memcpy(h->signature.data(), p + kSigAt, h->signature.size());
  return h;
}

// Format 2: its slots become legacy slots, its data key the legacy data key.
std::optional<Header> decode_v2(const unsigned char* p, std::string& why) {
  std::optional<Header> h =
      decode_common(p, {kV2SumAt, kFormatVersion2, kV2SlotsAt, kV2SlotBytes, decode_v2_slot}, why);
  if (!h) return std::nullopt;
  h->legacy_data = true;
  std::memcpy(h->data_nonce.data(), p + kV2DataKeyAt, 24);
  std::memcpy(h->data_wrapped.data(), p + kV2DataKeyAt + 24, 48);
  h->epoch = 1;
  return h;
}

// What opens a slot: Argon2id over the passphrase, or the key file's bytes
// (the same in formats 2 and 3). A derived credential is that key already
// (Vault::slot_credential): a wrong one fails the slot's check like a wrong
// passphrase.
Secret slot_seed(const SlotRecord& s, const Credential& cred) {
  if (cred.derived) {
    if (cred.secret.size() != 32) fail(ErrorKind::usage, "a derived slot key is 32 bytes");
    return cred.secret.clone();
  }
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

// A slot's new wrap (new salt) needs the credential itself, never a derived key.
Secret new_slot_seed(const SlotRecord& s, const Credential& cred) {
  if (cred.derived) fail(ErrorKind::usage, "a key slot is made or re-wrapped from a passphrase or key file, not from "
                                           "the unlock agent's derived key");
  return slot_seed(s, cred);
}

void set_kdf(SlotRecord& s, SlotKind kind, KdfStrength kdf) {
  s.info.kdf_ops = 0;  // the header is plaintext: never leave a field uninitialised
  s.info.kdf_mem = 0;
  if (kind != SlotKind::passphrase) return;
  switch (kdf) {
    case KdfStrength::interactive:
      s.info.kdf_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE; break;
    case KdfStrength::moderate:
      s.info.kdf_ops = crypto_pwhash_OPSLIMIT_MODERATE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_MODERATE; break;
    case KdfStrength::sensitive:
      s.info.kdf_ops = crypto_pwhash_OPSLIMIT_SENSITIVE; s.info.kdf_mem = crypto_pwhash_MEMLIMIT_SENSITIVE; break;
  }
}

// A sealed slot's wrap binds the admin key and the slot's identity.
void wrap_ad(const Header& h, const SlotRecord& s, unsigned char ad[16 + 32 + kIdentityBytes]) {
  std::memcpy(ad, h.id.data(), 16);
  std::memcpy(ad + 16, h.admin_pk.data(), 32);
  encode_identity(s, ad + 48);
}

// Wraps the slot's box secret key and signing seed under `seed`.
void wrap_secrets(const Header& h, SlotRecord& s, const Secret& seed, const Secret& box_sk, const Secret& sign_seed) {
  Secret check = slot_key(seed, SlotKey::check);
  std::memcpy(s.check.data(), check.data(), 16);
  Secret wk = slot_key(seed, SlotKey::wrap);
  Secret plain(64);
  std::memcpy(plain.data(), box_sk.data(), 32);
  std::memcpy(plain.data() + 32, sign_seed.data(), 32);
  unsigned char ad[16 + 32 + kIdentityBytes];
  wrap_ad(h, s, ad);
  randombytes_buf(s.nonce.data(), s.nonce.size());
  s.wrapped.fill(0);
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.wrapped.data(), nullptr, plain.data(), 64, ad, sizeof ad, nullptr,
                                             s.nonce.data(), wk.data());
}

std::string slot_label(const SlotRecord& s) { return "slot '" + s.info.name + "'"; }

}  // namespace

std::vector<unsigned char> signed_bytes(const unsigned char* copy, size_t nslots) {
  return signed_message(copy, std::min(nslots, kMaxSlots));
}

bool Header::has_admin_key() const { return !all_zero(admin_pk.data(), admin_pk.size()); }
bool Header::has_legacy_slots() const {
  return std::any_of(slots.begin(), slots.end(), [](const SlotRecord& s) { return s.scheme == Scheme::legacy; });
}

Secret page_key(const Secret& data_key) { return legacy_key(data_key, LegacyKey::pages); }

size_t copy_bytes(uint32_t version) { return version == kFormatVersion2 ? kCopyBytesV2 : kCopyBytes; }

HeaderRead read_header(int fd) {
  std::vector<unsigned char> raw(2 * kCopyBytes);
  ssize_t got = sysio::pread(fd, raw.data(), raw.size(), 0);
  // A read error is not a damaged header (fault sweep: it was reported as one, exit 6).
  if (got < 0) fail(ErrorKind::failure, "cannot read the vault header: " + std::string(std::strerror(errno)));
  return parse_header(raw.data(), long(got));
}

namespace {

// Both copies read as format `version`; the valid one with the highest
// generation, or nothing when neither is valid.
std::optional<HeaderRead> parse_as(const unsigned char* raw, long got, uint32_t version) {
  auto have = [&](size_t off, size_t n) { return got >= long(off + n); };
  const size_t cb = copy_bytes(version);
  HeaderRead out;
  std::array<std::optional<Header>, 2> h;
  std::optional<size_t> best;
  for (size_t c = 0; c < 2; ++c) {
    std::string why = "truncated";
    const unsigned char* copy = raw + c * cb;
    if (have(c * cb, cb)) h[c] = version == kFormatVersion2 ? decode_v2(copy, why) : decode(copy, why);
    if (!h[c]) {
      out.problems.push_back(std::string("header copy ") + (c == 0 ? "A" : "B") + " is damaged (" + why + ")");
      continue;
    }
    if (!best || h[c]->generation > h[*best]->generation) best = c;
  }
  if (!best) return std::nullopt;
  const size_t chosen = *best, other = 1 - chosen;
  if (h[other] && h[other]->generation == h[chosen]->generation) {
    out.twin = std::vector<unsigned char>(raw + other * cb, raw + other * cb + cb);
    out.twin_name = other == 0 ? 'A' : 'B';
  }
  out.header = std::move(*h[chosen]);
  out.chosen.assign(raw + chosen * cb, raw + chosen * cb + cb);
  return out;
}

}  // namespace

HeaderRead parse_header(const unsigned char* raw, long got) {
  auto have = [&](size_t off, size_t n) { return got >= long(off + n); };
  auto magic_at = [&](size_t off) { return have(off, 12) && std::memcmp(raw + off, kMagic, 8) == 0; };
  // The format, from whichever copy still shows it: A at 0, or B where each
  // format keeps it. A's version field is not checked until its copy is: when
  // it names no valid copy (one bit turns 3 into 2), B's is tried.
  std::vector<uint32_t> versions;
  if (magic_at(0)) versions.push_back(get32(raw + 8));
  if (magic_at(kCopyBytes) && get32(raw + kCopyBytes + 8) == kFormatVersion) versions.push_back(kFormatVersion);
  if (magic_at(kCopyBytesV2) && get32(raw + kCopyBytesV2 + 8) == kFormatVersion2) versions.push_back(kFormatVersion2);
  if (versions.empty()) fail(ErrorKind::integrity, "not a dsr vault (no vault header)");
  for (size_t i = 0; i < versions.size(); ++i) {
    if (std::find(versions.begin(), versions.begin() + long(i), versions[i]) != versions.begin() + long(i)) continue;
    if (auto out = parse_as(raw, got, versions[i])) return std::move(*out);
  }
  fail(ErrorKind::integrity, "the vault header is damaged in both copies; restore from a backup");
}

std::optional<VaultKeys> unlock_slot(const Header& h, const SlotRecord& s, const Credential& cred) {
  if (s.info.kind != cred.kind) return std::nullopt;
  Secret seed = slot_seed(s, cred);
  VaultKeys k;
  k.epoch = h.epoch;
  if (s.scheme == Scheme::legacy) {
    unsigned char ad[20 + kSlotMetaBytes];
    legacy_slot_ad(s, h.id, ad);
    Secret payload(kLegacyPayload);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(payload.data(), nullptr, nullptr, s.wrapped.data(), kWrapBytes,
                                                   ad, sizeof ad, s.nonce.data(), seed.data()) != 0)
      return std::nullopt;
    k.legacy_master = Secret::copy_of(payload.data(), 32);
    if (payload.data()[32] == 1) k.category = Secret::copy_of(payload.data() + 33, 32);
    if (!h.legacy_data) fail(ErrorKind::integrity, "the vault header holds no data key for " + slot_label(s));
    Secret wk = legacy_key(k.legacy_master, LegacyKey::data_key_wrap);
    unsigned char dad[20];
    data_key_ad(h.id, dad);
    k.data = Secret(32);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(k.data.data(), nullptr, nullptr, h.data_wrapped.data(),
                                                   h.data_wrapped.size(), dad, sizeof dad, h.data_nonce.data(),
                                                   wk.data()) != 0)
      fail(ErrorKind::integrity, "the vault header's data key fails authentication (tampered)");
    k.index = legacy_key(k.legacy_master, LegacyKey::index);
    k.seed = std::move(seed);
    return k;
  }
  Secret check = slot_key(seed, SlotKey::check);
  if (sodium_memcmp(check.data(), s.check.data(), 16) != 0) return std::nullopt;
  // The credential is this slot's: from here on a failure is a changed header.
  Secret wk = slot_key(seed, SlotKey::wrap);
  unsigned char ad[16 + 32 + kIdentityBytes];
  wrap_ad(h, s, ad);
  Secret secrets(64);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(secrets.data(), nullptr, nullptr, s.wrapped.data(), 80, ad, sizeof ad,
                                                 s.nonce.data(), wk.data()) != 0)
    fail(ErrorKind::integrity, "the vault header was changed by someone who does not hold the admin key: the admin "
                               "key, or the name, role or keys of " + slot_label(s) + ", are not what they were");
  k.box_sk = Secret::copy_of(secrets.data(), 32);
  k.sign_seed = Secret::copy_of(secrets.data() + 32, 32);
  Secret bundle(kBundleBytes);
  if (crypto_box_seal_open(bundle.data(), s.bundle.data(), kSealedBytes, s.box_pk.data(), k.box_sk.data()) != 0)
    fail(ErrorKind::integrity, "the keys sealed to " + slot_label(s) + " do not open: the vault header was altered");
  const unsigned char* b = bundle.data();
  if (get64(b) != h.epoch)
    fail(ErrorKind::integrity, "the keys sealed to " + slot_label(s) + " belong to another key epoch (" +
                                   std::to_string(get64(b)) + ", the header says " + std::to_string(h.epoch) +
                                   "): the vault header was altered");
  k.data = Secret::copy_of(b + 8, 32);
  k.index = Secret::copy_of(b + 40, 32);
  uint8_t flags = b[72];
  if (flags & 1) k.category = Secret::copy_of(b + 80, 32);
  if (flags & 2) {
    k.admin_sk = Secret::copy_of(b + 112, 64);
    unsigned char pk[32];
    crypto_sign_ed25519_sk_to_pk(pk, k.admin_sk.data());
    if (sodium_memcmp(pk, h.admin_pk.data(), 32) != 0)
      fail(ErrorKind::integrity, "the admin key sealed to " + slot_label(s) + " is not the vault's: the header was altered");
  }
  if (flags & 4) k.legacy_master = Secret::copy_of(b + 176, 32);
  k.sign_sk = Secret(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(k.sign_pk.data(), k.sign_sk.data(), k.sign_seed.data());
  if (k.sign_pk != s.sign_pk)
    fail(ErrorKind::integrity, "the signing key of " + slot_label(s) + " is not the one the header names");
  k.seed = std::move(seed);
  return k;
}

namespace {

void verify_copy(const Header& h, const unsigned char* copy, const VaultKeys& keys, const std::string& which) {
  if (h.version == kFormatVersion2) {
    if (keys.legacy_master.empty()) fail(ErrorKind::integrity, which + " cannot be authenticated");
    Secret mk = legacy_key(keys.legacy_master, LegacyKey::header_mac);
    unsigned char mac[32];
    crypto_generichash(mac, 32, copy, kV2MacAt, mk.data(), mk.size());
    if (sodium_memcmp(mac, copy + kV2MacAt, 32) != 0) fail(ErrorKind::integrity, which + " fails authentication (tampered)");
    return;
  }
  if (h.has_admin_key()) {
    std::vector<unsigned char> m = signed_message(copy, h.slots.size());
    if (crypto_sign_verify_detached(copy + kSigAt, m.data(), m.size(), h.admin_pk.data()) != 0)
      fail(ErrorKind::integrity, which + " fails authentication: its admin signature does not verify (a slot, a role "
                                         "or the sealed keys were changed without the admin key)");
  }
  if (keys.index.empty()) fail(ErrorKind::integrity, which + " cannot be authenticated");
  Secret mk = header_mac_key(keys.index);
  unsigned char mac[32];
  crypto_generichash(mac, 32, copy, kMacAt, mk.data(), mk.size());
  if (sodium_memcmp(mac, copy + kMacAt, 32) != 0) fail(ErrorKind::integrity, which + " fails authentication (tampered)");
}

}  // namespace

void verify_header(const HeaderRead& h, const VaultKeys& keys) {
  verify_copy(h.header, h.chosen.data(), keys, "the vault header");
}

std::string verify_twin(const HeaderRead& h, const VaultKeys& keys) {
  if (!h.twin) return {};
  std::string why = "twin";
  auto twin = h.header.version == kFormatVersion2 ? decode_v2(h.twin->data(), why) : decode(h.twin->data(), why);
  if (!twin) return std::string("header copy ") + h.twin_name + " is damaged (" + why + ")";
  try {
    verify_copy(*twin, h.twin->data(), keys, std::string("header copy ") + h.twin_name);
  } catch (const Error& e) {
    return e.what();
  }
  return {};
}

std::vector<unsigned char> seal_header(Header& h, const HeaderAuthority& authority) {
  if (h.version != kFormatVersion) fail(ErrorKind::failure, "only a header of the current format is written");
  h.generation += 1;
  std::vector<unsigned char> buf(kCopyBytes);
  encode(h, buf.data());
  if (h.has_admin_key()) {
    std::vector<unsigned char> m = signed_message(buf.data(), h.slots.size());
    if (authority.admin_sk) {
      crypto_sign_detached(h.signature.data(), nullptr, m.data(), m.size(), authority.admin_sk->data());
    } else if (crypto_sign_verify_detached(h.signature.data(), m.data(), m.size(), h.admin_pk.data()) != 0) {
      fail(ErrorKind::refused, "changing key slots or roles needs an admin slot that holds the admin signing key");
    }
    std::memcpy(buf.data() + kSigAt, h.signature.data(), h.signature.size());
  }
  if (!authority.index) fail(ErrorKind::failure, "a vault header is written only with the index key at hand");
  Secret mk = header_mac_key(*authority.index);
  crypto_generichash(buf.data() + kMacAt, 32, buf.data(), kMacAt, mk.data(), mk.size());
  crypto_generichash(buf.data() + kSumAt, 32, buf.data(), kSumAt, nullptr, 0);
  return buf;
}

void write_header(int fd, Header& h, const HeaderAuthority& authority) {
  std::vector<unsigned char> buf = seal_header(h, authority);
  // B first: a crash while writing A leaves B (new) valid; while writing B, A (old).
  for (off_t at : {off_t(kCopyBytes), off_t(0)}) {
    if (sysio::pwrite(fd, buf.data(), kCopyBytes, at) != static_cast<ssize_t>(kCopyBytes) || sysio::fsync(fd) != 0)
      fail(ErrorKind::failure, "cannot write the vault header: " + std::string(std::strerror(errno)));
  }
}

void reseal_slot(const Header& h, SlotRecord& s, const VaultKeys& keys) {
  Secret b(kBundleBytes);
  unsigned char* p = b.data();
  put64(p, h.epoch);
  std::memcpy(p + 8, keys.data.data(), 32);
  std::memcpy(p + 40, keys.index.data(), 32);
  uint8_t flags = 0;
  if (role_reads_restricted(s.info.role) && !keys.category.empty()) {
    flags |= 1;
    std::memcpy(p + 80, keys.category.data(), 32);
  }
  if (s.info.role == Role::admin && !keys.admin_sk.empty()) {
    flags |= 2;
    std::memcpy(p + 112, keys.admin_sk.data(), 64);
  }
  if (h.legacy_state() && !keys.legacy_master.empty()) {
    flags |= 4;
    std::memcpy(p + 176, keys.legacy_master.data(), 32);
  }
  p[72] = flags;
  crypto_box_seal(s.bundle.data(), p, kBundleBytes, s.box_pk.data());
}

SlotRecord make_slot(const Header& h, const std::string& name, Role role, const Credential& cred, KdfStrength kdf,
                     const VaultKeys& keys, int64_t created) {
  if (name.empty() || name.size() > kMaxSlotName) fail(ErrorKind::usage, "slot name must be 1 to 63 bytes");
  SlotRecord s;
  s.scheme = Scheme::sealed;
  s.info.name = name;
  s.info.role = role;
  s.info.kind = cred.kind;
  s.info.created = created != 0 ? created : static_cast<int64_t>(time(nullptr));
  set_kdf(s, cred.kind, kdf);
  randombytes_buf(s.salt.data(), s.salt.size());
  Secret box_sk(32), sign_seed = Secret::random(32), sign_sk(crypto_sign_SECRETKEYBYTES);
  crypto_box_keypair(s.box_pk.data(), box_sk.data());
  crypto_sign_seed_keypair(s.sign_pk.data(), sign_sk.data(), sign_seed.data());
  Secret seed = new_slot_seed(s, cred);
  wrap_secrets(h, s, seed, box_sk, sign_seed);
  reseal_slot(h, s, keys);
  return s;
}

void rewrap_slot(const Header& h, SlotRecord& s, const VaultKeys& mine, const Credential& cred, KdfStrength kdf) {
  if (s.scheme != Scheme::sealed || mine.box_sk.empty()) fail(ErrorKind::failure, "not a sealed slot");
  set_kdf(s, cred.kind, kdf);
  randombytes_buf(s.salt.data(), s.salt.size());
  Secret seed = new_slot_seed(s, cred);
  wrap_secrets(h, s, seed, mine.box_sk, mine.sign_seed);
}

void rewrap_legacy_slot(const Header& h, SlotRecord& s, const VaultKeys& mine, const Credential& cred,
                        KdfStrength kdf) {
  if (s.scheme != Scheme::legacy || mine.legacy_master.empty()) fail(ErrorKind::failure, "not a legacy slot");
  set_kdf(s, cred.kind, kdf);
  randombytes_buf(s.salt.data(), s.salt.size());
  randombytes_buf(s.nonce.data(), s.nonce.size());
  Secret payload(kLegacyPayload);
  std::memcpy(payload.data(), mine.legacy_master.data(), 32);
  if (!mine.category.empty()) {
    payload.data()[32] = 1;
    std::memcpy(payload.data() + 33, mine.category.data(), 32);
  }
  Secret seed = new_slot_seed(s, cred);
  unsigned char ad[20 + kSlotMetaBytes];
  legacy_slot_ad(s, h.id, ad);
  crypto_aead_xchacha20poly1305_ietf_encrypt(s.wrapped.data(), nullptr, payload.data(), kLegacyPayload, ad, sizeof ad,
                                             nullptr, s.nonce.data(), seed.data());
}

void set_legacy_data_key(Header& h, const Secret& master, const Secret& data) {
  if (master.empty()) fail(ErrorKind::refused, "this slot cannot wrap keys for the vault's slots of format 2");
  Secret wk = legacy_key(master, LegacyKey::data_key_wrap);
  unsigned char ad[20];
  data_key_ad(h.id, ad);
  randombytes_buf(h.data_nonce.data(), h.data_nonce.size());
  crypto_aead_xchacha20poly1305_ietf_encrypt(h.data_wrapped.data(), nullptr, data.data(), 32, ad, sizeof ad, nullptr,
                                             h.data_nonce.data(), wk.data());
  h.legacy_data = true;
}

Header header_from_format2(const Header& v2) {
  Header h = v2;
  h.version = kFormatVersion;
  h.epoch = 1;
  h.admin_pk.fill(0);
  h.signature.fill(0);
  for (auto& s : h.slots) s.info.legacy = true;
  return h;
}

void establish_admin(Header& h, const std::string& slot_name, const Credential& cred, VaultKeys& keys) {
  auto it = std::find_if(h.slots.begin(), h.slots.end(), [&](const SlotRecord& s) { return s.info.name == slot_name; });
  if (it == h.slots.end() || it->info.role != Role::admin || it->scheme != Scheme::legacy || h.has_admin_key())
    fail(ErrorKind::failure, "establish_admin: not a legacy admin slot of a vault without an admin key");
  keys.admin_sk = Secret(crypto_sign_SECRETKEYBYTES);
  crypto_sign_keypair(h.admin_pk.data(), keys.admin_sk.data());
  SlotRecord& s = *it;
  s.scheme = Scheme::sealed;
  s.info.legacy = false;
  s.check.fill(0);
  keys.box_sk = Secret(32);
  keys.sign_seed = Secret::random(32);
  keys.sign_sk = Secret(crypto_sign_SECRETKEYBYTES);
  crypto_box_keypair(s.box_pk.data(), keys.box_sk.data());
  crypto_sign_seed_keypair(s.sign_pk.data(), keys.sign_sk.data(), keys.sign_seed.data());
  keys.sign_pk = s.sign_pk;
  // The slot keeps its salt and cost: the same credential opens it.
  Secret seed = slot_seed(s, cred);
  wrap_secrets(h, s, seed, keys.box_sk, keys.sign_seed);
  if (!h.has_legacy_slots()) h.legacy_data = false;  // no one opens the vault through format 2's keys any more
  reseal_slot(h, s, keys);
}

}  // namespace dsr::vault
