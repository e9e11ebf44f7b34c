// One error type for the whole library. Its kind maps to a process exit code in
// exactly one place (exit_code), so every layer reports failures the same way.
#pragma once
#include <stdexcept>
#include <string>

namespace dsr {

enum class ErrorKind {
  failure,      // 1: I/O error, bug, anything not below
  usage,        // 2: invalid value, missing argument
  not_found,    // 3: no such subject, request, slot or file
  conflict,     // 4: already exists
  wrong_key,    // 5: wrong passphrase or key file; no slot opens the vault
  integrity,    // 6: tampered, truncated or corrupt vault or backup
  refused,      // 7: policy refuses (hold, forbidden disclosure, role, CVV...)
  locked,       // 75: vault locked by another process past the timeout
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message, std::string details_json = {})
      : std::runtime_error(message), kind_(kind), details_(std::move(details_json)) {}
  ErrorKind kind() const noexcept { return kind_; }
  // Machine-readable details (a JSON text, e.g. the refusals of a disclosure), or empty.
  const std::string& details() const noexcept { return details_; }

 private:
  ErrorKind kind_;
  std::string details_;
};

// The documented exit code for an error kind (see dsr(1), EXIT STATUS).
int exit_code(ErrorKind kind) noexcept;
// A stable machine name for the kind ("not_found", "refused", ...), used in --json errors.
const char* kind_name(ErrorKind kind) noexcept;

[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) { throw Error(kind, message); }

}  // namespace dsr

namespace dsr {
// Turns any exception escaping the library (SQLite's included) into an Error
// with the right kind: busy -> locked, failed page authentication -> integrity.
Error classify(const std::exception& e);
}  // namespace dsr
