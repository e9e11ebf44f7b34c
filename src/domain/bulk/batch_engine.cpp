#include "domain/bulk/batch_engine.hpp"

#include "util/strings.hpp"

namespace dsr {
namespace {

// Results held for one chunk are capped in bytes too (exports are large), so
// memory stays flat whatever the operations return.
constexpr size_t kMaxHeldBytes = 8u << 20;

}  // namespace

BatchEngine::BatchEngine(Desk& desk, const BatchOptions& opts, ResultSink& sink)
    : desk_(desk),
      opts_(opts),
      sink_(sink),
      settings_(desk.db(), 0, opts.dry_run ? nullptr : desk.vault().connect_again()),
      bulk_(desk) {
  if (opts_.chunk == 0) opts_.chunk = 1;
  sum_.dry_run = opts_.dry_run;
}

BatchEngine::~BatchEngine() = default;  // the open transaction (if any) rolls back

void BatchEngine::begin() {
  if (tx_) return;
  tx_.emplace(desk_.db());  // BEGIN IMMEDIATE: waits for the lock up to the timeout
  chunk_start_ = std::chrono::steady_clock::now();
}

// A commit costs an fsync or two (10-40 ms on a VM disk), so chunks are large;
// the time limit keeps the write lock from being held long enough for another
// process to give up waiting, whatever the operations cost.
bool BatchEngine::chunk_full() const {
  if (holds_everything()) return false;
  if (in_chunk_ >= opts_.chunk || held_bytes_ >= kMaxHeldBytes) return true;
  return tx_ && std::chrono::duration<double>(std::chrono::steady_clock::now() - chunk_start_).count() >=
                    opts_.chunk_seconds;
}

void BatchEngine::emit(LineResult& r) {
  ++sum_.lines;
  if (r.ok) {
    ++sum_.ok;
  } else {
    ++sum_.failed;
    if (!sum_.first_failed_line) sum_.first_failed_line = r.line;
  }
  sink_.result(r);
}

void BatchEngine::push(LineResult r) {
  ++in_chunk_;
  if (opts_.dry_run) {  // nothing will ever commit: no reason to hold the answer back
    r.dry_run = r.ok;
    emit(r);
  } else {
    held_bytes_ += r.result.size() + sizeof(LineResult);
    held_.push_back(std::move(r));
  }
  if (holds_everything() && in_chunk_ % opts_.chunk == 0) {
    sum_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    sink_.chunk_done(sum_);  // progress only: nothing committed
  }
}

void BatchEngine::rollback() {
  tx_.reset();
  bulk_.discard();
}

void BatchEngine::abort(const Error& why) {
  rollback();  // the chunk
  for (auto& r : held_) {
    if (r.ok) {
      r.ok = false;
      r.rolled_back = true;
      r.result.clear();
      r.error = Error(why.kind(), std::string("not committed: ") + why.what());
    }
    emit(r);
  }
  held_.clear();
  throw why;
}

void BatchEngine::run(int64_t line, std::string_view op, const std::function<nlohmann::json()>& fn) {
  execute(line, op, /*bulk=*/false, [&] { return fn().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); });
}

void BatchEngine::register_subject(int64_t line, const std::function<PreparedRegistration&()>& make) {
  execute(line, "register", /*bulk=*/true, [&] {
    return registered_text(bulk_.add(make));
  });
}

void BatchEngine::execute(int64_t line, std::string_view op, bool bulk, const std::function<std::string()>& fn) {
  try {
    begin();
    if (!bulk) bulk_.flush();  // the registrations before this line come first in the audit trail
  } catch (const std::exception& e) {
    Error err = classify(e);
    abort(Error(err.kind(), std::string(err.what()) + "; stopped before line " + std::to_string(line) +
                                ": lines reported ok before it are committed, the rest did not run"));
  }
  LineResult r;
  r.line = line;
  r.op = op;
  try {
    // No savepoint of our own: every domain operation runs in its own write
    // transaction, which inside the chunk's is a savepoint (store/tx.hpp), and
    // a bulk registration undoes itself, so a failed line already rolls back
    // alone (and a second savepoint per line costs two more statements).
    r.result = fn();
    r.ok = true;
  } catch (const std::exception& e) {
    Error err = classify(e);
    r.error = err;
    stop_if_lost(r, err);
  }
  record(std::move(r));
}

