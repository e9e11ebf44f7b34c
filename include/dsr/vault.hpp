// The encrypted vault: one SQLite file whose pages are encrypted by the "dsr"
// VFS, behind a small authenticated header of key slots (see dsr(1), FILES).
#pragma once
#include <cstdint>
#include <array>
#include <functional>
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

// What unlocks a slot: a passphrase or the 32 bytes of a key file; or, with
// `derived`, the 32-byte key already derived from one of them for one slot
// (Vault::slot_credential: what the unlock agent holds, src/cli/agent.hpp).
// A derived credential opens only the slot, salt and cost it was derived for:
// a slot removed or re-wrapped (key passwd) no longer opens with it. It never
// makes or re-wraps a slot.
struct Credential {
  SlotKind kind;
  Secret secret;
  bool derived = false;
};

Credential read_key_file(const std::string& path);            // not_found / usage errors
Credential make_key_file(const std::string& path);            // new 0600 file, O_EXCL (conflict if it exists)
Credential read_passphrase_file(const std::string& path);     // first line
Credential read_passphrase_fd(int fd);                         // first line
// The first line `command` prints on its standard output (run by /bin/sh -c,
// read through a pipe; its stdin and stderr are dsr's, so it may prompt).
// usage: it fails, prints nothing or is killed.
Credential read_passphrase_command(const std::string& command);

struct SlotInfo {
  std::string name;
  bool legacy = false;  // a slot of format 2: not yet sealed to a key pair of its own
  Role role = Role::admin;
  SlotKind kind = SlotKind::key_file;
  int64_t created = 0;   // unix seconds
  uint64_t kdf_ops = 0;  // Argon2id cost of a passphrase slot; 0 for a key-file slot
  uint64_t kdf_mem = 0;  // bytes
  // The slot's audit signing key (Ed25519), as the admin-signed header holds
  // it; all zero for a slot of format 2.
  std::array<unsigned char, 32> sign_pk{};
};

// What a long job (rekey, backup, restore) reports as it goes.
struct Progress {
  // copying, syncing the copy, verifying (authenticating every page),
  // checking (SQLite's integrity check), replacing the vault (rekey), done.
  enum class Stage { copying, syncing, replacing, verifying, checking, done };
  Stage stage = Stage::copying;
  uint64_t done = 0;   // pages written (copying) or checked (verifying) so far
  uint64_t total = 0;  // pages expected (an estimate while copying)
};
using ProgressFn = std::function<void(const Progress&)>;

struct BackupReport {
  std::string path;
  uint64_t pages = 0;  // pages written and authenticated
  uint64_t bytes = 0;  // size of the backup file
};

struct OpenOptions {
  int lock_timeout_ms = 10000;  // how long a writer waits for another process
  std::string slot;             // try only this slot (empty: every slot of the credential's kind)
  bool read_only = false;
  // A vault of an older format is upgraded in place when it is opened (not
  // read only); without this it is opened as it is.
  bool upgrade = true;
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
  // What opens that slot again without the passphrase's Argon2id: the key
  // derived from the credential for the slot's salt and cost (derived: true,
  // the same kind). Open it with OpenOptions::slot = slot_name(). Only the
  // unlock agent keeps it (src/cli/agent.cpp). failure: the vault was
  // created or upgraded in this process, not opened by a slot.
  Credential slot_credential() const;
  Role role() const;
  std::vector<SlotInfo> slots() const;
  // Key for blind indexes and suppression hashes (keyed BLAKE2b); never leaves the process.
  const Secret& index_key() const;
  // The category key for billing and payment values; null when the role may not read them.
  const Secret* category_key() const;

  // A second connection to this open vault (the same keys, through the same
  // VFS), for a helper thread of a long job: the checkpoints of a bulk run
  // (store::BulkSettings). It must close before the vault does. It does not
  // checkpoint by itself (wal_autocheckpoint off).
  std::shared_ptr<SQLite::Database> connect_again() const;
  // Flush the WAL into the main file and truncate it to zero bytes; a reader
  // in another process may hold it back (then the WAL stays for later).
  void checkpoint();
  // The same for a change that erased values: waits up to the lock timeout
  // for readers to finish. True when every committed change is now in the
  // main file and the WAL is empty (erased values are wiped from the file);
  // false when another process still holds the checkpoint back.
  bool checkpoint_for_erasure();
  void close();
  // What opening the vault met and dealt with that the user should hear of:
  // a WAL from an earlier state ignored, leftovers of an interrupted rekey,
  // upgrade or backup removed (or found and left), a format upgrade.
  const std::vector<std::string>& notices() const;

