// Fuzzes the vault header parser (vault/header.hpp: parse_header) and what an
// unlock does next with what it parsed: unwrap a key-file slot, check the
// header MAC, unwrap the data key.
//
// Input: one flags byte, then the two 4 KiB copies (A, then B; fewer bytes is
// a truncated file). Flags bit 0 / bit 1 recompute the plain checksum of copy
// A / B, so that mutations reach the decoder behind it.
//
// Findings: a crash; an exception other than dsr::Error(integrity); a header
// whose MAC verifies, or whose slot unwraps, without being byte for byte one
// that this harness sealed with its key at start-up (a forgery).
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

constexpr size_t kMacAt = kCopyBytes - 64;  // as in header.cpp: MAC, then checksum
constexpr size_t kSumAt = kCopyBytes - 32;

struct World {
  Credential cred{SlotKind::key_file, Secret()};
  Secret master;
  std::vector<std::array<unsigned char, kCopyBytes>> genuine;  // every copy sealed here
  std::vector<std::vector<unsigned char>> seeds;
};

World* g = nullptr;

void fix_checksum(unsigned char* copy) { crypto_generichash(copy + kSumAt, 32, copy, kSumAt, nullptr, 0); }

std::vector<unsigned char> input(uint8_t flags, const unsigned char* a, size_t na, const unsigned char* b, size_t nb) {
  std::vector<unsigned char> v{flags};
  v.insert(v.end(), a, a + na);
  v.insert(v.end(), b, b + nb);
  return v;
}

void build() {
  g = new World;
  crypto_init();
  unsigned char key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<unsigned char>(0xA0 + i);
  g->cred.secret = Secret::copy_of(key, sizeof key);
  Keys keys{Secret::random(32), Secret::random(32)};
  g->master = keys.master.clone();
  constexpr int64_t kCreated = 1700000000;  // fixed: the sealed bytes must not depend on the clock

  Header one;
  randombytes_buf(one.id.data(), one.id.size());
  set_data_key(one, keys.master, Secret::random(32));
  one.slots.push_back(make_slot("admin", Role::admin, g->cred, KdfStrength::interactive, keys, one.id, kCreated));
  auto a1 = seal_header(one, keys.master);
  auto a2 = seal_header(one, keys.master);

  Header many = one;
  many.generation = 0;
  Credential other{SlotKind::key_file, Secret::random(32)};
  Credential pass{SlotKind::passphrase, Secret::copy_of(reinterpret_cast<const unsigned char*>("fuzz"), 4)};
  many.slots.push_back(make_slot("support", Role::support, g->cred, KdfStrength::interactive, keys, many.id, kCreated));
  many.slots.push_back(make_slot("billing", Role::billing, other, KdfStrength::interactive, keys, many.id, kCreated));
  many.slots.push_back(make_slot("auditor-pass", Role::auditor, pass, KdfStrength::interactive, keys, many.id, kCreated));
  auto m1 = seal_header(many, keys.master);

  g->genuine = {a1, a2, m1};
  const size_t K = kCopyBytes;
  g->seeds.push_back(input(0, a2.data(), K, a2.data(), K));      // both copies, same generation
  g->seeds.push_back(input(0, a2.data(), K, a1.data(), K));      // B one generation behind
  g->seeds.push_back(input(0, a1.data(), K, a2.data(), 100));    // B cut short
  g->seeds.push_back(input(0, m1.data(), K, m1.data(), K));      // four slots, one a passphrase slot
  auto damaged = m1;
  damaged[70] ^= 1;  // a slot name byte: the checksum catches it ...
  g->seeds.push_back(input(0, damaged.data(), K, m1.data(), K));
  g->seeds.push_back(input(1, damaged.data(), K, m1.data(), K));  // ... unless recomputed: then the MAC does
  g->seeds.push_back(input(3, m1.data(), 2000, nullptr, 0));
}

bool is_genuine(const std::array<unsigned char, kCopyBytes>& copy) {
  for (const auto& gcopy : g->genuine)
    if (std::memcmp(gcopy.data(), copy.data(), kMacAt + 32) == 0) return true;
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
  std::array<unsigned char, kCopyBytes> a{}, b{};
  size_t na = std::min(size, kCopyBytes);
  size_t nb = std::min(size - na, kCopyBytes);
  std::memcpy(a.data(), data, na);
  std::memcpy(b.data(), data + na, nb);
  if ((flags & 1) && na == kCopyBytes) fix_checksum(a.data());
  if ((flags & 2) && nb == kCopyBytes) fix_checksum(b.data());
  try {
    HeaderRead hr = parse_header(a.data(), long(na), b.data(), long(nb));
    DSR_FUZZ_CHECK(hr.header.version == kFormatVersion && hr.header.page_size == kPageSize &&
                       hr.header.reserve == kReserveBytes && hr.header.slots.size() <= kMaxSlots,
                   "parse_header accepted impossible parameters");
    DSR_FUZZ_CHECK(hr.problems.size() <= 2, "more problems than copies");
    for (const auto& s : hr.header.slots) {
      DSR_FUZZ_CHECK(s.info.name.size() <= kMaxSlotName, "slot name of %zu bytes", s.info.name.size());
      auto keys = unwrap_slot(s, g->cred, hr.header.id);
      if (!keys) continue;
      // Only a slot sealed here unwraps; it holds the one master key there is.
      DSR_FUZZ_CHECK(keys->master.equals(g->master), "a slot unwrapped to a master key nobody wrapped");
      try {
        verify_header_mac(hr, keys->master);
        DSR_FUZZ_CHECK(is_genuine(hr.chosen), "the header MAC verified on a header this harness never sealed");
        Secret pk = page_key(hr.header, keys->master);
        DSR_FUZZ_CHECK(pk.size() == 32, "page key of %zu bytes", pk.size());
        std::string twin = verify_twin_mac(hr, keys->master);
        if (twin.empty() && hr.twin) {
          std::array<unsigned char, kCopyBytes> t = *hr.twin;
          DSR_FUZZ_CHECK(is_genuine(t), "the twin copy's MAC verified on bytes this harness never sealed");
        }
      } catch (const Error& e) {
        DSR_FUZZ_CHECK(e.kind() == ErrorKind::integrity, "unlock failed with kind %d: %s", int(e.kind()), e.what());
      }
    }
  } catch (const Error& e) {
    DSR_FUZZ_CHECK(e.kind() == ErrorKind::integrity, "parse failed with kind %d: %s", int(e.kind()), e.what());
  }
  return 0;
}
