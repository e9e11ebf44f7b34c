// Shared fixtures for unit tests: a fresh vault in a private temp directory.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <doctest/doctest.h>

#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/vault.hpp"

namespace dsr::test {

class TempDir {
 public:
  TempDir() {
    std::filesystem::create_directories(DSR_TEST_TMP);
    std::string tmpl(DSR_TEST_TMP);
    tmpl.append("/t.XXXXXX");
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  std::string operator/(const std::string& name) const { return file(name); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A whole file as bytes, and bytes as a whole file.
inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// A passphrase credential from a test string.
inline Credential passphrase(const std::string& p) {
  return Credential{SlotKind::passphrase, Secret::copy_of(reinterpret_cast<const unsigned char*>(p.data()), p.size())};
}

// The kind of dsr::Error that fn throws (classified); a test failure if it throws nothing.
template <class Fn>
ErrorKind kind_thrown(Fn fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return classify(e).kind();
  }
  FAIL("expected an error");
  return ErrorKind::failure;
}

// A vault with one admin key-file slot.
struct TempVault {
  TempDir dir;
  std::string db = dir.file("v.dsr");
  std::string key = dir.file("v.key");
  TempVault() {
    Credential c = make_key_file(key);
    Desk d(Vault::create(db, "admin", c, KdfStrength::interactive));
  }
  Credential cred() const { return read_key_file(key); }
  Desk desk(const OpenOptions& o = {}) const { return Desk(Vault::open(db, cred(), o)); }
};

}  // namespace dsr::test
