// dsr batch (NDJSON operations) and dsr import (CSV registrations): open the
// input, hand it to the library, print results, progress and the summary.
#include <unistd.h>

#include <chrono>
#include <deque>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <cerrno>
#include <cstring>

#include "cli/context.hpp"
#include "cli/output.hpp"
#include "cli/render.hpp"
#include "dsr/batch.hpp"
#include "dsr/error.hpp"
#include "dsr/import.hpp"

namespace dsr::cli {
namespace {

struct ScriptArgs {
  std::string file = "-";
  bool atomic = false;
  bool dry_run = false;
  size_t chunk = 10000;
  std::string format = "summary";  // import: summary or ndjson
  std::vector<std::string> map;     // import: --map COLUMN[+COLUMN]=FIELD
  std::vector<std::string> skip;    // import: --skip-columns
  std::string map_file;             // import: --map-file
};

// --map-file, then --map (a rule on the command line adds to the file's).
ColumnMap column_map(const ScriptArgs& a) {
  ColumnMap m;
  if (!a.map_file.empty()) {
    std::ifstream f(a.map_file);
    if (!f) fail(ErrorKind::not_found, "--map-file: cannot read " + a.map_file);
    std::stringstream text;
    text << f.rdbuf();
    read_map_file(text.str(), m);
  }
  for (const auto& r : a.map) m.rules.push_back(parse_map_rule(r));
  for (const auto& s : a.skip) m.skip.push_back(s);
  return m;
}

std::unique_ptr<Input> open_input(const std::string& file) {
  return file == "-" ? fd_input(STDIN_FILENO) : file_input(file);
}

// Writes result lines (or errors) as they are released, a progress line on a
// terminal, and flushes stdout after every committed chunk.
class CliSink : public ResultSink {
 public:
  enum class Mode { ndjson, errors };  // every result on stdout, or failed rows on stderr
  CliSink(Context& ctx, Mode mode) : ctx_(ctx), mode_(mode), progress_(ctx.show_progress()) {
  }
  ~CliSink() override { clear_progress(); }

  void result(const LineResult& r) override {
    if (mode_ == Mode::ndjson) {
      std::string line = result_line(r);
      line += '\n';
      // Held until the chunk commits (chunk_done): a result on stdout is a
      // promise that the line's work is in the vault (test_crash_batch.sh).
      pending_ += line;
      put_ += static_cast<int64_t>(line.size());
      unconfirmed_.emplace_back(r.line, put_);
    } else if (!r.ok && r.error) {
      if (++shown_ <= kShownErrors && !ctx_.g.json) {
        clear_progress();
        std::fprintf(stderr, "dsr: line %lld: %s\n", static_cast<long long>(r.line), r.error->what());
      }
      if (r.error && errors_.size() < kJsonErrors)
        errors_.push_back({{"line", r.line}, {"kind", kind_name(r.error->kind())},
                           {"exit_code", exit_code(r.error->kind())}, {"message", r.error->what()}});
    }
  }

  void chunk_done(const BatchSummary& s) override {
    flush_results(s);
    if (!progress_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    double rate = s.seconds > 0 ? static_cast<double>(s.lines) / s.seconds : 0;
    std::fprintf(stderr, "\r%lld lines, %.0f/s, %lld failed   ", static_cast<long long>(s.lines), rate,
                 static_cast<long long>(s.failed));
    std::fflush(stderr);
    drawn_ = true;
  }

  // The results of a committed chunk go out now: a write that fails stops the
  // run (exit 1) and names the last line whose result was written, so that a
  // script knows where to look (the lines after it up to this chunk's end
  // were committed: `dsr audit log` shows them).
  void flush_results(const BatchSummary& s) {
    if (mode_ != Mode::ndjson) return;
    std::cout.write(pending_.data(), static_cast<std::streamsize>(pending_.size()));
    pending_.clear();
    bool ok = flush_stdout();
    // The results whose last byte reached standard output are written whole.
    int64_t written = stdout_bytes_written();
    size_t k = 0;
    while (k < unconfirmed_.size() && unconfirmed_[k].second <= written) written_line_ = unconfirmed_[k++].first;
    unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.begin() + static_cast<long>(k));
    if (ok) return;
    clear_progress();
    int err = stdout_error();
    std::string why = err ? std::strerror(err) : "write error";
    fail(ErrorKind::failure, "cannot write standard output (" + why + "): " +
                                 (written_line_ ? "the last result written is line " + std::to_string(written_line_)
                                                : std::string("no result was written")) +
                                 "; the run stopped after " + std::to_string(s.lines) + " lines" +
                                 (s.dry_run ? " (dry run: nothing was written)" : "; what they did is committed (dsr audit log)"));
  }

