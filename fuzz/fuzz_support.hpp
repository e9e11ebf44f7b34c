// Shared by the fuzz harnesses (fuzz/FUZZING.md): a deterministic random
// source for libsodium, so that what a harness builds at start-up (keys,
// nonces, a template vault) is the same in every run and a saved crash input
// replays the same way; a reader of the input's bytes; a scratch directory.
#pragma once
#include <signal.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>

namespace dsr::fuzz {

// A findings check that holds in every build (assert() is off in release builds).
#define DSR_FUZZ_CHECK(cond, ...)                                                  \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "fuzz finding: %s (%s:%d): ", #cond, __FILE__, __LINE__); \
      std::fprintf(stderr, __VA_ARGS__);                                           \
      std::fprintf(stderr, "\n");                                                  \
      std::abort();                                                                \
    }                                                                              \
  } while (0)

// libsodium's random bytes from a fixed ChaCha20 stream. Must be installed
// before anything calls sodium_init (dsr::crypto_init does).
inline void use_deterministic_randomness() {
  static uint64_t counter = 0;
  static const unsigned char key[crypto_stream_chacha20_KEYBYTES] = {'d', 's', 'r', '-', 'f', 'u', 'z', 'z'};
  static randombytes_implementation impl = {
      [] { return "dsr-fuzz-deterministic"; },
      [] {
        uint32_t v;
        unsigned char n[crypto_stream_chacha20_NONCEBYTES] = {};
        std::memcpy(n, &counter, sizeof counter);
        ++counter;
        crypto_stream_chacha20(reinterpret_cast<unsigned char*>(&v), sizeof v, n, key);
        return v;
      },
      [] {},
      nullptr,
      [](void* buf, size_t size) {
        unsigned char n[crypto_stream_chacha20_NONCEBYTES] = {};
        std::memcpy(n, &counter, sizeof counter);
        ++counter;
        crypto_stream_chacha20(static_cast<unsigned char*>(buf), size, n, key);
      },
      [] { return 0; },
  };
  randombytes_set_implementation(&impl);
}

// Consumes the fuzzer's bytes front to back; past the end every read is 0.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : p_(data), n_(size) {}
  bool empty() const { return i_ >= n_; }
  size_t left() const { return empty() ? 0 : n_ - i_; }
  uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
  uint16_t u16() { return uint16_t(u8() | u8() << 8); }
  uint32_t u24() { return uint32_t(u8()) | uint32_t(u8()) << 8 | uint32_t(u8()) << 16; }
  uint32_t u32() { return uint32_t(u16()) | uint32_t(u16()) << 16; }
  std::string_view take(size_t k) {
    k = std::min(k, left());
    std::string_view s(reinterpret_cast<const char*>(p_ + i_), k);
    i_ += k;
    return s;
  }
  std::string_view rest() { return take(left()); }

 private:
  const uint8_t* p_;
  size_t n_;
  size_t i_ = 0;
};

// A private directory for the harness's files: under /dev/shm when there is
// one (no disk writes, cheap fsync), else under TMPDIR. Removed at exit; one
// left by a process that crashed (a finding) is removed by the next harness.
inline const std::string& scratch_dir() {
  static std::string dir = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") && ::access("/dev/shm", W_OK) == 0
                           ? "/dev/shm"
                           : (std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp");
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind("dsr-fuzz.", 0) != 0) continue;
      long pid = std::strtol(name.c_str() + 9, nullptr, 10);
      if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) std::filesystem::remove_all(e.path(), ec);
    }
    std::string tmpl = base + "/dsr-fuzz." + std::to_string(::getpid()) + ".XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    static struct Remove {
      std::string d;
      ~Remove() {
        std::error_code ec;
        std::filesystem::remove_all(d, ec);
      }
    } remove{tmpl};
    return tmpl;
  }();
  return dir;
}

}  // namespace dsr::fuzz
