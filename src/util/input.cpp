// Inputs for batch and import: file descriptors, files and strings, and the
// line splitter that caps the length of a line.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "util/fd.hpp"

namespace dsr {
namespace {

class FdInput : public Input {
 public:
  // `owned`: closed with the input (a file it opened), else left open (stdin).
  FdInput(int fd, bool owned) : fd_(fd), owned_(owned ? fd : -1) {}
  size_t read(char* buf, size_t n) override {
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<size_t>(r);
      if (errno == EINTR) continue;
      fail(ErrorKind::failure, std::string("cannot read the input: ") + std::strerror(errno));
    }
  }
  bool would_block() override {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;  // 0: nothing pending (regular files are always ready)
  }
  void wait(int ms) override {
    pollfd p{fd_, POLLIN, 0};
    ::poll(&p, 1, ms);
  }

 private:
  int fd_;
  util::UniqueFd owned_;
};

class StringInput : public Input {
 public:
  StringInput(std::string s, size_t block) : s_(std::move(s)), block_(block) {}
  size_t read(char* buf, size_t n) override {
    size_t k = std::min(n, s_.size() - pos_);
    if (block_ > 0) k = std::min(k, block_);
    std::memcpy(buf, s_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string s_;
  size_t block_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<Input> fd_input(int fd) { return std::make_unique<FdInput>(fd, false); }

std::optional<std::string> read_at_most(Input& in, size_t limit) {
  std::string text;
  char buf[65536];
  for (size_t n; (n = in.read(buf, sizeof buf)) > 0;) {
    text.append(buf, n);
    if (text.size() > limit) return std::nullopt;
  }
  return text;
}

std::unique_ptr<Input> file_input(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) fail(ErrorKind::not_found, "no such file: " + path);
    fail(ErrorKind::failure, "cannot open " + path + ": " + std::strerror(errno));
  }
  return std::make_unique<FdInput>(fd, true);
}

std::unique_ptr<Input> string_input(std::string bytes, size_t block) {
  return std::make_unique<StringInput>(std::move(bytes), block);
}

bool LineReader::fill() {
  if (eof_) return false;
  pos_ = 0;
  len_ = in_.read(buf_.get(), kBlock);
  if (len_ == 0) eof_ = true;
  return len_ > 0;
}

bool LineReader::would_block() { return pos_ == len_ && !eof_ && in_.would_block(); }

bool LineReader::next(Line& out) {
  out.text.clear();
  out.overlong = false;
  bool any = false;
  for (;;) {
    if (pos_ == len_ && !fill()) break;
    any = true;
    const char* start = buf_.get() + pos_;
    const char* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
    size_t n = nl ? static_cast<size_t>(nl - start) : len_ - pos_;
    if (!out.overlong) {
      if (out.text.size() + n > max_ + 1) {  // +1: room for the CR of a CRLF
        out.overlong = true;
        std::string().swap(out.text);  // give the memory back
      } else {
        out.text.append(start, n);
      }
    }
    pos_ += n;
    if (nl) {
      ++pos_;
      break;
    }
  }
  if (!any) return false;
  if (!out.text.empty() && out.text.back() == '\r') out.text.pop_back();
  if (out.text.size() > max_) {
    out.overlong = true;
    out.text.clear();
  }
  out.number = ++line_;
  return true;
}

}  // namespace dsr
