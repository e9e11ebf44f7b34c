#include "dsr/forensics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "dsr/error.hpp"
#include "util/fd.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"

namespace dsr {

using namespace dsr::vault;

void for_each_plain_page(const std::string& path, const Credential& cred,
                         const std::function<void(PageSource, uint32_t, const unsigned char*, size_t, bool)>& visit) {
  crypto_init();
  util::UniqueFd owned(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  const int fd = owned.get();
  if (fd < 0) fail(ErrorKind::not_found, "no vault at " + path);
  HeaderRead hr = read_header(fd);
  std::optional<VaultKeys> keys;
  for (const auto& s : hr.header.slots)
    if ((keys = unlock_slot(hr.header, s, cred))) break;
  if (!keys) fail(ErrorKind::wrong_key, "the credential opens no key slot of this vault");
  PageCipher cipher(page_key(keys->data), hr.header.id);
  const Layout layout = layout_for_format(hr.header.version);
  ReadAt main_reader = [fd](unsigned char* buf, long n, int64_t off) -> long {
    ssize_t r = pread(fd, buf, size_t(n), off_t(off));
    return r < 0 ? -1 : long(r);
  };
  const std::optional<WalMarker> marker = read_wal_marker(main_reader, cipher);
  std::vector<unsigned char> raw(kPageSize + 24);
  Secret plain(kPageSize);
  for (uint32_t pgno = 1;; ++pgno) {
    off_t at = off_t(layout.data_offset) + off_t(pgno - 1) * kPageSize;
    ssize_t n = pread(fd, raw.data(), kPageSize, at);
    if (n <= 0) break;
    // The lock-byte page holds no ciphertext: visited as the raw bytes it is.
    bool ok = n == ssize_t(kPageSize) && pgno != kLockBytePage && cipher.decrypt(pgno, raw.data(), plain.data());
    visit(PageSource::main_file, pgno, ok ? plain.data() : raw.data(), ok ? kPageSize : size_t(n), ok);
  }
  owned.reset();
  util::UniqueFd owned_wal(::open((path + "-wal").c_str(), O_RDONLY | O_CLOEXEC));
  const int wfd = owned_wal.get();
  if (wfd < 0) return;
  uint64_t k = 0;
  for (off_t at = 32;; at += 24 + kPageSize, ++k) {
    ssize_t n = pread(wfd, raw.data(), 24 + kPageSize, at);
    if (n <= 0) break;
    uint32_t pgno = uint32_t(raw[0]) << 24 | uint32_t(raw[1]) << 16 | uint32_t(raw[2]) << 8 | raw[3];
    bool ok = n == ssize_t(24 + kPageSize) && marker && open_wal_frame(cipher, *marker, k, raw.data(), plain.data());
    visit(PageSource::wal, pgno, ok ? plain.data() : raw.data(), ok ? kPageSize : size_t(n), ok);
  }
}

}  // namespace dsr
