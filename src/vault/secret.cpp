#include "dsr/secret.hpp"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstring>
#include <new>
#include <utility>

#include "dsr/error.hpp"

namespace dsr {

void crypto_init() {
  if (sodium_init() < 0) fail(ErrorKind::failure, "libsodium failed to initialise");
}

void harden_process() {
  struct rlimit none{0, 0};
  setrlimit(RLIMIT_CORE, &none);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

Secret::Secret(std::size_t size) : size_(size) {
  crypto_init();
  // sodium_malloc(0) is legal but keep a real allocation so data() is never null.
  data_ = static_cast<unsigned char*>(sodium_malloc(size == 0 ? 1 : size));
  if (!data_) throw std::bad_alloc();
  std::memset(data_, 0, size == 0 ? 1 : size);
}

Secret::Secret(Secret&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    if (data_) sodium_free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Secret::~Secret() {
  if (data_) sodium_free(data_);  // sodium_free wipes before releasing
}

Secret Secret::random(std::size_t size) {
  Secret s(size);
  randombytes_buf(s.data_, size);
  return s;
}

Secret Secret::copy_of(const unsigned char* data, std::size_t size) {
  Secret s(size);
  if (size) std::memcpy(s.data_, data, size);
  return s;
}

bool Secret::equals(const Secret& other) const noexcept {
  return size_ == other.size_ && (size_ == 0 || sodium_memcmp(data_, other.data_, size_) == 0);
}

void Secret::truncate(std::size_t size) noexcept {
  if (size < size_) {
    sodium_memzero(data_ + size, size_ - size);
    size_ = size;
  }
}

}  // namespace dsr
