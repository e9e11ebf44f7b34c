#include "vault/seal.hpp"

#include <sodium.h>

namespace dsr::vault {
namespace {
std::string ad_for(std::string_view subject_id, std::string_view field) {
  std::string ad(subject_id);
  ad.push_back('\0');
  ad.append(field);
  return ad;
}
}  // namespace

std::string seal(const Secret& key, std::string_view subject_id, std::string_view field, std::string_view plaintext) {
  constexpr size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t tb = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  std::string out(nb + plaintext.size() + tb, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(o, nb);
  std::string ad = ad_for(subject_id, field);
  crypto_aead_xchacha20poly1305_ietf_encrypt(o + nb, nullptr, reinterpret_cast<const unsigned char*>(plaintext.data()),
                                             plaintext.size(), reinterpret_cast<const unsigned char*>(ad.data()),
                                             ad.size(), nullptr, o, key.data());
  return out;
}

std::optional<std::string> unseal(const Secret& key, std::string_view subject_id, std::string_view field,
                                  std::string_view sealed) {
  constexpr size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
  constexpr size_t tb = crypto_aead_xchacha20poly1305_ietf_ABYTES;
  if (sealed.size() < nb + tb) return std::nullopt;
  std::string out(sealed.size() - nb - tb, '\0');
  auto* in = reinterpret_cast<const unsigned char*>(sealed.data());
  std::string ad = ad_for(subject_id, field);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(reinterpret_cast<unsigned char*>(out.data()), nullptr, nullptr,
                                                 in + nb, sealed.size() - nb,
                                                 reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), in,
                                                 key.data()) != 0)
    return std::nullopt;
  return out;
}

std::string keyed_hash(const Secret& index_key, std::string_view purpose, std::string_view value) {
  crypto_generichash_state st;
  crypto_generichash_init(&st, index_key.data(), index_key.size(), 32);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
  unsigned char zero = 0;
  crypto_generichash_update(&st, &zero, 1);
  crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
  std::string out(32, '\0');
  crypto_generichash_final(&st, reinterpret_cast<unsigned char*>(out.data()), 32);
  return out;
}

Secret derive_key(const Secret& key, std::string_view purpose) {
  Secret out(32);
  // Its own personalisation, so no keyed_hash (default personalisation) ever equals a derived key.
  static constexpr unsigned char kSalt[crypto_generichash_blake2b_SALTBYTES] = {};
  static constexpr unsigned char kPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {'d', 's', 'r', ' ', 'd', 'e',
                                                                                         'r', 'i', 'v', 'e', 'd'};
  crypto_generichash_blake2b_state st;
  crypto_generichash_blake2b_init_salt_personal(&st, key.data(), key.size(), out.size(), kSalt, kPersonal);
  crypto_generichash_blake2b_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
  crypto_generichash_blake2b_final(&st, out.data(), out.size());
  sodium_memzero(&st, sizeof st);
  return out;
}

bool signature_valid(std::string_view public_key, std::string_view msg, std::string_view sig) {
  if (public_key.size() != crypto_sign_PUBLICKEYBYTES || sig.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(sig.data()),
                                     reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                                     reinterpret_cast<const unsigned char*>(public_key.data())) == 0;
}

uint32_t random_u32() { return randombytes_random(); }

void wipe(void* p, std::size_t n) noexcept { sodium_memzero(p, n); }

}  // namespace dsr::vault
