// Where batch and import input comes from: a file, standard input, or (in
// tests) a string. A stream of bytes read in blocks, so memory stays flat
// however long the input is, and a way to tell that the producer has paused.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace dsr {

class Input {
 public:
  virtual ~Input() = default;
  // Reads up to n bytes (blocking if need be); 0 only at the end of input.
  // Throws Error(failure) on a read error.
  virtual size_t read(char* buf, size_t n) = 0;
  // True when nothing is pending and read() would block (a pipe whose writer
  // is waiting for our answers). Batches commit what they hold before blocking.
  virtual bool would_block() { return false; }
  // Waits up to `ms` milliseconds for input (or its end) to be pending.
  virtual void wait(int ms) { (void)ms; }
};

// A file descriptor (not closed). "-" in the CLI means STDIN_FILENO.
std::unique_ptr<Input> fd_input(int fd);
// Opens PATH for reading; Error(not_found) when it does not exist.
std::unique_ptr<Input> file_input(const std::string& path);
// All of `in`, or nullopt as soon as it holds more than `limit` bytes (the
// rest is not read): a file refused past a size before it is all in memory.
std::optional<std::string> read_at_most(Input& in, size_t limit);
// Bytes held in memory (tests, small inputs). `block` > 0 makes each read
// return at most that many bytes, to exercise boundaries.
std::unique_ptr<Input> string_input(std::string bytes, size_t block = 0);

// Splits an Input into lines (LF or CRLF; the terminator is dropped) without
// ever holding more than `max_line` bytes of one line: a longer line is
// reported as overlong and its bytes are skipped up to the next newline.
class LineReader {
 public:
  explicit LineReader(Input& in, size_t max_line = 1 << 20) : in_(in), max_(max_line) {}
  struct Line {
    std::string text;
    int64_t number = 0;     // 1-based physical line number
    bool overlong = false;  // text is empty then
  };
  // False at the end of input (a last line without a newline is still returned).
  bool next(Line& out);
  // True when the next call to next() would have to wait for the producer.
  bool would_block();

 private:
  bool fill();
  Input& in_;
  size_t max_;
  std::unique_ptr<char[]> buf_ = std::make_unique<char[]>(kBlock);
  size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
  int64_t line_ = 0;
  static constexpr size_t kBlock = 64 * 1024;
};

}  // namespace dsr
