// Key slots: adding, removing and re-wrapping one rewrites the header and
// re-encrypts no data page. Every change is made to the header as it is on
// disk, under the vault's write lock, so two admins adding slots at once both
// land. What the caller records (its audit entry) commits with the change.
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "vault/header_io.hpp"
#include "vault/vault_impl.hpp"

namespace dsr {
namespace {

// Runs change(header) on the header as it is on disk now (authenticated as
// at open) while holding the write lock (BEGIN IMMEDIATE: other header
// changes, a rekey and every writer wait), then writes both copies back.
// `record`, when given, writes through SQLite in the same transaction, which
// commits after the header is written; if that commit fails the header read
// here is written back, so the change and its record land together or not at
// all.
template <class Change>
void update_header(Vault::Impl& im, Change&& change, const std::function<void()>& record = {}) {
  if (!im.db) fail(ErrorKind::failure, "the vault is closed");
  if (im.options.read_only) fail(ErrorKind::usage, "the vault was opened read-only; key slots cannot change");
  SQLite::Database& db = *im.db;
  if (sqlite3_get_autocommit(db.getHandle()) == 0)
    fail(ErrorKind::failure, "key slots cannot change inside a transaction");
  db.exec("BEGIN IMMEDIATE");
  struct Release {  // ends the transaction if it did not commit: nothing of it lands
    SQLite::Database& db;
    ~Release() {
      try {
        db.exec("ROLLBACK");
      } catch (...) {
      }
    }
  } release{db};
  HeaderRead hr = read_header_via(db.getHandle());
  verify_header(hr, im.keys);
  if (hr.header.id != im.header.id) fail(ErrorKind::integrity, "the vault header belongs to another vault");
  require_same_data_key(hr.header, im.header);
  Header before = hr.header;
  change(hr.header);
  if (record) record();
  write_header_via(db.getHandle(), hr.header, authority_of(im.keys));
  if (record) {
    try {
      db.exec("COMMIT");
    } catch (...) {
      try {
        write_header_via(db.getHandle(), before, authority_of(im.keys));
      } catch (...) {
        // The commit's failure is what the caller must see.
      }
      throw;
    }
  }
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

void require_admin_key(const Vault::Impl& im, const char* what) {
  if (im.header.has_admin_key() && im.keys.admin_sk.empty())
    fail(ErrorKind::refused, std::string(what) + " needs an admin slot that holds the vault's admin signing key; slot '" +
                                 im.slot_name + "' holds none" +
                                 (im.header.has_legacy_slots() && im.role == Role::admin
                                      ? " (it is a slot of format 2: an admin with a current slot can replace it)"
                                      : ""));
}

}  // namespace

void establish_admin_key(Vault::Impl& im, const Credential& cred) {
  update_header(im, [&](Header& h) {
    if (h.has_admin_key()) return;  // another admin got there first
    establish_admin(h, im.slot_name, cred, im.keys);
  });
  im.notices.push_back("made the vault's admin signing key and sealed slot '" + im.slot_name +
                       "' to it: from now on only admin slots change slots and roles");
}

void Vault::add_slot(const std::string& name, Role role, const Credential& secret, KdfStrength kdf,
                     const std::function<void()>& record) {
  Impl& im = *impl_;
  check_slot_name(name);
  require_admin_key(im, "adding a key slot");
  if (role_reads_restricted(role) && im.keys.category.empty())
    fail(ErrorKind::refused, std::string("a new ") + role_name(role) +
                                 " slot must carry the category key for billing and payment data, which slot '" +
                                 im.slot_name + "' does not hold");
  // Stretch the passphrase before taking the lock: Argon2id takes up to seconds.
  SlotRecord rec = make_slot(im.header, name, role, secret, kdf, im.keys);
  update_header(
      im,
      [&](Header& h) {
        if (find_slot(h, name) != h.slots.end())
          fail(ErrorKind::conflict, "a key slot named '" + name + "' already exists; pick another name");
        if (h.slots.size() >= kMaxSlots)
          fail(ErrorKind::conflict, "the vault already has " + std::to_string(kMaxSlots) +
                                        " key slots, the most it holds; remove one first");
        h.slots.push_back(std::move(rec));
      },
      record);
}

void Vault::change_passphrase(const Credential& new_passphrase, std::optional<KdfStrength> kdf,
                              const std::function<void()>& record) {
  Impl& im = *impl_;
  if (new_passphrase.kind != SlotKind::passphrase) fail(ErrorKind::usage, "key passwd sets a passphrase");
  auto mine = find_slot(im.header, im.slot_name);
  if (mine == im.header.slots.end())
    fail(ErrorKind::not_found, "slot '" + im.slot_name + "' that opened the vault has been removed");
  if (mine->info.kind != SlotKind::passphrase)
    fail(ErrorKind::usage, "slot '" + im.slot_name + "' is a key-file slot; to replace its key file, add a new slot "
                           "(dsr key add NAME --new-key-file FILE) and remove this one");
  SlotRecord rec = *mine;
  // Only the slot's own wrap changes: no admin key is needed.
  if (rec.scheme == Scheme::sealed)
    rewrap_slot(im.header, rec, im.keys, new_passphrase, kdf.value_or(strength_of(rec.info)));
  else
    rewrap_legacy_slot(im.header, rec, im.keys, new_passphrase, kdf.value_or(strength_of(rec.info)));
  update_header(
      im,
      [&](Header& h) {
        auto it = find_slot(h, rec.info.name);
        if (it == h.slots.end() || it->info.kind != SlotKind::passphrase || it->info.role != rec.info.role ||
            it->box_pk != rec.box_pk)
          fail(ErrorKind::not_found,
               "slot '" + rec.info.name + "' was removed or replaced meanwhile; nothing was changed");
        *it = std::move(rec);
      },
      record);
}

}  // namespace dsr
