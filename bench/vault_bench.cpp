// vault_bench: the same workload through the encrypted vault and through plain
// SQLite, in one run, with the ratios. Not a test: it prints the figures for
// bench/RESULTS.md.
//
//   vault_bench [--dir DIR] [--rows N] [--reads N] [--repeat N] [--cache-kib N]...
//
// Workload: N (100,000) inserts of ~200-byte rows in one transaction, R
// (10,000) random indexed point reads on the same connection, one full scan,
// close (checkpoint), then R random point reads on a fresh connection (a cold
// page cache); the unlock time of a key-file slot and of a MODERATE passphrase
// slot; open + one point read with an empty WAL vs with the WAL a writer left
// when it died after updating every row (the open-time WAL check); the file sizes.
//
// Each side runs in its own forked process so that neither inherits the
// other's SQLite state: "plain" never touches the vault code (SQLite's default
// allocator and VFS); "plain+wipe" is plain SQLite with the vault's wiping
// allocator installed (it separates the allocator's cost from the crypto's);
// "vault" goes through Vault::create/open and the "dsr" VFS. All use the same
// schema, page size and pragmas (journal_mode=WAL, synchronous=FULL,
// secure_delete=ON, temp_store=MEMORY, mmap_size=0, cell_size_check=ON, and
// the same cache_size): plain and plain+wipe differ only in the allocator,
// plain+wipe and vault only in the VFS's encryption. Each configuration
// (--cache-kib, repeatable; default: SQLite's default and the vault's own) is
// run --repeat times, the sides interleaved, and the medians are printed:
// wall-clock time, and the process's CPU time (steadier on a busy machine).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/vfs.hpp"

#include "bench_util.hpp"

namespace {

using namespace bench;

struct Config {
  std::string dir = "bench/out";
  int rows = 100000;
  int reads = 10000;
  int repeat = 3;
  std::vector<int> cache_kib;  // empty: SQLite's default and the vault's own
};

// Wall-clock and CPU time of one phase, in milliseconds.
struct Span {
  double wall = 0, cpu = 0;
};
class Timer {
 public:
  Timer() : wall_(std::chrono::steady_clock::now()), cpu_(cpu_now()) {}
  Span stop() const {
    return {std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - wall_).count(),
            cpu_now() - cpu_};
  }

 private:
  static double cpu_now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// What one side measures; sent from the child to the parent through a pipe.
struct Figures {
  Span insert;      // all rows in one transaction; the commit (and its auto-checkpoint) included
  Span reads;       // random indexed point reads, same connection (a warm page cache)
  Span scan;        // one full table scan
  Span close;       // close: wal_checkpoint(TRUNCATE) and the WAL removed
  Span cold_reads;  // random indexed point reads on a fresh connection (a cold page cache)
  double file_bytes = 0;
  double pages = 0;
  double unlock_key_ms = 0;   // Vault::open with a key-file slot (vault only)
  double unwrap_key_ms = 0;   // the header read and slot scan alone (vault only)
  double unlock_pass_ms = 0;  // Vault::open with a MODERATE passphrase slot (vault only)
  double open_empty_wal_ms = 0;  // Vault::open + one point read, empty WAL (vault only)
  double open_full_wal_ms = 0;   // the same with a WAL of wal_frames frames left by a writer that died
  double wal_frames = 0;
  double checksum = 0;        // proves that the sides read the same data
};

constexpr const char* kSchema =
    "CREATE TABLE rec(id INTEGER PRIMARY KEY, k TEXT NOT NULL, payload TEXT NOT NULL);"
    "CREATE INDEX rec_k ON rec(k);";
constexpr const char* kPragmas =
    "PRAGMA mmap_size=0; PRAGMA temp_store=MEMORY; PRAGMA secure_delete=ON;"
    "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cell_size_check=ON";

std::string key_of(uint64_t i) {
  char b[24];
  std::snprintf(b, sizeof b, "k%015llx", static_cast<unsigned long long>(i * 0x9E3779B97F4A7C15ull >> 4));
  return b;
}

// ~200-byte rows: an id, a 16-byte key and a 180-character payload.
std::string payload_of(uint64_t i) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-@";
  std::mt19937_64 g(i);
  std::string s(180, ' ');
  for (auto& c : s) c = alphabet[g() % (sizeof alphabet - 1)];
  return s;
}

