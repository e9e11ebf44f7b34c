// The vault header (format 3): two copies of a 12 KiB block at the start of the
// file (vault/vfs.hpp has the whole layout), each with a plain checksum
// (torn-write detection). ARCHITECTURE.md, "Keys and slots", explains the
// design; in short:
//  - Each slot is an X25519 key pair (its secret key, and the seed of its own
//    Ed25519 signing key for audit entries, wrapped under a key derived from
//    its passphrase with Argon2id or from its key file). The vault's keys (the
//    data key of the pages, the index key, the category key for billing and
//    payment values when the role may read them, the admin signing key for
//    admin slots) are sealed to each slot's public key, as age does with
//    recipients: rotating them (a slot removed) needs no slot's secret.
//  - The slots, roles and sealed keys are signed with the admin signing key
//    (Ed25519), which only admin slots hold. Each slot's wrap binds the admin
//    public key and the slot's own name, role and public keys as associated
//    data: a header re-signed under another admin key, or a slot's role
//    changed, makes that slot's unlock fail as damage (exit 6).
//  - Every copy also carries a MAC under a key derived from the index key,
//    which every slot holds: no byte of it (the generation and the slots' own
//    wraps included, which the signature leaves out) changes unnoticed by
//    someone without a slot.
//  - A vault upgraded from format 2 keeps the slots it had as legacy slots
//    (format 2's wrap of the old master key) until the first rotation shuts
//    them out.
#pragma once
#include <sodium.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/vault.hpp"
#include "vault/page_cipher.hpp"

namespace dsr::vault {

// 2: slots wrap one master key; header MAC under it. 3: public-key slots, an
// admin-signed header, the WAL generation marker; pages from 32 KiB on.
inline constexpr uint32_t kFormatVersion = 3;
inline constexpr uint32_t kFormatVersion2 = 2;
// Format 2's slots and data key were wrapped with this number in their
// associated data (legacy slots keep it).
inline constexpr uint32_t kKeyWrapFormat = 2;
inline constexpr size_t kCopyBytes = 12288;   // one header copy, format 3
inline constexpr size_t kCopyBytesV2 = 4096;  // format 2
inline constexpr size_t kMaxSlots = 16;
inline constexpr size_t kMaxSlotName = 63;
inline constexpr size_t kBundleBytes = 208;
inline constexpr size_t kSealedBytes = kBundleBytes + crypto_box_SEALBYTES;
inline constexpr size_t kWrapBytes = 88;

enum class Scheme : uint8_t { sealed = 1, legacy = 2 };

struct SlotRecord {
  SlotInfo info;
  Scheme scheme = Scheme::sealed;
  std::array<unsigned char, 16> salt{};
  // Sealed slots: the public keys, and the vault's keys sealed to box_pk.
  std::array<unsigned char, 32> box_pk{};
  std::array<unsigned char, 32> sign_pk{};
  std::array<unsigned char, kSealedBytes> bundle{};
  // What only the slot's credential opens: a check value (a wrong credential
  // from a damaged header), and the wrap (sealed: the box secret key and the
  // signing seed; legacy: format 2's master and category keys).
  std::array<unsigned char, 16> check{};
  std::array<unsigned char, 24> nonce{};
  std::array<unsigned char, kWrapBytes> wrapped{};
};

struct Header {
  uint32_t version = kFormatVersion;
  uint32_t page_size = kPageSize;
  uint32_t reserve = kReserveBytes;
  uint64_t generation = 0;
  VaultId id{};
  uint64_t epoch = 0;                      // bumped by every rotation of the data key
  std::array<unsigned char, 32> admin_pk{};  // all zero: no admin signing key yet
  std::vector<SlotRecord> slots;
  // Format 2's data key wrapped under format 2's master key, kept while legacy
  // slots remain (they open the vault through it).
  bool legacy_data = false;
  std::array<unsigned char, 24> data_nonce{};
  std::array<unsigned char, 48> data_wrapped{};
  // The admin's signature as read from disk (kept by changes that do not
  // touch the signed part, such as a passphrase changed).
  std::array<unsigned char, crypto_sign_BYTES> signature{};

