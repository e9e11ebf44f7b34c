#include "dsr/error.hpp"

namespace dsr {

int exit_code(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::failure: return 1;
    case ErrorKind::usage: return 2;
    case ErrorKind::not_found: return 3;
    case ErrorKind::conflict: return 4;
    case ErrorKind::wrong_key: return 5;
    case ErrorKind::integrity: return 6;
    case ErrorKind::refused: return 7;
    case ErrorKind::locked: return 75;
  }
  return 1;
}

const char* kind_name(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::failure: return "failure";
    case ErrorKind::usage: return "usage";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::wrong_key: return "wrong_key";
    case ErrorKind::integrity: return "integrity";
    case ErrorKind::refused: return "refused";
    case ErrorKind::locked: return "locked";
  }
  return "failure";
}

}  // namespace dsr
