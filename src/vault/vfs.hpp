// The "dsr" SQLite VFS: a shim over the default (unix) VFS that encrypts every
// page of the main database, its WAL and its rollback journal. A database file
// can only be opened through it once its cipher has been bound to the path.
// What it guarantees, and how, is in ARCHITECTURE.md ("The vault file").
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <array>
#include <string>
#include <vector>

#include "vault/page_cipher.hpp"

struct sqlite3;

namespace dsr::vault {

inline constexpr const char* kVfsName = "dsr";

// Where things are in a vault file of the current format (3):
//   0      header copy A (12 KiB)         12288  header copy B (12 KiB)
//   24576  WAL generation marker, two 512-byte slots written in turn
//   25600  reserved (zero) for later header growth
//   32768  SQLite's pages
inline constexpr uint32_t kHeaderBytes = 32768;
inline constexpr uint32_t kMarkerAt = 24576;
inline constexpr uint32_t kMarkerSlotBytes = 512;
// Format 2 put the pages right after the header copies and had no marker.
inline constexpr uint32_t kHeaderBytesV2 = 8192;

// How a bound file is laid out: the current format, or format 2 (read only
// to upgrade it: its WAL and journal carry nothing that authenticates them,
// so the VFS refuses any content in them).
struct Layout {
  uint32_t data_offset = kHeaderBytes;
  bool legacy = false;
  static Layout format2() { return {kHeaderBytesV2, true}; }
};
inline Layout layout_for_format(uint32_t version) { return version == 2 ? Layout::format2() : Layout{}; }

// Registers the VFS (idempotent, thread-safe). Also installs SQLite's wiping
// allocator if SQLite has not been initialised yet.
void register_vfs();

// While bound, files at this path (and its -wal / -journal) are encrypted with
// `cipher`. Returns the canonical path SQLite will use.
std::string bind_cipher(const std::string& db_path, std::shared_ptr<const PageCipher> cipher, Layout layout = {});
void unbind_cipher(const std::string& canonical_path, const PageCipher* owner);

// The most recent authentication failure seen by this thread ("page 7 of the
// main file failed authentication"), or empty. Cleared by take_.
std::string take_last_vfs_error();
// Puts back an error taken with take_last_vfs_error (empty: leaves it cleared).
void restore_last_vfs_error(std::string error);
// Things this thread's connections met and dealt with that the user should
// hear of (a WAL from an earlier state of the vault, ignored). Cleared by take_.
std::vector<std::string> take_vfs_notices();

// The bytes before the first page (the vault header), read and written through
// a connection's own descriptor of its main file: a second descriptor must not
// be opened and closed on a file SQLite holds, since closing it drops every
// POSIX lock the process has on the file. header_read returns how many bytes
// the file had (short at its end), or -1 on an error; header_write syncs.
long header_read(sqlite3* db, unsigned char* buf, int n, int64_t off);
bool header_write(sqlite3* db, const unsigned char* buf, int n, int64_t off);

// ---- what recovery would find, for `dsr check` (and the VFS itself) --------

// Reads `n` bytes at `off` of a file; returns how many it got (short at its
// end), or -1 on an error.
using ReadAt = std::function<long(unsigned char* buf, long n, int64_t off)>;

// The WAL generation marker: which WAL (by its salts) the vault's pages and
// the marker's random id belong to. Frames are bound to the id.
struct WalMarker {
  uint64_t seq = 0;
  std::array<unsigned char, 8> salts{};
  std::array<unsigned char, 16> id{};
};
// The newer of the two marker slots that authenticates, read from the main file.
std::optional<WalMarker> read_wal_marker(const ReadAt& main_file, const PageCipher& cipher);

struct WalScan {
  enum class State {
    none,     // no WAL content SQLite would replay
    stale,    // a WAL of another generation (put back, or left at the start of a write): ignored
    ok,       // frames [0, frames) replay; the rest is a torn tail
    damaged,  // a frame fails authentication before a later commit
  };
  State state = State::none;
  uint64_t frames = 0;   // frames that replay (up to and including the last commit)
  uint64_t commits = 0;  // commit frames among them
  uint64_t bad_frame = 0;  // 1-based, when damaged
  uint32_t bad_pgno = 0;
  uint64_t commits_after = 0;  // authentic commits after the bad frame
  std::vector<uint32_t> checksums;  // SQLite's cumulative frame checksums, two per replayed frame
  std::string problem() const;      // the message for `damaged`
};
// Scans a WAL as recovery would: every frame authenticated under the marker's
// generation and its position, SQLite's checksums recomputed from plaintext.
WalScan scan_wal(const ReadAt& wal, const PageCipher& cipher, const std::optional<WalMarker>& marker);

// Decrypts the page of WAL frame k (frame: its 24-byte header, then the page)
// of the generation `marker` names; false when it does not authenticate.
bool open_wal_frame(const PageCipher& cipher, const WalMarker& marker, uint64_t k, const unsigned char* frame,
                    unsigned char* out);

// Decodes a rollback journal as SQLite would play it back: into `image` (size
// bytes, zero-filled, may be null) what SQLite wrote (plaintext pages, the
// checksums recomputed). Returns what is wrong, or empty.
std::string decode_journal_image(const unsigned char* raw, int64_t size, const PageCipher& cipher,
                                 unsigned char* image);

// A rollback journal beside a vault: empty when SQLite would not play it back
// or every record it would play authenticates; otherwise what is wrong (one
// larger than the VFS would read, kMaxJournal in vfs.cpp, is wrong unread).
std::string journal_problem(const ReadAt& journal, int64_t size, const PageCipher& cipher);

}  // namespace dsr::vault
