// Reading the vault the way an investigator with the key would: every page of
// the main file (free pages included) and every frame of the WAL, decrypted.
// Used by tests and `dsr check`-style tooling to prove that erased values are
// gone from the file, not just from the tables.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "dsr/vault.hpp"

namespace dsr {

enum class PageSource { main_file, wal };

// Calls `visit` for each page with its plaintext (or, when a page fails
// authentication, its raw bytes and ok=false). Throws wrong_key when the
// credential opens no slot.
void for_each_plain_page(const std::string& path, const Credential& cred,
                         const std::function<void(PageSource, uint32_t pgno, const unsigned char* data, size_t size,
                                                  bool ok)>& visit);

}  // namespace dsr
