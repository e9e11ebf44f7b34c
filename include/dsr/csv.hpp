// A small streaming CSV reader and writer (RFC 4180): quoted fields with
// embedded commas, doubled quotes and newlines; CRLF, LF or CR line ends; a
// UTF-8 byte order mark at the start is skipped. Pure: no database, no
// terminal. Memory is bounded by the longest record it is allowed to hold.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/input.hpp"

namespace dsr::csv {

struct Record {
  std::vector<std::string> fields;
  int64_t line = 0;   // physical line (1-based) where the record starts
  std::string error;  // empty when the record is well formed
};

// Reads records one at a time. Lines with no bytes at all are skipped (they
// are not records). A malformed record (a quote inside an unquoted field, text
// after a closing quote, a quoted field still open at the end of input, more
// than `max_record` bytes) is returned with `error` set and reading goes on
// with the next record, so one bad row never ends the file.
class Reader {
 public:
  explicit Reader(Input& in, size_t max_record = 1 << 20, char delimiter = ',')
      : in_(in), max_(max_record), delim_(delimiter) {}
  // False at the end of input.
  bool next(Record& r);
  // True when the next call would have to wait for the producer.
  bool would_block() { return pos_ == len_ && !eof_ && in_.would_block(); }

 private:
  int get();  // next byte, or -1 at the end of input
  void skip_bom();
  Input& in_;
  size_t max_;
  char delim_;
  std::string buf_ = std::string(64 * 1024, '\0');
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false, started_ = false, skip_lf_ = false;
  int prev_ = -1;  // the byte before the current one (to count CRLF as one line end)
  int64_t line_ = 1;
};

// The one CSV writer of dsr: every command that prints CSV goes through
// these (src/cli/render.cpp), so quoting and formula neutralisation cannot
// differ between commands.
//
// One field as RFC 4180 writes it: quoted (with quotes doubled) only when it
// holds the delimiter, a quote, CR or LF. Use it for a value dsr made itself
// (a number, a header); text from a person goes through cell().
std::string quote(std::string_view field, char delimiter = ',');
// A text cell: a value that a spreadsheet would take for a formula (it
// starts with = + - @, a tab or CR) gets a leading ' so that it is shown as
// text, then it is quoted as needed.
std::string cell(std::string_view text, char delimiter = ',');
// Fields quoted as RFC 4180 (quote()) joined by the delimiter, without a line
// terminator: it round-trips through Reader. Output for people and their
// spreadsheets goes through cell() (src/cli/render.cpp).
std::string format_record(const std::vector<std::string>& fields, char delimiter = ',');
// "," ";" "|" "tab" (or "\t"): the delimiter; 0 for anything else.
char parse_delimiter(std::string_view s);

}  // namespace dsr::csv
