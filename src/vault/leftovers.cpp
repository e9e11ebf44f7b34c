// What interrupted jobs leave beside a vault, found and removed at the next
// open (ARCHITECTURE.md, "The vault file"): a rekey or a format upgrade killed
// before its rename leaves a full copy of the vault (PATH-rekey, PATH-upgrade)
// that may still hold values erased since; a killed backup leaves its partial
// file, named by a record beside the vault.
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "vault/fair_wait.hpp"
#include "vault/file_copy.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds
#include "vault/vault_impl.hpp"

namespace dsr {
namespace {

constexpr char kIntentInfix[] = "-backup-";
constexpr char kIntentLabel[] = "dsr partial backup\n";

std::string intent_mac(const Secret& index_key, const std::string& partial) {
  Secret key(32);
  crypto_kdf_derive_from_key(key.data(), key.size(), 1, "dsrleft_", index_key.data());
  std::string msg = std::string(kIntentLabel) + partial;
  unsigned char mac[32];
  crypto_generichash(mac, sizeof mac, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), key.data(),
                     key.size());
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
  return hex;
}

bool job_running(sqlite3* db, int lock_timeout_ms) {
  // A rekey or an upgrade holds the write lock for as long as its copy exists.
  vault::wait_in_turn(db, 0);
  int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
  vault::wait_in_turn(db, lock_timeout_ms);
  if (rc != SQLITE_OK) {
    vault::take_last_vfs_error();
    return true;
  }
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return false;
}

void clear_copies(Vault::Impl& im) {
  for (const char* suffix : {"-rekey", "-upgrade"}) {
    const std::string copy = im.path + suffix;
    if (::access(copy.c_str(), F_OK) != 0) continue;
    const std::string what = std::string(suffix) == "-rekey" ? "an interrupted `dsr rekey`" : "an interrupted format upgrade";
    if (im.options.read_only || job_running(im.db->getHandle(), im.options.lock_timeout_ms)) {
      im.notices.push_back(copy + " exists: a full copy of the vault left by " + what +
                           " (or one running now); it may hold values erased since. The next command that writes "
                           "removes it when no such job runs");
      continue;
    }
    if (sysio::unlink(copy.c_str()) == 0 || errno == ENOENT)
      im.notices.push_back("removed " + copy + ", a full copy of the vault left by " + what +
                           " (it could still hold values erased since)");
    else
      im.notices.push_back("cannot remove " + copy + " (" + std::strerror(errno) + "), a full copy of the vault left by " +
                           what + ": remove it with `rm " + copy + "`");
  }
}

void clear_partial_backups(Vault::Impl& im) {
  const std::filesystem::path vault_path(im.path);
  const std::string dir = vault_path.parent_path().empty() ? "." : vault_path.parent_path().string();
  const std::string prefix = vault_path.filename().string() + kIntentInfix;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string record = dir + "/" + name;
    int fd = sysio::open(record.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {  // a backup is running: it holds its record locked
      ::close(fd);
      continue;
    }
    char buf[8192];
    ssize_t n = sysio::read(fd, buf, sizeof buf - 1);
    std::string text(buf, size_t(std::max<ssize_t>(n, 0)));
    auto nl = text.find('\n');
    std::string partial = nl == std::string::npos ? "" : text.substr(0, nl);
    std::string mac = nl == std::string::npos ? "" : text.substr(nl + 1, 64);
    bool authentic = !partial.empty() && mac.size() == 64 &&
                     sodium_memcmp(mac.data(), intent_mac(im.keys.index, partial).data(), 64) == 0;
    if (!authentic) {
      ::close(fd);
      im.notices.push_back("left " + record + " alone: it is not a record dsr wrote with this vault's keys");
      continue;
    }
    if (sysio::unlink(partial.c_str()) == 0)
      im.notices.push_back("removed " + partial + ", the partial copy left by an interrupted `dsr backup`");
    else if (errno != ENOENT)
      im.notices.push_back("cannot remove " + partial + " (" + std::strerror(errno) +
                           "), the partial copy left by an interrupted `dsr backup`: remove it with `rm " + partial + "`");
    sysio::unlink(record.c_str());
    ::close(fd);
  }
  ::closedir(d);
}

}  // namespace

void clear_leftovers(Vault::Impl& im) {
  clear_copies(im);
  clear_partial_backups(im);
}

BackupIntent::BackupIntent(const Vault::Impl& im, const std::string& partial) {
  std::string tmpl = im.path + kIntentInfix + "XXXXXX";
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0) fail(ErrorKind::failure, "cannot create a file beside " + im.path + ": " + std::strerror(errno));
  path_ = tmpl;
  ::fchmod(fd_, 0600);
  ::flock(fd_, LOCK_EX);
  std::string abs = std::filesystem::absolute(partial).string();
  std::string text = abs + "\n" + intent_mac(im.keys.index, abs) + "\n";
  if (sysio::write(fd_, text.data(), text.size()) != ssize_t(text.size()) || sysio::fsync(fd_) != 0) {
    int err = errno;
    ::close(fd_);
    sysio::unlink(path_.c_str());
    fail(ErrorKind::failure, "cannot write " + path_ + ": " + std::strerror(err));
  }
  vault::sync_parent_dir(path_);
}

BackupIntent::~BackupIntent() {
  sysio::unlink(path_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace dsr