std::vector<std::string> random_keys(const Config& cfg, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> pick(1, cfg.rows);
  std::vector<std::string> keys;
  keys.reserve(size_t(cfg.reads));
  for (int i = 0; i < cfg.reads; ++i) keys.push_back(key_of(uint64_t(pick(g))));
  return keys;
}

double point_reads(SQLite::Database& db, const std::vector<std::string>& keys) {
  double sum = 0;
  SQLite::Statement q(db, "SELECT id, payload FROM rec WHERE k = ?");
  for (const auto& k : keys) {
    q.bind(1, k);
    if (!q.executeStep()) throw std::runtime_error("a point read found nothing");
    sum += double(q.getColumn(0).getInt64()) + double(q.getColumn(1).getBytes());
    q.reset();
  }
  return sum;
}

void set_cache(SQLite::Database& db, int cache_kib) {
  if (cache_kib > 0) db.exec("PRAGMA cache_size=-" + std::to_string(cache_kib));
}

void workload(SQLite::Database& db, const Config& cfg, Figures& f) {
  db.exec(kSchema);
  // The rows are made before the clock starts: only SQLite (and the vault) is timed.
  std::vector<std::pair<std::string, std::string>> rows;
  rows.reserve(size_t(cfg.rows));
  for (int i = 1; i <= cfg.rows; ++i) rows.emplace_back(key_of(uint64_t(i)), payload_of(uint64_t(i)));
  std::vector<std::string> keys = random_keys(cfg, 42);

  Timer t;
  {
    SQLite::Transaction tx(db);
    SQLite::Statement ins(db, "INSERT INTO rec(id, k, payload) VALUES (?, ?, ?)");
    for (int i = 1; i <= cfg.rows; ++i) {
      const auto& [k, payload] = rows[size_t(i - 1)];
      ins.bind(1, i);
      ins.bindNoCopy(2, k);
      ins.bindNoCopy(3, payload);
      ins.exec();
      ins.reset();
    }
    tx.commit();
  }
  f.insert = t.stop();

  t = Timer();
  f.checksum += point_reads(db, keys);
  f.reads = t.stop();

  t = Timer();
  {
    SQLite::Statement q(db, "SELECT sum(length(payload)), count(*) FROM rec NOT INDEXED");
    q.executeStep();
    f.checksum += q.getColumn(0).getDouble() + q.getColumn(1).getDouble();
  }
  f.scan = t.stop();
  f.pages = db.execAndGet("PRAGMA page_count").getDouble();
}

Figures run_plain(const Config& cfg, const std::string& path, int cache_kib, bool wiping_allocator) {
  if (wiping_allocator) dsr::vault::register_vfs();  // installs the allocator; the default VFS stays plain
  Figures f;
  remove_db(path);
  auto open = [&] {
    auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec(kPragmas);
    set_cache(*db, cache_kib);
    return db;
  };
  auto db = open();
  db->exec("PRAGMA page_size=4096; PRAGMA journal_mode=WAL");
  workload(*db, cfg, f);
  Timer t;
  db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.reset();
  f.close = t.stop();
  f.file_bytes = file_bytes(path);

  std::vector<std::string> keys = random_keys(cfg, 7);
  t = Timer();
  db = open();
  f.checksum += point_reads(*db, keys);
  db.reset();
  f.cold_reads = t.stop();
  return f;
}

