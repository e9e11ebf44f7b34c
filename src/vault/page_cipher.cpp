#include "vault/page_cipher.hpp"

#include <sodium.h>

#include <cstring>

namespace dsr::vault {
namespace {
constexpr uint32_t kBody = kPageSize - kReserveBytes;

void make_ad(const VaultId& id, uint32_t pgno, unsigned char ad[20]) {
  std::memcpy(ad, id.data(), id.size());
  for (int i = 0; i < 4; ++i) ad[16 + i] = static_cast<unsigned char>(pgno >> (8 * i));
}

Secret mac_subkey(const Secret& page_key) {
  Secret k(crypto_generichash_KEYBYTES);
  crypto_kdf_derive_from_key(k.data(), k.size(), 1, "dsrvfsmc", page_key.data());
  return k;
}
}  // namespace

PageCipher::PageCipher(Secret page_key, const VaultId& id)
    : key_(std::move(page_key)), mac_key_(mac_subkey(key_)), id_(id) {}

void PageCipher::encrypt_bound(const unsigned char* ad, size_t ad_len, const unsigned char* plain,
                               unsigned char* out) const {
  unsigned char* nonce = out + kBody;
  unsigned char* tag = nonce + kNonceBytes;
  randombytes_buf(nonce, kNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, nullptr, plain, kBody, ad, ad_len, nullptr, nonce,
                                                      key_.data());
}

bool PageCipher::decrypt_bound(const unsigned char* ad, size_t ad_len, const unsigned char* in,
                               unsigned char* out) const {
  const unsigned char* nonce = in + kBody;
  const unsigned char* tag = nonce + kNonceBytes;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, nullptr, in, kBody, tag, ad, ad_len, nonce,
                                                          key_.data()) != 0)
    return false;
  std::memset(out + kBody, 0, kReserveBytes);  // SQLite wrote zeros there; give them back
  return true;
}

void PageCipher::encrypt(uint32_t pgno, const unsigned char* plain, unsigned char* out) const {
  unsigned char ad[20];
  make_ad(id_, pgno, ad);
  encrypt_bound(ad, sizeof ad, plain, out);
}

bool PageCipher::decrypt(uint32_t pgno, const unsigned char* in, unsigned char* out) const {
  unsigned char ad[20];
  make_ad(id_, pgno, ad);
  return decrypt_bound(ad, sizeof ad, in, out);
}

void PageCipher::mac(const unsigned char* msg, size_t len, unsigned char out[32]) const {
  crypto_generichash(out, 32, msg, len, mac_key_.data(), mac_key_.size());
}

bool PageCipher::mac_ok(const unsigned char* msg, size_t len, const unsigned char expected[32]) const {
  unsigned char got[32];
  mac(msg, len, got);
  return sodium_memcmp(got, expected, 32) == 0;
}

}  // namespace dsr::vault
