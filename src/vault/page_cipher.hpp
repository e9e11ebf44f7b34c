// Page-level AEAD: XChaCha20-Poly1305 with the nonce and tag stored in the
// page's reserved bytes. What a page is bound to (its associated data) depends
// on where it lives: a page of the main file to (vault id, page number); a WAL
// frame and a journal record to their own file, generation and position as
// well (vault/vfs.cpp builds those). ARCHITECTURE.md, "The vault file".
#pragma once
#include <array>
#include <cstddef>
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
  PageCipher(Secret page_key, const VaultId& id);

  // A page of the main file. plain and out are kPageSize bytes; plain's
  // reserved tail must be zero.
  void encrypt(uint32_t pgno, const unsigned char* plain, unsigned char* out) const;
  // Returns false when the page fails authentication; out is then unspecified.
  bool decrypt(uint32_t pgno, const unsigned char* in, unsigned char* out) const;

  // The same with the caller's associated data (a WAL frame, a journal record).
  void encrypt_bound(const unsigned char* ad, size_t ad_len, const unsigned char* plain, unsigned char* out) const;
  bool decrypt_bound(const unsigned char* ad, size_t ad_len, const unsigned char* in, unsigned char* out) const;

  // A keyed 32-byte MAC (BLAKE2b under a subkey of the page key) for the
  // small records the VFS keeps outside SQLite's pages: the WAL generation
  // marker and the headers of rollback journals.
  void mac(const unsigned char* msg, size_t len, unsigned char out[32]) const;
  bool mac_ok(const unsigned char* msg, size_t len, const unsigned char expected[32]) const;

  const VaultId& vault_id() const { return id_; }

 private:
  Secret key_;
  Secret mac_key_;
  VaultId id_;
};

}  // namespace dsr::vault
