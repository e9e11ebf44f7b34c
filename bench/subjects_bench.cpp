// subjects_bench: whole `dsr` processes against whole `sqlite3` processes on
// a vault of 1,000,000 subjects. Not a test: it prints
// figures for bench/RESULTS.md.
//
//   subjects_bench [--dir DIR] [--subjects N] [--chunk N] [--runs N] [--dsr PATH] [--sqlite3 PATH]
//                  [--keep] [--reuse]
//
// 1. Builds DIR/subjects.dsr through the library's bulk path: register_subject
//    inside one outer store::WriteTx (each call becomes a savepoint),
//    committing every --chunk subjects. Every subject has a name, email,
//    username, phone, zip, address and contact preference; every 4th has
//    interests, every 5th an attribute, every 10th card data (sealed).
// 2. Copies it into DIR/plain.db, a plain SQLite file (default VFS, no
//    encryption) with the same schema, indexes, page size and reserve, in WAL
//    mode like the vault: sqlite3_backup from the unlocked vault.
// 3. Times, interleaved and after a warm-up, each command as a whole process
//    (posix_spawn + waitpid; stdout and stderr to /dev/null; key-file slot):
//      dsr show EMAIL / find PREFIX / export ID / correct ID --set zip=...
//    against `sqlite3 plain.db SQL` running the same indexed SELECTs (the
//    UPDATE for correct), and prints medians and ratios.
// --keep leaves the vault, key and plain copy in DIR; --reuse times an
// existing set (built with --keep) instead of building again.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
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
#include "dsr/error.hpp"
#include "dsr/subjects.hpp"
#include "dsr/validate.hpp"
#include "dsr/vault.hpp"
#include "store/tx.hpp"


#include "bench_util.hpp"

