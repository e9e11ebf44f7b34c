// The vault's cryptography for single values, for the layers above it (which
// never include <sodium.h>): sealing of restricted categories (billing,
// payment), keyed hashing for suppression lists, blind indexes and the audit
// chain, random numbers and wiping. Every function is thread-safe (libsodium
// is initialised by crypto_init() before a vault opens).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dsr/secret.hpp"

namespace dsr::vault {

// AEAD (XChaCha20-Poly1305) under the category key, bound to the subject id
// and the field name, so a slot without the key (support, auditor) sees only
// ciphertext even after the pages are decrypted, and a value moved to another
// field or subject no longer opens.
std::string seal(const Secret& category_key, std::string_view subject_id, std::string_view field,
                 std::string_view plaintext);
// Nothing when the value fails authentication (wrong key, moved between fields or subjects).
std::optional<std::string> unseal(const Secret& category_key, std::string_view subject_id, std::string_view field,
                                  std::string_view sealed);
// Keyed hash (BLAKE2b-256 under the index key) of `value` for `purpose`.
std::string keyed_hash(const Secret& index_key, std::string_view purpose, std::string_view value);
// A 32-byte key for `purpose` derived from `key` (keyed BLAKE2b): how a
// value every slot may seal gets a key of its own, apart from the index key's
// hashes (request evidence: domain/requests/requests_verify.cpp).
Secret derive_key(const Secret& key, std::string_view purpose);
// Whether `sig` (64 bytes) is an Ed25519 signature of `msg` by `public_key`
// (32 bytes); false for any other length.
bool signature_valid(std::string_view public_key, std::string_view msg, std::string_view sig);
// A uniformly random 32-bit number from the system's CSPRNG.
uint32_t random_u32();
// Overwrites n bytes at p with zeros in a way the compiler may not drop.
void wipe(void* p, std::size_t n) noexcept;

}  // namespace dsr::vault
