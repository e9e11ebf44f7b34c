// Fuzzes the CSV reader (dsr/csv.hpp) that `dsr import` reads files with.
//
// Input: one byte choosing how many bytes each read of the input returns and
// a record limit, then the CSV text.
//
// Findings: a crash or a hang; a record over the limit that is not reported
// as one; line numbers that go backwards; a well-formed record that does not
// survive format_record() and a second read unchanged.
#include <string>
#include <vector>

#include "dsr/csv.hpp"
#include "dsr/input.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace dsr;

namespace {

std::vector<csv::Record> read_all(const std::string& text, size_t block, size_t max_record) {
  auto in = string_input(text, block);
  csv::Reader reader(*in, max_record);
  std::vector<csv::Record> out;
  csv::Record r;
  while (reader.next(r)) {
    out.push_back(r);
    DSR_FUZZ_CHECK(out.size() <= text.size() + 1, "more records than bytes");
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dsr::fuzz::Bytes in(data, size);
  uint8_t shape = in.u8();
  static const size_t kBlocks[] = {0, 1, 2, 3, 7, 64, 4096};
  size_t block = kBlocks[shape % 7];
  size_t max_record = (shape & 0x80) ? 16 + (shape & 0x78) : (1 << 20);
  std::string text(in.rest());

  std::vector<csv::Record> records = read_all(text, block, max_record);
  int64_t last_line = 0;
  std::string rewritten = "\n";  // not a record, and keeps a leading byte order mark a field's bytes
  std::vector<std::vector<std::string>> good;
  for (const auto& r : records) {
    DSR_FUZZ_CHECK(r.line >= 1 && r.line >= last_line, "record line %lld after %lld", (long long)r.line,
                   (long long)last_line);
    last_line = r.line;
    size_t bytes = 0;
    for (const auto& f : r.fields) bytes += f.size();
    DSR_FUZZ_CHECK(bytes <= max_record, "a record of %zu field bytes passed the %zu-byte limit", bytes, max_record);
    if (!r.error.empty()) continue;
    DSR_FUZZ_CHECK(!r.fields.empty(), "a well-formed record without fields");
    good.push_back(r.fields);
    // A lone empty field would be an empty line, which is not a record: quote it.
    rewritten += (r.fields.size() == 1 && r.fields[0].empty()) ? "\"\"" : csv::format_record(r.fields);
    rewritten += "\r\n";
  }
  if (max_record < (1 << 20)) return 0;  // quoting makes a record longer: no round trip under a small limit
  std::vector<csv::Record> again = read_all(rewritten, block, max_record);
  DSR_FUZZ_CHECK(again.size() == good.size(), "%zu well-formed records read back as %zu", good.size(), again.size());
  for (size_t i = 0; i < good.size(); ++i) {
    DSR_FUZZ_CHECK(again[i].error.empty(), "record %zu written by format_record reads back as an error: %s", i,
                   again[i].error.c_str());
    DSR_FUZZ_CHECK(again[i].fields == good[i], "record %zu changed in a round trip", i);
  }
  return 0;
}
