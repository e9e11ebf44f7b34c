// The transaction machinery shared by `batch` and `import`: runs one line at a
// time inside the current chunk's transaction, buffers the results until the
// chunk commits, and hands them out in order.
#pragma once
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/bulk/bulk_register.hpp"
#include "domain/bulk/prefetch.hpp"
#include "dsr/input.hpp"
#include "dsr/batch.hpp"
#include "store/bulk_settings.hpp"
#include "store/tx.hpp"

namespace dsr {

// One input line as the reading thread hands it to the engine's: a pause in
// the input, a line that failed to read, a registration prepared ahead, or
// another operation (parsed, to run on the engine's thread).
struct LineAhead {
  enum class Kind { pause, failed, registration, operation };
  Kind kind = Kind::pause;
  int64_t line = 0;
  std::string op;
  std::optional<Error> error;
  Ahead registration;
  nlohmann::json operation;
};
using ReadAhead = Prefetch<LineAhead>;
constexpr size_t kAheadBlock = 256, kAheadBlocks = 8;  // at most ~2,300 lines read ahead

// On the reading thread, when the next read would block: hands over a pause
// (the engine commits what it holds, so a waiting producer gets its answers)
// and waits for input. False when the engine's thread has gone.
bool pause_for_input(const std::function<bool()>& would_block, Input& in, ReadAhead::Sink& out);

// The registration a batch line {"op":"register",...} asks for, its keys
// checked; `request` gets its "request" key (empty when none). In batch_ops.cpp.
SubjectInput register_input(const nlohmann::json& j, std::string& request);

class BatchEngine {
 public:
  BatchEngine(Desk& desk, const BatchOptions& opts, ResultSink& sink);
  ~BatchEngine();  // rolls back whatever did not commit
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  // Runs `fn` for input line `line` inside the current chunk and records its
  // result (or its error). Throws only the errors that end the batch.
  void run(int64_t line, std::string_view op, const std::function<nlohmann::json()>& fn);
  // Registers the subject make() prepares through the bulk path
  // (BulkRegistrar) as line `line`; errors make() throws are the line's.
  void register_subject(int64_t line, const std::function<PreparedRegistration&()>& make);
  BulkRegistrar& registrar() { return bulk_; }
  // Runs every line the reading thread hands over, in order; then finish().
  BatchSummary drain(ReadAhead& lines, const BatchOptions& opts);
  // Records a line that could not even be read as an operation.
  void fail(int64_t line, std::string_view op, Error e);
  // The input has paused: commit what is held so a waiting producer gets its answers.
  void pause();
  // Commits (or, for --atomic with failures and for dry runs, rolls back) and hands out the rest.
  BatchSummary finish();

 private:
  void begin();
  void execute(int64_t line, std::string_view op, bool bulk, const std::function<std::string()>& fn);
  void record(LineResult r);
  void stop_if_lost(LineResult& r, const Error& err);
  void rollback();
  void commit_chunk();
  void push(LineResult r);
  void emit(LineResult& r);
  [[noreturn]] void abort(const Error& why);
  bool holds_everything() const { return opts_.atomic || opts_.dry_run; }
  bool chunk_full() const;

  Desk& desk_;
  BatchOptions opts_;
  ResultSink& sink_;
  store::BulkSettings settings_;  // before tx_: put back after it rolls back
  std::optional<store::WriteTx> tx_;
  BulkRegistrar bulk_;  // its audit entry goes in before each commit
  std::vector<LineResult> held_;  // results waiting for their chunk to commit
  size_t held_bytes_ = 0;
  size_t in_chunk_ = 0;
  std::chrono::steady_clock::time_point chunk_start_{};
  BatchSummary sum_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace dsr
