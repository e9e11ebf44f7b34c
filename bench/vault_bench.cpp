// vault_bench: the same workload through the encrypted vault and through plain
// SQLite, in one run, with the ratios. Not a test: it prints figures for
// bench/RESULTS.md.
//
//   vault_bench [--dir DIR] [--rows N] [--reads N] [--repeat N]
//
// Each side runs in its own forked process so that neither inherits the
// other's SQLite state: "plain" never touches the vault code (SQLite's default
// allocator, default VFS); "plain+wipe" is plain SQLite with the vault's
// wiping allocator installed (to separate the allocator's cost from the
// crypto's); "vault" goes through Vault::create and the "dsr" VFS. All three
// use the same schema, page size and pragmas (WAL, synchronous=FULL,
// secure_delete=ON, temp_store=MEMORY, mmap off, cell_size_check=ON).
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "dsr/error.hpp"
#include "dsr/vault.hpp"
#include "vault/vfs.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct Config {
  std::string dir = "bench/out";
  int rows = 100000;
  int reads = 10000;
  int repeat = 3;
};

// What one side measures; sent from the child to the parent through a pipe.
struct Figures {
  double insert_ms = 0;   // all rows in one transaction, commit (and its auto-checkpoint) included
  double read_ms = 0;     // the random indexed point reads
  double scan_ms = 0;     // one full table scan
  double close_ms = 0;    // close: checkpoint(TRUNCATE) included
  double file_bytes = 0;  // main file after close
  double pages = 0;       // SQLite's page_count before close
  double unlock_key_ms = 0;         // Vault::open with a key-file slot (vault only)
  double unlock_key_slot_ms = 0;    // the slot unwrap alone: header read + key derivation (vault only)
  double unlock_pass_ms = 0;        // Vault::open with a MODERATE passphrase slot (vault only)
  double checksum = 0;    // proves the sides read the same data
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

// ~200-byte rows: a 16-byte key, an id and a 180-character payload.
std::string payload_of(uint64_t i) {
  static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-@";
  std::mt19937_64 g(i);
  std::string s(180, ' ');
  for (auto& c : s) c = alphabet[g() % (sizeof alphabet - 1)];
  return s;
}

void workload(SQLite::Database& db, const Config& cfg, Figures& f) {
  db.exec(kSchema);
  auto t0 = Clock::now();
  {
    SQLite::Transaction tx(db);
    SQLite::Statement ins(db, "INSERT INTO rec(id, k, payload) VALUES (?, ?, ?)");
    for (int i = 1; i <= cfg.rows; ++i) {
      ins.bind(1, i);
      ins.bind(2, key_of(uint64_t(i)));
      ins.bind(3, payload_of(uint64_t(i)));
      ins.exec();
      ins.reset();
    }
    tx.commit();
  }
  f.insert_ms = ms_since(t0);

  std::mt19937 g(42);
  std::uniform_int_distribution<int> pick(1, cfg.rows);
  std::vector<std::string> keys;
  keys.reserve(size_t(cfg.reads));
  for (int i = 0; i < cfg.reads; ++i) keys.push_back(key_of(uint64_t(pick(g))));
  double sum = 0;
  t0 = Clock::now();
  {
    SQLite::Statement q(db, "SELECT id, payload FROM rec WHERE k = ?");
    for (const auto& k : keys) {
      q.bind(1, k);
      if (!q.executeStep()) throw std::runtime_error("point read found nothing");
      sum += q.getColumn(0).getInt64();
      q.reset();
    }
  }
  f.read_ms = ms_since(t0);

  t0 = Clock::now();
  {
    SQLite::Statement q(db, "SELECT sum(length(payload)), count(*) FROM rec NOT INDEXED");
    q.executeStep();
    sum += q.getColumn(0).getDouble() + q.getColumn(1).getDouble();
  }
  f.scan_ms = ms_since(t0);
  f.checksum = sum;
  f.pages = db.execAndGet("PRAGMA page_count").getDouble();
}

double file_size(const std::string& p) {
  struct stat st{};
  return ::stat(p.c_str(), &st) == 0 ? double(st.st_size) : 0;
}

void remove_db(const std::string& p) {
  for (const char* s : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(p + s);
}

Figures run_plain(const Config& cfg, const std::string& path, bool wiping_allocator) {
  if (wiping_allocator) dsr::vault::register_vfs();  // installs the allocator; the default VFS stays plain
  Figures f;
  remove_db(path);
  auto db = std::make_unique<SQLite::Database>(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db->exec("PRAGMA page_size=4096");
  db->exec(kPragmas);
  db->exec("PRAGMA journal_mode=WAL");
  workload(*db, cfg, f);
  auto t0 = Clock::now();
  db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.reset();
  f.close_ms = ms_since(t0);
  f.file_bytes = file_size(path);
  return f;
}

dsr::Credential key_cred(const std::string& path) {
  std::filesystem::remove(path);
  return dsr::make_key_file(path);
}

Figures run_vault(const Config& cfg, const std::string& path) {
  Figures f;
  remove_db(path);
  dsr::Credential cred = key_cred(path + ".key");
  {
    dsr::Vault v = dsr::Vault::create(path, "bench", cred);
    workload(v.db(), cfg, f);
    auto t0 = Clock::now();
    v.close();
    f.close_ms = ms_since(t0);
  }
  f.file_bytes = file_size(path);

  // Unlock with the key file: median of 21 opens (header read, slot unwrap,
  // header MAC, subkeys, SQLite connection and pragmas).
  std::vector<double> opens, slots;
  for (int i = 0; i < 21; ++i) {
    auto t0 = Clock::now();
    dsr::Credential c = dsr::read_key_file(path + ".key");
    dsr::Vault v = dsr::Vault::open(path, c);
    opens.push_back(ms_since(t0));
    v.close();
  }
  std::sort(opens.begin(), opens.end());
  f.unlock_key_ms = opens[opens.size() / 2];
  // The slot unwrap alone, via check_vault's header path is not public: time
  // an open with a bad slot name instead (header read + slot scan + not_found).
  for (int i = 0; i < 21; ++i) {
    dsr::OpenOptions o;
    o.slot = "no-such-slot";
    auto t0 = Clock::now();
    try {
      dsr::Vault::open(path, cred, o);
    } catch (const dsr::Error&) {
    }
    slots.push_back(ms_since(t0));
  }
  std::sort(slots.begin(), slots.end());
  f.unlock_key_slot_ms = slots[slots.size() / 2];

  // A passphrase slot at the default (MODERATE) cost: a second, small vault.
  std::string ppath = path + ".pass";
  remove_db(ppath);
  dsr::Credential pass{dsr::SlotKind::passphrase, dsr::Secret::copy_of(reinterpret_cast<const unsigned char*>("correct horse battery staple"), 28)};
  dsr::Vault::create(ppath, "bench", pass, dsr::KdfStrength::moderate).close();
  std::vector<double> popens;
  for (int i = 0; i < 3; ++i) {
    auto t0 = Clock::now();
    dsr::Vault v = dsr::Vault::open(ppath, pass);
    popens.push_back(ms_since(t0));
    v.close();
  }
  std::sort(popens.begin(), popens.end());
  f.unlock_pass_ms = popens[1];
  remove_db(ppath);
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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median of each figure over the repeats.
Figures median_of(const std::vector<Figures>& runs) {
  Figures m;
  auto med = [&](double Figures::*field) {
    std::vector<double> v;
    for (const auto& r : runs) v.push_back(r.*field);
    return median(v);
  };
  for (double Figures::*field :
       {&Figures::insert_ms, &Figures::read_ms, &Figures::scan_ms, &Figures::close_ms, &Figures::file_bytes,
        &Figures::pages, &Figures::unlock_key_ms, &Figures::unlock_key_slot_ms, &Figures::unlock_pass_ms,
        &Figures::checksum})
    m.*field = med(field);
  return m;
}

const char* verdict(bool ok) { return ok ? "ok" : "MISSED"; }

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "vault_bench: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--dir") cfg.dir = next();
    else if (a == "--rows") cfg.rows = std::stoi(next());
    else if (a == "--reads") cfg.reads = std::stoi(next());
    else if (a == "--repeat") cfg.repeat = std::max(1, std::stoi(next()));
    else {
      std::fprintf(stderr, "usage: vault_bench [--dir DIR] [--rows N] [--reads N] [--repeat N]\n");
      return 2;
    }
  }
  std::filesystem::create_directories(cfg.dir);
  std::string plain_path = cfg.dir + "/plain.db";
  std::string wipe_path = cfg.dir + "/plainwipe.db";
  std::string vault_path = cfg.dir + "/vault.dsr";

  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
  std::printf("vault_bench %s: %d rows (~200 bytes), %d point reads, median of %d runs; %ld cores; %s\n", date,
              cfg.rows, cfg.reads, cfg.repeat, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion());

  std::vector<Figures> plain, wipe, vault;
  for (int r = 0; r < cfg.repeat; ++r) {  // interleaved so that drift hits every side alike
    plain.push_back(in_child([&] { return run_plain(cfg, plain_path, false); }));
    wipe.push_back(in_child([&] { return run_plain(cfg, wipe_path, true); }));
    vault.push_back(in_child([&] { return run_vault(cfg, vault_path); }));
  }
  Figures p = median_of(plain), w = median_of(wipe), v = median_of(vault);
  if (p.checksum != v.checksum || p.checksum != w.checksum) {
    std::fprintf(stderr, "vault_bench: the sides read different data\n");
    return 1;
  }

  auto row = [](const char* what, double pv, double wv, double vv) {
    std::printf("%-28s %12.1f %12.1f %12.1f %8.2fx\n", what, pv, wv, vv, vv / pv);
  };
  std::printf("\n%-28s %12s %12s %12s %9s\n", "", "plain", "plain+wipe", "vault", "vault/plain");
  row("insert, one txn (ms)", p.insert_ms, w.insert_ms, v.insert_ms);
  row("point reads (ms)", p.read_ms, w.read_ms, v.read_ms);
  row("full scan (ms)", p.scan_ms, w.scan_ms, v.scan_ms);
  row("close + checkpoint (ms)", p.close_ms, w.close_ms, v.close_ms);
  row("pages", p.pages, w.pages, v.pages);
  row("file size (bytes)", p.file_bytes, w.file_bytes, v.file_bytes);
  std::printf("%-28s %12.0f %12.0f %12.0f\n", "inserts per second", cfg.rows / p.insert_ms * 1000,
              cfg.rows / w.insert_ms * 1000, cfg.rows / v.insert_ms * 1000);
  std::printf("%-28s %12.2f %12.2f %12.2f\n", "us per point read", p.read_ms * 1000 / cfg.reads,
              w.read_ms * 1000 / cfg.reads, v.read_ms * 1000 / cfg.reads);
  double overhead = (v.file_bytes - p.file_bytes) / p.file_bytes * 100;
  std::printf("\nunlock, key-file slot: %.2f ms for Vault::open (header + slot scan alone: %.2f ms)\n",
              v.unlock_key_ms, v.unlock_key_slot_ms);
  std::printf("unlock, passphrase slot (MODERATE): %.0f ms for Vault::open\n", v.unlock_pass_ms);
  std::printf("file-size overhead: %+.2f%% (%+.0f bytes)\n", overhead, v.file_bytes - p.file_bytes);

  double ri = v.insert_ms / p.insert_ms, rr = v.read_ms / p.read_ms;
  std::printf("\ntargets: inserts <= 1.3x: %.2fx %s; point reads <= 1.3x: %.2fx %s; size <= 2%%: %.2f%% %s; "
              "key-file unlock < 5 ms: %.2f ms %s\n",
              ri, verdict(ri <= 1.3), rr, verdict(rr <= 1.3), overhead, verdict(overhead <= 2.0), v.unlock_key_ms,
              verdict(v.unlock_key_ms < 5.0));
  for (const auto& path : {plain_path, wipe_path, vault_path}) remove_db(path);
  std::filesystem::remove(vault_path + ".key");
  return 0;
}