namespace {

using namespace bench;

struct Config {
  std::string dir = "/tmp/dsr-bench-subjects";
  int subjects = 1000000;
  int chunk = 50000;
  int runs = 30;
  std::string dsr;  // default: ../dsr next to this program
  std::string sqlite3 = "sqlite3";
  bool keep = false;
  bool reuse = false;
};

// ---- the people -----------------------------------------------------------------
const char* kGiven[] = {"Maria", "James", "Aiko", "Olu", "Chen", "Fatima", "Liam", "Sofia", "Noah", "Zoë",
                        "Mateo", "Amara", "Lucas", "Priya", "Ivan", "Ana", "Omar", "Elif", "Hugo", "Mei",
                        "Jonas", "Nadia", "Pedro", "Sara", "Kenji", "Lea", "Arjun", "Ingrid", "Tomás", "Yara",
                        "Emil", "Léa"};
const char* kFamily[] = {"Garcia", "Smith", "Tanaka", "Adeyemi", "Wang", "Khan", "Murphy", "Rossi", "Müller",
                         "Dubois", "Silva", "Novak", "Kowalski", "Nguyen", "Jensen", "Haddad", "Okafor",
                         "Larsen", "Costa", "Schmidt", "Ivanova", "Moreau", "Sato", "Patel", "Berg", "Lopez",
                         "Kim", "Ali", "Fischer", "Popescu", "Yilmaz", "Doe"};
const char* kDomains[] = {"example.com", "example.org", "example.net", "mail.example", "corp.example",
                          "shop.example", "web.example", "post.example"};
const char* kAreas[] = {"415", "212", "617", "312", "206", "303", "512", "404"};
const char* kStreets[] = {"Oak St", "Main St", "Elm Ave", "Pine Rd", "Maple Dr", "Cedar Ln", "Lake Blvd", "Hill Way"};
const char* kCards[] = {"4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"};

// Email local parts stay ASCII: drop what is not a letter.
std::string local_of(const char* s) {
  std::string out;
  for (const char* p = s; *p; ++p)
    if (std::isalpha(static_cast<unsigned char>(*p))) out.push_back(static_cast<char>(std::tolower(*p)));
  return out;
}

struct Person {
  std::string name, email, username, phone, zip, address;
};

Person person(int i) {
  Person p;
  const char* g = kGiven[i % 32];
  const char* f = kFamily[(i / 32) % 32];
  p.name = std::string(g) + " " + f;
  p.email = local_of(g) + "." + local_of(f) + "." + std::to_string(i) + "@" + kDomains[i % 8];
  p.username = local_of(g).substr(0, 1) + local_of(f) + std::to_string(i);
  int exchange = 200 + (i / 10000) % 700;
  if (exchange % 100 == 11) ++exchange;  // no N11 service codes
  char phone[32];
  std::snprintf(phone, sizeof phone, "+1 %s %03d %04d", kAreas[(i / 7) % 8], exchange, i % 10000);
  p.phone = phone;
  p.zip = std::to_string(10000 + (int64_t(i) * 7919) % 89999);
  p.address = std::to_string(1 + i % 999) + " " + kStreets[i % 8] + ", Springfield";
  return p;
}

dsr::SubjectInput input_of(int i) {
  Person p = person(i);
  dsr::SubjectInput in;
  in.set = {{"name", p.name},   {"email", p.email}, {"username", p.username},
            {"phone", p.phone}, {"zip", p.zip},     {"address", p.address},
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

std::string sql_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "''";
    else out.push_back(c);
  }
  return out + "'";
}

// ---- build ------------------------------------------------------------------------------
struct Built {
  std::vector<std::string> ids;  // subject id by index
  double build_s = 0, copy_s = 0;
  std::vector<double> chunk_rates;  // registers per second, chunk by chunk
};

Built build(const Config& cfg, const std::string& vault, const std::string& key, const std::string& plain) {
  Built b;
  remove_db(vault);
  remove_db(plain);
  std::filesystem::remove(key);
  dsr::Credential cred = dsr::make_key_file(key);
  auto t0 = Clock::now();
  {
    dsr::Desk desk(dsr::Vault::create(vault, "bench", cred));
    b.ids.reserve(size_t(cfg.subjects));
    auto tc = Clock::now();
    auto tx = std::make_unique<dsr::store::WriteTx>(desk.db());
    for (int i = 0; i < cfg.subjects; ++i) {
      b.ids.push_back(dsr::register_subject(desk, input_of(i)).subject.id);
      if ((i + 1) % cfg.chunk == 0 || i + 1 == cfg.subjects) {
        tx->commit();
        tx.reset();
        int n = (i + 1) % cfg.chunk ? (i + 1) % cfg.chunk : cfg.chunk;
        b.chunk_rates.push_back(n / (ms_since(tc) / 1000));
        std::fprintf(stderr, "\r  registered %d/%d (%.0f/s this chunk)", i + 1, cfg.subjects, b.chunk_rates.back());
        tc = Clock::now();
        if (i + 1 < cfg.subjects) tx = std::make_unique<dsr::store::WriteTx>(desk.db());
      }
    }
    std::fprintf(stderr, "\n");
    desk.vault().checkpoint();
  }
  b.build_s = ms_since(t0) / 1000;

  // The plain copy: every page as the vault's connection reads it (decrypted).
  t0 = Clock::now();
  plain_copy(vault, key, plain);
  b.copy_s = ms_since(t0) / 1000;
  std::ofstream ids(cfg.dir + "/ids.txt");
  for (const auto& id : b.ids) ids << id << "\n";
  return b;
}

// ---- the commands -----------------------------------------------------------------------
struct Case {
  std::string name;
  std::vector<std::string> dsr;      // argv after the global options
  std::string sql;                   // for the sqlite3 process
  std::string expect;                // in dsr's stdout on the check run
  bool vary = false;                 // correct: a new zip every run
  std::vector<double> dsr_ms, sql_ms, dsr_cpu, sql_cpu;
};

// The subject's columns as the store selects them.
const std::string kCols =
    "rowid, id, status, created_at, updated_at, status_changed_at, status_reason, provenance, name, name_key, "
    "email, email_key, username, username_key, phone, address, zip, contact_preference, account_type, interests, "
    "card_brand, card_last4, card_expiry, card_token";

std::string attrs_sql(const std::string& where) {
  return "SELECT category, key, value, source, collected_at, policy_version, typeof(value) = 'blob' FROM attributes "
         "WHERE subject_rowid = (SELECT rowid FROM subjects WHERE " + where + ") ORDER BY category, key;";
}

// The store's prefix range: [key, key || x'FFFFFFFF').
std::string range(const std::string& col, const std::string& key) {
  return "SELECT rowid FROM (SELECT rowid FROM subjects WHERE " + col + " >= " + sql_quote(key) + " AND " + col +
         " < " + sql_quote(key) + " || CAST(x'FFFFFFFF' AS TEXT) LIMIT 50)";
}

}  // namespace

