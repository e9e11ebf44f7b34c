// keys_bench: rekey and backup of a vault of 1,000,000 subjects, against
// SQLite's own online backup API copying a plain (unencrypted) copy of the
// same database, in the same run; and the audit trail's cost on register
// (register with and without it). Not a test: it prints figures for
// bench/RESULTS.md.
//
//   keys_bench [--dir DIR] [--subjects N] [--chunk N] [--rounds N] [--audit-subjects N] [--audit-blocks N]
//              [--audit-only] [--audit-modes LIST] [--vault FILE --key FILE] [--reuse] [--keep]
//
// 1. Builds DIR/keys.dsr through the library's bulk path: register_subject
//    inside one outer store::WriteTx committed every --chunk subjects (name,
//    email, username, phone, zip, address, contact preference; every 4th
//    interests, every 5th an attribute, every 10th card data, sealed), with
//    the audit trail on as in normal use. Then DIR/plain.db: the same database
//    decrypted into a plain SQLite file (sqlite3_backup from the unlocked vault).
// 2. --rounds times, interleaved: SQLite's online backup API copying plain.db
//    to a new plain file (default VFS, one step, synchronous=FULL), then
//    Vault::backup (VACUUM INTO a new vault, synced, every page authenticated,
//    PRAGMA integrity_check), then Vault::rekey (+ reopen). Medians, with the
//    split of each into copy / sync / verify from the progress reports.
// 3. The audit trail on register: --audit-subjects registrations into the big
//    vault, each in a transaction of its own as `dsr register` does, in
//    alternating blocks with the audit on and off (Desk::set_audit_enabled);
//    then the same with the vault opened and closed around each registration
//    (what a `dsr register` process does, less the exec; a quarter as many),
//    then in bulk (one transaction per block). Per-subject medians,
//    with the spread: p10/p90 of the blocks each way, and the on/off ratio of
//    each pair of neighbouring blocks (one on, one off), whose median and
//    p10/p90 say how stable the ratio is on a noisy machine; and the same for
//    the CPU time of the process (which fsync waits and queueing do not
//    inflate). --audit-blocks N (default 10, made even) blocks of
//    --audit-subjects / N registrations each, after one warm-up block each way.
// --audit-only: step 3 alone. It uses DIR/keys.dsr if it is there (or --vault
// FILE --key FILE, for example the vault `subjects_bench --keep` left),
// otherwise builds one of --subjects subjects without the plain copy. The
// vault then holds the registrations made (--keep is implied).
// --audit-modes LIST: which of step 3's modes run, comma-separated from each,
// reopen, bulk (default all three); one alone, for a profile. `frames` (not
// in the default) counts the WAL frames (pages) of 200 register commits each
// way, audit on and off, with a WAL hook.
#include <SQLiteCpp/Database.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/subjects.hpp"
#include "dsr/vault.hpp"
#include "store/tx.hpp"

#include "bench_util.hpp"

