#include "vault/header_io.hpp"

#include <algorithm>
#include <vector>

#include "dsr/error.hpp"
#include "vault/vfs.hpp"

namespace dsr::vault {

HeaderRead read_header_via(sqlite3* db) {
  std::vector<unsigned char> raw(2 * kCopyBytes);
  long got = header_read(db, raw.data(), int(raw.size()), 0);
  if (got < 0) fail(ErrorKind::failure, "cannot read the vault header");
  long a = std::min<long>(got, long(kCopyBytes));
  long b = std::max<long>(0, got - long(kCopyBytes));
  return parse_header(raw.data(), a, raw.data() + kCopyBytes, b);
}

void write_header_via(sqlite3* db, Header& h, const Secret& master) {
  std::array<unsigned char, kCopyBytes> buf = seal_header(h, master);
  // B first: a crash while writing A leaves B (new) valid; while writing B, A (old).
  for (int64_t at : {int64_t(kCopyBytes), int64_t(0)})
    if (!header_write(db, buf.data(), int(kCopyBytes), at))
      fail(ErrorKind::failure, "cannot write the vault header");
}

void require_same_data_key(const Header& on_disk, const Header& opened) {
  if (on_disk.data_nonce != opened.data_nonce || on_disk.data_wrapped != opened.data_wrapped)
    fail(ErrorKind::locked, "another process rekeyed the vault after this command opened it; run the command again");
}

}  // namespace dsr::vault