  void clear_progress() {
    if (drawn_) std::fprintf(stderr, "\r%60s\r", "");
    drawn_ = false;
  }
  int64_t shown() const { return shown_; }
  nlohmann::json& errors() { return errors_; }

  static constexpr int64_t kShownErrors = 100;
  static constexpr size_t kJsonErrors = 10000;

 private:
  Context& ctx_;
  Mode mode_;
  bool progress_;
  bool drawn_ = false;
  int64_t shown_ = 0;
  std::string pending_;       // results of the chunk not yet committed
  int64_t put_ = 0;           // bytes of results handed to std::cout
  std::deque<std::pair<int64_t, int64_t>> unconfirmed_;  // (line, its end in put_) not yet known written
  int64_t written_line_ = 0;  // the last line whose result reached standard output whole
  nlohmann::json errors_ = nlohmann::json::array();
  std::chrono::steady_clock::time_point last_{};
};

std::string rate_text(const BatchSummary& s) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "in %.2f s (%.0f/s)", s.seconds, s.seconds > 0 ? s.lines / s.seconds : 0.0);
  return buf;
}

// The failure line (stderr, even with -q) and exit code 1 when any line failed.
[[noreturn]] void fail_lines(Context& ctx, const BatchSummary& s, const char* unit) {
  std::string msg = std::to_string(s.failed) + " of " + std::to_string(s.lines) + " " + unit + " failed (first at line " +
                    std::to_string(s.first_failed_line) + ")";
  if (s.rolled_back) msg += "; --atomic rolled every " + std::string(unit) + " back: nothing was written";
  else if (s.dry_run) msg += "; dry run: nothing was written";
  ctx.g.json = false;  // the results are already on stdout: no second document
  fail(ErrorKind::failure, msg);
}

BatchOptions options(Context& ctx, const ScriptArgs& a) {
  BatchOptions o;
  o.atomic = a.atomic;
  o.dry_run = a.dry_run;
  o.chunk = a.chunk;
  o.allow_delete = ctx.g.yes;
  o.delimiter = csv_delimiter();
  return o;
}

void run_batch_command(Context& ctx, const ScriptArgs& a) {
  auto in = open_input(a.file);
  Desk desk = ctx.open_desk();
  CliSink sink(ctx, CliSink::Mode::ndjson);
  BatchSummary s = run_batch(desk, *in, options(ctx, a), sink);
  sink.flush_results(s);
  sink.clear_progress();
  if (s.failed > 0) fail_lines(ctx, s, "lines");
  ctx.note(std::string(s.dry_run ? "dry run: " : "batch: ") + std::to_string(s.lines) + " lines " +
           (s.dry_run ? "would work" : "ok") + " " + rate_text(s) + (s.dry_run ? "; nothing was written" : ""));
}

void run_import_command(Context& ctx, const ScriptArgs& a) {
  auto in = open_input(a.file);
  Desk desk = ctx.open_desk();
  bool ndjson = a.format == "ndjson" && !ctx.g.json;
  CliSink sink(ctx, ndjson ? CliSink::Mode::ndjson : CliSink::Mode::errors);
  ColumnMap map = column_map(a);
  std::vector<std::string> mapping;
  BatchSummary s = import_csv(desk, *in, options(ctx, a), sink, map, &mapping);
  sink.flush_results(s);
  sink.clear_progress();
  if (!ndjson && !ctx.g.json && sink.shown() > CliSink::kShownErrors)
    std::fprintf(stderr, "dsr: ... and %lld more failed rows (--format ndjson lists every row)\n",
                 static_cast<long long>(sink.shown() - CliSink::kShownErrors));
  int64_t kept = s.rolled_back || s.dry_run ? 0 : s.ok;
  if (ctx.g.json) {
    nlohmann::json j = {{"ok", s.failed == 0},        {"rows", s.lines},         {"imported", kept},
                        {"failed", s.failed},          {"dry_run", s.dry_run},    {"rolled_back", s.rolled_back},
                        {"seconds", s.seconds},        {"errors", sink.errors()}};
    if (s.failed > static_cast<int64_t>(CliSink::kJsonErrors)) j["errors_omitted"] = s.failed - CliSink::kJsonErrors;
    if (!map.empty()) j["mapping"] = mapping;
    ctx.emit_json(j);
  } else if (!ndjson) {
    if (s.dry_run && !map.empty()) {
      ctx.out("columns read:");
      for (const auto& m : mapping) ctx.out("  " + m);
    }
    if (s.dry_run)  // the answer a dry run was asked for: -q keeps it
      ctx.out("dry run: " + std::to_string(s.ok) + " of " + std::to_string(s.lines) +
              " rows would be imported; nothing was written");
    else
      ctx.say("imported " + std::to_string(kept) + " of " + std::to_string(s.lines) + " rows " + rate_text(s));
  } else {
    ctx.note("import: " + std::to_string(kept) + " of " + std::to_string(s.lines) + " rows imported " + rate_text(s));
  }
  if (s.failed > 0) fail_lines(ctx, s, "rows");
}

}  // namespace

