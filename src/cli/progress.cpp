#include "cli/progress.hpp"

#include <cstdio>
#include <cstdlib>

namespace dsr::cli {

TerminalProgress::TerminalProgress(const Context& ctx, std::string job)
    : job_(std::move(job)), on_(ctx.show_progress()) {}

TerminalProgress::~TerminalProgress() { clear(); }

ProgressFn TerminalProgress::fn() {
  if (!on_) return {};
  return [this](const Progress& p) { show(p); };
}

void TerminalProgress::show(const Progress& p) {
  auto now = std::chrono::steady_clock::now();
  bool copying = p.stage == Progress::Stage::copying || p.stage == Progress::Stage::verifying;
  if (copying && drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  const char* what = "";
  switch (p.stage) {
    case Progress::Stage::copying: what = "copying"; break;
    case Progress::Stage::syncing: what = "syncing"; break;
    case Progress::Stage::verifying: what = "verifying"; break;
    case Progress::Stage::replacing: what = "replacing"; break;
    case Progress::Stage::checking: what = "SQLite integrity check of"; break;
    case Progress::Stage::done: clear(); return;
  }
  if (p.total > 0)
    std::fprintf(stderr, "\r%s: %s %llu/%llu pages (%d%%)   ", job_.c_str(), what,
                 static_cast<unsigned long long>(p.done), static_cast<unsigned long long>(p.total),
                 int(p.done * 100 / p.total));
  else
    std::fprintf(stderr, "\r%s: %s %llu pages   ", job_.c_str(), what, static_cast<unsigned long long>(p.done));
  std::fflush(stderr);
  drawn_ = true;
}

void TerminalProgress::clear() {
  if (!drawn_) return;
  std::fprintf(stderr, "\r%70s\r", "");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace dsr::cli
