#include "domain/subjects/phone_module.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "dsr/error.hpp"

namespace dsr::phone_module {
namespace {

struct Module {
  dsr_phone_e164_fn fn = nullptr;
  std::string path;
  std::string problem;
};

// Where the running binary is: an installed dsr loads the module installed
// beside it (PREFIX/bin/dsr, PREFIX/lib/dsr/dsr-phone.so, whatever PREFIX the
// package or `cmake --install --prefix` chose), and never one from a build
// tree; a program in the build tree (dsr, the unit tests, the demo, the
// benchmarks) loads the module built there.
std::string exe_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  std::string p(buf, static_cast<size_t>(n));
  auto slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

std::vector<std::string> candidates() {
  std::vector<std::string> out;
  std::string dir = exe_dir();
#ifdef DSR_PHONE_MODULE_BUILT
  std::string built = DSR_PHONE_MODULE_BUILT;
  std::string build_dir = built.substr(0, built.rfind('/'));
  if (!dir.empty() && (dir == build_dir || dir.rfind(build_dir + "/", 0) == 0)) {  // dsr, tests/dsr_unit, bench/...
    out.push_back(built);
    return out;
  }
#endif
  if (!dir.empty()) out.push_back(dir + "/../lib/dsr/dsr-phone.so");
#ifdef DSR_PHONE_MODULE_INSTALLED
  out.emplace_back(DSR_PHONE_MODULE_INSTALLED);
#endif
  return out;
}

Module load() {
  Module m;
  for (const auto& p : candidates()) {
    void* h = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      if (!m.problem.empty()) m.problem += "; ";
      m.problem += e ? e : p + ": cannot be loaded";
      continue;
    }
    auto version = reinterpret_cast<dsr_phone_abi_version_fn>(dlsym(h, "dsr_phone_abi_version"));
    auto fn = reinterpret_cast<dsr_phone_e164_fn>(dlsym(h, "dsr_phone_e164"));
    if (!version || !fn || version() != DSR_PHONE_ABI_VERSION) {
      if (!m.problem.empty()) m.problem += "; ";
      m.problem += p + ": not a dsr phone module of interface version " + std::to_string(DSR_PHONE_ABI_VERSION);
      dlclose(h);
      continue;
    }
    m.fn = fn;  // the handle stays open for the life of the process
    m.path = p;
    return m;
  }
  if (m.problem.empty()) m.problem = "no module path was built in";
  return m;
}

const Module& module() {
  static std::once_flag once;
  static Module m;
  std::call_once(once, [] { m = load(); });
  if (!m.fn)
    fail(ErrorKind::failure, "phone numbers need the dsr-phone.so module, which could not be loaded (" + m.problem +
                                 "); reinstall dsr");
  return m;
}

}  // namespace

int e164(const std::string& number, const std::string& region, std::string& out, int& why) {
  char buf[64];
  int status = module().fn(number.c_str(), region.c_str(), buf, sizeof buf, &why);
  if (status == DSR_PHONE_OK) out = buf;
  return status;
}

std::string path() { return module().path; }

}  // namespace dsr::phone_module