Figures run_vault(const Config& cfg, const std::string& path, int cache_kib) {
  Figures f;
  remove_db(path);
  std::filesystem::remove(path + ".key");
  dsr::Credential cred = dsr::make_key_file(path + ".key");
  {
    dsr::Vault v = dsr::Vault::create(path, "bench", cred);
    set_cache(v.db(), cache_kib);
    workload(v.db(), cfg, f);
    Timer t;
    v.close();
    f.close = t.stop();
  }
  f.file_bytes = file_bytes(path);

  std::vector<std::string> keys = random_keys(cfg, 7);
  {
    Timer t;
    dsr::Vault v = dsr::Vault::open(path, cred);
    set_cache(v.db(), cache_kib);
    f.checksum += point_reads(v.db(), keys);
    v.close();
    f.cold_reads = t.stop();
  }

  // Unlocking with the key file: reading the file, the header, the slot
  // unwrap, the header MAC, the subkeys, the SQLite connection and its pragmas.
  std::vector<double> opens, unwraps;
  for (int i = 0; i < 21; ++i) {
    Timer t;
    dsr::Credential c = dsr::read_key_file(path + ".key");
    dsr::Vault v = dsr::Vault::open(path, c);
    opens.push_back(t.stop().wall);
    v.close();
  }
  // The header read and slot scan alone: an open that names no slot stops there.
  for (int i = 0; i < 21; ++i) {
    dsr::OpenOptions o;
    o.slot = "no-such-slot";
    Timer t;
    try {
      dsr::Vault::open(path, cred, o);
    } catch (const dsr::Error&) {
    }
    unwraps.push_back(t.stop().wall);
  }
  std::sort(opens.begin(), opens.end());
  std::sort(unwraps.begin(), unwraps.end());
  f.unlock_key_ms = opens[opens.size() / 2];
  f.unwrap_key_ms = unwraps[unwraps.size() / 2];

  // The open-time WAL check: a writer (a forked process) updates every row in
  // one transaction with auto-checkpoints off and dies without closing, so
  // its WAL stays; the next open's first read recovers the WAL, and the
  // vault's VFS authenticates every frame of it first (scan_wal). Timed: key
  // file read + Vault::open + one point read, with that WAL vs with an empty
  // one (after a clean close), alternated, medians of 7.
  {
    std::vector<double> empty_ms, full_ms;
    const std::string probe = key_of(1);
    auto open_and_read = [&](int expect_gen) {
      Timer t;
      dsr::Credential c = dsr::read_key_file(path + ".key");
      dsr::Vault v = dsr::Vault::open(path, c);
      {
        SQLite::Statement q(v.db(), "SELECT substr(payload, 1, 8) FROM rec WHERE k = ?");
        q.bind(1, probe);
        if (!q.executeStep()) throw std::runtime_error("WAL open: the point read found nothing");
        if (expect_gen >= 0 && q.getColumn(0).getString() != std::to_string(10000000 + expect_gen))
          throw std::runtime_error("WAL open: the dead writer's commit was not replayed");
      }
      double ms = t.stop().wall;
      v.close();
      return ms;
    };
    auto leave_wal = [&](int gen) {
      std::fflush(nullptr);
      pid_t pid = fork();
      if (pid < 0) throw std::runtime_error("fork");
      if (pid == 0) {
        int rc = 0;
        try {
          dsr::Vault v = dsr::Vault::open(path, cred);
          v.db().exec("PRAGMA wal_autocheckpoint=0");
          v.db().exec("UPDATE rec SET payload = '" + std::to_string(10000000 + gen) + "' || substr(payload, 9)");
          _exit(0);  // dies with the Vault open: no close, no checkpoint, the WAL stays
        } catch (const std::exception& e) {
          std::fprintf(stderr, "vault_bench: WAL writer: %s\n", e.what());
          rc = 1;
        }
        _exit(rc);
      }
      int status = 0;
      waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw std::runtime_error("the WAL writer failed");
    };
    for (int i = 0; i < 7; ++i) {
      empty_ms.push_back(open_and_read(-1));
      leave_wal(i);
      f.wal_frames = double(file_bytes(path + "-wal") - 32) / (4096 + 24);
      full_ms.push_back(open_and_read(i));
    }
    std::sort(empty_ms.begin(), empty_ms.end());
    std::sort(full_ms.begin(), full_ms.end());
    f.open_empty_wal_ms = empty_ms[empty_ms.size() / 2];
    f.open_full_wal_ms = full_ms[full_ms.size() / 2];
  }

  // A passphrase slot at the default cost (MODERATE), on a second, small vault.
  std::string ppath = path + ".pass";
  remove_db(ppath);
  const char pw[] = "correct horse battery staple";
  dsr::Credential pass{dsr::SlotKind::passphrase,
                       dsr::Secret::copy_of(reinterpret_cast<const unsigned char*>(pw), sizeof pw - 1)};
  dsr::Vault::create(ppath, "bench", pass, dsr::KdfStrength::moderate).close();
  std::vector<double> popens;
  for (int i = 0; i < 3; ++i) {
    Timer t;
    dsr::Vault v = dsr::Vault::open(ppath, pass);
    popens.push_back(t.stop().wall);
    v.close();
  }
  std::sort(popens.begin(), popens.end());
  f.unlock_pass_ms = popens[1];
  remove_db(ppath);
  remove_db(path);
  std::filesystem::remove(path + ".key");
  return f;
}

