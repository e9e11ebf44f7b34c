// disclosures_bench: the accounting of disclosures at scale. Not a test: it
// prints figures for bench/RESULTS.md.
//
//   disclosures_bench [--dir DIR] [--subjects N] [--records N] [--bulk-runs N] [--bulk-timeout S]
//                     [--prefill-chunk N] [--runs N] [--dsr PATH] [--sqlite3 PATH] [--keep]
//
// 1. Registers --subjects subjects (100,000) through the library's bulk path
//    (register_subject inside one outer store::WriteTx, committed every 50,000).
// 2. Logs disclosures of every subject through the library's disclose() (one
//    recipient after another, dates 2019..2025, some outside the six-year
//    window; --prefill-chunk subjects a call), until --records minus what the
//    timed runs add is there.
// 3. Copies the vault into a plain SQLite file (sqlite3_backup; same schema,
//    indexes, page size and reserve, WAL mode).
// 4. Times --bulk-runs whole `dsr disclose --subjects-file ids.txt` processes,
//    each disclosing every subject to one recipient (target < 5 s), against a
//    `sqlite3` process doing the same inserts on the plain copy (.import of the
//    id file, one INSERT ... SELECT joined on the id index). A run still going
//    after --bulk-timeout seconds is killed (nothing of it commits) and its
//    records are made up through the library, so that the vault holds
//    --records disclosure records after them either way.
// 5. Times `dsr disclosures ID` and `dsr recipients ID` for one subject
//    (target < 20 ms each as a whole process) against `sqlite3` running the
//    store's indexed query (and its aggregate) on the plain copy.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/subjects.hpp"
#include "dsr/vault.hpp"
#include "store/tx.hpp"


#include "bench_util.hpp"

