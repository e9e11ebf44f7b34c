// Who holds the vault's write lock, for the exit-75 message: SQLite's locks
// are POSIX record locks (the WAL write lock is byte 120 of the -shm file, a
// rollback journal's RESERVED lock byte 0x40000001 of the vault), so
// F_GETLK names the process that holds one; /proc says what it is running and
// since when. Only the command's name goes into the message, never its
// arguments (they may hold an email address).
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "cli/guide.hpp"
#include "dsr/timefmt.hpp"
#include "util/fd.hpp"

namespace dsr::cli {
namespace {

pid_t holder_of(const std::string& file, off_t offset) {
  util::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = offset;
  fl.l_len = 1;
  if (::fcntl(fd.get(), F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) return 0;
  return fl.l_pid;
}

std::vector<std::string> cmdline(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string a;
  while (std::getline(f, a, '\0')) args.push_back(a);
  return args;
}

// The process's start, in seconds since the epoch (0 when unknown).
int64_t started(pid_t pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(st, line)) return 0;
  auto rp = line.rfind(')');
  if (rp == std::string::npos) return 0;
  std::istringstream rest(line.substr(rp + 2));
  std::string field;
  unsigned long long ticks = 0;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) ticks = std::stoull(field);
  std::ifstream ps("/proc/stat");
  long long btime = 0;
  for (std::string w; ps >> w;)
    if (w == "btime") {
      ps >> btime;
      break;
    }
  long hz = ::sysconf(_SC_CLK_TCK);
  if (!btime || hz <= 0) return 0;
  return btime + static_cast<int64_t>(ticks / static_cast<unsigned long long>(hz));
}

}  // namespace

std::string lock_holder(CLI::App& app, const std::string& db) {
  pid_t pid = holder_of(db + "-shm", 120);
  if (!pid) pid = holder_of(db, 0x40000001);
  if (!pid) return "";
  auto args = cmdline(pid);
  std::string what;
  if (!args.empty()) {
    std::string exe = args[0].substr(args[0].rfind('/') == std::string::npos ? 0 : args[0].rfind('/') + 1);
    if (exe == "dsr" || exe.rfind("dsr", 0) == 0) {
      // The command words only (dsr batch, dsr retention run), from our own tree.
      std::vector<std::string> rest(args.begin() + 1, args.end());
      what = command_path(app, rest);
    } else {
      what = exe;
    }
  }
  int64_t since = started(pid);
  return (what.empty() ? std::string("process") : "'" + what + "'") + " (pid " + std::to_string(pid) +
         (since ? ", running since " + iso_time(since) : "") + ")";
}

}  // namespace dsr::cli
