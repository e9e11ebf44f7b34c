// Progress of a long job (rekey, backup, restore) on stderr: only at a
// terminal, never with -q, --no-color, NO_COLOR or TERM=dumb (ARCHITECTURE.md,
// The command line).
#pragma once
#include <chrono>
#include <string>

#include "cli/context.hpp"
#include "dsr/vault.hpp"

namespace dsr::cli {

class TerminalProgress {
 public:
  TerminalProgress(const Context& ctx, std::string job);
  ~TerminalProgress();  // clears the line
  // Empty when progress is not shown.
  ProgressFn fn();

 private:
  void show(const Progress& p);
  void clear();
  std::string job_;
  bool on_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace dsr::cli
