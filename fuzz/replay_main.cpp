// fuzz_replay: every harness in one binary without libFuzzer, for any
// compiler. The test builds run each harness over its seed corpus and its
// regression inputs with it (ctest: fuzz.<harness>.replay), so a crash found
// once stays fixed in the plain and the sanitizer builds alike.
//
//   fuzz_replay HARNESS FILE_OR_DIR...   run every input; exit 0 when none failed
//   fuzz_replay HARNESS --seeds DIR      write the harness's generated seeds to DIR
//   fuzz_replay HARNESS --expect-finding FILE
//                                         exit 0 when FILE still makes the harness
//                                         report a finding (a known bug, fuzz/known/),
//                                         1 when it does not any more
//
// Each harness source is compiled here with its libFuzzer entry points
// renamed (fuzz/CMakeLists.txt): LLVMFuzzerTestOneInput -> dsr_fuzz_NAME_one.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#define DSR_HARNESS(name)                                                                      \
  extern "C" int dsr_fuzz_##name##_one(const uint8_t*, size_t);                               \
  extern "C" int dsr_fuzz_##name##_init(int*, char***) __attribute__((weak));                 \
  extern "C" void dsr_fuzz_##name##_seeds(const char*) __attribute__((weak));
DSR_HARNESS(header)
DSR_HARNESS(vfs)
DSR_HARNESS(csv)
DSR_HARNESS(validate)
DSR_HARNESS(ndjson)
DSR_HARNESS(ics)
DSR_HARNESS(intake)
#undef DSR_HARNESS

namespace {

struct Harness {
  const char* name;
  int (*one)(const uint8_t*, size_t);
  int (*init)(int*, char***);
  void (*seeds)(const char*);
};

#define DSR_HARNESS(name) {#name, dsr_fuzz_##name##_one, dsr_fuzz_##name##_init, dsr_fuzz_##name##_seeds}
const Harness kHarnesses[] = {DSR_HARNESS(header), DSR_HARNESS(vfs), DSR_HARNESS(csv), DSR_HARNESS(validate),
                              DSR_HARNESS(ndjson), DSR_HARNESS(ics), DSR_HARNESS(intake)};
#undef DSR_HARNESS

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_replay HARNESS FILE_OR_DIR... | fuzz_replay HARNESS --seeds DIR\n");
    return 2;
  }
  const Harness* h = nullptr;
  for (const auto& k : kHarnesses)
    if (std::strcmp(k.name, argv[1]) == 0) h = &k;
  if (!h) {
    std::fprintf(stderr, "fuzz_replay: no harness '%s'\n", argv[1]);
    return 2;
  }
  if (std::strcmp(argv[2], "--expect-finding") == 0) {
    if (argc != 4) return 2;
    std::fflush(nullptr);
    pid_t child = fork();
    if (child == 0) {
      char* args[] = {argv[0], argv[1], argv[3], nullptr};
      execv("/proc/self/exe", args);
      _exit(127);
    }
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) != child) return 2;
    bool finding = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 127);
    if (finding) {
      std::printf("%s: %s still makes a finding (a known bug, not fixed yet)\n", h->name, argv[3]);
      return 0;
    }
    std::printf("%s: %s makes no finding any more: the bug is fixed; move the input to fuzz/regressions/%s/ "
                "(fuzz/known/README.md)\n", h->name, argv[3], h->name);
    return 1;
  }
  if (h->init) h->init(&argc, &argv);
  if (std::strcmp(argv[2], "--seeds") == 0) {
    if (argc != 4 || !h->seeds) {
      std::fprintf(stderr, "fuzz_replay: %s generates no seeds\n", h->name);
      return 2;
    }
    std::filesystem::create_directories(argv[3]);
    h->seeds(argv[3]);
    return 0;
  }
  std::vector<std::filesystem::path> inputs;
  for (int i = 2; i < argc; ++i) {
    std::filesystem::path p = argv[i];
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::directory_iterator(p))
        if (e.is_regular_file() && e.path().filename().string()[0] != '.') inputs.push_back(e.path());
    } else if (std::filesystem::exists(p)) {
      inputs.push_back(p);
    } else {
      std::fprintf(stderr, "fuzz_replay: %s does not exist\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "fuzz_replay: no inputs for %s\n", h->name);
    return 2;
  }
  std::sort(inputs.begin(), inputs.end());
  for (const auto& p : inputs) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::fprintf(stderr, "%s: %s (%zu bytes)\n", h->name, p.c_str(), bytes.size());
    h->one(bytes.data(), bytes.size());  // a finding aborts
  }
  std::printf("%s: %zu inputs replayed, no finding\n", h->name, inputs.size());
  return 0;
}