void add_batch_commands(CLI::App& app, Context& ctx) {
  auto ba = std::make_shared<ScriptArgs>();
  auto* batch = app.add_subcommand("batch", "Run NDJSON operations, one per line; print one NDJSON result per line");
  batch->add_option("FILE", ba->file, "NDJSON input, or - for stdin (default)");
  batch->add_flag("--atomic", ba->atomic, "All lines or none: any failure rolls every line back");
  batch->add_option("--chunk", ba->chunk, "Lines per transaction at most (default 10000; a chunk also ends after a second)")
      ->check(CLI::Range(1, 1000000));
  batch->add_flag("-n,--dry-run", ba->dry_run, "Run every line, then roll everything back");
  batch->footer(
      "Operations: register, correct, deactivate, reactivate, delete (needs --yes), disclose, hold, export.\n"
      "A result that says ok is printed only after its chunk committed. Exit 1 when any line failed.\n"
      "Example:\n"
      "  printf '%s\\n' '{\"op\":\"register\",\"email\":\"a@example.com\",\"name\":\"A\"}' \\\n"
      "    '{\"op\":\"deactivate\",\"subject\":\"a@example.com\",\"reason\":\"restriction\"}' | dsr batch -");
  batch->callback([&ctx, ba] { run_batch_command(ctx, *ba); });

  auto ia = std::make_shared<ScriptArgs>();
  auto* imp = app.add_subcommand("import", "Register subjects from a CSV file whose header names the columns");
  imp->add_option("FILE", ia->file, "CSV input, or - for stdin")->required();
  imp->add_flag("-n,--dry-run", ia->dry_run, "Validate every row and write nothing");
  imp->add_flag("--atomic", ia->atomic, "All rows or none: any failure rolls every row back");
  imp->add_option("--chunk", ia->chunk, "Rows per transaction at most (default 10000; a chunk also ends after a second)")
      ->check(CLI::Range(1, 1000000));
  imp->add_option("--map", ia->map, "Read a column as a field: 'Email Address=email', 'First Name+Last Name=name' (repeatable)");
  imp->add_option("--skip-columns", ia->skip, "Leave these columns out (comma-separated)")->delimiter(',');
  imp->add_option("--map-file", ia->map_file, "Rules of --map from FILE, one a line ('-COLUMN' skips it; # comments)");
  imp->add_option("--format", ia->format, "summary (default) or ndjson: one result per row with the new id")
      ->check(CLI::IsMember({"summary", "ndjson"}));
  imp->footer(
      "Columns: email, name, username, phone, address, zip, contact_preference, interests (separated by ;),\n"
      "account_type, card_number, card_expiry, card_token, source, or CATEGORY.KEY. Good rows are kept,\n"
      "bad rows are named by line; exit 1 when any row failed, 2 for a bad header (nothing imported).\n"
      "--delimiter ';' reads the CSV of European spreadsheets.\n"
      "Example:\n  dsr import customers.csv --dry-run && dsr import customers.csv\n"
      "  dsr import crm.csv --map 'Email Address=email' --map 'First Name+Last Name=name' --dry-run");
  imp->callback([&ctx, ia] { run_import_command(ctx, *ia); });
}

}  // namespace dsr::cli
