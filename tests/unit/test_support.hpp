// Shared fixtures for unit tests: a fresh vault in a private temp directory.
#pragma once
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>
#include <SQLiteCpp/Database.h>

#include <nlohmann/json.hpp>

#include "dsr/batch.hpp"
#include "dsr/calendar.hpp"
#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/notices.hpp"
#include "dsr/subjects.hpp"
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

// Sets today for the length of a scope (the calendar's test clock).
struct Today {
  explicit Today(const char* ymd) { set(ymd); }
  Today(const Today&) = delete;
  Today& operator=(const Today&) = delete;
  ~Today() { cal::set_today_for_tests(std::nullopt); }
  void set(const char* ymd) { cal::set_today_for_tests(cal::parse_date("test", ymd)); }
};

// Registers a subject with these field values; its id.
inline std::string register_with(Desk& d, std::vector<std::pair<std::string, std::string>> set) {
  SubjectInput in;
  in.set = std::move(set);
  return register_subject(d, in).subject.id;
}

// Registers a person by email and name; its id.
inline std::string register_person(Desk& d, const std::string& email, const std::string& name) {
  return register_with(d, {{"email", email}, {"name", name}});
}

// The subject ids of a contact list, in its order.
inline std::vector<std::string> contact_ids(const std::vector<Contact>& v) {
  std::vector<std::string> out;
  for (const auto& c : v) out.push_back(c.subject_id);
  return out;
}

// Rows in the subjects table, whatever their status.
inline int64_t count_subjects(Desk& d) { return d.db().execAndGet("SELECT count(*) FROM subjects").getInt64(); }

// Whether a check report names a problem containing needle.
inline bool mentions(const CheckReport& r, const std::string& needle) {
  return std::any_of(r.problems.begin(), r.problems.end(),
                     [&](const std::string& p) { return p.find(needle) != std::string::npos; });
}

// Keeps every line's result of a batch or an import.
struct KeepResults : ResultSink {
  std::vector<LineResult> results;
  void result(const LineResult& r) override { results.push_back(r); }
};

// The subject id a register line's result names.
inline std::string result_id(const LineResult& r) {
  return nlohmann::json::parse(r.result).at("id").get<std::string>();
}

inline bool has_slot(const Vault& v, const std::string& name) {
  auto slots = v.slots();
  return std::any_of(slots.begin(), slots.end(), [&](const SlotInfo& s) { return s.name == name; });
}

}  // namespace dsr::test
