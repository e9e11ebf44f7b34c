// Backups: an online, consistent copy of the vault that is itself a vault
// under the same slots (same header, its own data key), verified when written;
// verifying one on its own; restoring one to a new path.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "util/fd.hpp"
#include "vault/file_copy.hpp"
#include "vault/header_io.hpp"
#include "vault/vault_impl.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr {
namespace {

struct Unlocked {
  HeaderRead hr;
  VaultKeys keys;
  BackupSlot slot;
};

// Reads a backup's header and unlocks it with the caller's credential.
Unlocked unlock_backup(const std::string& path, const Credential& cred) {
  crypto_init();
  register_vfs();
  int fd = sysio::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail(ErrorKind::not_found, "no backup at " + path);
    fail(ErrorKind::failure, "cannot open " + path + ": " + std::strerror(errno));
  }
  Unlocked u;
  try {
    u.hr = read_header(util::UniqueFd(fd).get());
  } catch (const Error& e) {
    throw Error(e.kind(), path + ": " + e.what());
  }
  for (const auto& s : u.hr.header.slots) {
    if (auto keys = unlock_slot(u.hr.header, s, cred)) {
      verify_header(u.hr, *keys);
      u.keys = std::move(*keys);
      u.slot = {s.info.name, s.info.role};
      return u;
    }
  }
  fail(ErrorKind::wrong_key, "the " + std::string(cred.kind == SlotKind::passphrase ? "passphrase" : "key file") +
                                 " opens no key slot of the backup " + path);
}

// Every page authenticated, then (with `structure`) SQLite's integrity check,
// read only. A backup just written by VACUUM INTO is a freshly built b-tree:
// authenticating what is on disk is its verification; the integrity check
// (about 60% of a backup's time on 1M subjects) is for --verify and restore.
CheckReport check_copy(const std::string& path, const HeaderRead& hr, const VaultKeys& keys,
                       const ProgressFn& progress, bool structure = true) {
  CheckReport r;
  r.problems = hr.problems;
  if (std::string twin = verify_twin(hr, keys); !twin.empty()) r.problems.push_back(twin);
  auto cipher = std::make_shared<const PageCipher>(page_key(keys.data), hr.header.id);
  const Layout layout = layout_for_format(hr.header.version);
  r.pages = vault::authenticate_pages(path, *cipher, r.problems, progress, layout);
  for (const char* suffix : {"-wal", "-journal"}) {
    struct stat st{};
    if (::stat((path + suffix).c_str(), &st) == 0 && st.st_size > 0)
      r.problems.push_back(path + suffix + " exists: the backup was opened and changed as a vault; make a new backup");
  }
  // A damaged file is never handed to SQLite: nothing more to learn there.
  if (r.ok() && structure) {
    if (progress) progress({Progress::Stage::checking, r.pages, r.pages});
    vault::integrity_check(path, cipher, r.problems, layout);
  }
  return r;
}

std::string summary(const CheckReport& r) {
  std::string s;
  for (size_t i = 0; i < r.problems.size() && i < 3; ++i) s += (i ? "; " : "") + r.problems[i];
  if (r.problems.size() > 3) s += "; ...";
  return s;
}

}  // namespace

