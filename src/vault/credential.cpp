// Reading secrets from files and descriptors into guarded memory. Nothing here
// ever takes a secret from argv or an environment variable's value.
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr {
namespace {

constexpr size_t kMaxSecretFile = 4096;

Secret read_all(int fd, const std::string& what) {
  Secret buf(kMaxSecretFile + 1);
  size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = sysio::read(fd, buf.data() + len, buf.size() - len);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(ErrorKind::failure, "cannot read " + what + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    len += static_cast<size_t>(n);
  }
  if (len > kMaxSecretFile) fail(ErrorKind::usage, what + " is larger than 4096 bytes");
  buf.truncate(len);
  return buf;
}

// A file under systemd's $CREDENTIALS_DIRECTORY: systemd made it and grants
// the service access to it, whatever its owner.
bool systemd_credential(const std::string& path) {
  const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
  if (!dir || !*dir) return false;
  std::string d = dir;
  if (d.back() != '/') d += '/';
  return path.compare(0, d.size(), d) == 0;
}

// Like ssh with its keys: a secret file that others may read or write, or
// that belongs to someone else, is refused before a byte of it is read.
// Pipes and other non-regular files (--passphrase-file <(pass show dsr)) have
// no such permissions to check.
void require_private(int fd, const std::string& path, const std::string& what) {
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    fail(ErrorKind::usage, what + " " + path + " may be read or changed by other users (mode " + mode +
                               "): a secret file must be private. Run `chmod 600 " + path + "`");
  }
  if (st.st_uid != ::geteuid() && !systemd_credential(path)) {
    ::close(fd);
    fail(ErrorKind::usage, what + " " + path + " belongs to another user (uid " + std::to_string(st.st_uid) +
                               "): a secret file must belong to the user who runs dsr. Run `chown $(id -u) " + path +
                               " && chmod 600 " + path + "`");
  }
}

int open_secret_file(const std::string& path, const std::string& what) {
  int fd = sysio::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail(ErrorKind::not_found, what + " " + path + " does not exist");
    fail(ErrorKind::failure, "cannot open " + what + " " + path + ": " + std::strerror(errno));
  }
  require_private(fd, path, what);
  return fd;
}

Credential first_line_passphrase(Secret raw, const std::string& what) {
  size_t n = 0;
  while (n < raw.size() && raw.data()[n] != '\n') ++n;
  if (n > 0 && raw.data()[n - 1] == '\r') --n;
  raw.truncate(n);
  if (raw.empty()) fail(ErrorKind::usage, what + " holds an empty passphrase");
  return Credential{SlotKind::passphrase, std::move(raw)};
}

}  // namespace

Credential read_key_file(const std::string& path) {
  int fd = open_secret_file(path, "key file");
  Secret raw = read_all(fd, "key file " + path);
  ::close(fd);
  // The file holds 64 hex digits (and optionally a trailing newline).
  size_t n = raw.size();
  while (n > 0 && (raw.data()[n - 1] == '\n' || raw.data()[n - 1] == '\r' || raw.data()[n - 1] == ' ')) --n;
  Secret key(32);
  size_t bin_len = 0;
  if (n != 64 || sodium_hex2bin(key.data(), 32, reinterpret_cast<const char*>(raw.data()), n, nullptr, &bin_len,
                                nullptr) != 0 || bin_len != 32)
    fail(ErrorKind::usage, "key file " + path + " is not a dsr key file (expected 64 hex digits)");
  return Credential{SlotKind::key_file, std::move(key)};
}

Credential make_key_file(const std::string& path) {
  crypto_init();
  int fd = sysio::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) fail(ErrorKind::conflict, "key file " + path + " already exists; it was left untouched");
    fail(ErrorKind::failure, "cannot create key file " + path + ": " + std::strerror(errno));
  }
  fchmod(fd, 0600);  // whatever the umask
  Secret key = Secret::random(32);
  Secret hex(65);
  sodium_bin2hex(reinterpret_cast<char*>(hex.data()), 65, key.data(), 32);
  hex.data()[64] = '\n';
  bool ok = sysio::write(fd, hex.data(), 65) == 65 && sysio::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    fail(ErrorKind::failure, "cannot write key file " + path);
  }
  return Credential{SlotKind::key_file, std::move(key)};
}

Credential read_passphrase_file(const std::string& path) {
  int fd = open_secret_file(path, "passphrase file");
  Secret raw = read_all(fd, "passphrase file " + path);
  ::close(fd);
  return first_line_passphrase(std::move(raw), "passphrase file " + path);
}

Credential read_passphrase_fd(int fd) {
  std::string what = "file descriptor " + std::to_string(fd);
  // Read only up to the first newline so the rest of the stream stays usable.
  Secret buf(kMaxSecretFile);
  size_t len = 0;
  while (len < buf.size()) {
    ssize_t n = ::read(fd, buf.data() + len, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(ErrorKind::usage, "cannot read a passphrase from " + what + ": " + std::strerror(errno));
    }
    if (n == 0 || buf.data()[len] == '\n') break;
    ++len;
  }
  buf.truncate(len);
  return first_line_passphrase(std::move(buf), what);
}

Credential read_passphrase_command(const std::string& command) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) fail(ErrorKind::failure, std::string("cannot make a pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(out[0]);
    ::close(out[1]);
    fail(ErrorKind::failure, std::string("cannot run the passphrase command: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  Secret raw;
  try {
    raw = read_all(out[0], "the output of the passphrase command");
  } catch (...) {
    ::close(out[0]);
    ::waitpid(pid, nullptr, 0);
    throw;
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail(ErrorKind::usage, "the passphrase command (--passphrase-command) failed (" +
                               std::string(WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                                             : "killed by a signal") +
                               "); nothing was opened");
  return first_line_passphrase(std::move(raw), "the output of the passphrase command");
}

}  // namespace dsr
