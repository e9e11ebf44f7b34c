// Key slots: adding, removing and re-wrapping one rewrites the header only,
// never a data page. Every change is made to the header as it is on disk,
// under the vault's write lock, so two admins adding slots at once both land.
#include <sodium.h>

#include <algorithm>
#include <cctype>

#include "vault/header_io.hpp"
#include "vault/vault_impl.hpp"

namespace dsr {
namespace {

// Runs change(header) on the header as it is on disk now (authenticated under
// the master key) while holding the write lock (BEGIN IMMEDIATE: other header
// changes, a rekey and every writer wait), then writes both copies back.
template <class Change>
void update_header(Vault::Impl& im, Change&& change) {
  if (!im.db) fail(ErrorKind::failure, "the vault is closed");
  if (im.options.read_only) fail(ErrorKind::usage, "the vault was opened read-only; key slots cannot change");
  SQLite::Database& db = *im.db;
  if (sqlite3_get_autocommit(db.getHandle()) == 0)
    fail(ErrorKind::failure, "key slots cannot change inside a transaction");
  db.exec("BEGIN IMMEDIATE");
  struct Release {  // nothing was written through SQLite: the rollback only drops the lock
    SQLite::Database& db;
    ~Release() {
      try {
        db.exec("ROLLBACK");
      } catch (...) {
      }
    }
  } release{db};
  HeaderRead hr = read_header_via(db.getHandle());
  verify_header_mac(hr, im.master);
  if (hr.header.id != im.header.id) fail(ErrorKind::integrity, "the vault header belongs to another vault");
  change(hr.header);
  write_header_via(db.getHandle(), hr.header, im.master);
  im.header = std::move(hr.header);
}

std::vector<SlotRecord>::iterator find_slot(Header& h, const std::string& name) {
  return std::find_if(h.slots.begin(), h.slots.end(), [&](const SlotRecord& s) { return s.info.name == name; });
}

void check_slot_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxSlotName) fail(ErrorKind::usage, "a slot name is 1 to 63 bytes");
  for (char ch : name)
    if (unsigned char c = static_cast<unsigned char>(ch); std::iscntrl(c) || std::isspace(c))
      fail(ErrorKind::usage, "a slot name has no spaces or control characters: '" + name + "'");
}

// The named strength whose Argon2id limits a slot was made with (moderate if none matches).
KdfStrength strength_of(const SlotInfo& s) {
  if (s.kdf_ops == crypto_pwhash_OPSLIMIT_INTERACTIVE && s.kdf_mem == crypto_pwhash_MEMLIMIT_INTERACTIVE)
    return KdfStrength::interactive;
  if (s.kdf_ops == crypto_pwhash_OPSLIMIT_SENSITIVE && s.kdf_mem == crypto_pwhash_MEMLIMIT_SENSITIVE)
    return KdfStrength::sensitive;
  return KdfStrength::moderate;
}

}  // namespace

void Vault::add_slot(const std::string& name, Role role, const Credential& secret, KdfStrength kdf) {
  Impl& im = *impl_;
  check_slot_name(name);
  if (role_reads_restricted(role) && im.category.empty())
    fail(ErrorKind::refused, std::string("a new ") + role_name(role) +
                                 " slot must carry the category key for billing and payment data, which slot '" +
                                 im.slot_name + "' does not hold");
  // Stretch the passphrase before taking the lock: Argon2id takes up to seconds.
  Keys keys{im.master.clone(), role_reads_restricted(role) ? im.category.clone() : Secret()};
  SlotRecord rec = make_slot(name, role, secret, kdf, keys, im.header.id);
  update_header(im, [&](Header& h) {
    if (find_slot(h, name) != h.slots.end())
      fail(ErrorKind::conflict, "a key slot named '" + name + "' already exists; pick another name");
    if (h.slots.size() >= kMaxSlots)
      fail(ErrorKind::conflict, "the vault already has " + std::to_string(kMaxSlots) +
                                    " key slots, the most it holds; remove one first");
    h.slots.push_back(std::move(rec));
  });
}

void Vault::remove_slot(const std::string& name) {
  update_header(*impl_, [&](Header& h) {
    auto it = find_slot(h, name);
    if (it == h.slots.end()) fail(ErrorKind::not_found, "the vault has no key slot named '" + name + "'; see `dsr key list`");
    if (it->info.role == Role::admin &&
        std::count_if(h.slots.begin(), h.slots.end(), [](const SlotRecord& s) { return s.info.role == Role::admin; }) == 1)
      fail(ErrorKind::refused, "'" + name + "' is the last admin slot: without it nobody could manage keys; "
                                           "add another admin slot first");
    h.slots.erase(it);
  });
}

void Vault::change_passphrase(const Credential& new_passphrase, std::optional<KdfStrength> kdf) {
  Impl& im = *impl_;
  if (new_passphrase.kind != SlotKind::passphrase) fail(ErrorKind::usage, "key passwd sets a passphrase");
  auto mine = find_slot(im.header, im.slot_name);
  if (mine == im.header.slots.end())
    fail(ErrorKind::not_found, "slot '" + im.slot_name + "' that opened the vault has been removed");
  if (mine->info.kind != SlotKind::passphrase)
    fail(ErrorKind::usage, "slot '" + im.slot_name + "' is a key-file slot; to replace its key file, add a new slot "
                           "(dsr key add NAME --new-key-file FILE) and remove this one");
  SlotInfo info = mine->info;
  Keys keys{im.master.clone(), im.category.clone()};
  SlotRecord rec = make_slot(info.name, info.role, new_passphrase, kdf.value_or(strength_of(info)), keys,
                             im.header.id, info.created);
  update_header(im, [&](Header& h) {
    auto it = find_slot(h, info.name);
    if (it == h.slots.end() || it->info.kind != SlotKind::passphrase || it->info.role != info.role)
      fail(ErrorKind::not_found, "slot '" + info.name + "' was removed or replaced meanwhile; nothing was changed");
    *it = std::move(rec);
  });
}

}  // namespace dsr
