// Batches for scripts: NDJSON operations in, one NDJSON result per line out,
// in input order. Lines commit in chunks (one transaction per chunk, each
// operation a savepoint inside it, so a failed line rolls back alone), and a
// line's result is handed out only after its chunk committed: a script can
// trust an "ok" even after a crash. Memory stays flat: input is read in blocks
// and a line longer than the limit is that line's error.
//
// Operations (one JSON object per line; unknown keys are an error):
//   {"op":"register", "email","name","username","phone","address","zip",
//        "contact_preference","interests":[...],"account_type","card_number",
//        "card_expiry","card_token","attrs":{"CATEGORY.KEY":"VALUE"},"source"}
//        -> {"id", "previously_erased"?: {"id","erased_at"}}
//   {"op":"correct","subject","set":{FIELD:VALUE},"unset":[FIELD],"source"}
//   {"op":"deactivate","subject","reason"}   {"op":"reactivate","subject"}
//        -> {"id","status","changed":[...],"notify":[...]}
//   {"op":"delete","subject","reason","dry_run"} (needs allow_delete unless dry_run)
//        -> {"id","dry_run","erased","already_erased","erased_at","fields","notify"}
//   {"op":"disclose","subjects":[...] (or "subject"),"recipient","recipient_type",
//        "recipient_address","categories":[...],"purpose","basis","reference",
//        "date","withhold_until"}  -> {"subject_ids","first_id","date"}
//   {"op":"hold","action":"place","subject","reason","reference"} -> the hold
//   {"op":"hold","action":"release","subject","reference"} -> {"subject","released"}
//   {"op":"consent","action":"record","subject","purpose","notice","method",
//        "evidence" (a file),"given_at"} -> the consent (as consent record --json)
//   {"op":"consent","action":"withdraw","subject","purpose"} -> {"subject","purpose","withdrawn"}
//   {"op":"choice","subject","new_uses","opt_out","opt_in","gpc":true,"signal_at",
//        "signal_source","received","complied","complied_on"} -> as choice --json
//   {"op":"export","subject"} -> the access package
// register, correct, deactivate, reactivate, delete and export also take
// "request": "req_12" (the CLI's --request): the action is checked against
// that request and recorded in its history, in the same transaction.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"

namespace dsr {

struct BatchOptions {
  bool atomic = false;        // one transaction for everything: every line or none
  bool dry_run = false;       // run every line in one transaction, then roll it all back
  size_t chunk = 10000;       // lines per transaction at most; a chunk also ends when
  double chunk_seconds = 1.0; // it has run this long, or when the input pauses
  bool allow_delete = false;  // erasing needs this (the CLI's --yes)
  size_t max_line = 1 << 20;  // bytes; a longer line (or CSV record) is that line's error
  char delimiter = ',';       // import: the CSV field separator (';' for European spreadsheets)
};

// The outcome of one input line (or CSV record).
struct LineResult {
  int64_t line = 0;            // physical line number in the input (1-based)
  std::string op;              // empty when the line could not be read as an operation
  bool ok = false;
  std::string result;          // ok: the operation's result as compact JSON text
  std::optional<Error> error;  // not ok: why
  bool rolled_back = false;    // --atomic: the line worked but was undone with the rest
  bool dry_run = false;        // ok, but rolled back because this was a dry run
};
// One NDJSON line (no newline):
//   {"line":N,"ok":true,"op":"register","result":{...}}          ("dry_run":true in a dry run)
//   {"line":N,"ok":false,"op":"register","error":{"kind","exit_code","message"[,"details"]}}
//   ("rolled_back":true when --atomic undid a line that had worked)
std::string result_line(const LineResult& r);

struct BatchSummary {
  int64_t lines = 0;   // results handed out
  int64_t ok = 0;      // lines that worked (and committed, unless dry_run)
  int64_t failed = 0;  // lines with an error (rolled-back lines included)
  int64_t first_failed_line = 0;
  bool rolled_back = false;  // --atomic and something failed: nothing was kept
  bool dry_run = false;
  double seconds = 0;
};

// Receives results in input order, and a call after each committed chunk
// (the place to flush output and show progress).
class ResultSink {
 public:
  virtual ~ResultSink() = default;
  virtual void result(const LineResult& r) = 0;
  virtual void chunk_done(const BatchSummary& so_far) { (void)so_far; }
};

// Runs NDJSON operations from `in`. Blank lines are skipped. A line that is
// not JSON, not an object, names an unknown op, is too long or fails is that
// line's error; the batch goes on. Throws only when it cannot go on: the vault
// stays locked past the timeout (locked: nothing of the chunk was run), the
// vault is damaged (integrity), or a commit fails; results of a chunk that did
// not commit are handed out as failed before the throw.
BatchSummary run_batch(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink);

// Runs one operation (a parsed batch line) and returns its result; throws
// Error (usage for a malformed operation, naming the key).
nlohmann::json run_operation(Desk& desk, const nlohmann::json& op, const BatchOptions& opts = {});

// The names of the operations, in the order of the documentation.
const std::vector<std::string>& batch_operations();

}  // namespace dsr
