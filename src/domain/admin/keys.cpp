#include "dsr/keys.hpp"

#include <unistd.h>

#include <algorithm>

#include "dsr/audit.hpp"
#include "domain/core/audited_write.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "store/slot_activity.hpp"

namespace dsr {

void require_key_admin(Desk& desk, const char* command) { require_audited(desk, Action::manage_keys, command); }

std::vector<KeySlot> list_keys(Desk& desk) {
  require_key_admin(desk, "key list");
  std::vector<KeySlot> out;
  for (auto& s : desk.vault().slots()) {
    KeySlot k{s, store::last_activity(desk.db(), s.name, s.created), s.name == desk.actor()};
    out.push_back(std::move(k));
  }
  return out;
}

KeySlot find_key(Desk& desk, const std::string& name) {
  for (auto& k : list_keys(desk))
    if (k.info.name == name) return k;
  fail(ErrorKind::not_found, "the vault has no key slot named '" + name + "'; see `dsr key list`");
}

void add_key(Desk& desk, const std::string& name, Role role, const Credential& secret, KdfStrength kdf) {
  audited_in_vault(desk, "key add", [&](const std::function<void()>& record) {
    require(desk, Action::manage_keys);
    desk.vault().add_slot(name, role, secret, kdf, record);
  });
}

namespace {

// The rotation behind rekey and key remove: the vault replaces its file, so
// the desk is rebuilt on the new one and the action recorded there.
Vault::RekeyReport rotate(Desk& desk, const char* command, const std::string& remove, const ProgressFn& progress) {
  require_key_admin(desk, command);
  certify_signers(desk);  // the removed slot's entries must stay verifiable
  std::string request = desk.request();
  bool audit_on = desk.audit_enabled();
  auto rebuild = [&](Vault v) {
    desk = Desk(std::move(v));
    desk.set_request(request);
    desk.set_audit_enabled(audit_on);
  };
  // The desk's prepared statements go first: one left running holds a read
  // snapshot (the WAL could not be emptied), and after the rekey their
  // connection is on the replaced file, which closes only without them.
  Vault v = std::move(desk.vault());
  { Desk stale = std::move(desk); }
  Vault::RekeyReport report;
  try {
    report = v.rekey(progress, remove);
  } catch (...) {
    rebuild(std::move(v));
    throw;
  }
  v.reopen();
  rebuild(std::move(v));
  audit_completed(desk, command);
  return report;
}

}  // namespace

Vault::RekeyReport remove_key(Desk& desk, const std::string& name, const ProgressFn& progress) {
  return rotate(desk, "key remove", name, progress);
}

void change_own_passphrase(Desk& desk, const Credential& new_passphrase, std::optional<KdfStrength> kdf) {
  audited_in_vault(desk, "key passwd", [&](const std::function<void()>& record) {
    desk.vault().change_passphrase(new_passphrase, kdf, record);
  });
}

Vault::RekeyReport rekey(Desk& desk, const ProgressFn& progress) { return rotate(desk, "rekey", {}, progress); }

BackupReport backup(Desk& desk, const std::string& dest, const ProgressFn& progress) {
  require_key_admin(desk, "backup");
  BackupReport r = desk.vault().backup(dest, progress);
  try {
    audit_completed(desk, "backup");
  } catch (const std::exception& e) {
    // A copy of every record that the audit trail does not know of is not
    // left behind (found by the I/O fault sweep, tests/e2e/fault_sweep.py).
    ::unlink(dest.c_str());
    Error err = classify(e);
    throw Error(err.kind(), std::string(err.what()) + "; the backup could not be recorded in the audit trail and was removed");
  }
  return r;
}

BackupSlot restore(const std::string& backup, const std::string& dest, const Credential& cred,
                   const ProgressFn& progress) {
  BackupSlot slot = restore_backup(backup, dest, cred, [](const BackupSlot& s) {
    if (!role_may(s.role, Action::manage_keys))
      fail(ErrorKind::refused, "restoring a backup needs an admin slot of the backup; slot '" + s.name + "' is " +
                                   role_name(s.role));
  }, progress);
  OpenOptions o;
  o.slot = slot.name;
  Desk restored(Vault::open(dest, cred, o));
  audit_completed(restored, "restore");
  return slot;
}

}  // namespace dsr
