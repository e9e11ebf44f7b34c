// Key slots, rekey and backups as the desk offers them: who may (dsr/roles.hpp:
// admin slots manage keys and backups; any slot changes its own passphrase),
// what the audit trail records, and when each slot was last used. The
// mechanisms are the vault's (dsr/vault.hpp).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/vault.hpp"

namespace dsr {

struct KeySlot {
  SlotInfo info;
  // The newest audit entry made through the slot since it was created (the
  // commands that read or change personal data leave one), or nothing.
  std::optional<int64_t> last_used;
  bool current = false;  // the slot that opened the vault
};

// Refuses (exit 7, recorded in the audit trail as `command`) unless the
// desk's slot is an admin slot. Lets a command check before it asks for secrets.
void require_key_admin(Desk& desk, const char* command);

std::vector<KeySlot> list_keys(Desk& desk);
// The slot named `name` (not_found).
KeySlot find_key(Desk& desk, const std::string& name);
// Adding and re-wrapping slots change the header only: they leave no audit
// entry (the trail lives in the data pages, which they never touch); a
// refused attempt is recorded.
void add_key(Desk& desk, const std::string& name, Role role, const Credential& secret, KdfStrength kdf);
// Removes a slot and rotates the data key in the same step (a rekey: every
// page re-encrypted, the new key sealed to the slots that stay), so that
// nothing the slot ever held opens what is written afterwards. The desk is
// reopened on the new file and the removal recorded there. refused: the last
// admin slot.
Vault::RekeyReport remove_key(Desk& desk, const std::string& name, const ProgressFn& progress = {});
// Any slot may change its own passphrase.
void change_own_passphrase(Desk& desk, const Credential& new_passphrase, std::optional<KdfStrength> kdf);

// A new data key, every page re-encrypted; the desk is reopened on the
// rekeyed file and the rekey recorded there.
Vault::RekeyReport rekey(Desk& desk, const ProgressFn& progress = {});
// An online, verified backup (recorded in the audit trail).
BackupReport backup(Desk& desk, const std::string& dest, const ProgressFn& progress = {});
// Restores a backup into dest (which must not exist). The slot that `cred`
// opens in the backup must be an admin slot (refused otherwise); the restore
// is recorded in the restored vault. Returns that slot.
BackupSlot restore(const std::string& backup, const std::string& dest, const Credential& cred,
                   const ProgressFn& progress = {});

}  // namespace dsr