// Runs fn in a forked child and returns what it measured.
template <class Fn>
Figures in_child(Fn fn) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe");
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::close(fds[0]);
    int rc = 0;
    try {
      Figures f = fn();
      if (::write(fds[1], &f, sizeof f) != ssize_t(sizeof f)) rc = 1;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "vault_bench: %s\n", dsr::classify(e).what());
      rc = 1;
    }
    ::close(fds[1]);
    _exit(rc);
  }
  ::close(fds[1]);
  Figures f;
  ssize_t got = ::read(fds[0], &f, sizeof f);
  ::close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got != ssize_t(sizeof f) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("a benchmark child failed");
  return f;
}

Figures median_of(const std::vector<Figures>& runs) {
  Figures m;
  auto med = [&](auto get) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(get(r));
    return median(v);
  };
  for (Span Figures::*s : {&Figures::insert, &Figures::reads, &Figures::scan, &Figures::close, &Figures::cold_reads}) {
    (m.*s).wall = med([&](const Figures& r) { return (r.*s).wall; });
    (m.*s).cpu = med([&](const Figures& r) { return (r.*s).cpu; });
  }
  for (double Figures::*d : {&Figures::file_bytes, &Figures::pages, &Figures::unlock_key_ms, &Figures::unwrap_key_ms,
                             &Figures::unlock_pass_ms, &Figures::checksum, &Figures::open_empty_wal_ms,
                             &Figures::open_full_wal_ms, &Figures::wal_frames})
    m.*d = med([&](const Figures& r) { return r.*d; });
  return m;
}

const char* verdict(bool ok) { return ok ? "met" : "MISSED"; }

// The vault's own page-cache setting, from a scratch vault.
int vault_default_cache_kib(const std::string& dir) {
  std::string path = dir + "/probe.dsr";
  remove_db(path);
  dsr::Credential c{dsr::SlotKind::key_file, dsr::Secret::random(32)};
  int kib;
  {
    dsr::Vault v = dsr::Vault::create(path, "probe", c, dsr::KdfStrength::interactive);
    int n = v.db().execAndGet("PRAGMA cache_size").getInt();
    kib = n < 0 ? -n : n * 4;
  }
  remove_db(path);
  return kib;
}

