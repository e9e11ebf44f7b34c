#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include "dsr/error.hpp"
#include "vault/vfs.hpp"

namespace dsr {

Error classify(const std::exception& e) {
  if (auto* err = dynamic_cast<const Error*>(&e)) return *err;
  if (auto* se = dynamic_cast<const SQLite::Exception*>(&e)) {
    int ext = se->getExtendedErrorCode();
    int primary = ext & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
      return Error(ErrorKind::locked,
                   "the vault is locked by another process; retry later (or raise --lock-timeout)");
    std::string detail = vault::take_last_vfs_error();
    // The VFS refuses locks on a vault file that a rekey replaced: retry.
    if (ext == SQLITE_IOERR_LOCK && !detail.empty()) return Error(ErrorKind::locked, detail);
    // SQLite reports a page that failed authentication as IOERR_DATA, or as a
    // plain I/O error where it loses the extended code (loading the schema):
    // the VFS's message tells them apart from a real I/O error.
    if (ext == SQLITE_IOERR_DATA || primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ||
        (primary == SQLITE_IOERR && !detail.empty()))
      // The VFS says what to do where it knows better (a planted journal: move it away).
      return Error(ErrorKind::integrity,
                   "the vault is damaged: " + (detail.empty() ? std::string(se->what()) : detail) +
                       (detail.find("dsr check") != std::string::npos ? ""
                                                                       : "; run `dsr check` and restore from a backup"));
    if (primary == SQLITE_FULL) return Error(ErrorKind::failure, "the disk is full");
    if (primary == SQLITE_READONLY) return Error(ErrorKind::failure, "the vault file is read-only");
    return Error(ErrorKind::failure, std::string("database error: ") + se->what());
  }
  if (dynamic_cast<const std::bad_alloc*>(&e)) return Error(ErrorKind::failure, "out of memory");
  return Error(ErrorKind::failure, e.what());
}

}  // namespace dsr
