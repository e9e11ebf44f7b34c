// The "dsr" SQLite VFS: a shim over the default (unix) VFS that encrypts every
// page of the main database, its WAL and its rollback journal. A database file
// can only be opened through it once its cipher has been bound to the path.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "vault/page_cipher.hpp"

struct sqlite3;

namespace dsr::vault {

inline constexpr const char* kVfsName = "dsr";
// Bytes before the first SQLite page: the vault header (two copies).
inline constexpr uint32_t kHeaderBytes = 8192;

// Registers the VFS (idempotent, thread-safe). Also installs SQLite's wiping
// allocator if SQLite has not been initialised yet.
void register_vfs();

// While bound, files at this path (and its -wal / -journal) are encrypted with
// `cipher`. Returns the canonical path SQLite will use.
std::string bind_cipher(const std::string& db_path, std::shared_ptr<const PageCipher> cipher);
void unbind_cipher(const std::string& canonical_path, const PageCipher* owner);

// The most recent authentication failure seen by this thread ("page 7 of the
// main file failed authentication"), or empty. Cleared by take_.
std::string take_last_vfs_error();

// The bytes before the first page (the vault header), read and written through
// a connection's own descriptor of its main file: a second descriptor must not
// be opened and closed on a file SQLite holds, since closing it drops every
// POSIX lock the process has on the file. header_read returns how many bytes
// the file had (short at its end), or -1 on an error; header_write syncs.
long header_read(sqlite3* db, unsigned char* buf, int n, int64_t off);
bool header_write(sqlite3* db, const unsigned char* buf, int n, int64_t off);

}  // namespace dsr::vault
