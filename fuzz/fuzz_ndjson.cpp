// Fuzzes `dsr batch`'s input: NDJSON lines run by run_batch (dsr/batch.hpp)
// against a real vault holding a few subjects, as a dry run (every line runs,
// then everything rolls back), so each input starts from the same vault.
// This covers the line splitter, the JSON parser, every operation's key
// checks and the validation of every field behind them.
//
// Input: one byte choosing how many bytes each read returns and the line
// limit, then the NDJSON text.
//
// Findings: a crash or hang; run_batch throwing (it may only throw when the
// vault is locked, damaged or a commit fails, none of which a dry run on a
// private vault can meet); results out of order, not one per line, or not
// JSON; a summary that does not add up; anything left in the vault after a
// dry run.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dsr/batch.hpp"
#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace dsr;

namespace {

std::unique_ptr<Desk> g_desk;

struct Collect : ResultSink {
  std::vector<LineResult> results;
  void result(const LineResult& r) override { results.push_back(r); }
};

const char* const kTables[] = {"subjects", "attributes", "suppressions", "recipients", "disclosures",
                               "holds", "requests", "request_events", "policies", "choices",
                               "retention_rules", "retention_runs", "audit"};

std::vector<std::string> fingerprint() {
  std::vector<std::string> out;
  for (const char* t : kTables)
    out.push_back(g_desk->db().execAndGet(std::string("SELECT count(*) FROM ") + t).getString());
  out.push_back(g_desk->db()
                    .execAndGet("SELECT group_concat(id || status || updated_at || coalesce(name, '') || "
                                "coalesce(email, '') || coalesce(phone, '') || provenance, '|') FROM subjects")
                    .getString());
  return out;
}

const char kSetup[] =
    R"({"op":"register","email":"alice@example.org","name":"Alice Example","username":"alice","phone":"+14155550123","zip":"94110","attrs":{"survey.note":"likes tea"}})"
    "\n"
    R"({"op":"register","email":"bob@example.org","name":"Bob Example","card_number":"4111 1111 1111 1111","card_expiry":"12/30","account_type":"individual"})"
    "\n"
    R"({"op":"register","email":"carol@example.org","name":"Carol Example","interests":["cycling","chess"]})"
    "\n"
    R"({"op":"hold","action":"place","subject":"carol@example.org","reason":"litigation","reference":"case-1"})"
    "\n";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  dsr::fuzz::use_deterministic_randomness();
  std::string dir = dsr::fuzz::scratch_dir();
  Credential cred = make_key_file(dir + "/ndjson.key");
  g_desk = std::make_unique<Desk>(Vault::create(dir + "/ndjson.dsr", "admin", cred, KdfStrength::interactive));
  auto in = string_input(kSetup);
  Collect sink;
  BatchOptions opts;
  opts.allow_delete = true;
  BatchSummary s = run_batch(*g_desk, *in, opts, sink);
  if (s.failed != 0) {
    for (const auto& r : sink.results)
      if (!r.ok) std::fprintf(stderr, "setup line %lld: %s\n", (long long)r.line, r.error->what());
    std::abort();
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dsr::fuzz::Bytes bytes(data, size);
  uint8_t shape = bytes.u8();
  static const size_t kBlocks[] = {0, 1, 3, 17, 4096};
  BatchOptions opts;
  opts.dry_run = true;
  opts.allow_delete = true;
  opts.max_line = (shape & 0x80) ? 64 + (shape & 0x70) * 4 : (1 << 20);
  opts.chunk = 1 + (shape >> 3 & 0x7);
  auto in = string_input(std::string(bytes.rest()), kBlocks[shape % 5]);

  static const std::vector<std::string> before = fingerprint();
  Collect sink;
  BatchSummary s;
  try {
    s = run_batch(*g_desk, *in, opts, sink);
  } catch (const std::exception& e) {
    Error err = classify(e);
    DSR_FUZZ_CHECK(false, "run_batch threw (%s): %s", kind_name(err.kind()), err.what());
  }
  DSR_FUZZ_CHECK(s.dry_run, "a dry run did not say so");
  DSR_FUZZ_CHECK(size_t(s.lines) == sink.results.size(), "summary says %lld lines, %zu results", (long long)s.lines,
                 sink.results.size());
  DSR_FUZZ_CHECK(s.ok + s.failed == s.lines, "ok %lld + failed %lld != %lld lines", (long long)s.ok,
                 (long long)s.failed, (long long)s.lines);
  static const bool verbose = std::getenv("DSR_FUZZ_VERBOSE") != nullptr;
  int64_t last = 0;
  for (const auto& r : sink.results) {
    if (verbose) std::fprintf(stderr, "  %s\n", result_line(r).c_str());
    DSR_FUZZ_CHECK(r.line > last, "result for line %lld after line %lld", (long long)r.line, (long long)last);
    last = r.line;
    DSR_FUZZ_CHECK(r.ok != r.error.has_value(), "line %lld: ok and error disagree", (long long)r.line);
    nlohmann::json j = nlohmann::json::parse(result_line(r), nullptr, false);
    DSR_FUZZ_CHECK(j.is_object() && j.value("line", int64_t(-1)) == r.line && j.contains("ok"),
                   "line %lld: the result line is not the JSON it should be", (long long)r.line);
    if (r.ok) DSR_FUZZ_CHECK(!nlohmann::json::parse(r.result, nullptr, false).is_discarded(), "result not JSON");
  }
  DSR_FUZZ_CHECK(fingerprint() == before, "a dry run left something in the vault");
  return 0;
}
