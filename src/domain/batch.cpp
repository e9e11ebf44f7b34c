// `dsr batch`: NDJSON lines to operations, through the chunked engine.
#include "dsr/batch.hpp"

#include "domain/batch_engine.hpp"

namespace dsr {

BatchSummary run_batch(Desk& desk, Input& in, const BatchOptions& opts, ResultSink& sink) {
  LineReader lines(in, opts.max_line);
  BatchEngine engine(desk, opts, sink);
  LineReader::Line l;
  for (;;) {
    if (lines.would_block()) engine.pause();
    if (!lines.next(l)) break;
    if (l.overlong) {
      engine.fail(l.number, "", Error(ErrorKind::usage, "the line is longer than " + std::to_string(opts.max_line) +
                                                            " bytes; it was skipped"));
      continue;
    }
    if (l.text.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are not operations
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(l.text);
    } catch (const nlohmann::json::parse_error& e) {
      // The parser's own message quotes the input; say only where it broke.
      engine.fail(l.number, "", Error(ErrorKind::usage, "not valid JSON (at byte " + std::to_string(e.byte) + ")"));
      continue;
    }
    std::string op;
    if (j.is_object())
      if (auto it = j.find("op"); it != j.end() && it->is_string()) op = it->get<std::string>();
    // A registration made for no request (the bulk of a bulk load) takes the bulk path.
    if (op == "register" && !j.contains("request"))
      engine.register_subject(l.number, [&] {
        std::string request;
        return register_input(j, request);
      });
    else
      engine.run(l.number, op, [&] { return run_operation(desk, j, opts); });
  }
  return engine.finish();
}

}  // namespace dsr
