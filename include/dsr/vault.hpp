// The encrypted vault: one SQLite file whose pages are encrypted by the "dsr"
// VFS, behind a small authenticated header of key slots (see dsr(1), FILES).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dsr/secret.hpp"

namespace SQLite { class Database; }

namespace dsr {

enum class Role : uint8_t { admin = 1, support = 2, billing = 3, auditor = 4 };
enum class SlotKind : uint8_t { passphrase = 1, key_file = 2 };
enum class KdfStrength { interactive, moderate, sensitive };

const char* role_name(Role r);
std::optional<Role> parse_role(std::string_view s);
const char* slot_kind_name(SlotKind k);
// Roles whose slots carry the category key for billing and payment data.
bool role_reads_restricted(Role r);

// What unlocks a slot: a passphrase or the 32 bytes of a key file.
struct Credential {
  SlotKind kind;
  Secret secret;
};

Credential read_key_file(const std::string& path);            // not_found / usage errors
Credential make_key_file(const std::string& path);            // new 0600 file, O_EXCL (conflict if it exists)
Credential read_passphrase_file(const std::string& path);     // first line
Credential read_passphrase_fd(int fd);                         // first line

struct SlotInfo {
  std::string name;
  Role role;
  SlotKind kind;
  int64_t created;  // unix seconds
  uint64_t kdf_ops;
  uint64_t kdf_mem;
};

struct OpenOptions {
  int lock_timeout_ms = 10000;  // how long a writer waits for another process
  std::string slot;             // try only this slot (empty: every slot of the credential's kind)
  bool read_only = false;
};

class Vault {
 public:
  // Creates a new vault file (mode 0600). Conflict if the path exists.
  static Vault create(const std::string& path, const std::string& slot_name, const Credential& cred,
                      KdfStrength kdf = KdfStrength::moderate, const OpenOptions& opts = {});
  // Opens an existing vault: not_found, integrity (not a vault / corrupt header), wrong_key.
  static Vault open(const std::string& path, const Credential& cred, const OpenOptions& opts = {});

  Vault(Vault&&) noexcept;
  Vault& operator=(Vault&&) noexcept;
  ~Vault();  // checkpoints the WAL (TRUNCATE) and closes

  SQLite::Database& db();
  const std::string& path() const;
  uint32_t format_version() const;
  const std::string& slot_name() const;  // the slot that opened the vault (the actor)
  Role role() const;
  std::vector<SlotInfo> slots() const;
  // Key for blind indexes and suppression hashes (keyed BLAKE2b); never leaves the process.
  const Secret& index_key() const;
  // The category key for billing and payment values; null when the role may not read them.
  const Secret* category_key() const;

  // Flush the WAL into the main file and truncate it to zero bytes.
  void checkpoint();
  void close();

  struct Impl;

 private:
  explicit Vault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct CheckReport {
  std::vector<std::string> problems;  // empty: the vault is sound
  uint64_t pages = 0;
  bool ok() const { return problems.empty(); }
};

// Authenticates both header copies and every page, compares the page count with
// the file size, and runs SQLite's integrity check. Unlocking errors throw.
CheckReport check_vault(const std::string& path, const Credential& cred, const OpenOptions& opts = {});

}  // namespace dsr
