// Second encryption for restricted categories (billing, payment): AEAD under
// the category key, bound to the subject id and the field name, so a slot
// without the key (support, auditor) sees only ciphertext even after the
// pages are decrypted.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "dsr/secret.hpp"

namespace dsr {

std::string seal(const Secret& category_key, std::string_view subject_id, std::string_view field,
                 std::string_view plaintext);
// Nothing when the value fails authentication (wrong key, moved between fields or subjects).
std::optional<std::string> unseal(const Secret& category_key, std::string_view subject_id, std::string_view field,
                                  std::string_view sealed);
// Keyed hash for suppression lists and blind indexes (BLAKE2b-256 under the index key).
std::string keyed_hash(const Secret& index_key, std::string_view purpose, std::string_view value);

}  // namespace dsr