namespace {

using namespace bench;

struct Config {
  std::string dir = "/tmp/dsr-bench-disclosures";
  int subjects = 100000;
  int records = 1000000;
  int bulk_runs = 3;
  double bulk_timeout_s = 120;  // a timed bulk run still going after this is killed
  int prefill_chunk = 10000;    // subjects per library disclose() call while building (0: all in one call)
  int runs = 30;
  std::string dsr;
  std::string sqlite3 = "sqlite3";
  bool keep = false;
};

const char* kGiven[] = {"Maria", "James", "Aiko", "Olu", "Chen", "Fatima", "Liam", "Sofia", "Noah", "Zoe",
                        "Mateo", "Amara", "Lucas", "Priya", "Ivan", "Ana"};
const char* kFamily[] = {"Garcia", "Smith", "Tanaka", "Adeyemi", "Wang", "Khan", "Murphy", "Rossi",
                         "Muller", "Dubois", "Silva", "Novak", "Kowalski", "Nguyen", "Jensen", "Haddad"};

dsr::SubjectInput input_of(int i) {
  std::string g = kGiven[i % 16], f = kFamily[(i / 16) % 16];
  char phone[32];
  int exchange = 200 + (i / 10000) % 700;
  if (exchange % 100 == 11) ++exchange;
  std::snprintf(phone, sizeof phone, "+1 415 %03d %04d", exchange, i % 10000);
  dsr::SubjectInput in;
  in.set = {{"name", g + " " + f},
            {"email", lower(g) + "." + lower(f) + "." + std::to_string(i) + "@example.com"},
            {"username", lower(g).substr(0, 1) + lower(f) + std::to_string(i)},
            {"phone", phone},
            {"zip", std::to_string(10000 + (int64_t(i) * 7919) % 89999)}};
  return in;
}

// The recipients of the library-logged disclosures (each allowed by the sharing rules).
struct Batch {
  const char *recipient, *type, *categories, *purpose, *basis, *reference, *date;
};
const Batch kBatches[] = {
    {"PayCo", "processor", "identity,contact,billing,payment", "billing", "contract", "", "2019-02-15"},
    {"MailCo", "processor", "identity,contact", "email-delivery", "contract", "", "2020-06-01"},
    {"County Court", "authority", "identity,contact", "civil subpoena", "legal-obligation", "CV-2021-7", "2021-09-10"},
    {"AddressCheck Ltd", "processor", "identity,contact", "address-verification", "contract", "", "2022-03-03"},
    {"Tax Office", "authority", "identity,billing", "statutory reporting", "legal-obligation", "TX-2023", "2023-05-05"},
    {"HelpDesk Inc", "processor", "identity,contact,preferences", "customer-support", "contract", "", "2024-07-07"},
    {"SurveyCo", "processor", "identity,contact", "survey", "contract", "", "2025-08-08"},
    {"LetterCo", "processor", "identity,contact", "email-delivery", "contract", "", "2025-10-01"},
    {"Regulator", "authority", "identity", "statutory inquiry", "legal-obligation", "RG-26", "2026-01-15"},
};

int64_t count_disclosures(const std::string& vault, const std::string& key) {
  dsr::Vault v = dsr::Vault::open(vault, dsr::read_key_file(key));
  return v.db().execAndGet("SELECT count(*) FROM disclosures").getInt64();
}

// One library disclose() per `chunk` subjects (the whole list in one call when chunk is 0).
double library_disclose(dsr::Desk& desk, const std::vector<std::string>& ids, const Batch& k, size_t chunk) {
  auto t0 = Clock::now();
  if (chunk == 0) chunk = ids.size();
  for (size_t at = 0; at < ids.size(); at += chunk) {
    dsr::DisclosureRequest req;
    req.subjects.assign(ids.begin() + long(at), ids.begin() + long(std::min(ids.size(), at + chunk)));
    req.recipient = k.recipient;
    req.recipient_type = k.type;
    req.categories = {k.categories};
    req.purpose = k.purpose;
    req.basis = k.basis;
    req.reference = k.reference;
    req.date = k.date;
    dsr::disclose(desk, req);
  }
  return ms_since(t0) / 1000;
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  Args args("disclosures_bench", argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--dir") cfg.dir = args.value();
    else if (a == "--subjects") cfg.subjects = std::stoi(args.value());
    else if (a == "--records") cfg.records = std::stoi(args.value());
    else if (a == "--bulk-runs") cfg.bulk_runs = std::max(1, std::stoi(args.value()));
    else if (a == "--bulk-timeout") cfg.bulk_timeout_s = std::stod(args.value());
    else if (a == "--prefill-chunk") cfg.prefill_chunk = std::stoi(args.value());
    else if (a == "--runs") cfg.runs = std::max(1, std::stoi(args.value()));
    else if (a == "--dsr") cfg.dsr = args.value();
    else if (a == "--sqlite3") cfg.sqlite3 = args.value();
    else if (a == "--keep") cfg.keep = true;
    else {
      std::fprintf(stderr,
                   "usage: disclosures_bench [--dir DIR] [--subjects N] [--records N] [--bulk-runs N] "
                   "[--bulk-timeout S] [--prefill-chunk N] [--runs N] [--dsr PATH] [--sqlite3 PATH] [--keep]\n");
      return 2;
    }
  }
  if (cfg.dsr.empty())
    cfg.dsr = (std::filesystem::absolute(argv[0]).parent_path().parent_path() / "dsr").string();
  int prefill = cfg.records / cfg.subjects - cfg.bulk_runs;  // batches logged through the library
  if (cfg.records % cfg.subjects != 0 || prefill < 0 || prefill > int(std::size(kBatches))) {
    std::fprintf(stderr, "disclosures_bench: --records must be --subjects times (--bulk-runs + 0..%zu)\n",
                 std::size(kBatches));
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    std::filesystem::create_directories(cfg.dir);
    const std::string vault = cfg.dir + "/disclosures.dsr", key = cfg.dir + "/disclosures.key",
                      plain = cfg.dir + "/plain.db", ids_file = cfg.dir + "/ids.txt";
    char date[32];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
    std::printf("disclosures_bench %s: %d subjects, %d disclosure records at the end, %ld cores (nproc), SQLite %s\n",
                date, cfg.subjects, cfg.records, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion());
    std::printf("dsr: %s\n", cfg.dsr.c_str());

    // 1-2. Build.
    remove_db(vault);
    remove_db(plain);
    std::filesystem::remove(key);
    std::vector<std::string> ids;
    {
      dsr::Credential cred = dsr::make_key_file(key);
      dsr::Desk desk(dsr::Vault::create(vault, "bench", cred));
      auto t0 = Clock::now();
      auto tx = std::make_unique<dsr::store::WriteTx>(desk.db());
      for (int i = 0; i < cfg.subjects; ++i) {
        ids.push_back(dsr::register_subject(desk, input_of(i)).subject.id);
        if ((i + 1) % 50000 == 0 || i + 1 == cfg.subjects) {
          tx->commit();
          tx.reset();
          if (i + 1 < cfg.subjects) tx = std::make_unique<dsr::store::WriteTx>(desk.db());
        }
      }
      double reg_s = ms_since(t0) / 1000;
      std::printf("build: %d registers in %.1f s (%.0f/s)\n", cfg.subjects, reg_s, cfg.subjects / reg_s);
      for (int b = 0; b < prefill; ++b) {
        double s = library_disclose(desk, ids, kBatches[b], size_t(cfg.prefill_chunk));
        std::printf("  library disclose() of %d subjects to %-16s %7.2f s (%d subjects a call)\n", cfg.subjects,
                    kBatches[b].recipient, s, cfg.prefill_chunk ? cfg.prefill_chunk : cfg.subjects);
      }
      desk.vault().checkpoint();
    }
    {
      std::ofstream f(ids_file);
      for (const auto& id : ids) f << id << "\n";
    }
    // 3. The plain copy.
    plain_copy(vault, key, plain);
    std::printf("before the timed bulk runs: %lld disclosure records; vault %.0f MB, plain copy %.0f MB\n",
                static_cast<long long>(count_disclosures(vault, key)), file_mb(vault), file_mb(plain));

    // 4. Bulk disclosure, whole processes.
    const std::string out = cfg.dir + "/check.out", err = cfg.dir + "/check.err", script = cfg.dir + "/bulk.sql";
    {
      std::ofstream s(script);
      s << "PRAGMA secure_delete=ON; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;\n"
           "CREATE TEMP TABLE ids(id TEXT);\n"
           ".import --csv --schema temp " << ids_file << " ids\n"
           "BEGIN IMMEDIATE;\n"
           "INSERT INTO recipients (name, type, address) VALUES ('CardCo', 'processor', NULL) ON CONFLICT (name, type) "
           "DO UPDATE SET address = coalesce(excluded.address, recipients.address);\n"
           "INSERT INTO disclosures (subject_rowid, recipient_id, disclosed_on, categories, purpose, basis, reference, "
           "withhold_until, recorded_at, recorded_by) SELECT s.rowid, (SELECT id FROM recipients WHERE name = 'CardCo' "
           "AND type = 'processor'), date('now'), 'payment,billing', 'billing', 'contract', NULL, NULL, unixepoch(), "
           "'bench' FROM temp.ids i JOIN subjects s ON s.id = i.id WHERE s.status = 'active';\n"
           "SELECT changes();\n"
           "COMMIT;\n";
    }
    std::vector<std::string> bulk = {cfg.dsr, "--db", vault, "--key-file", key, "disclose", "--subjects-file", ids_file,
                                     "--recipient", "CardCo", "--recipient-type", "processor", "--categories",
                                     "payment,billing", "--purpose", "billing", "--basis", "contract"};
    std::vector<std::string> bulk_sql = {cfg.sqlite3, "-batch", "-bail", "-init", "/dev/null", plain};
    std::vector<double> bulk_ms, bulk_cpu, bulk_sql_ms, bulk_sql_cpu;
    int killed = 0;
    for (int r = 0; r < cfg.bulk_runs; ++r) {
      int rc = 0;
      double cpu = 0;
      bulk_ms.push_back(run_process(bulk, &rc, out, err, "", &cpu, cfg.bulk_timeout_s * 1000));
      bulk_cpu.push_back(cpu);
      if (rc == 128 + SIGKILL) {
        ++killed;
        std::printf("  bulk run %d: dsr still running after %.0f s: killed (its transaction rolls back)\n", r + 1,
                    bulk_ms.back() / 1000);
      } else if (rc != 0 || slurp(out).find("logged " + std::to_string(cfg.subjects)) == std::string::npos) {
        throw std::runtime_error("dsr disclose exited " + std::to_string(rc) + ": " + slurp(err) + slurp(out));
      }
      bulk_sql_ms.push_back(run_process(bulk_sql, &rc, out, err, script, &cpu));
      bulk_sql_cpu.push_back(cpu);
      if (rc != 0 || slurp(out).find(std::to_string(cfg.subjects)) == std::string::npos)
        throw std::runtime_error("sqlite3 bulk insert failed: " + slurp(err) + slurp(out));
      std::printf("  bulk run %d: dsr %.2f s (cpu %.2f s), sqlite3 %.2f s (cpu %.2f s)\n", r + 1,
                  bulk_ms.back() / 1000, bulk_cpu.back() / 1000, bulk_sql_ms.back() / 1000, bulk_sql_cpu.back() / 1000);
      if (killed) break;  // the next runs would be killed too
    }
    if (killed || int(bulk_ms.size()) < cfg.bulk_runs) {  // make the records up through the library
      dsr::Desk desk(dsr::Vault::open(vault, dsr::read_key_file(key)));
      const Batch made_up{"CardCo", "processor", "payment,billing", "billing", "contract", "", ""};
      for (int r = int(bulk_ms.size()) - killed; r < cfg.bulk_runs; ++r)
        std::printf("  made up bulk run %d through the library in %.1f s\n", r + 1,
                    library_disclose(desk, ids, made_up, size_t(cfg.prefill_chunk)));
    }
    int64_t total = count_disclosures(vault, key);
    std::printf("after them: %lld disclosure records; vault %.0f MB\n\n", static_cast<long long>(total), file_mb(vault));

    // 5. Lookups for one subject.
    int t = cfg.subjects * 7 / 10 + 3;
    const std::string id = ids[size_t(t)];
    const std::string sub = "(SELECT rowid FROM subjects WHERE id = '" + id + "')";
    struct Case {
      std::string name;
      std::vector<std::string> args;
      std::string sql;
      std::vector<double> dsr_ms, sql_ms, dsr_cpu, sql_cpu;
    };
    std::vector<Case> cases = {
        {"disclosures ID", {"disclosures", id},
         "SELECT d.id, s.id, d.disclosed_on, r.name, r.type, r.address, d.categories, d.purpose, d.basis, d.reference, "
         "d.withhold_until, d.recorded_at, d.recorded_by FROM disclosures d JOIN recipients r ON r.id = d.recipient_id "
         "JOIN subjects s ON s.rowid = d.subject_rowid WHERE d.subject_rowid = " + sub +
             " AND d.disclosed_on >= date('now', '-6 years') ORDER BY d.disclosed_on DESC, d.id DESC;",
         {}, {}, {}, {}},
        {"recipients ID", {"recipients", id},
         "SELECT r.name, r.type, r.address, count(*), min(d.disclosed_on), max(d.disclosed_on), "
         "group_concat(DISTINCT d.categories) FROM disclosures d JOIN recipients r ON r.id = d.recipient_id "
         "WHERE d.subject_rowid = " + sub + " GROUP BY r.id ORDER BY max(d.disclosed_on) DESC;",
         {}, {}, {}, {}},
    };
    auto dsr_argv = [&](const Case& c) {
      std::vector<std::string> a = {cfg.dsr, "--db", vault, "--key-file", key};
      a.insert(a.end(), c.args.begin(), c.args.end());
      return a;
    };
    auto sql_argv = [&](const Case& c) {
      return std::vector<std::string>{cfg.sqlite3, "-batch", "-bail", "-init", "/dev/null", plain, c.sql};
    };
    int rc = 0;
    for (auto& c : cases) {  // check runs
      run_process(dsr_argv(c), &rc, out, err);
      std::string o = slurp(out);
      if (rc != 0 || o.find("CardCo") == std::string::npos)
        throw std::runtime_error("dsr " + c.name + " failed (exit " + std::to_string(rc) + "): " + slurp(err) + o);
      size_t lines = size_t(std::count(o.begin(), o.end(), '\n'));
      run_process(sql_argv(c), &rc, out, err);
      std::string so = slurp(out);
      if (rc != 0 || so.find("CardCo") == std::string::npos)
        throw std::runtime_error("sqlite3 " + c.name + " failed: " + slurp(err));
      std::printf("%s: dsr prints %zu lines (header included), sqlite3 %zu rows\n", c.name.c_str(), lines,
                  size_t(std::count(so.begin(), so.end(), '\n')));
    }
    for (int w = 0; w < 3; ++w)
      for (auto& c : cases) {
        run_process(dsr_argv(c), &rc);
        run_process(sql_argv(c), &rc);
      }
    for (int r = 0; r < cfg.runs; ++r)
      for (auto& c : cases) {
        double cpu = 0;
        c.dsr_ms.push_back(run_process(dsr_argv(c), &rc, "", "", "", &cpu));
        c.dsr_cpu.push_back(cpu);
        if (rc != 0) throw std::runtime_error("dsr " + c.name + " exited " + std::to_string(rc));
        c.sql_ms.push_back(run_process(sql_argv(c), &rc, "", "", "", &cpu));
        c.sql_cpu.push_back(cpu);
      }

    std::printf("\n%-24s %10s %9s %9s %10s %7s %10s %10s   %s\n", "whole process", "dsr wall", "p10", "p90",
                "sqlite3", "ratio", "dsr cpu", "sql cpu", "target");
    double bm = pct(bulk_ms, 0.5) / 1000, bs = pct(bulk_sql_ms, 0.5) / 1000;
    bool all = bm < 5 && !killed;
    std::printf("%-24s %9.2fs %8.2fs %8.2fs %9.2fs %6.2fx %9.2fs %9.2fs   < 5 s: %s (median of %zu%s)\n",
                ("disclose " + std::to_string(cfg.subjects / 1000) + "k subjects").c_str(), bm, pct(bulk_ms, 0) / 1000, pct(bulk_ms, 1) / 1000, bs, bm / bs,
                pct(bulk_cpu, 0.5) / 1000, pct(bulk_sql_cpu, 0.5) / 1000, all ? "ok" : "MISSED", bulk_ms.size(),
                killed ? ", killed at the timeout: the figure is a lower bound" : "");
    for (const auto& c : cases) {
      double d = pct(c.dsr_ms, 0.5), s = pct(c.sql_ms, 0.5);
      all &= d < 20;
      std::printf("%-24s %8.2fms %7.2fms %7.2fms %8.2fms %6.2fx %8.2fms %8.2fms   < 20 ms: %s (median of %d)\n",
                  c.name.c_str(), d, pct(c.dsr_ms, 0.1), pct(c.dsr_ms, 0.9), s, d / s, pct(c.dsr_cpu, 0.5),
                  pct(c.sql_cpu, 0.5), d < 20 ? "ok" : "MISSED", cfg.runs);
    }
    std::printf("cpu: median user+system CPU time of the process (wait4); wall is what the targets name\n");
    std::printf("\ntargets: %s\n", all ? "all met" : "some MISSED");

    for (const auto& f : {out, err, script}) std::filesystem::remove(f);
    if (!cfg.keep) {
      remove_db(vault);
      remove_db(plain);
      std::filesystem::remove(key);
      std::filesystem::remove(ids_file);
      std::filesystem::remove(cfg.dir);
    }
    return all ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "disclosures_bench: %s\n", dsr::classify(e).what());
    return 1;
  }
}
