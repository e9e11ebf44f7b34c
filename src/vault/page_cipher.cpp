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
}  // namespace

void PageCipher::encrypt(uint32_t pgno, const unsigned char* plain, unsigned char* out) const {
  unsigned char ad[20];
  make_ad(id_, pgno, ad);
  unsigned char* nonce = out + kBody;
  unsigned char* tag = nonce + kNonceBytes;
  randombytes_buf(nonce, kNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, nullptr, plain, kBody, ad, sizeof ad,
                                                      nullptr, nonce, key_.data());
}

bool PageCipher::decrypt(uint32_t pgno, const unsigned char* in, unsigned char* out) const {
  unsigned char ad[20];
  make_ad(id_, pgno, ad);
  const unsigned char* nonce = in + kBody;
  const unsigned char* tag = nonce + kNonceBytes;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, nullptr, in, kBody, tag, ad, sizeof ad,
                                                          nonce, key_.data()) != 0)
    return false;
  std::memset(out + kBody, 0, kReserveBytes);  // SQLite wrote zeros there; give them back
  return true;
}

}  // namespace dsr::vault
