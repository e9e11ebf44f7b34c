// `dsr batch`: NDJSON lines to operations, through the chunked engine. Lines
// are read, parsed and (registrations) validated on a thread of their own,
// ahead of the engine's thread, which writes.
#include "dsr/batch.hpp"

#include "domain/bulk/batch_engine.hpp"

namespace dsr {
namespace {

// A line to what the engine runs; never throws (a bad line is a failed one).
LineAhead read_line(Desk& desk, const LineReader::Line& l, const BatchOptions& opts, const AheadContext& ctx) {
  LineAhead a;
  a.line = l.number;
  a.kind = LineAhead::Kind::failed;
  if (l.overlong) {
    a.error = Error(ErrorKind::usage, "the line is longer than " + std::to_string(opts.max_line) + " bytes; it was skipped");
    return a;
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(l.text);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser's own message quotes the input; say only where it broke.
    a.error = Error(ErrorKind::usage, "not valid JSON (at byte " + std::to_string(e.byte) + ")");
    return a;
  }
  if (j.is_object())
    if (auto it = j.find("op"); it != j.end() && it->is_string()) a.op = it->get<std::string>();
  // A registration made for no request (the bulk of a bulk load) takes the bulk path.
  if (a.op == "register" && !j.contains("request")) {
    try {
      std::string request;
      a.registration = Ahead(register_input(j, request), desk, ctx);
      a.kind = LineAhead::Kind::registration;
    } catch (const Error& e) {
      a.error = e;
    }
    return a;
  }
  a.kind = LineAhead::Kind::operation;
  a.operation = std::move(j);
  return a;
}

}  // namespace

BatchSummary run_batch(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink) {
  BatchEngine engine(desk, opts, sink);
  const AheadContext ctx = engine.registrar().ahead_context();
  ReadAhead lines(kAheadBlock, kAheadBlocks, [&](ReadAhead::Sink& out) {
    LineReader reader(in, opts.max_line);
    LineReader::Line l;
    for (;;) {
      if (reader.would_block() && !pause_for_input([&] { return reader.would_block(); }, in, out)) return;
      if (!reader.next(l)) break;
      if (l.text.find_first_not_of(" \t") == std::string::npos && !l.overlong) continue;  // blank lines are not operations
      out.push(read_line(desk, l, opts, ctx));
    }
  });
  return engine.drain(lines, opts);
}

}  // namespace dsr