  bool has_admin_key() const;
  bool has_legacy_slots() const;
  // While there are legacy slots, or no admin key yet, the sealed slots also
  // hold format 2's master key (to wrap keys for the legacy slots).
  bool legacy_state() const { return has_legacy_slots() || !has_admin_key(); }
};

// What a slot opens.
struct VaultKeys {
  uint64_t epoch = 0;
  Secret data;           // the data key: the pages' key derives from it
  Secret index;          // blind indexes, suppression hashes, records beside the vault
  Secret category;       // billing and payment values; empty when the role may not read them
  Secret admin_sk;       // the admin signing key (Ed25519, 64 bytes); empty unless an admin slot
  Secret legacy_master;  // format 2's master key, while legacy slots remain; else empty
  // This slot's own keys (sealed slots): its box secret key and signing seed
  // (kept to re-wrap them under a new passphrase), its signing key pair.
  Secret box_sk;
  Secret sign_seed;
  Secret sign_sk;
  std::array<unsigned char, 32> sign_pk{};
  // The key derived from the credential for the slot that unlocked (Argon2id
  // or the key file's hash, slot_seed in header.cpp): Vault::slot_credential.
  Secret seed;
};

// Who may write a header: the admin signing key signs a changed signed part;
// the index key, which every slot holds, keys the MAC over the whole copy.
struct HeaderAuthority {
  const Secret* admin_sk = nullptr;
  const Secret* index = nullptr;
};
inline HeaderAuthority authority_of(const VaultKeys& k) {
  return {k.admin_sk.empty() ? nullptr : &k.admin_sk, k.index.empty() ? nullptr : &k.index};
}

// The key the pages are encrypted with, from the data key.
Secret page_key(const Secret& data_key);

struct HeaderRead {
  Header header;
  std::vector<unsigned char> chosen;  // raw bytes of the copy in use
  std::vector<std::string> problems;  // damaged copies
  // Raw bytes of the other copy when it is intact and of the same generation
  // (it must then authenticate too); empty otherwise.
  std::optional<std::vector<unsigned char>> twin;
  char twin_name = 0;  // 'A' or 'B'
};
// Where the copies of a header of `version` are, and how long they are.
size_t copy_bytes(uint32_t version);
// Reads both copies from the start of fd and picks the valid one with the
// highest generation (formats 2 and 3). Throws integrity when neither is valid.
HeaderRead read_header(int fd);
// The same from the raw bytes at the start of a file (`got`: how many bytes
// there were, fewer than two copies is a truncated file).
HeaderRead parse_header(const unsigned char* raw, long got);

// Opens a slot with a credential: the vault's keys, or nothing when the
// credential is not this slot's. Throws integrity when it is, but the header
// around the slot was changed by someone without the admin key (the admin key
// replaced, the slot's role or keys altered, its sealed keys replaced).
std::optional<VaultKeys> unlock_slot(const Header& h, const SlotRecord& s, const Credential& cred);
// The bytes of a format-3 copy (kCopyBytes) that the admin signature covers,
// as the signature sees them: with `nslots` slots, the generation, their own
// wraps, the signature, legacy MAC and checksum set to zero.
std::vector<unsigned char> signed_bytes(const unsigned char* copy, size_t nslots);

// Throws integrity unless the chosen copy authenticates: the admin signature
// (when there is an admin key) and the MAC under the index key.
void verify_header(const HeaderRead& h, const VaultKeys& keys);
// For dsr check: the twin copy as well (a problem line, or empty).
std::string verify_twin(const HeaderRead& h, const VaultKeys& keys);

// The bytes of one copy (bumps the generation, signs when the authority holds
// the admin key, adds the MAC under the index key and the checksum).
// refused: the signed part changed and the authority holds no admin key.
std::vector<unsigned char> seal_header(Header& h, const HeaderAuthority& authority);
// Writes copy B then copy A (each synced) with generation+1, to a new file.
void write_header(int fd, Header& h, const HeaderAuthority& authority);

// A new sealed slot holding what `role` may hold of `keys`; its secrets come
// from the credential. `created`: unix seconds, 0 for now.
SlotRecord make_slot(const Header& h, const std::string& name, Role role, const Credential& cred, KdfStrength kdf,
                     const VaultKeys& keys, int64_t created = 0);
// Seals what the slot's role may hold of `keys` to the slot again (a rotation):
// no secret of the slot is needed.
void reseal_slot(const Header& h, SlotRecord& s, const VaultKeys& keys);
// Re-wraps the slot's own secrets (in `mine`, as it unlocked) under a new
// passphrase: the signed part does not change, so no admin key is needed.
void rewrap_slot(const Header& h, SlotRecord& s, const VaultKeys& mine, const Credential& cred, KdfStrength kdf);
// Re-wraps a legacy slot's format-2 keys under a new passphrase.
void rewrap_legacy_slot(const Header& h, SlotRecord& s, const VaultKeys& mine, const Credential& cred,
                        KdfStrength kdf);

// Wraps `data` as the legacy data key under format 2's master key (a backup
// of a vault that still has slots of format 2).
void set_legacy_data_key(Header& h, const Secret& master, const Secret& data);

// Format 2 → 3 (upgrade.cpp): every slot a legacy slot; then, when the
// opener holds an admin slot, the admin key is made and the opener's slot
// sealed (establish_admin).
Header header_from_format2(const Header& v2);
// Makes an admin signing key and turns the opener's legacy admin slot into a
// sealed one (the opener's credential and format-2 keys are at hand).
void establish_admin(Header& h, const std::string& slot_name, const Credential& cred, VaultKeys& keys);

}  // namespace dsr::vault