int main(int argc, char** argv) {
  Config cfg;
  Args args("subjects_bench", argc, argv);
  for (std::string a; args.next(a);) {
    if (a == "--dir") cfg.dir = args.value();
    else if (a == "--subjects") cfg.subjects = std::stoi(args.value());
    else if (a == "--chunk") cfg.chunk = std::max(1, std::stoi(args.value()));
    else if (a == "--runs") cfg.runs = std::max(1, std::stoi(args.value()));
    else if (a == "--dsr") cfg.dsr = args.value();
    else if (a == "--sqlite3") cfg.sqlite3 = args.value();
    else if (a == "--keep") cfg.keep = true;
    else if (a == "--reuse") cfg.reuse = cfg.keep = true;
    else {
      std::fprintf(stderr,
                   "usage: subjects_bench [--dir DIR] [--subjects N] [--chunk N] [--runs N] [--dsr PATH] "
                   "[--sqlite3 PATH] [--keep] [--reuse]\n");
      return 2;
    }
  }
  if (cfg.dsr.empty())
    cfg.dsr = (std::filesystem::absolute(argv[0]).parent_path().parent_path() / "dsr").string();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    std::filesystem::create_directories(cfg.dir);
    const std::string vault = cfg.dir + "/subjects.dsr", key = cfg.dir + "/subjects.key", plain = cfg.dir + "/plain.db";

    char date[32];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::localtime(&now));
    std::printf("subjects_bench %s: %d subjects, %ld cores (nproc), SQLite %s, median of %d runs per command\n", date,
                cfg.subjects, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(), cfg.runs);
    std::printf("dsr: %s\n", cfg.dsr.c_str());

    std::vector<std::string> ids;
    if (cfg.reuse && std::filesystem::exists(vault) && std::filesystem::exists(plain)) {
      std::ifstream f(cfg.dir + "/ids.txt");
      for (std::string l; std::getline(f, l);) ids.push_back(l);
      if (int(ids.size()) != cfg.subjects) throw std::runtime_error("--reuse: ids.txt does not match --subjects");
      std::printf("reusing %s\n", vault.c_str());
    } else {
      Built b = build(cfg, vault, key, plain);
      ids = std::move(b.ids);
      std::printf("build: %d registers in %.1f s (%.0f/s; one outer WriteTx committed every %d; first chunk %.0f/s, "
                  "last %.0f/s), plain copy %.1f s\n",
                  cfg.subjects, b.build_s, cfg.subjects / b.build_s, cfg.chunk, b.chunk_rates.front(),
                  b.chunk_rates.back(), b.copy_s);
    }
    std::printf("files: vault %.0f MB, plain copy %.0f MB\n", file_mb(vault), file_mb(plain));

    // The subjects the commands look at.
    int t = cfg.subjects * 7 / 10 + 3;
    Person p = person(t);
    std::string email = p.email, id = ids[size_t(t)];
    std::string email_key = dsr::validate::email_key(email);
    std::string local = email.substr(0, email.find('@'));
    std::string prefix = local.substr(0, local.size() - 1);  // matches t and ten more at most
    std::string prefix_key = dsr::validate::email_key(prefix);
    int matches = 0;
    for (int i = 0; i < cfg.subjects; ++i) {
      Person q = person(i);
      std::string ek = dsr::validate::email_key(q.email), uk = lower(q.username), nk = dsr::validate::email_key(q.name);
      if (ek.rfind(prefix_key, 0) == 0 || uk.rfind(prefix_key, 0) == 0 || nk.rfind(prefix_key, 0) == 0) ++matches;
    }
    std::printf("subject #%d: %s (%s); find prefix '%s' matches %d subjects\n\n", t, id.c_str(), email.c_str(),
                prefix.c_str(), matches);

    std::vector<Case> cases;
    cases.push_back({"show EMAIL", {"show", email}, "SELECT " + kCols + " FROM subjects WHERE email_key = " +
                     sql_quote(email_key) + ";" + attrs_sql("email_key = " + sql_quote(email_key)), id, false, {}, {}, {}, {}});
    cases.push_back({"find PREFIX", {"find", prefix},
                     "SELECT " + kCols + " FROM subjects WHERE rowid IN (" + range("email_key", prefix_key) + " UNION " +
                         range("username_key", prefix_key) + " UNION " + range("name_key", prefix_key) +
                         ") ORDER BY created_at, rowid LIMIT 50;",
                     id, false, {}, {}, {}, {}});
    std::string by_id = "id = " + sql_quote(id);
    cases.push_back({"export ID", {"export", id},
                     "SELECT " + kCols + " FROM subjects WHERE " + by_id + ";" + attrs_sql(by_id) +
                         "SELECT * FROM choices WHERE subject_rowid = (SELECT rowid FROM subjects WHERE " + by_id + ");" +
                         "SELECT d.id, s.id, d.disclosed_on, r.name, r.type, r.address, d.categories, d.purpose, d.basis, "
                         "d.reference, d.withhold_until, d.recorded_at, d.recorded_by FROM disclosures d JOIN recipients r "
                         "ON r.id = d.recipient_id JOIN subjects s ON s.rowid = d.subject_rowid WHERE d.subject_rowid = "
                         "(SELECT rowid FROM subjects WHERE " + by_id + ") AND d.disclosed_on >= '0001-01-01' "
                         "ORDER BY d.disclosed_on DESC, d.id DESC;",
                     "dsr-access-package", false, {}, {}, {}, {}});
    cases.push_back({"correct ID --set zip", {"correct", id, "--set", "zip=@ZIP@"},
                     "PRAGMA secure_delete=ON; PRAGMA synchronous=FULL; UPDATE subjects SET zip = '@ZIP@', updated_at = "
                     "unixepoch(), provenance = json_set(provenance, '$.zip', json_object('source', 'subject', "
                     "'collected_at', unixepoch())) WHERE " + by_id + ";",
                     "zip", true, {}, {}, {}, {}});

    auto dsr_argv = [&](const Case& c, int run) {
      std::vector<std::string> a = {cfg.dsr, "--db", vault, "--key-file", key};
      for (auto s : c.dsr) {
        if (c.vary) if (auto at = s.find("@ZIP@"); at != std::string::npos) s.replace(at, 5, std::to_string(20000 + run));
        a.push_back(s);
      }
      return a;
    };
    auto sql_argv = [&](const Case& c, int run) {
      std::string sql = c.sql;
      if (c.vary) if (auto at = sql.find("@ZIP@"); at != std::string::npos) sql.replace(at, 5, std::to_string(30000 + run));
      return std::vector<std::string>{cfg.sqlite3, "-batch", "-bail", "-init", "/dev/null", plain, sql};
    };

    // Check runs: each command works and finds the subject.
    std::string out = cfg.dir + "/check.out", err = cfg.dir + "/check.err";
    for (auto& c : cases) {
      int rc = 0;
      run_process(dsr_argv(c, -1), &rc, out, err);
      std::string o = slurp(out);
      if (rc != 0 || o.find(c.expect) == std::string::npos)
        throw std::runtime_error("dsr " + c.name + " failed (exit " + std::to_string(rc) + "): " + slurp(err) + o.substr(0, 300));
      run_process(sql_argv(c, -1), &rc, out, err);
      o = slurp(out);
      if (rc != 0 || (c.name != "correct ID --set zip" && o.find(id) == std::string::npos))
        throw std::runtime_error("sqlite3 " + c.name + " failed (exit " + std::to_string(rc) + "): " + slurp(err));
    }
    // Process floors: the smallest whole process of each program.
    std::vector<double> floor_dsr, floor_sql, floor_dsr_cpu, floor_sql_cpu;
    int rc = 0;
    for (int w = 0; w < 3; ++w)  // warm-up
      for (auto& c : cases) {
        run_process(dsr_argv(c, -1), &rc);
        run_process(sql_argv(c, -1), &rc);
      }
    for (int r = 0; r < cfg.runs; ++r) {
      double cpu = 0;
      floor_dsr.push_back(run_process({cfg.dsr, "--version"}, &rc, "", "", "", &cpu));
      floor_dsr_cpu.push_back(cpu);
      floor_sql.push_back(run_process({cfg.sqlite3, "-version"}, &rc, "", "", "", &cpu));
      floor_sql_cpu.push_back(cpu);
      for (auto& c : cases) {
        c.dsr_ms.push_back(run_process(dsr_argv(c, r), &rc, "", "", "", &cpu));
        c.dsr_cpu.push_back(cpu);
        if (rc != 0) throw std::runtime_error("dsr " + c.name + " exited " + std::to_string(rc));
        c.sql_ms.push_back(run_process(sql_argv(c, r), &rc, "", "", "", &cpu));
        c.sql_cpu.push_back(cpu);
        if (rc != 0) throw std::runtime_error("sqlite3 " + c.name + " exited " + std::to_string(rc));
      }
    }

    std::printf("%-22s %9s %7s %7s %9s %7s %7s %9s %9s   %s\n", "whole process (ms)", "dsr wall", "p10", "p90",
                "sqlite3", "p90", "ratio", "dsr cpu", "sql cpu", "target: wall < 20 ms and <= 3x sqlite3");
    bool all = true;
    auto line = [](const std::string& name, const std::vector<double>& dw, const std::vector<double>& sw,
                   const std::vector<double>& dc, const std::vector<double>& sc) {
      double d = pct(dw, 0.5), s = pct(sw, 0.5);
      std::printf("%-22s %9.2f %7.2f %7.2f %9.2f %7.2f %6.2fx %9.2f %9.2f", name.c_str(), d, pct(dw, 0.1),
                  pct(dw, 0.9), s, pct(sw, 0.9), d / s, pct(dc, 0.5), pct(sc, 0.5));
    };
    for (const auto& c : cases) {
      double d = pct(c.dsr_ms, 0.5), s = pct(c.sql_ms, 0.5);
      bool ok = d < 20 && d / s <= 3;
      all &= ok;
      line(c.name, c.dsr_ms, c.sql_ms, c.dsr_cpu, c.sql_cpu);
      std::printf("   %s%s%s\n", ok ? "ok" : "MISSED", d < 20 ? "" : " (>= 20 ms)", d / s <= 3 ? "" : " (> 3x)");
    }
    line("floor (--version)", floor_dsr, floor_sql, floor_dsr_cpu, floor_sql_cpu);
    std::printf("   (dsr --version vs sqlite3 -version)\n");
    std::printf("wall: median (p10, p90) of %d runs; cpu: median user+system CPU of the process (wait4)\n", cfg.runs);
    std::printf("\ntargets: %s\n", all ? "all met" : "some MISSED");

    std::filesystem::remove(out);
    std::filesystem::remove(err);
    if (!cfg.keep) {
      remove_db(vault);
      remove_db(plain);
      std::filesystem::remove(key);
      std::filesystem::remove(cfg.dir + "/ids.txt");
      std::filesystem::remove(cfg.dir);
    }
    return all ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "subjects_bench: %s\n", dsr::classify(e).what());
    return 1;
  }
}
