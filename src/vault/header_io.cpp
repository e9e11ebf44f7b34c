#include "vault/header_io.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "dsr/error.hpp"
#include "vault/vfs.hpp"

namespace dsr::vault {

HeaderRead read_header_via(sqlite3* db) {
  std::vector<unsigned char> raw(2 * kCopyBytes);
  long got = header_read(db, raw.data(), int(raw.size()), 0);
  if (got < 0) fail(ErrorKind::failure, "cannot read the vault header");
  return parse_header(raw.data(), got);
}

namespace {

// The generation of one header copy as it is on disk, or nothing when the
// copy is damaged or cannot be read.
std::optional<uint64_t> copy_generation(const unsigned char* copy, long got) {
  try {
    // One copy at the start of a buffer as long as two: the other reads as damaged.
    std::vector<unsigned char> one(2 * kCopyBytes, 0);
    std::memcpy(one.data(), copy, size_t(std::clamp<long>(got, 0, long(kCopyBytes))));
    return parse_header(one.data(), long(one.size())).header.generation;
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

void write_header_via(sqlite3* db, Header& h, const HeaderAuthority& authority) {
  // The copy in effect is written last, so that a crash, a torn write or an
  // I/O error at any moment leaves a valid copy holding the header before or
  // after the change: B first as a rule, but A first when A is older than B
  // or damaged (its last write failed or was torn). Writing B first over the
  // only current copy would risk falling back to an older header still: a
  // removed slot coming back.
  std::vector<unsigned char> raw(2 * kCopyBytes);
  long got = header_read(db, raw.data(), int(raw.size()), 0);
  std::optional<uint64_t> a, b;
  if (got > 0) {
    a = copy_generation(raw.data(), std::min<long>(got, long(kCopyBytes)));
    b = copy_generation(raw.data() + kCopyBytes, std::max<long>(0, got - long(kCopyBytes)));
  }
  bool a_first = b && (!a || *a < *b);
  std::vector<unsigned char> buf = seal_header(h, authority);
  int64_t first = a_first ? 0 : int64_t(kCopyBytes);
  if (!header_write(db, buf.data(), int(kCopyBytes), first)) {
    // Written but not synced, or torn: the new generation may be in effect
    // now, and not for good. Put the copy back as it was, so that the change
    // is not made (fault sweep: 'key add' with the sync failing left a slot in
    // effect and deleted its key file).
    if (got >= first + long(kCopyBytes)) (void)header_write(db, raw.data() + first, int(kCopyBytes), first);
    fail(ErrorKind::failure, "cannot write the vault header");
  }
  // That copy now holds the change, synced, under the highest generation: the
  // change is made. When the other copy cannot be written, try once more, then
  // put back what it held (a torn copy is reported as damage by check); if
  // all that fails it stays behind until the next change, which writes it first.
  int64_t second = a_first ? int64_t(kCopyBytes) : 0;
  if (!header_write(db, buf.data(), int(kCopyBytes), second) &&
      !header_write(db, buf.data(), int(kCopyBytes), second) && got >= second + long(kCopyBytes))
    (void)header_write(db, raw.data() + second, int(kCopyBytes), second);
}

void require_same_data_key(const Header& on_disk, const Header& opened) {
  if (on_disk.epoch != opened.epoch || on_disk.data_nonce != opened.data_nonce ||
      on_disk.data_wrapped != opened.data_wrapped)
    fail(ErrorKind::locked, "another process rekeyed the vault after this command opened it; run the command again");
}

}  // namespace dsr::vault
