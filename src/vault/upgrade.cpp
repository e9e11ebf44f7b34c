// Upgrading a vault of format 2 to format 3 in place. Format 3 keeps the
// keys, slots and page ciphertext of format 2 (a page is bound to the vault id
// and its number in both) and moves the pages from 8 KiB to 32 KiB into the
// file, making room for the WAL generation marker (vault/vfs.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "vault/file_copy.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds
#include "vault/vault_impl.hpp"

namespace dsr {
namespace {

int64_t size_of(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? int64_t(st.st_size) : -1;
}

// Copies from[from_off, end) to to[to_off, ...).
void copy_tail(int from, off_t from_off, int to, off_t to_off, const std::string& what) {
  std::vector<char> buf(1 << 20);
  for (;;) {
    ssize_t n = sysio::pread(from, buf.data(), buf.size(), from_off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(ErrorKind::failure, "cannot read the vault: " + std::string(std::strerror(errno)));
    if (n == 0) return;
    for (ssize_t done = 0; done < n;) {
      ssize_t w = sysio::pwrite(to, buf.data() + done, size_t(n - done), to_off + done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail(ErrorKind::failure, "cannot write " + what + ": " + std::strerror(errno));
      done += w;
    }
    from_off += n;
    to_off += n;
  }
}

}  // namespace

void upgrade_format2(const std::string& path, const HeaderRead& hr, const std::string& slot_name,
                     const Credential& cred, VaultKeys& keys, const OpenOptions& opts) {
  const Header& old = hr.header;
  auto cipher = std::make_shared<const PageCipher>(page_key(keys.data), old.id);
  vault::CipherBinding bound(path, cipher, Layout::format2());
  for (const char* suffix : {"-wal", "-journal"})
    if (size_of(path + suffix) > 0)
      fail(ErrorKind::integrity,
           path + suffix + " holds changes written under format 2, which cannot be authenticated: open the vault "
                           "once with the release that wrote it (it finishes them), then with this one");
  SQLite::Database db(path.c_str(), SQLite::OPEN_READWRITE, opts.lock_timeout_ms, kVfsName);
  // The write lock, with an empty WAL: nothing changes the pages while they are copied.
  db.exec("BEGIN IMMEDIATE");
  const std::string tmp = path + "-upgrade";
  bool renamed = false;
  int out = -1, in = -1;
  try {
    if (size_of(path + "-wal") > 0)
      fail(ErrorKind::locked, "another process wrote to the vault while it was being upgraded; run the command again");
    sysio::unlink(tmp.c_str());  // left by a killed upgrade: none can run, we hold the lock
    out = sysio::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (out < 0) fail(ErrorKind::failure, "cannot create " + tmp + ": " + std::strerror(errno));
    ::fchmod(out, 0600);
    // Every slot of format 2 goes on as a legacy slot; an admin opener makes
    // the admin signing key and has its own slot sealed to a key pair.
    Header next = header_from_format2(old);
    auto opener = std::find_if(next.slots.begin(), next.slots.end(),
                               [&](const SlotRecord& s) { return s.info.name == slot_name; });
    if (opener != next.slots.end() && opener->info.role == Role::admin) establish_admin(next, slot_name, cred, keys);
    write_header(out, next, authority_of(keys));
    if (sysio::ftruncate(out, kHeaderBytes) != 0)
      fail(ErrorKind::failure, "cannot write " + tmp + ": " + std::strerror(errno));
    in = sysio::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(ErrorKind::failure, "cannot open " + path + ": " + std::strerror(errno));
    copy_tail(in, kHeaderBytesV2, out, kHeaderBytes, tmp);
    ::close(in);
    in = -1;
    if (sysio::fsync(out) != 0) fail(ErrorKind::failure, "cannot sync " + tmp + ": " + std::strerror(errno));
    ::close(out);
    out = -1;
    std::vector<std::string> problems;
    vault::authenticate_pages(tmp, *cipher, problems, {});
    if (!problems.empty())
      fail(ErrorKind::integrity, "the vault fails authentication (" + problems.front() +
                                     "); it was left as it was, in format 2: run `dsr check`");
    if (sysio::rename(tmp.c_str(), path.c_str()) != 0)
      fail(ErrorKind::failure, "cannot replace " + path + ": " + std::strerror(errno) + "; it was left in format 2");
    renamed = true;
    vault::sync_parent_dir(path);
  } catch (...) {
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
    if (!renamed) sysio::unlink(tmp.c_str());
    try {
      db.exec("ROLLBACK");
    } catch (...) {
    }
    throw;
  }
  try {
    db.exec("ROLLBACK");  // nothing was written through it: this only drops the lock
  } catch (...) {
  }
  vault::take_last_vfs_error();
}

}  // namespace dsr
