// Test-only I/O fault injection (see fault.hpp). Never part of a release build:
// without DSR_FAULT_INJECTION this file compiles to nothing.
#ifdef DSR_FAULT_INJECTION
#include "vault/fault.hpp"
#include "vault/shim_vfs.hpp"

#include <sqlite3.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

namespace dsr::fault {
namespace {

const char* const kOpNames[kOps] = {"read", "write", "sync", "truncate", "open", "rename", "unlink"};

struct Spec {
  bool active = false;
  bool any = false;  // count every kind of point, not only `op`
  Op op = Op::read;
  uint64_t nth = 0;
  int err = EIO;
  bool sticky = false;
  bool torn = false;
};

Spec parse(const std::string& s) {
  Spec spec;
  if (s.empty() || s == "count") return spec;
  std::string parts[5];
  size_t n = 0, start = 0;
  for (;;) {
    size_t colon = s.find(':', start);
    if (n == 5) throw std::invalid_argument("DSR_FAULT: too many fields in '" + s + "'");
    parts[n++] = s.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (n < 3) throw std::invalid_argument("DSR_FAULT: expected OP:N:ERR[:sticky][:torn], got '" + s + "'");
  if (parts[0] == "any") {
    spec.any = true;
  } else {
    bool known = false;
    for (int i = 0; i < kOps; ++i)
      if (parts[0] == kOpNames[i]) {
        spec.op = Op(i);
        known = true;
      }
    if (!known) throw std::invalid_argument("DSR_FAULT: unknown operation '" + parts[0] + "'");
  }
  char* end = nullptr;
  spec.nth = std::strtoull(parts[1].c_str(), &end, 10);
  if (parts[1].empty() || *end || spec.nth == 0) throw std::invalid_argument("DSR_FAULT: N must be 1 or more");
  if (parts[2] == "EIO") spec.err = EIO;
  else if (parts[2] == "ENOSPC") spec.err = ENOSPC;
  else throw std::invalid_argument("DSR_FAULT: ERR is EIO or ENOSPC, not '" + parts[2] + "'");
  for (size_t i = 3; i < n; ++i) {
    if (parts[i] == "sticky") spec.sticky = true;
    else if (parts[i] == "torn") spec.torn = true;
    else throw std::invalid_argument("DSR_FAULT: '" + parts[i] + "' is neither 'sticky' nor 'torn'");
  }
  spec.active = true;
  return spec;
}

struct State {
  std::mutex mu;
  Spec spec;
  Counts counts;
  uint64_t matched = 0;     // points of the chosen kind seen so far
  bool tear_now = false;    // the point just failed is the Nth (the one a torn fault tears)
  std::string first_fired;  // "write#17:ENOSPC(wal)"
  std::string log_path;

  State() {
    if (const char* log = std::getenv("DSR_FAULT_LOG")) log_path = log;
    const char* env = std::getenv("DSR_FAULT");
    try {
      spec = parse(env ? env : "");
    } catch (const std::invalid_argument& e) {
      // A test asked for something this layer cannot do: say so loudly.
      std::fprintf(stderr, "%s\n", e.what());
      std::abort();
    }
  }
  ~State() {
    if (log_path.empty()) return;
    if (FILE* f = std::fopen(log_path.c_str(), "a")) {
      std::fprintf(f, "%s\n", line().c_str());
      std::fclose(f);
    }
  }
  std::string line() {
    std::string s;
    for (int i = 0; i < kOps; ++i) s += std::string(kOpNames[i]) + "=" + std::to_string(counts.by_op[i]) + " ";
    s += "total=" + std::to_string(counts.total) + " fired=" + (first_fired.empty() ? "none" : first_fired);
    if (counts.fired > 1) s += "+" + std::to_string(counts.fired - 1);
    return s;
  }
};

State& state() {
  static State s;
  return s;
}

}  // namespace

int at(Op op, const char* what) noexcept {
  State& s = state();
  std::lock_guard lock(s.mu);
  ++s.counts.by_op[int(op)];
  ++s.counts.total;
  if (!s.spec.active || (!s.spec.any && s.spec.op != op)) return 0;
  uint64_t k = ++s.matched;
  s.tear_now = k == s.spec.nth;
  if (k < s.spec.nth || (k > s.spec.nth && !s.spec.sticky)) return 0;
  if (s.first_fired.empty())
    s.first_fired = std::string(kOpNames[int(op)]) + "#" + std::to_string(k) + ":" +
                    (s.spec.err == ENOSPC ? "ENOSPC" : "EIO") + "(" + what + ")";
  ++s.counts.fired;
  return s.spec.err;
}

bool torn() noexcept {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.spec.torn && s.tear_now;
}

void configure(const std::string& spec) {
  Spec parsed = parse(spec);
  State& s = state();
  std::lock_guard lock(s.mu);
  s.spec = parsed;
  s.counts = {};
  s.matched = 0;
  s.tear_now = false;
  s.first_fired.clear();
}

Counts counts() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.counts;
}

std::string report() {
  State& s = state();
  std::lock_guard lock(s.mu);
  return s.line();
}

// ---- the wrapper VFS ---------------------------------------------------------
namespace {

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;

struct File {
  sqlite3_file base;
  const char* what;
  sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
File* as(sqlite3_file* p) { return reinterpret_cast<File*>(p); }

// The faults fall on reads, writes, truncation and syncs; every other method
// passes to the real file.
struct FaultMethods : vault::ForwardFile<File> {
  static int read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off) {
    if (at(Op::read, as(p)->what)) return SQLITE_IOERR_READ;
    return below(p)->pMethods->xRead(below(p), buf, n, off);
  }
  static int write(sqlite3_file* p, const void* buf, int n, sqlite3_int64 off) {
    if (int e = at(Op::write, as(p)->what)) {
      if (torn()) below(p)->pMethods->xWrite(below(p), buf, n / 2, off);
      return e == ENOSPC ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    }
    return below(p)->pMethods->xWrite(below(p), buf, n, off);
  }
  static int truncate(sqlite3_file* p, sqlite3_int64 size) {
    if (at(Op::truncate, as(p)->what)) return SQLITE_IOERR_TRUNCATE;
    return below(p)->pMethods->xTruncate(below(p), size);
  }
  static int sync(sqlite3_file* p, int flags) {
    if (at(Op::sync, as(p)->what)) return SQLITE_IOERR_FSYNC;
    return below(p)->pMethods->xSync(below(p), flags);
  }
  static int file_control(sqlite3_file* p, int op, void* arg) {
    if (op == SQLITE_FCNTL_VFSNAME) {
      *static_cast<char**>(arg) = sqlite3_mprintf("dsr-fault/%s", g_real->zName);
      return SQLITE_OK;
    }
    return below(p)->pMethods->xFileControl(below(p), op, arg);
  }
};

constexpr sqlite3_io_methods kMethods = vault::io_methods<FaultMethods>();

const char* kind_of(int flags) {
  if (flags & SQLITE_OPEN_MAIN_DB) return "main";
  if (flags & SQLITE_OPEN_WAL) return "wal";
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return "journal";
  return "other";
}

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* p, int flags, int* out_flags) {
  File* f = as(p);
  f->base.pMethods = nullptr;
  f->what = kind_of(flags);
  if (at(Op::open, f->what)) return SQLITE_CANTOPEN;
  std::memset(f->real(), 0, size_t(g_real->szOsFile));
  int rc = g_real->xOpen(g_real, name, f->real(), flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real()->pMethods) f->real()->pMethods->xClose(f->real());
    return rc;
  }
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}
int x_delete(sqlite3_vfs*, const char* n, int sync) {
  if (at(Op::unlink, "delete")) return SQLITE_IOERR_DELETE;
  return g_real->xDelete(g_real, n, sync);
}
int x_access(sqlite3_vfs*, const char* n, int flags, int* out) { return g_real->xAccess(g_real, n, flags, out); }
int x_full_pathname(sqlite3_vfs*, const char* n, int size, char* out) {
  return g_real->xFullPathname(g_real, n, size, out);
}

}  // namespace

sqlite3_vfs* wrap_vfs(sqlite3_vfs* base) {
  static std::once_flag once;
  std::call_once(once, [base] {
    g_real = base;
    vault::register_shim_vfs(g_vfs, g_real, "dsr-fault", vault::ShimMethods{int(sizeof(File)), x_open, x_delete, x_access, x_full_pathname});
  });
  return &g_vfs;
}

}  // namespace dsr::fault

#endif  // DSR_FAULT_INJECTION
