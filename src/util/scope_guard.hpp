// Runs a function when the scope ends, however it ends, unless dismissed:
// for clean-ups that have no owner type of their own (a file to unlink when a
// write fails part-way). Not thread-safe; not copyable.
#pragma once
#include <utility>

namespace dsr::util {

template <class F>
class ScopeGuard {
 public:
  explicit ScopeGuard(F f) : f_(std::move(f)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ~ScopeGuard() {
    if (armed_) f_();
  }
  // The work succeeded: do not clean up.
  void dismiss() noexcept { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace dsr::util
