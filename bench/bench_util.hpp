// What the benchmarks share: timing, child processes timed with their CPU
// time, percentiles, and the files a vault or a plain database leaves.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsr/vault.hpp"

extern char** environ;

namespace bench {

using Clock = std::chrono::steady_clock;
inline double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Runs argv with stdin from `in`, stdout to `out`, stderr to `err` ("": /dev/null); returns the wall time in ms.
// *cpu_ms (if given): the child's user + system CPU time, which queueing on a busy machine does not inflate.
// timeout_ms > 0: the child is killed after that long (*rc is then 128 + SIGKILL).
inline double run_process(const std::vector<std::string>& argv, int* rc, const std::string& out = "",
                          const std::string& err = "", const std::string& in = "", double* cpu_ms = nullptr,
                          double timeout_ms = 0) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.empty() ? "/dev/null" : in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.empty() ? "/dev/null" : out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.empty() ? "/dev/null" : err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  auto t0 = Clock::now();
  int e = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (e != 0) throw std::runtime_error("cannot start " + argv[0]);
  int status = 0;
  struct rusage ru{};
  if (timeout_ms > 0) {
    while (wait4(pid, &status, WNOHANG, &ru) == 0) {
      if (ms_since(t0) > timeout_ms) {
        kill(pid, SIGKILL);
        wait4(pid, &status, 0, &ru);
        break;
      }
      usleep(2000);
    }
  } else {
    wait4(pid, &status, 0, &ru);
  }
  double ms = ms_since(t0);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (cpu_ms)
    *cpu_ms = (double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3) +
              double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  return ms;
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// The p-quantile (0..1), nearest rank.
inline double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * double(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A database and whatever SQLite (or a rekey) leaves beside it.
inline void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm", "-journal", "-rekey"}) std::filesystem::remove(p + s);
}

inline double file_bytes(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 ? double(st.st_size) : 0;
}
inline double file_mb(const std::string& p) { return file_bytes(p) / 1e6; }

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A plain SQLite copy of a vault: every page as the vault's connection reads it (decrypted).
inline void plain_copy(const std::string& vault, const std::string& key_file, const std::string& plain) {
  dsr::Vault v = dsr::Vault::open(vault, dsr::read_key_file(key_file));
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(plain.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3_close(dst);
    throw std::runtime_error("cannot create " + plain);
  }
  sqlite3_backup* bk = sqlite3_backup_init(dst, "main", v.db().getHandle(), "main");
  if (!bk) {
    std::string why = sqlite3_errmsg(dst);
    sqlite3_close(dst);
    throw std::runtime_error("backup: " + why);
  }
  int rc = sqlite3_backup_step(bk, -1);
  sqlite3_backup_finish(bk);
  if (rc == SQLITE_DONE) sqlite3_exec(dst, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  sqlite3_close(dst);
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("backup: ") + sqlite3_errstr(rc));
}

// A benchmark's command line: `--name VALUE` options and flags.
//   Args args("vault_bench", argc, argv);
//   for (std::string a; args.next(a);) if (a == "--rows") rows = std::stoi(args.value()); ...
class Args {
 public:
  Args(const char* prog, int argc, char** argv) : prog_(prog), argc_(argc), argv_(argv) {}
  // The next option; false after the last.
  bool next(std::string& option) {
    if (++i_ >= argc_) return false;
    option = argv_[i_];
    return true;
  }
  // The value of the option just read; exits 2, naming it, when there is none.
  std::string value() {
    if (i_ + 1 >= argc_) {
      std::fprintf(stderr, "%s: %s needs a value\n", prog_, argv_[i_]);
      std::exit(2);
    }
    return argv_[++i_];
  }

 private:
  const char* prog_;
  int argc_;
  char** argv_;
  int i_ = 0;
};

}  // namespace bench