namespace {

using namespace bench;

struct Config {
  std::string dir = "/tmp/dsr-bench-keys";
  int subjects = 1000000;
  int chunk = 50000;
  int rounds = 3;
  int audit_subjects = 4000;
  int audit_blocks = 10;
  bool audit_only = false;
  std::string audit_modes = "each,reopen,bulk";
  std::string vault, key;  // default: DIR/keys.dsr, DIR/keys.key
  bool reuse = false;
  bool keep = false;
};

// ---- the people --------------------------------------------------------------------
const char* kGiven[] = {"Maria", "James", "Aiko", "Olu", "Chen", "Fatima", "Liam", "Sofia",
                        "Noah", "Mateo", "Amara", "Lucas", "Priya", "Ivan", "Omar", "Elif"};
const char* kFamily[] = {"Garcia", "Smith", "Tanaka", "Adeyemi", "Wang", "Khan", "Murphy", "Rossi",
                         "Dubois", "Silva", "Novak", "Nguyen", "Jensen", "Haddad", "Okafor", "Costa"};
const char* kStreets[] = {"Oak St", "Main St", "Elm Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Lake Blvd", "Hill Way"};
const char* kCards[] = {"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"};

dsr::SubjectInput input_of(int i) {
  std::string g = kGiven[i % 16], f = kFamily[(i / 16) % 16];
  int exchange = 200 + (i / 10000) % 700;
  if (exchange % 100 == 11) ++exchange;  // no N11 service codes
  char phone[32];
  std::snprintf(phone, sizeof phone, "+1 415 %03d %04d", exchange, i % 10000);
  dsr::SubjectInput in;
  in.set = {{"name", g + " " + f},
            {"email", lower(g) + "." + lower(f) + "." + std::to_string(i) + "@example.com"},
            {"username", lower(g).substr(0, 1) + lower(f) + std::to_string(i)},
            {"phone", phone},
            {"zip", std::to_string(10000 + (int64_t(i) * 7919) % 89999)},
            {"address", std::to_string(1 + i % 999) + " " + kStreets[i % 8] + ", Springfield"},
            {"contact_preference", i % 3 ? "email" : "phone"}};
  if (i % 4 == 0) in.set.push_back({"interests", i % 8 ? "cycling,books" : "travel"});
  if (i % 5 == 0) in.set.push_back({"preferences.newsletter", i % 10 ? "weekly" : "monthly"});
  if (i % 10 == 0) {
    in.set.push_back({"card_number", kCards[(i / 10) % 4]});
    in.set.push_back({"card_expiry", "12/30"});
    in.set.push_back({"card_token", "tok_" + std::to_string(i)});
    in.set.push_back({"account_type", "individual"});
  }
  return in;
}

// ---- helpers ---------------------------------------------------------------------------
std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

// SQLite's online backup API, src to a new dst, one step; synchronous=FULL on dst.
void sqlite_backup(const std::string& src, const std::string& dst) {
  sqlite3 *s = nullptr, *d = nullptr;
  if (sqlite3_open_v2(src.c_str(), &s, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK ||
      sqlite3_open_v2(dst.c_str(), &d, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + src + " or " + dst);
  sqlite3_exec(d, "PRAGMA synchronous=FULL", nullptr, nullptr, nullptr);
  sqlite3_backup* b = sqlite3_backup_init(d, "main", s, "main");
  if (!b) throw std::runtime_error(std::string("backup: ") + sqlite3_errmsg(d));
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  sqlite3_close(s);
  sqlite3_close(d);
  if (rc != SQLITE_DONE) throw std::runtime_error(std::string("backup: ") + sqlite3_errstr(rc));
}

// Times the stages of a rekey or backup from its progress reports.
struct Stages {
  Clock::time_point t0 = Clock::now(), sync{}, verify{}, check{}, end{};
  dsr::ProgressFn fn() {
    return [this](const dsr::Progress& p) {
      auto now = Clock::now();
      auto first = [&](Clock::time_point& t) {
        if (t == Clock::time_point{}) t = now;
      };
      if (p.stage == dsr::Progress::Stage::syncing) first(sync);
      if (p.stage == dsr::Progress::Stage::verifying) first(verify);
      if (p.stage == dsr::Progress::Stage::checking) first(check);
      if (p.stage == dsr::Progress::Stage::replacing || p.stage == dsr::Progress::Stage::done) first(end);
    };
  }
  static double ms(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  }
  double copy_ms() const { return ms(t0, sync); }
  double sync_ms() const { return ms(sync, verify); }
  // Authenticating every page; then SQLite's integrity check (backup only).
  double verify_ms() const { return ms(verify, check == Clock::time_point{} ? end : check); }
  double check_ms() const { return check == Clock::time_point{} ? 0 : ms(check, end); }
};

// SQLite's VACUUM INTO on the plain copy: the same rebuild of the database
// that backup and rekey do, without the encryption.
void plain_vacuum_into(const std::string& src, const std::string& dst) {
  sqlite3* s = nullptr;
  if (sqlite3_open_v2(src.c_str(), &s, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open " + src);
  std::string sql = "VACUUM INTO '" + dst + "'";
  char* err = nullptr;
  int rc = sqlite3_exec(s, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_close(s);
  if (rc != SQLITE_OK) throw std::runtime_error(std::string("VACUUM INTO: ") + (err ? err : "failed"));
  int fd = ::open(dst.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

void build(const Config& cfg, const std::string& vault, const std::string& key, const std::string& plain,
           bool with_plain = true) {
  remove_db(vault);
  remove_db(plain);
  std::filesystem::remove(key);
  dsr::Credential cred = dsr::make_key_file(key);
  auto t0 = Clock::now();
  {
    dsr::Desk desk(dsr::Vault::create(vault, "bench", cred));
    auto tx = std::make_unique<dsr::store::WriteTx>(desk.db());
    auto tc = Clock::now();
    for (int i = 0; i < cfg.subjects; ++i) {
      dsr::register_subject(desk, input_of(i));
      if ((i + 1) % cfg.chunk == 0 || i + 1 == cfg.subjects) {
        tx->commit();
        tx.reset();
        std::fprintf(stderr, "\r  registered %d/%d (%.0f/s this chunk)   ", i + 1, cfg.subjects,
                     cfg.chunk / (ms_since(tc) / 1000));
        tc = Clock::now();
        if (i + 1 < cfg.subjects) tx = std::make_unique<dsr::store::WriteTx>(desk.db());
      }
    }
    std::fprintf(stderr, "\n");
  }
  std::printf("build: %d subjects registered in %.0f s (%.0f/s)\n", cfg.subjects, ms_since(t0) / 1000,
              cfg.subjects / (ms_since(t0) / 1000));
  if (!with_plain) return;
  // The plain copy: every page as the vault's connection reads it (decrypted).
  dsr::Vault v = dsr::Vault::open(vault, dsr::read_key_file(key));
  sqlite3* dst = nullptr;
  if (sqlite3_open_v2(plain.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot create " + plain);
  sqlite3_backup* bk = sqlite3_backup_init(dst, "main", v.db().getHandle(), "main");
  int rc = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
  sqlite3_backup_finish(bk);
  sqlite3_close(dst);
  if (rc != SQLITE_DONE) throw std::runtime_error("cannot copy the vault into " + plain);
}

// ---- the audit trail's cost on register ------------------------------------------------
struct AuditCost {
  double on_ms = 0, off_ms = 0;               // per subject, median over blocks
  std::vector<double> on, off, on_cpu, off_cpu;  // per subject, block by block
  std::vector<double> pair, pair_cpu;           // on/off of each pair of neighbouring blocks
  int blocks = 0, per_block = 0;
};

double process_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

// How the registrations of a block are made.
enum class Mode {
  each,    // one open Desk, each registration in a transaction of its own (as `dsr register`)
  reopen,  // the vault opened, one registration, closed: a `dsr register` process without the exec
  bulk,    // one open Desk, one transaction per block (batch, import)
};

AuditCost audit_cost(const std::string& vault, const std::string& key, int subjects, int blocks, Mode mode) {
  AuditCost c;
  c.blocks = blocks;
  c.per_block = std::max(1, subjects / blocks);
  const dsr::Credential cred = dsr::read_key_file(key);
  auto desk = std::make_unique<dsr::Desk>(dsr::Vault::open(vault, cred));
  // New people after those already there (a --reuse run registered some before).
  int next = int(desk->db().execAndGet("SELECT count(*) FROM subjects").getInt64());
  if (mode == Mode::reopen) desk.reset();
  auto block = [&](bool audit, double* cpu) {
    if (desk) desk->set_audit_enabled(audit);
    auto t0 = Clock::now();
    double c0 = process_cpu_ms();
    if (mode == Mode::reopen) {
      for (int i = 0; i < c.per_block; ++i) {
        dsr::Desk d(dsr::Vault::open(vault, cred));
        d.set_audit_enabled(audit);
        dsr::register_subject(d, input_of(next++));
      }
    } else {
      std::unique_ptr<dsr::store::WriteTx> tx;
      if (mode == Mode::bulk) tx = std::make_unique<dsr::store::WriteTx>(desk->db());
      for (int i = 0; i < c.per_block; ++i) dsr::register_subject(*desk, input_of(next++));
      if (tx) tx->commit();
    }
    *cpu = (process_cpu_ms() - c0) / c.per_block;
    return ms_since(t0) / c.per_block;
  };
  double cpu = 0;
  block(true, &cpu);  // warm-up, not counted
  block(false, &cpu);
  double prev = 0, prev_cpu = 0;
  for (int b = 0; b < blocks; ++b) {
    bool audit = b % 2 == (b / 2) % 2;  // on, off, off, on, on, off, ...: neither side always goes first
    double ms = block(audit, &cpu);
    (audit ? c.on : c.off).push_back(ms);
    (audit ? c.on_cpu : c.off_cpu).push_back(cpu);
    if (b % 2 == 1) {  // blocks b-1 and b: one on, one off
      c.pair.push_back(audit ? ms / prev : prev / ms);
      c.pair_cpu.push_back(audit ? cpu / prev_cpu : prev_cpu / cpu);
    }
    prev = ms;
    prev_cpu = cpu;
  }
  if (desk) desk->set_audit_enabled(true);
  c.on_ms = median(c.on);
  c.off_ms = median(c.off);
  return c;
}

// Pages a lone register's commit writes (WAL frames), audit on and off: a WAL
// hook (in place of the autocheckpoint's, restored after) sees the WAL's frame
// count after each commit. `subjects` registrations each way, alternated.
struct FrameCount {
  int last = -1;
  std::vector<double> per_commit;
};
int count_frames(void* ctx, sqlite3*, const char*, int frames) {
  auto* f = static_cast<FrameCount*>(ctx);
  if (f->last >= 0) f->per_commit.push_back(frames >= f->last ? frames - f->last : frames);
  f->last = frames;
  return SQLITE_OK;
}
void audit_frames(const std::string& vault, const std::string& key, int subjects) {
  const dsr::Credential cred = dsr::read_key_file(key);
  dsr::Desk desk(dsr::Vault::open(vault, cred));
  int next = int(desk.db().execAndGet("SELECT count(*) FROM subjects").getInt64());
  FrameCount on, off;
  for (int i = 0; i < 2 * subjects; ++i) {
    bool audit = i % 2 == 0;
    FrameCount& f = audit ? on : off;
    desk.set_audit_enabled(audit);
    f.last = -1;
    sqlite3_wal_hook(desk.db().getHandle(), count_frames, &f);
    // Two commits: the first only sets the count the second is measured from.
    dsr::register_subject(desk, input_of(next++));
    dsr::register_subject(desk, input_of(next++));
  }
  desk.set_audit_enabled(true);
  desk.db().exec("PRAGMA wal_autocheckpoint=1000");  // SQLite's own hook back
  auto mean = [](const std::vector<double>& v) {
    double t = 0;
    for (double x : v) t += x;
    return v.empty() ? 0.0 : t / double(v.size());
  };
  std::printf("WAL frames per register commit (%d each way): audit on mean %.2f, median %.0f (p10-p90 %.0f-%.0f); "
              "off mean %.2f, median %.0f (p10-p90 %.0f-%.0f)\n",
              subjects, mean(on.per_commit), median(on.per_commit), pct(on.per_commit, 0.1), pct(on.per_commit, 0.9),
              mean(off.per_commit), median(off.per_commit), pct(off.per_commit, 0.1), pct(off.per_commit, 0.9));
}

void print_audit(const char* mode, const AuditCost& c) {
  std::printf("| %s | %d x %d | %.3f ms (%.3f-%.3f) | %.3f ms (%.3f-%.3f) | %.3fx | %.3fx (%.3f-%.3f) | %.3f / %.3f ms: "
              "%.3fx | %.3fx (%.3f-%.3f) |\n",
              mode, c.blocks, c.per_block, c.on_ms, pct(c.on, 0.1), pct(c.on, 0.9), c.off_ms, pct(c.off, 0.1),
              pct(c.off, 0.9), c.on_ms / c.off_ms, median(c.pair), pct(c.pair, 0.1), pct(c.pair, 0.9),
              median(c.on_cpu), median(c.off_cpu), median(c.on_cpu) / median(c.off_cpu), median(c.pair_cpu),
              pct(c.pair_cpu, 0.1), pct(c.pair_cpu, 0.9));
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  Args args("keys_bench", argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--dir") cfg.dir = args.value();
    else if (a == "--subjects") cfg.subjects = std::stoi(args.value());
    else if (a == "--chunk") cfg.chunk = std::stoi(args.value());
    else if (a == "--rounds") cfg.rounds = std::stoi(args.value());
    else if (a == "--audit-subjects") cfg.audit_subjects = std::stoi(args.value());
    else if (a == "--audit-blocks") cfg.audit_blocks = std::max(2, (std::stoi(args.value()) + 1) / 2 * 2);
    else if (a == "--audit-only") cfg.audit_only = cfg.keep = true;
    else if (a == "--audit-modes") cfg.audit_modes = args.value();
    else if (a == "--vault") cfg.vault = args.value(), cfg.keep = true;
    else if (a == "--key") cfg.key = args.value();
    else if (a == "--reuse") cfg.reuse = true;
    else if (a == "--keep") cfg.keep = true;
    else {
      std::fprintf(stderr, "usage: keys_bench [--dir DIR] [--subjects N] [--chunk N] [--rounds N] "
                           "[--audit-subjects N] [--audit-blocks N] [--audit-only] [--audit-modes each,reopen,bulk,frames] "
                           "[--vault FILE --key FILE] "
                           "[--reuse] [--keep]\n");
      return 2;
    }
  }
  try {
    std::filesystem::create_directories(cfg.dir);
    const std::string vault = cfg.vault.empty() ? cfg.dir + "/keys.dsr" : cfg.vault,
                      key = cfg.key.empty() ? cfg.dir + "/keys.key" : cfg.key, plain = cfg.dir + "/plain.db";
    std::printf("keys_bench: nproc %ld, load average %s\n", sysconf(_SC_NPROCESSORS_ONLN), loadavg().c_str());
    if (cfg.audit_only) {
      if (!std::filesystem::exists(vault) || !std::filesystem::exists(key)) {
        if (!cfg.vault.empty()) throw std::runtime_error("--vault " + vault + " or its --key is not there");
        build(cfg, vault, key, plain, /*with_plain=*/false);
      }
      std::printf("vault %s, %.0f MB\n", vault.c_str(), file_mb(vault));
    } else {
      if (!(cfg.reuse && std::filesystem::exists(vault) && std::filesystem::exists(plain))) build(cfg, vault, key, plain);
      std::printf("vault %.0f MB, plain copy %.0f MB\n", file_mb(vault), file_mb(plain));
    }

    if (!cfg.audit_only) {
      std::vector<double> base, vac, bk, bk_copy, bk_sync, bk_verify, bk_check, rk, rk_copy, rk_sync, rk_verify;
      uint64_t pages = 0;
      for (int r = 0; r < cfg.rounds; ++r) {
        const std::string plain_copy = cfg.dir + "/plain-copy.db", backup = cfg.dir + "/backup.dsr";
        remove_db(plain_copy);
        auto t0 = Clock::now();
        sqlite_backup(plain, plain_copy);
        base.push_back(ms_since(t0));
        remove_db(plain_copy);
        t0 = Clock::now();
        plain_vacuum_into(plain, plain_copy);
        vac.push_back(ms_since(t0));
        remove_db(plain_copy);

        std::filesystem::remove(backup);
        {
          Stages st;
          dsr::Vault v = dsr::Vault::open(vault, dsr::read_key_file(key));
          pages = v.backup(backup, st.fn()).pages;
          bk.push_back(ms_since(st.t0));
          bk_copy.push_back(st.copy_ms());
          bk_sync.push_back(st.sync_ms());
          bk_verify.push_back(st.verify_ms());
          bk_check.push_back(st.check_ms());
        }
        std::filesystem::remove(backup);
        {
          Stages st;
          dsr::Vault v = dsr::Vault::open(vault, dsr::read_key_file(key));
          v.rekey(st.fn());
          v.reopen();
          rk.push_back(ms_since(st.t0));
          rk_copy.push_back(st.copy_ms());
          rk_sync.push_back(st.sync_ms());
          rk_verify.push_back(st.verify_ms());
        }
        std::printf("round %d: sqlite3_backup %.0f ms, plain VACUUM INTO %.0f ms, backup %.0f ms, rekey %.0f ms (load %s)\n",
                    r + 1, base.back(), vac.back(), bk.back(), rk.back(), loadavg().c_str());
        std::fflush(stdout);
      }
      double b = median(base);
      std::printf("\n%d subjects, %llu pages; medians of %d rounds\n", cfg.subjects, (unsigned long long)pages, cfg.rounds);
      std::printf("| measure | time | copy | sync | pages authenticated | integrity_check | / sqlite3_backup |\n"
                  "|---|---|---|---|---|---|---|\n");
      std::printf("| SQLite online backup API, plain copy | %.1f s | | | | | 1.00x |\n", b / 1000);
      std::printf("| SQLite VACUUM INTO, plain copy | %.1f s | | | | | %.2fx |\n", median(vac) / 1000, median(vac) / b);
      std::printf("| dsr backup (VACUUM INTO, verified) | %.1f s | %.1f s | %.1f s | %.1f s | %.1f s | %.2fx |\n",
                  median(bk) / 1000, median(bk_copy) / 1000, median(bk_sync) / 1000, median(bk_verify) / 1000,
                  median(bk_check) / 1000, median(bk) / b);
      std::printf("| dsr rekey (VACUUM INTO, checked, renamed) | %.1f s | %.1f s | %.1f s | %.1f s | | %.2fx |\n",
                  median(rk) / 1000, median(rk_copy) / 1000, median(rk_sync) / 1000, median(rk_verify) / 1000,
                  median(rk) / b);

    }

    std::printf("\naudit trail on register (load average %s)\n", loadavg().c_str());
    auto wanted = [&](const char* m) { return ("," + cfg.audit_modes + ",").find(std::string(",") + m + ",") != std::string::npos; };
    AuditCost each, reopen, bulk;
    if (wanted("each")) {
      each = audit_cost(vault, key, cfg.audit_subjects, cfg.audit_blocks, Mode::each);
      std::printf("(own transaction done, load average %s)\n", loadavg().c_str());
    }
    if (wanted("reopen")) {
      reopen = audit_cost(vault, key, cfg.audit_subjects / 4, cfg.audit_blocks, Mode::reopen);
      std::printf("(vault opened for each done, load average %s)\n", loadavg().c_str());
    }
    if (wanted("bulk")) bulk = audit_cost(vault, key, cfg.audit_subjects * 5, cfg.audit_blocks, Mode::bulk);
    if (wanted("frames")) audit_frames(vault, key, 200);
    std::printf("per subject; blocks alternated on, off, off, on, ... after a warm-up block each way; wall medians "
                "(p10-p90 of the blocks); pairs: on/off of each neighbouring pair of blocks, median (p10-p90); cpu: "
                "this process's CPU time\n");
    std::printf("| mode | blocks x subjects | audit on | audit off | on/off | pairs on/off | cpu on / off | cpu pairs |\n"
                "|---|---|---|---|---|---|---|---|\n");
    if (wanted("each")) print_audit("own transaction (as `dsr register`)", each);
    if (wanted("reopen")) print_audit("vault opened, one register, closed (a `dsr register` process without the exec)", reopen);
    if (wanted("bulk")) print_audit("bulk (one transaction per block)", bulk);
    auto verdict = [](const AuditCost& c) { return c.on.empty() ? "not run" : c.on_ms / c.off_ms <= 1.10 ? "met" : "MISSED"; };
    std::printf("target (<= 1.10x): own transaction %.3fx %s; vault opened for each %.3fx %s\n",
                each.off_ms > 0 ? each.on_ms / each.off_ms : 0.0, verdict(each),
                reopen.off_ms > 0 ? reopen.on_ms / reopen.off_ms : 0.0, verdict(reopen));
    std::printf("load average at the end: %s\n", loadavg().c_str());
    if (!cfg.keep) {
      remove_db(vault);
      remove_db(plain);
      std::filesystem::remove(key);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "keys_bench: %s\n", dsr::classify(e).what());
    return 1;
  }
  return 0;
}