BackupReport Vault::backup(const std::string& dest, const ProgressFn& progress) {
  Impl& im = *impl_;
  if (!im.db) fail(ErrorKind::failure, "the vault is closed");
  auto worker = vault::side_connection(im.path, im.options.lock_timeout_ms, im.header, im.db->getHandle());
  // The header as it is now (slots added since this vault was opened included),
  // read through the connection that will make the copy.
  HeaderRead hr = read_header_via(worker->getHandle());
  verify_header(hr, im.keys);
  require_same_data_key(hr.header, im.header);
  if (hr.header.has_admin_key() && im.keys.admin_sk.empty())
    fail(ErrorKind::refused, "a backup needs an admin slot that holds the vault's admin signing key; slot '" +
                                 im.slot_name + "' holds none");
  // Its own data key, sealed to every slot (and wrapped for slots of format 2):
  // its pages are never interchangeable with the vault's.
  Header copy = std::move(hr.header);
  copy.generation = 0;
  VaultKeys keys;
  keys.epoch = copy.epoch;
  keys.data = Secret::random(32);
  keys.index = im.keys.index.clone();
  keys.category = im.keys.category.clone();
  keys.admin_sk = im.keys.admin_sk.clone();
  keys.legacy_master = im.keys.legacy_master.clone();
  for (auto& s : copy.slots)
    if (s.scheme == Scheme::sealed) reseal_slot(copy, s, keys);
  if (copy.legacy_data) set_legacy_data_key(copy, keys.legacy_master, keys.data);
  auto cipher = std::make_shared<const PageCipher>(page_key(keys.data), copy.id);
  if (::access(dest.c_str(), F_OK) == 0) fail(ErrorKind::conflict, dest + " already exists; it was left untouched");
  // The copy grows in a file of its own beside dest, recorded beside the vault
  // until it is in place: a backup killed half way leaves nothing that the next
  // command does not find and remove (leftovers.cpp).
  const std::string partial = dest + ".partial";
  BackupIntent intent(im, partial);
  vault::create_header_file(partial, copy, authority_of(keys));  // conflict if a backup to dest is running
  try {
    uint64_t total = uint64_t(worker->execAndGet("PRAGMA page_count").getInt64());
    {
      vault::CipherBinding bound(partial, cipher);
      if (progress) progress({Progress::Stage::copying, 0, total});
      vault::vacuum_into(*worker, partial, total, progress);
    }
    worker.reset();
    int fd = sysio::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(ErrorKind::failure, "cannot reopen " + partial + ": " + std::strerror(errno));
    HeaderRead written = read_header(util::UniqueFd(fd).get());
    verify_header(written, keys);
    CheckReport r = check_copy(partial, written, keys, progress, /*structure=*/false);
    if (!r.ok()) fail(ErrorKind::integrity, "the backup failed its verification (" + summary(r) + "); it was removed");
    vault::publish_new_file(partial, dest);
    struct stat st{};
    ::stat(dest.c_str(), &st);
    if (progress) progress({Progress::Stage::done, r.pages, r.pages});
    return {dest, r.pages, uint64_t(st.st_size)};
  } catch (...) {
    sysio::unlink(partial.c_str());
    sysio::unlink((partial + "-journal").c_str());  // the copy's, when removing it failed (fault sweep)
    throw;
  }
}

BackupSlot open_backup_header(const std::string& path, const Credential& cred) {
  return unlock_backup(path, cred).slot;
}

CheckReport verify_backup(const std::string& path, const Credential& cred, const ProgressFn& progress) {
  Unlocked u = unlock_backup(path, cred);
  return check_copy(path, u.hr, u.keys, progress);
}

BackupSlot restore_backup(const std::string& backup, const std::string& dest, const Credential& cred,
                          const std::function<void(const BackupSlot&)>& approve, const ProgressFn& progress) {
  Unlocked u = unlock_backup(backup, cred);
  if (approve) approve(u.slot);
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::string p = dest + suffix;
    if (::access(p.c_str(), F_OK) == 0)
      fail(ErrorKind::conflict, p + " already exists; restore writes only to a new path (it was left untouched)");
  }
  // Copy into a private file beside dest, check the copy, then move it into
  // place without ever replacing a file that appeared meanwhile.
  std::string tmp = dest + ".restore-XXXXXX";
  int out = ::mkstemp(tmp.data());
  if (out < 0) fail(ErrorKind::failure, "cannot create a file beside " + dest + ": " + std::strerror(errno));
  ::fchmod(out, 0600);
  try {
    int in = sysio::open(backup.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) fail(ErrorKind::failure, "cannot open " + backup + ": " + std::strerror(errno));
    std::vector<char> buf(1 << 20);
    uint64_t copied = 0;
    for (;;) {
      ssize_t n = sysio::read(in, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        ::close(in);
        fail(ErrorKind::failure, "cannot read " + backup + ": " + std::strerror(errno));
      }
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = sysio::write(out, buf.data() + off, size_t(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          ::close(in);
          fail(ErrorKind::failure, "cannot write " + tmp + ": " + std::strerror(errno));
        }
        off += w;
      }
      copied += uint64_t(n);
      if (progress) progress({Progress::Stage::copying, copied / vault::kPageSize, 0});
    }
    ::close(in);
    if (sysio::fsync(out) != 0) fail(ErrorKind::failure, "cannot sync " + tmp + ": " + std::strerror(errno));
    ::close(out);
    out = -1;
    CheckReport r = check_copy(tmp, u.hr, u.keys, progress);
    if (!r.ok())
      fail(ErrorKind::integrity, "the backup " + backup + " fails verification (" + summary(r) +
                                     "); nothing was restored");
    vault::publish_new_file(tmp, dest);
    if (progress) progress({Progress::Stage::done, r.pages, r.pages});
    return u.slot;
  } catch (...) {
    if (out >= 0) ::close(out);
    sysio::unlink(tmp.c_str());
    throw;
  }
}

}  // namespace dsr
