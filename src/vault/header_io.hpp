// The vault header read and written through an open connection's own file
// descriptor (vault/vfs.hpp, header_read), for the changes made while SQLite
// holds the file open: key slots, rekey, backup. A second descriptor opened
// and closed on the file would drop the process's POSIX locks on it.
#pragma once
#include <sqlite3.h>

#include "vault/header.hpp"

namespace dsr::vault {

// Both copies as they are on disk now; throws integrity as read_header does.
HeaderRead read_header_via(sqlite3* db);
// Writes both copies, each synced, with generation+1: first the one not in
// effect (B, unless A is older or damaged), then the other. Throws (nothing
// changed) only when the first write fails; once it is synced the change is
// made, and a failure to write the second copy leaves that copy behind.
void write_header_via(sqlite3* db, Header& h, const HeaderAuthority& authority);
// Fails (ErrorKind::locked: run it again) unless the header read from disk
// still carries the data key this process opened the vault with: another
// process rekeyed the vault meanwhile.
void require_same_data_key(const Header& on_disk, const Header& opened);

}  // namespace dsr::vault