// SQLite rolls the whole transaction back on some errors (disk full, I/O):
// the chunk is lost, and so is every line reported in it.
void BatchEngine::stop_if_lost(LineResult& r, const Error& err) {
  bool tx_lost = !store::in_transaction(desk_.db());
  if (tx_lost || err.kind() == ErrorKind::integrity || err.kind() == ErrorKind::locked) {
    int64_t line = r.line;
    held_.push_back(std::move(r));
    abort(Error(err.kind(), std::string(err.what()) + " (line " + std::to_string(line) + "); the batch stopped"));
  }
}

void BatchEngine::record(LineResult r) {
  push(std::move(r));
  if (chunk_full()) commit_chunk();
}

void BatchEngine::fail(int64_t line, std::string_view op, Error e) {
  LineResult r;
  r.line = line;
  r.op = op;
  r.error = std::move(e);
  record(std::move(r));
}

void BatchEngine::commit_chunk() {
  if (!tx_ && held_.empty()) return;
  if (tx_) {
    try {
      bulk_.flush();
      store::release_stale_reads(desk_.db());
      tx_->commit();
    } catch (const std::exception& e) {
      abort(classify(e));
    }
    tx_.reset();
  }
  for (auto& r : held_) emit(r);
  held_.clear();
  held_bytes_ = 0;
  in_chunk_ = 0;
  sum_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  sink_.chunk_done(sum_);
}

void BatchEngine::pause() {
  if (!holds_everything() && (tx_ || !held_.empty())) commit_chunk();
}

BatchSummary BatchEngine::finish() {
  if (opts_.dry_run) {
    rollback();
  } else if (opts_.atomic) {
    int64_t first_bad = 0;
    for (const auto& r : held_)
      if (!r.ok) {
        first_bad = r.line;
        break;
      }
    if (first_bad == 0) {
      commit_chunk();
    } else {
      rollback();
      std::string why = "rolled back: line " + std::to_string(first_bad) +
                        " failed and --atomic keeps every line or none";
      for (auto& r : held_) {
        if (r.ok) {
          r.ok = false;
          r.rolled_back = true;
          r.result.clear();
          r.error = Error(ErrorKind::failure, why);
        }
        emit(r);
      }
      held_.clear();
      sum_.rolled_back = true;
    }
  } else {
    commit_chunk();
  }
  sum_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return sum_;
}

bool pause_for_input(const std::function<bool()>& would_block, Input& in, ReadAhead::Sink& out) {
  LineAhead pause;
  pause.kind = LineAhead::Kind::pause;
  out.push(std::move(pause));
  out.flush();
  while (would_block()) {
    if (out.stopping()) return false;
    in.wait(100);
  }
  return true;
}

BatchSummary BatchEngine::drain(ReadAhead& lines, const BatchOptions& opts) {
  while (LineAhead* next = lines.next()) {
    LineAhead& l = *next;
    if (const LineAhead* after = lines.peek(); after && after->kind == LineAhead::Kind::registration)
      after->registration.prefetch();
    switch (l.kind) {
      case LineAhead::Kind::pause:
        pause();
        break;
      case LineAhead::Kind::failed:
        fail(l.line, l.op, std::move(*l.error));
        break;
      case LineAhead::Kind::registration:
        register_subject(l.line, [&]() -> PreparedRegistration& { return l.registration.take(desk_, bulk_); });
        break;
      case LineAhead::Kind::operation:
        run(l.line, l.op, [&] { return run_operation(desk_, l.operation, opts); });
        break;
    }
  }
  return finish();
}

std::string result_line(const LineResult& r) {
  std::string out = "{\"line\":" + std::to_string(r.line) + ",\"ok\":" + (r.ok ? "true" : "false");
  if (r.dry_run) out += ",\"dry_run\":true";
  if (r.rolled_back) out += ",\"rolled_back\":true";
  out += ",\"op\":";
  if (r.op.empty()) {
    out += "null";
  } else if (util::plain_json_text(r.op)) {  // the usual case ("register"): its JSON is the text in quotes
    out += '"';
    out += r.op;
    out += '"';
  } else {
    out += nlohmann::json(r.op).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (r.ok) {
    out += ",\"result\":";
    out += r.result;
  } else if (r.error) {
    nlohmann::json e = {{"kind", kind_name(r.error->kind())},
                        {"exit_code", exit_code(r.error->kind())},
                        {"message", r.error->what()}};
    if (!r.error->details().empty()) {
      auto d = nlohmann::json::parse(r.error->details(), nullptr, false);
      if (!d.is_discarded()) e["details"] = std::move(d);
    }
    out += ",\"error\":";
    out += e.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  out += '}';
  return out;
}

}  // namespace dsr
