// The unlock agent: see agent.hpp for what it holds and its protocol.
#include "cli/agent.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "dsr/error.hpp"
#include "dsr/secret.hpp"
#include "util/fd.hpp"

namespace dsr::cli::agent {
namespace {

constexpr size_t kKeyBytes = 32;
constexpr int kIoTimeoutMs = 2000;  // a peer that stalls does not hold a command (or the agent) for long

uint64_t boottime_ms() {
  // CLOCK_BOOTTIME: the time a laptop spends suspended counts against --for.
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return uint64_t(ts.tv_sec) * 1000 + uint64_t(ts.tv_nsec) / 1000000;
}

void set_timeouts(int fd) {
  timeval tv{kIoTimeoutMs / 1000, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

bool send_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

bool recv_all(int fd, unsigned char* data, size_t n) {
  while (n > 0) {
    ssize_t r = ::recv(fd, data, n, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    data += r;
    n -= size_t(r);
  }
  return true;
}

// One line of at most `max` bytes, byte by byte (what follows it may be a key).
std::optional<std::string> recv_line(int fd, size_t max) {
  std::string line;
  while (line.size() <= max) {
    char c;
    ssize_t r = ::recv(fd, &c, 1, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
  return std::nullopt;
}

bool fill_address(sockaddr_un& a, const std::string& path) {
  a = {};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return false;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return true;
}

// A connected socket to `path`, or -1 (no socket, nobody listening).
int connect_to(const std::string& path) {
  sockaddr_un a;
  if (!fill_address(a, path)) return -1;
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  set_timeouts(fd);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::optional<uid_t> peer_uid(int fd) {
  ucred cr{};
  socklen_t len = sizeof cr;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0) return std::nullopt;
  return cr.uid;
}

// The socket of this vault's agent when it is there and to be trusted: the
// path, or empty (with `warning` set when something is there but not trusted).
std::string trusted_socket(const std::string& canonical, std::string& warning) {
  std::string dir = runtime_dir();
  if (dir.empty()) return {};
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return {};
  if (std::string p = trust_problem(st, ::geteuid(), true); !p.empty()) {
    warning = "ignoring the unlock agent's directory " + dir + ": " + p;
    return {};
  }
  std::string path = socket_name(dir, canonical);
  if (::lstat(path.c_str(), &st) != 0) return {};
  if (std::string p = trust_problem(st, ::geteuid(), false); !p.empty()) {
    warning = "ignoring the unlock agent socket " + path + ": " + p;
    return {};
  }
  return path;
}

volatile sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

}  // namespace

std::optional<uint64_t> parse_duration(std::string_view s) {
  if (s.empty() || s.size() > 12) return std::nullopt;
  uint64_t unit = 1;
  char last = s.back();
  if (last == 's' || last == 'm' || last == 'h') {
    unit = last == 's' ? 1 : last == 'm' ? 60 : 3600;
    s.remove_suffix(1);
  }
  if (s.empty()) return std::nullopt;
  uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + uint64_t(c - '0');
  }
  uint64_t total = n * unit;
  if (total < 1 || total > 24 * 3600) return std::nullopt;
  return total;
}

std::string canonical_vault(const std::string& path) {
  char buf[PATH_MAX];
  if (::realpath(path.c_str(), buf)) return buf;
  return path;
}

std::string runtime_dir() {
  const char* x = std::getenv("XDG_RUNTIME_DIR");
  if (!x || x[0] != '/') return {};
  return std::string(x) + "/dsr";
}

std::string socket_name(const std::string& dir, const std::string& canonical) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a: a name, not a secret
  for (unsigned char c : canonical) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return dir + "/agent-" + hex + ".sock";
}

std::string trust_problem(const struct stat& st, uid_t uid, bool directory) {
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISSOCK(st.st_mode))
    return directory ? "not a directory" : "not a socket";
  if (st.st_uid != uid) return "it belongs to uid " + std::to_string(st.st_uid) + ", not " + std::to_string(uid);
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
    return std::string("other users may use it (mode ") + mode + ", expected " + (directory ? "0700" : "0600") + ")";
  }
  return {};
}

std::string request(const std::string& path, char op, const std::string& canonical, Secret* key) {
  util::UniqueFd fd(connect_to(path));
  if (fd.get() < 0) return {};
  std::string req = std::string("DSRA1 ") + op + " " + canonical + "\n";
  if (!send_all(fd.get(), req.data(), req.size())) return {};
  auto line = recv_line(fd.get(), 4096);
  if (!line) return {};
  if (op == 'K' && key && line->rfind("OK ", 0) == 0) {
    Secret k(kKeyBytes);
    if (!recv_all(fd.get(), k.data(), k.size())) return {};
    *key = std::move(k);
  }
  return *line;
}

std::optional<Answer> fetch(const std::string& canonical, std::string& warning) {
  std::string path = trusted_socket(canonical, warning);
  if (path.empty()) return std::nullopt;
  util::UniqueFd fd(connect_to(path));
  if (fd.get() < 0) return std::nullopt;  // stale: the agent is gone
  if (auto uid = peer_uid(fd.get()); !uid || *uid != ::geteuid()) {
    warning = "ignoring the unlock agent socket " + path + ": it is served by another user";
    return std::nullopt;
  }
  std::string req = "DSRA1 K " + canonical + "\n";
  if (!send_all(fd.get(), req.data(), req.size())) return std::nullopt;
  auto line = recv_line(fd.get(), 4096);
  if (!line) return std::nullopt;
  if (line->rfind("OK ", 0) != 0) {
    warning = "the unlock agent at " + path + " did not give a key: " +
              (line->rfind("NO ", 0) == 0 ? line->substr(3) : std::string("a reply it does not understand"));
    return std::nullopt;
  }
  // "OK <kind> <pid> <seconds left> <slot>"
  unsigned kind = 0;
  long pid = 0;
  unsigned long long left = 0;
  int used = 0;
  if (std::sscanf(line->c_str() + 3, "%u %ld %llu %n", &kind, &pid, &left, &used) != 3 || used <= 0 ||
      (kind != unsigned(SlotKind::passphrase) && kind != unsigned(SlotKind::key_file))) {
    warning = "the unlock agent at " + path + " sent a reply it does not understand";
    return std::nullopt;
  }
  Secret key(kKeyBytes);
  if (!recv_all(fd.get(), key.data(), key.size())) return std::nullopt;
  Answer a{Material{Credential{SlotKind(kind), std::move(key), true}, line->substr(3 + size_t(used))}, pid_t(pid),
           left};
  return a;
}

pid_t stop(const std::string& canonical) {
  std::string warning;
  std::string path = trusted_socket(canonical, warning);
  if (path.empty()) return 0;
  std::string line = request(path, 'Q', canonical, nullptr);
  if (line.rfind("OK ", 0) != 0) return 0;
  return pid_t(std::atol(line.c_str() + 3));
}

int listen_at(const std::string& path) {
  sockaddr_un a;
  if (!fill_address(a, path))
    fail(ErrorKind::usage, "the unlock agent's socket path is too long for a Unix socket (" +
                               std::to_string(path.size()) + " bytes): " + path);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fail(ErrorKind::failure, std::string("cannot make a socket: ") + std::strerror(errno));
  ::unlink(path.c_str());
  mode_t old = ::umask(0177);  // the socket is born 0600
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int err = errno;
  ::umask(old);
  if (rc != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    if (rc == 0) err = errno;
    ::close(fd);
    fail(ErrorKind::failure, "cannot listen at " + path + ": " + std::strerror(err));
  }
  return fd;
}

void serve(int listen_fd, const std::string& canonical, const Material& m, uint64_t seconds, uid_t allowed_uid) {
  const uint64_t deadline = boottime_ms() + seconds * 1000;
  // The stop signals are blocked except while waiting in ppoll: a signal ends
  // the wait, never a reply halfway.
  sigset_t block, waiting;
  sigemptyset(&block);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&block, sig);
  sigprocmask(SIG_BLOCK, &block, &waiting);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigdelset(&waiting, sig);
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  const std::string prefix = "DSRA1 ";
  while (!g_stop) {
    uint64_t now = boottime_ms();
    if (now >= deadline) break;
    uint64_t left_ms = deadline - now;
    timespec ts{time_t(left_ms / 1000), long(left_ms % 1000) * 1000000};
    pollfd p{listen_fd, POLLIN, 0};
    int rc = ::ppoll(&p, 1, &ts, &waiting);
    if (rc <= 0) continue;  // timeout, or a signal (the loop checks both)
    util::UniqueFd c(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (c.get() < 0) continue;
    set_timeouts(c.get());
    // The request is read before any answer, a refusal included: closing
    // with it unread would reset the connection, and the peer might get an
    // error instead of the refusal (seen under load).
    auto line = recv_line(c.get(), 8192);
    auto uid = peer_uid(c.get());
    if (!uid || *uid != allowed_uid) {
      static const char no[] = "NO this agent answers only its own user\n";
      send_all(c.get(), no, sizeof no - 1);
      continue;
    }
    if (!line || line->compare(0, prefix.size(), prefix) != 0 || line->size() < prefix.size() + 2 ||
        (*line)[prefix.size() + 1] != ' ') {
      static const char no[] = "NO a request it does not understand\n";
      send_all(c.get(), no, sizeof no - 1);
      continue;
    }
    char op = (*line)[prefix.size()];
    if (line->substr(prefix.size() + 2) != canonical) {
      static const char no[] = "NO this agent holds the key of another vault\n";
      send_all(c.get(), no, sizeof no - 1);
      continue;
    }
    if (op == 'K') {
      std::string head = "OK " + std::to_string(unsigned(m.cred.kind)) + " " + std::to_string(::getpid()) + " " +
                         std::to_string((deadline - boottime_ms() + 999) / 1000) + " " + m.slot + "\n";
      if (send_all(c.get(), head.data(), head.size())) send_all(c.get(), m.cred.secret.data(), m.cred.secret.size());
    } else if (op == 'Q') {
      std::string ok = "OK " + std::to_string(::getpid()) + "\n";
      send_all(c.get(), ok.data(), ok.size());
      break;
    } else {
      static const char no[] = "NO an unknown request\n";
      send_all(c.get(), no, sizeof no - 1);
    }
  }
  sigprocmask(SIG_SETMASK, &waiting, nullptr);
}

Started start(const std::string& canonical, Material m, uint64_t seconds) {
  std::string dir = runtime_dir();
  if (dir.empty())
    fail(ErrorKind::usage, "dsr unlock needs XDG_RUNTIME_DIR (a private directory of your login session, such as "
                           "/run/user/UID) for the agent's socket; it is not set, and dsr will not pick a less safe place");
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    fail(ErrorKind::failure, "cannot make " + dir + ": " + std::strerror(errno));
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) fail(ErrorKind::failure, "cannot read " + dir + ": " + std::strerror(errno));
  if (std::string p = trust_problem(st, ::geteuid(), true); !p.empty())
    fail(ErrorKind::usage, "refusing to start the unlock agent in " + dir + ": " + p + ". Run `chmod 700 " + dir + "`");
  Started s;
  s.socket = socket_name(dir, canonical);
  // Listen at a name of our own, then rename it over the vault's: a client
  // never meets a half-made socket, and an old agent's socket is replaced.
  std::string tmp = s.socket + "." + std::to_string(::getpid());
  util::UniqueFd listener(listen_at(tmp));
  if (::rename(tmp.c_str(), s.socket.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail(ErrorKind::failure, "cannot put the agent's socket at " + s.socket + ": " + std::strerror(err));
  }
  struct stat bound {};
  ::lstat(s.socket.c_str(), &bound);
  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) fail(ErrorKind::failure, std::string("cannot make a pipe: ") + std::strerror(errno));
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) {
    ::unlink(s.socket.c_str());
    fail(ErrorKind::failure, std::string("cannot start the agent: ") + std::strerror(errno));
  }
  if (child == 0) {
    ::close(ready[0]);
    ::setsid();
    pid_t agent = ::fork();
    if (agent != 0) ::_exit(agent < 0 ? 1 : 0);
    // The agent. Memory locks are not inherited by fork: the key is copied
    // into a fresh Secret (sodium_malloc: mlocked, MADV_DONTDUMP, guard
    // pages) and the inherited copy wiped. No core dumps, not ptrace-able by
    // others (harden_process in main, inherited; set again here).
    harden_process();
    Material held{Credential{m.cred.kind, m.cred.secret.clone(), true}, m.slot};
    m.cred.secret = Secret();
    ::umask(077);
    if (::chdir("/") != 0) ::_exit(1);
    int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
      if (null > 2) ::close(null);
    }
    for (int fd = 3; fd < 1024; ++fd)
      if (fd != listener.get() && fd != ready[1]) ::close(fd);
    std::string pid = std::to_string(::getpid()) + "\n";
    (void)!::write(ready[1], pid.data(), pid.size());
    ::close(ready[1]);
    serve(listener.get(), canonical, held, seconds, ::geteuid());
    // Remove the socket only if it is still ours (a newer agent may have
    // renamed its own over it).
    struct stat now {};
    if (::lstat(s.socket.c_str(), &now) == 0 && now.st_ino == bound.st_ino && now.st_dev == bound.st_dev)
      ::unlink(s.socket.c_str());
    held.cred.secret = Secret();  // wiped (sodium_free) before the process ends
    ::_exit(0);
  }
  ::close(ready[1]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  char buf[32] = {};
  ssize_t n;
  size_t got = 0;
  while (got < sizeof buf - 1 && (n = ::read(ready[0], buf + got, sizeof buf - 1 - got)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    got += size_t(n);
  }
  ::close(ready[0]);
  s.pid = pid_t(std::atol(buf));
  if (s.pid <= 0) {
    ::unlink(s.socket.c_str());
    fail(ErrorKind::failure, "the unlock agent did not start");
  }
  return s;
}

}  // namespace dsr::cli::agent
