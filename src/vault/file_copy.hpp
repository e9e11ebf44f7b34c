// Copies of an open vault written into new files (rekey, backup), and the
// checks of such a file: every page authenticated, SQLite's integrity check.
#pragma once
#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>
#include <vector>

#include "dsr/vault.hpp"
#include "vault/header.hpp"
#include "vault/page_cipher.hpp"
#include "vault/vfs.hpp"

namespace dsr::vault {

// A second connection to an open vault (its cipher is already bound to the
// path) for a long job, with the vault's settings (no temp files, a big cache).
// `own` is the vault's connection: when a rekey in another process has
// replaced the file since it opened (so that the path now holds a file under
// another data key), this fails with ErrorKind::locked (run it again), never
// with a page that fails authentication.
std::unique_ptr<SQLite::Database> side_connection(const std::string& path, int lock_timeout_ms, const Header& opened,
                                                  sqlite3* own);

// Creates `dest` (O_EXCL, mode 0600) holding only `header`, both copies
// synced (generation+1). conflict when dest exists.
void create_header_file(const std::string& dest, Header& header, const HeaderAuthority& authority);

// While alive, `path` is encrypted with `cipher` (see bind_cipher).
class CipherBinding {
 public:
  CipherBinding(const std::string& path, std::shared_ptr<const PageCipher> cipher, Layout layout = {});
  ~CipherBinding();
  CipherBinding(const CipherBinding&) = delete;
  CipherBinding& operator=(const CipherBinding&) = delete;

 private:
  std::string canonical_;
  std::shared_ptr<const PageCipher> cipher_;
};

// Writes the database as `from` sees it (one read snapshot) into dest, a file
// that holds only a header and whose cipher is bound, then syncs dest and its
// directory. Reports Stage::copying with the pages written so far of about
// `total`. Returns the number of pages written.
uint64_t vacuum_into(SQLite::Database& from, const std::string& dest, uint64_t total, const ProgressFn& progress);

// Authenticates every page of a vault file that has no WAL and compares the
// file's page count with the database size page 1 records. Appends problems;
// returns the number of pages. Reports Stage::verifying.
uint64_t authenticate_pages(const std::string& path, const PageCipher& cipher, std::vector<std::string>& problems,
                            const ProgressFn& progress, Layout layout = {});
// SQLite's integrity check of a vault file opened read only with `cipher`.
void integrity_check(const std::string& path, std::shared_ptr<const PageCipher> cipher,
                     std::vector<std::string>& problems, Layout layout = {});
// Moves a finished file into place at dest without ever replacing a file that
// appeared there meanwhile (conflict), and syncs dest's directory.
void publish_new_file(const std::string& tmp, const std::string& dest);

// fsync of a file, and of the directory that holds it (after a create or rename).
void sync_file(const std::string& path);
void sync_parent_dir(const std::string& path);

}  // namespace dsr::vault
