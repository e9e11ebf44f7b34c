#include "cli/output.hpp"

#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <streambuf>

namespace dsr::cli {
namespace {

class StdoutBuf : public std::streambuf {
 public:
  StdoutBuf() { reset(); }
  int error() const { return err_; }
  int64_t written() const { return written_; }

 protected:
  int_type overflow(int_type c) override {
    if (!drain()) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return drain() ? 0 : -1; }

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
  char buf_[1 << 16];
  int err_ = 0;
  int64_t written_ = 0;
};

StdoutBuf& buf() {
  static StdoutBuf b;
  return b;
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
