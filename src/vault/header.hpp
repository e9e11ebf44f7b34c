// The vault header: two copies of a 4 KiB block before the first page, each
// with a plain checksum (torn-write detection) and a MAC under a key derived
// from the master key. Key slots wrap the master key (and, for roles that may
// read them, the category key) with AEAD, their metadata bound as associated data.
// Two levels, as in LUKS: the master key is a key-encryption key that never
// changes; the header also holds the data key wrapped under it, and the pages
// are encrypted under a key derived from the data key. A rekey replaces the
// data key (and every page) without needing anyone's slot secret.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/vault.hpp"
#include "vault/page_cipher.hpp"

namespace dsr::vault {

// 2: the wrapped data key. 3: the WAL generation marker, pages from 32 KiB on
// (vault/vfs.hpp); a vault of format 2 is upgraded when it is opened.
inline constexpr uint32_t kFormatVersion = 3;
inline constexpr uint32_t kFormatVersion2 = 2;
// Slots and the data key are wrapped with this number in their associated
// data; it changes only when the way keys are wrapped does.
inline constexpr uint32_t kKeyWrapFormat = 2;
inline constexpr size_t kCopyBytes = 4096;
inline constexpr size_t kMaxSlots = 16;
inline constexpr size_t kMaxSlotName = 63;
inline constexpr size_t kWrappedBytes = 72 + 16;  // payload + tag

struct SlotRecord {
  SlotInfo info;
  std::array<unsigned char, 16> salt{};
  std::array<unsigned char, 24> nonce{};
  std::array<unsigned char, kWrappedBytes> wrapped{};
};

struct Header {
  uint32_t version = kFormatVersion;
  uint32_t page_size = kPageSize;
  uint32_t reserve = kReserveBytes;
  uint64_t generation = 0;
  VaultId id{};
  std::vector<SlotRecord> slots;
  // The data key, wrapped under the master key (set_data_key / page_key).
  std::array<unsigned char, 24> data_nonce{};
  std::array<unsigned char, 32 + 16> data_wrapped{};
};

// What a slot unwraps to.
struct Keys {
  Secret master;    // 32 bytes
  Secret category;  // 32 bytes, or empty when the slot's role may not read restricted data
};

enum class Subkey : uint64_t { pages = 1, header_mac = 2, index = 3, data_key_wrap = 4, leftovers = 5 };
Secret derive(const Secret& master, Subkey which);

// Wraps `data_key` (32 bytes) into the header under the master key.
void set_data_key(Header& h, const Secret& master, const Secret& data_key);
// The key the pages are encrypted with: derived from the header's data key,
// which the master key unwraps. Throws integrity when it does not.
Secret page_key(const Header& h, const Secret& master);

struct HeaderRead {
  Header header;
  std::array<unsigned char, kCopyBytes> chosen{};  // raw bytes of the copy in use (for the MAC)
  std::vector<std::string> problems;             // damaged copies
  // Raw bytes of the other copy when it is intact and of the same generation
  // (it must then carry a valid MAC too); empty otherwise.
  std::optional<std::array<unsigned char, kCopyBytes>> twin;
  char twin_name = 0;  // 'A' or 'B'
};
// Reads both copies from the start of fd and picks the valid one with the
// highest generation. Throws integrity when neither copy is valid.
HeaderRead read_header(int fd);
// The same from the raw bytes of the two copies (`got_*`: how many bytes each
// read returned; fewer than kCopyBytes is a truncated copy).
HeaderRead parse_header(const unsigned char* copy_a, long got_a, const unsigned char* copy_b, long got_b);
// Throws integrity when the chosen copy's MAC does not verify under `master`.
void verify_header_mac(const HeaderRead& h, const Secret& master);
// For dsr check: the twin copy's MAC as well (a problem line, or empty).
std::string verify_twin_mac(const HeaderRead& h, const Secret& master);
// Writes copy B then copy A (each fsync'd) with generation+1.
void write_header(int fd, Header& h, const Secret& master);
// The bytes write_header writes (bumps the generation, adds the MAC and checksum).
std::array<unsigned char, kCopyBytes> seal_header(Header& h, const Secret& master);

// `created`: unix seconds, 0 for now (a changed passphrase keeps the slot's date).
SlotRecord make_slot(const std::string& name, Role role, const Credential& cred, KdfStrength kdf,
                     const Keys& keys, const VaultId& id, int64_t created = 0);
// The keys inside a slot, or nothing when the credential does not open it.
std::optional<Keys> unwrap_slot(const SlotRecord& slot, const Credential& cred, const VaultId& id);

}  // namespace dsr::vault