void run_config(const Config& cfg, int cache_kib, const std::string& label) {
  std::string plain_path = cfg.dir + "/plain.db";
  std::string wipe_path = cfg.dir + "/plainwipe.db";
  std::string vault_path = cfg.dir + "/vault.dsr";
  std::vector<Figures> plain, wipe, vault;
  for (int r = 0; r < cfg.repeat; ++r) {  // interleaved so that drift hits every side alike
    plain.push_back(in_child([&] { return run_plain(cfg, plain_path, cache_kib, false); }));
    wipe.push_back(in_child([&] { return run_plain(cfg, wipe_path, cache_kib, true); }));
    vault.push_back(in_child([&] { return run_vault(cfg, vault_path, cache_kib); }));
  }
  for (const auto& path : {plain_path, wipe_path}) remove_db(path);
  Figures p = median_of(plain), w = median_of(wipe), v = median_of(vault);
  if (p.checksum != v.checksum || p.checksum != w.checksum)
    throw std::runtime_error("the sides read different data");

  std::printf("\n== page cache %d KiB on every side (%s) ==\n", cache_kib, label.c_str());
  std::printf("%-26s %21s %21s %21s %15s\n", "", "plain", "plain+wipe", "vault", "vault/plain");
  std::printf("%-26s %10s %10s %10s %10s %10s %10s %7s %7s\n", "ms", "wall", "cpu", "wall", "cpu", "wall", "cpu",
              "wall", "cpu");
  auto row = [](const char* what, const Span& a, const Span& b, const Span& c) {
    std::printf("%-26s %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f %6.2fx %6.2fx\n", what, a.wall, a.cpu, b.wall, b.cpu,
                c.wall, c.cpu, c.wall / a.wall, c.cpu / a.cpu);
  };
  row("insert, one transaction", p.insert, w.insert, v.insert);
  row("point reads, warm cache", p.reads, w.reads, v.reads);
  row("full scan", p.scan, w.scan, v.scan);
  row("close (checkpoint)", p.close, w.close, v.close);
  row("point reads, cold cache", p.cold_reads, w.cold_reads, v.cold_reads);
  std::printf("%-26s %10.0f %21.0f %21.0f\n", "inserts per second (wall)", cfg.rows / p.insert.wall * 1000,
              cfg.rows / w.insert.wall * 1000, cfg.rows / v.insert.wall * 1000);
  std::printf("%-26s %10.2f %21.2f %21.2f\n", "us per warm point read", p.reads.wall * 1000 / cfg.reads,
              w.reads.wall * 1000 / cfg.reads, v.reads.wall * 1000 / cfg.reads);
  std::printf("%-26s %10.0f %21.0f %21.0f\n", "pages", p.pages, w.pages, v.pages);
  std::printf("%-26s %10.0f %21.0f %21.0f\n", "file bytes", p.file_bytes, w.file_bytes, v.file_bytes);
  double overhead = (v.file_bytes - p.file_bytes) / p.file_bytes * 100;
  std::printf("file-size overhead: %+.2f%% (%+.0f bytes)\n", overhead, v.file_bytes - p.file_bytes);
  std::printf("unlock, key-file slot: %.2f ms for Vault::open (header read and slot scan alone: %.3f ms)\n",
              v.unlock_key_ms, v.unwrap_key_ms);
  std::printf("unlock, passphrase slot (MODERATE): %.0f ms for Vault::open\n", v.unlock_pass_ms);
  std::printf("open + one point read: empty WAL %.2f ms; WAL of %.0f frames left by a dead writer %.2f ms (%.2fx, "
              "+%.2f ms)\n",
              v.open_empty_wal_ms, v.wal_frames, v.open_full_wal_ms, v.open_full_wal_ms / v.open_empty_wal_ms,
              v.open_full_wal_ms - v.open_empty_wal_ms);
  double ri = v.insert.wall / p.insert.wall, rr = v.reads.wall / p.reads.wall;
  double ric = v.insert.cpu / p.insert.cpu, rrc = v.reads.cpu / p.reads.cpu;
  std::printf("targets: inserts <= 1.3x: %.2fx wall, %.2fx cpu, %s; point reads <= 1.3x: %.2fx wall, %.2fx cpu, %s; "
              "size <= 2%%: %.2f%% %s; key-file unlock < 5 ms: %.2f ms %s\n",
              ri, ric, verdict(ri <= 1.3), rr, rrc, verdict(rr <= 1.3), overhead, verdict(overhead <= 2.0),
              v.unlock_key_ms, verdict(v.unlock_key_ms < 5.0));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  Args args("vault_bench", argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--dir") cfg.dir = args.value();
    else if (a == "--rows") cfg.rows = std::max(1, std::stoi(args.value()));
    else if (a == "--reads") cfg.reads = std::max(1, std::stoi(args.value()));
    else if (a == "--repeat") cfg.repeat = std::max(1, std::stoi(args.value()));
    else if (a == "--cache-kib") cfg.cache_kib.push_back(std::max(1, std::stoi(args.value())));
    else {
      std::fprintf(stderr, "usage: vault_bench [--dir DIR] [--rows N] [--reads N] [--repeat N] [--cache-kib N]...\n");
      return 2;
    }
  }
  try {
    std::filesystem::create_directories(cfg.dir);
    char date[32];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0) load[0] = -1;
    std::printf("vault_bench %s: %d rows (~200 bytes), %d point reads, median of %d runs; nproc %ld; "
                "load average %.2f; SQLite %s; libsodium %s\n",
                date, cfg.rows, cfg.reads, cfg.repeat, sysconf(_SC_NPROCESSORS_ONLN), load[0], sqlite3_libversion(),
                sodium_version_string());
    std::vector<std::pair<int, std::string>> configs;
    for (int kib : cfg.cache_kib) configs.emplace_back(kib, "--cache-kib");
    if (configs.empty()) {
      int vault_kib = int(in_child([&] {
                            Figures f;
                            f.pages = vault_default_cache_kib(cfg.dir);
                            return f;
                          }).pages);
      configs.emplace_back(2000, "SQLite's default, cache_size=-2000");
      if (vault_kib != 2000) configs.emplace_back(vault_kib, "the vault's own cache_size, given to plain SQLite too");
    }
    for (const auto& [kib, label] : configs) run_config(cfg, kib, label);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vault_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
