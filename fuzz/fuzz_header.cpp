// Fuzzes the vault header parser (vault/header.hpp: parse_header) and what an
// unlock does next with what it parsed: open a key-file slot (its wrap, the
// keys sealed to it), check the admin signature, derive the page key.
//
// Input: one flags byte, then the two 12 KiB copies (A, then B; fewer bytes is
// a truncated file). Flags bit 0 / bit 1 recompute the plain checksum of copy
// A / B, so that mutations reach the decoder behind it.
//
// Findings: a crash; an exception other than dsr::Error(integrity); a header
// that authenticates, or a slot that opens, without its signed bytes being
// those of a header this harness sealed with its keys at start-up (a forgery);
// a slot opening to a data key nobody sealed.
#include <sodium.h>

#include <array>
#include <cstring>
#include <fstream>
#include <vector>

#include "dsr/error.hpp"
#include "fuzz/fuzz_support.hpp"
#include "vault/header.hpp"

using namespace dsr;
using namespace dsr::vault;

namespace {

constexpr size_t kSumAt = kCopyBytes - 32;  // as in header.cpp: the plain checksum ends each copy

struct World {
  Credential cred{SlotKind::key_file, Secret()};
  Secret data;                                    // the one data key sealed here
  std::vector<std::vector<unsigned char>> genuine;  // the signed bytes of every copy sealed here
  std::vector<std::vector<unsigned char>> seeds;
};

World* g = nullptr;

void fix_checksum(unsigned char* copy) { crypto_generichash(copy + kSumAt, 32, copy, kSumAt, nullptr, 0); }

std::vector<unsigned char> input(uint8_t flags, const std::vector<unsigned char>& a, size_t na,
                                 const std::vector<unsigned char>* b, size_t nb) {
  std::vector<unsigned char> v{flags};
  v.insert(v.end(), a.begin(), a.begin() + long(na));
  if (b) v.insert(v.end(), b->begin(), b->begin() + long(nb));
  return v;
}

void remember(const Header& h, const std::vector<unsigned char>& copy) {
  g->genuine.push_back(signed_bytes(copy.data(), h.slots.size()));
}

void build() {
  g = new World;
  crypto_init();
  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(0xA0 + i);
  g->cred.secret = Secret::copy_of(key, sizeof key);
  constexpr int64_t kCreated = 1700000000;  // fixed: the sealed bytes must not depend on the clock

  VaultKeys keys;
  keys.epoch = 1;
  keys.data = Secret::random(32);
  keys.index = Secret::random(32);
  keys.category = Secret::random(32);
  keys.admin_sk = Secret(crypto_sign_SECRETKEYBYTES);
  g->data = keys.data.clone();

  Header one;
  randombytes_buf(one.id.data(), one.id.size());
  one.epoch = 1;
  crypto_sign_keypair(one.admin_pk.data(), keys.admin_sk.data());
  one.slots.push_back(make_slot(one, "admin", Role::admin, g->cred, KdfStrength::interactive, keys, kCreated));
  auto a1 = seal_header(one, authority_of(keys));
  remember(one, a1);
  auto a2 = seal_header(one, authority_of(keys));
  remember(one, a2);

  Header many = one;
  many.generation = 0;
  Credential other{SlotKind::key_file, Secret::random(32)};
  Credential pass{SlotKind::passphrase, Secret::copy_of(reinterpret_cast<const unsigned char*>("fuzz"), 4)};
  many.slots.push_back(make_slot(many, "support", Role::support, g->cred, KdfStrength::interactive, keys, kCreated));
  many.slots.push_back(make_slot(many, "billing", Role::billing, other, KdfStrength::interactive, keys, kCreated));
  many.slots.push_back(make_slot(many, "auditor-pass", Role::auditor, pass, KdfStrength::interactive, keys, kCreated));
  auto m1 = seal_header(many, authority_of(keys));
  remember(many, m1);

  const size_t K = kCopyBytes;
  g->seeds.push_back(input(0, a2, K, &a2, K));   // both copies, same generation
  g->seeds.push_back(input(0, a2, K, &a1, K));   // B one generation behind
  g->seeds.push_back(input(0, a1, K, &a2, 100));  // B cut short
  g->seeds.push_back(input(0, m1, K, &m1, K));   // four slots, one a passphrase slot
  auto damaged = m1;
  damaged[200] ^= 1;  // a slot name byte: the checksum catches it ...
  g->seeds.push_back(input(0, damaged, K, &m1, K));
  g->seeds.push_back(input(1, damaged, K, &m1, K));  // ... unless recomputed: then the signature does
  g->seeds.push_back(input(3, m1, 2000, nullptr, 0));
}

bool is_genuine(const std::vector<unsigned char>& copy, size_t nslots) {
  std::vector<unsigned char> s = signed_bytes(copy.data(), nslots);
  for (const auto& gs : g->genuine)
    if (gs == s) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  dsr::fuzz::use_deterministic_randomness();
  build();
  return 0;
}

extern "C" void DsrFuzzWriteSeeds(const char* dir) {
  int i = 0;
  for (const auto& s : g->seeds) {
    std::ofstream out(std::string(dir) + "/seed-" + std::to_string(++i), std::ios::binary);
    out.write(reinterpret_cast<const char*>(s.data()), std::streamsize(s.size()));
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint8_t flags = data[0];
  ++data;
  --size;
  std::vector<unsigned char> raw(2 * kCopyBytes, 0);
  size_t n = std::min(size, raw.size());
  std::memcpy(raw.data(), data, n);
  if ((flags & 1) && n >= kCopyBytes) fix_checksum(raw.data());
  if ((flags & 2) && n >= 2 * kCopyBytes) fix_checksum(raw.data() + kCopyBytes);
  try {
    HeaderRead hr = parse_header(raw.data(), long(n));
    DSR_FUZZ_CHECK((hr.header.version == kFormatVersion || hr.header.version == kFormatVersion2) &&
                       hr.header.page_size == kPageSize && hr.header.reserve == kReserveBytes &&
                       hr.header.slots.size() <= kMaxSlots,
                   "parse_header accepted impossible parameters");
    DSR_FUZZ_CHECK(hr.problems.size() <= 2, "more problems than copies");
    for (const auto& s : hr.header.slots) {
      DSR_FUZZ_CHECK(s.info.name.size() <= kMaxSlotName, "slot name of %zu bytes", s.info.name.size());
      try {
        auto keys = unlock_slot(hr.header, s, g->cred);
        if (!keys) continue;
        verify_header(hr, *keys);
        if (hr.header.version == kFormatVersion) {
          // Only what was sealed here authenticates, and it holds the one data key there is.
          DSR_FUZZ_CHECK(is_genuine(hr.chosen, hr.header.slots.size()),
                         "a header this harness never sealed authenticated");
          DSR_FUZZ_CHECK(keys->data.equals(g->data), "a slot opened to a data key nobody sealed");
        }
        Secret pk = page_key(keys->data);
        DSR_FUZZ_CHECK(pk.size() == 32, "page key of %zu bytes", pk.size());
        std::string twin = verify_twin(hr, *keys);
        if (twin.empty() && hr.twin && hr.header.version == kFormatVersion)
          DSR_FUZZ_CHECK(is_genuine(*hr.twin, hr.header.slots.size()),
                         "the twin copy authenticated with bytes this harness never sealed");
      } catch (const Error& e) {
        DSR_FUZZ_CHECK(e.kind() == ErrorKind::integrity, "unlock failed with kind %d: %s", int(e.kind()), e.what());
      }
    }
  } catch (const Error& e) {
    DSR_FUZZ_CHECK(e.kind() == ErrorKind::integrity, "parse failed with kind %d: %s", int(e.kind()), e.what());
  }
  return 0;
}
