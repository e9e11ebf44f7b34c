// Page-level AEAD: XChaCha20-Poly1305 with the nonce and tag stored in the
// page's reserved bytes and (vault id, page number) bound as associated data.
#pragma once
#include <array>
#include <cstdint>

#include "dsr/secret.hpp"

namespace dsr::vault {

inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint32_t kNonceBytes = 24;
inline constexpr uint32_t kTagBytes = 16;
inline constexpr uint32_t kReserveBytes = kNonceBytes + kTagBytes;  // 40 bytes, ~1% of a page
// SQLite never writes the page that holds its lock bytes (PENDING_BYTE, the
// first byte past 1 GiB): in a vault over 1 GiB it stays a hole, no
// ciphertext to authenticate. Whole-file checks skip it.
inline constexpr uint32_t kLockBytePage = 0x40000000u / kPageSize + 1;  // 262145

using VaultId = std::array<unsigned char, 16>;

class PageCipher {
 public:
  PageCipher(Secret page_key, const VaultId& id) : key_(std::move(page_key)), id_(id) {}

  // plain and out are kPageSize bytes; plain's reserved tail must be zero.
  void encrypt(uint32_t pgno, const unsigned char* plain, unsigned char* out) const;
  // Returns false when the page fails authentication; out is then unspecified.
  bool decrypt(uint32_t pgno, const unsigned char* in, unsigned char* out) const;

  const VaultId& vault_id() const { return id_; }

 private:
  Secret key_;
  VaultId id_;
};

}  // namespace dsr::vault
