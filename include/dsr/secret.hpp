// Secrets have their own type: bytes in sodium_malloc'd memory (guard pages,
// mlocked, wiped on free), movable but never copied by accident, never printed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dsr {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::size_t size);  // zero-filled
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  ~Secret();

  static Secret random(std::size_t size);
  static Secret copy_of(const unsigned char* data, std::size_t size);
  Secret clone() const { return copy_of(data_, size_); }

  unsigned char* data() noexcept { return data_; }
  const unsigned char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::string_view view() const noexcept { return {reinterpret_cast<const char*>(data_), size_}; }
  // Constant-time comparison.
  bool equals(const Secret& other) const noexcept;
  // Shrink the visible size (e.g. strip a trailing newline); the memory stays guarded.
  void truncate(std::size_t size) noexcept;

 private:
  unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Initialise libsodium once; throws on failure. Safe to call repeatedly.
void crypto_init();

// Process hardening: no core dumps, not ptrace-dumpable.
void harden_process();

}  // namespace dsr