  // ---- key slots (src/vault/keyring.cpp) ----------------------------------
  // Each holds the vault's write lock while it re-reads the header from disk,
  // authenticates it and writes both copies (each synced): a concurrent
  // change is never lost and a crash leaves the old or the new header. No
  // data page is re-encrypted; `record` (the caller's audit entry) runs in
  // the same write transaction, which commits with the change. Changing slots or roles needs the admin
  // signing key, which only admin slots hold (refused otherwise). A support
  // or auditor slot never gets the category key (role_reads_restricted).
  // conflict: the name is taken or all 16 slots are in use; usage: bad name.
  void add_slot(const std::string& name, Role role, const Credential& secret, KdfStrength kdf,
                const std::function<void()>& record = {});
  // Re-wraps the slot that opened the vault under a new passphrase (same
  // name, role, keys and creation date; `kdf` unset: the slot's current
  // cost). Needs no admin key. usage: the slot is a key-file slot.
  void change_passphrase(const Credential& new_passphrase, std::optional<KdfStrength> kdf = std::nullopt,
                         const std::function<void()>& record = {});
  // The slot's own audit signing key (sealed slots; empty for a slot of
  // format 2) and the vault's admin public key (all zero when none yet).
  std::array<unsigned char, 32> signer_public_key() const;
  // Signs `msg` with the slot's own signing key (Ed25519, 64 bytes); refused
  // for a slot of format 2, which has none.
  std::array<unsigned char, 64> sign(const std::string& msg) const;
  std::array<unsigned char, 32> admin_public_key() const;
  // Signs `msg` with the vault's admin signing key, which only admin slots
  // hold (refused otherwise): how the audit trail certifies a slot's signing
  // key so that its entries still verify after the slot is removed.
  std::array<unsigned char, 64> admin_sign(const std::string& msg) const;
  uint64_t key_epoch() const;

  // ---- rotation: rekey and slot removal (src/vault/rekey.cpp) --------------
  // A new data key for the pages, sealed to every remaining slot's public
  // key (no slot's secret is needed): under the write lock, the WAL emptied, a
  // copy of the database is written (VACUUM INTO) next to the file with the
  // new keys in its header, synced and renamed over the vault. With `remove`,
  // that slot is taken out in the same step, so nothing it ever held opens
  // what is written afterwards (refused: it is the last admin slot;
  // not_found: no such slot). Slots of format 2 (legacy) are shut out: their
  // keys were never sealed to them. Needs the admin signing key. The index
  // key (blind indexes) and the category key stay.
  // Killed at any point, the file opens with the old or the new keys; a copy
  // left by a killed rotation (PATH-rekey) is removed by the next command.
  // Afterwards this Vault's connection is still on the replaced file, where
  // every statement fails (ErrorKind::locked): finalize your statements and
  // call reopen().
  struct RekeyReport {
    uint64_t pages = 0;                  // pages written
    std::string removed;                 // the slot taken out, if any
    std::vector<std::string> shut_out;   // legacy slots that no longer open the vault
  };
  RekeyReport rekey(const ProgressFn& progress = {}, const std::string& remove = {});
  // Closes the connection and opens the file at path() again with the keys
  // held in memory (the header re-read from disk and authenticated).
  void reopen();

  // ---- backup (src/vault/backup.cpp) --------------------------------------
  // An online, consistent copy (VACUUM INTO, one read snapshot, while others
  // write) that is itself a vault under the same slots with its own data key,
  // mode 0600, synced, then verified (every page authenticated, SQLite's
  // integrity check). conflict: dest exists. integrity: the copy failed its
  // verification (it is removed).
  BackupReport backup(const std::string& dest, const ProgressFn& progress = {});

  struct Impl;

 private:
  explicit Vault(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct CheckReport {
  std::vector<std::string> problems;  // empty: the vault is sound
  std::vector<std::string> notes;     // worth knowing, not damage (pending WAL, leftovers, format)
  uint64_t pages = 0;
  bool ok() const { return problems.empty(); }
};

// Authenticates both header copies and every page, compares the page count with
// the file size, checks what recovery would replay (the WAL, a rollback
// journal) without replaying anything damaged, and runs SQLite's integrity
// check. Never upgrades the format. Unlocking errors throw.
CheckReport check_vault(const std::string& path, const Credential& cred, const OpenOptions& opts = {});

// ---- backups (src/vault/backup.cpp) -----------------------------------------
struct BackupSlot {
  std::string name;  // the backup's slot the credential opens
  Role role;
};
// Unlocks the backup's header with the caller's credential (no page is read):
// not_found, integrity (not a vault, damaged or forged header), wrong_key.
BackupSlot open_backup_header(const std::string& path, const Credential& cred);
// Authenticates every page of a backup and runs SQLite's integrity check on it,
// read only. Unlocking errors throw; damage is reported in the problems.
CheckReport verify_backup(const std::string& path, const Credential& cred, const ProgressFn& progress = {});
// Copies a backup to dest (which must not exist, nor its -wal, -shm or
// -journal: conflict), mode 0600, verifies the copy and only then moves it into
// place. integrity: the backup is truncated, altered or corrupt (dest is not
// created).
// `approve` sees the backup's slot that the credential opens before anything
// is written, and may refuse by throwing. Returns that slot.
BackupSlot restore_backup(const std::string& backup, const std::string& dest, const Credential& cred,
                          const std::function<void(const BackupSlot&)>& approve = {},
                          const ProgressFn& progress = {});

}  // namespace dsr
