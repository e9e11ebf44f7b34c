#include "cli/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <streambuf>

namespace dsr::cli {
namespace {

class StdoutBuf : public std::streambuf {
 public:
  // At a terminal a line goes out as soon as it ends, as C's stdout does.
  StdoutBuf() : line_(::isatty(STDOUT_FILENO) == 1) { reset(); }
  int error() const { return err_; }
  int64_t written() const { return written_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
      if (line_ && traits_type::to_char_type(c) == '\n' && !drain()) return traits_type::eof();
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    std::streamsize put = std::streambuf::xsputn(s, n);
    if (line_ && std::memchr(s, '\n', static_cast<size_t>(n))) drain();
    return put;
  }

 private:
  void reset() { setp(buf_, buf_ + sizeof buf_); }
  // Writes what is buffered; after a failure everything else is dropped (the
  // output is incomplete either way, and the failure is what gets reported).
  bool drain() {
    const char* p = pbase();
    size_t n = static_cast<size_t>(pptr() - pbase());
    reset();
    if (err_) return false;
    while (n > 0) {
      ssize_t w = ::write(STDOUT_FILENO, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        err_ = errno;
        return false;
      }
      p += w;
      n -= static_cast<size_t>(w);
      written_ += w;
    }
    return true;
  }
  bool line_;
  char buf_[1 << 16];
  int err_ = 0;
  int64_t written_ = 0;
};

// Never destroyed: std::cout is flushed by the library after every static
// object is gone (std::ios_base::Init's destructor), and it still points here.
StdoutBuf& buf() {
  static StdoutBuf* b = new StdoutBuf;
  return *b;
}

}  // namespace

void install_stdout() {
  std::ios::sync_with_stdio(false);
  std::cout.rdbuf(&buf());
}

bool flush_stdout() {
  std::cout.flush();
  return buf().error() == 0 && !std::cout.bad();
}

int stdout_error() { return buf().error(); }
int64_t stdout_bytes_written() { return buf().written(); }

}  // namespace dsr::cli
