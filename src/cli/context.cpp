#include "cli/context.hpp"

#include <termios.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <csignal>
#include <cerrno>
#include <optional>

#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <iostream>

#include "dsr/error.hpp"
#include "cli/agent.hpp"
#include "util/fd.hpp"
#include "util/scope_guard.hpp"

namespace dsr::cli {

std::string Context::db_path() const {
  if (!g.db.empty()) return g.db;  // --db, or DSR_DB via CLI11's envname
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) return std::string(x) + "/dsr/vault.dsr";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.local/share/dsr/vault.dsr";
  fail(ErrorKind::usage, "cannot find the vault: pass --db PATH or set DSR_DB");
}

bool Context::stdin_is_tty() const { return ::isatty(STDIN_FILENO) == 1; }
bool Context::stderr_is_tty() const { return ::isatty(STDERR_FILENO) == 1; }

// NO_COLOR, TERM=dumb and --no-color turn off colour and progress lines alike
// (ARCHITECTURE.md, The command line).
bool Context::plain_terminal() const {
  const char* nc = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  return g.no_color || (nc && *nc) || (term && std::string(term) == "dumb");
}

bool Context::show_progress() const { return stderr_is_tty() && !g.quiet && !plain_terminal(); }

bool Context::color() const {
  return !plain_terminal() && ::isatty(STDOUT_FILENO) == 1;
}

OpenOptions Context::open_options() const {
  OpenOptions o;
  o.lock_timeout_ms = static_cast<int>(g.lock_timeout * 1000);
  o.slot = g.slot;
  return o;
}

namespace {
bool readable_file(const std::string& path) { return ::access(path.c_str(), R_OK) == 0; }
}  // namespace

// Flags beat the environment: DSR_KEY_FILE, DSR_PASSPHRASE_FILE and
// DSR_PASSPHRASE_COMMAND (file names and a command, never secrets) stand in
// only when no key flag was given. Last come systemd's credentials: a service
// unit with LoadCredential=dsr.key:/etc/dsr/cron.key (or dsr.passphrase)
// unlocks with no flag at all.
void Context::settle_key_sources() {
  auto given = [this] {
    return !g.key_file.empty() || !g.passphrase_file.empty() || g.passphrase_fd >= 0 || !g.passphrase_command.empty();
  };
  if (given()) return;
  if (const char* k = std::getenv("DSR_KEY_FILE"); k && *k) g.key_file = k;
  if (const char* p = std::getenv("DSR_PASSPHRASE_FILE"); p && *p) g.passphrase_file = p;
  if (const char* c = std::getenv("DSR_PASSPHRASE_COMMAND"); c && *c) g.passphrase_command = c;
  if (given()) return;
  if (const char* dir = std::getenv("CREDENTIALS_DIRECTORY"); dir && *dir) {
    std::string d = dir;
    if (readable_file(d + "/dsr.key")) g.key_file = d + "/dsr.key";
    else if (readable_file(d + "/dsr.passphrase")) g.passphrase_file = d + "/dsr.passphrase";
  }
}

bool Context::has_key_source() {
  settle_key_sources();
  return !g.key_file.empty() || !g.passphrase_file.empty() || g.passphrase_fd >= 0 || !g.passphrase_command.empty();
}

Credential Context::credential(const char* purpose) {
  settle_key_sources();
  int sources = !g.key_file.empty() + !g.passphrase_file.empty() + (g.passphrase_fd >= 0) +
                !g.passphrase_command.empty();
  if (sources > 1)
    fail(ErrorKind::usage,
         "give one key source: --key-file, --passphrase-file, --passphrase-fd or --passphrase-command (or, with "
         "none of them, one of DSR_KEY_FILE, DSR_PASSPHRASE_FILE and DSR_PASSPHRASE_COMMAND)");
  if (!g.key_file.empty()) return read_key_file(g.key_file);
  if (!g.passphrase_file.empty()) return read_passphrase_file(g.passphrase_file);
  if (g.passphrase_fd >= 0) return read_passphrase_fd(g.passphrase_fd);
  if (!g.passphrase_command.empty()) return read_passphrase_command(g.passphrase_command);
  if (g.no_input || !stdin_is_tty())
    fail(ErrorKind::usage,
         "no key given and no terminal to ask at: pass --key-file FILE, --passphrase-file FILE, "
         "--passphrase-fd N or --passphrase-command CMD (or set DSR_KEY_FILE / DSR_PASSPHRASE_FILE)");
  Secret s = prompt_secret(std::string(purpose) + ": ");
  if (s.empty()) fail(ErrorKind::usage, "empty passphrase");
  return Credential{SlotKind::passphrase, std::move(s)};
}

void Context::require_vault() const {
  std::string path = db_path();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT)
    fail(ErrorKind::not_found, "no vault at " + path + "; create one with `dsr init`, or name yours with --db PATH or DSR_DB");
}

Desk Context::open_desk() {
  require_vault();  // before a passphrase is asked for
  Vault v = unlock_with([this](const Credential& c, const OpenOptions& o) { return Vault::open(db_path(), c, o); });
  for (const auto& n : v.notices()) note("dsr: " + n);
  return Desk(std::move(v));
}

// The unlock agent stands in only when nothing else was asked for: a key
// flag, DSR_KEY_FILE and the like, or a systemd credential always win
// (src/cli/agent.hpp; dsr(1), UNLOCK AGENT).
std::optional<std::pair<Credential, OpenOptions>> Context::agent_key() {
  if (has_key_source()) return std::nullopt;
  std::string warning;
  auto a = agent::fetch(agent::canonical_vault(db_path()), warning);
  if (!warning.empty()) note(warning);
  if (!a) return std::nullopt;
  if (!g.slot.empty() && g.slot != a->material.slot) return std::nullopt;  // --slot names another slot
  OpenOptions o = open_options();
  o.slot = a->material.slot;
  return std::make_pair(std::move(a->material.cred), std::move(o));
}

void Context::agent_failed(const std::string& slot, const std::exception& e) const {
  note("the unlock agent's key for slot '" + slot + "' no longer opens this vault (" + e.what() +
       "): the slot was removed or its passphrase changed. Run `dsr lock`, then `dsr unlock` again");
}

void Context::emit_json(const nlohmann::json& j) const {
  emitted_ = true;
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void Context::say(const std::string& line) const {
  if (!g.json && !g.quiet) std::cout << line << "\n";
}

void Context::out(const std::string& line) const {
  if (!g.json) std::cout << line << "\n";
}

namespace {
// The number in s, or nullopt when s is not wholly a number.
std::optional<double> number_in(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno == ERANGE || d != d) return std::nullopt;
  return d;
}
}  // namespace

CLI::Option* add_subject_arg(CLI::App* cmd, std::string& subject) {
  return cmd->add_option("SUBJECT", subject, "Subject id, email or username")->required();
}

CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& description) {
  auto* group = app.add_subcommand(name, description);
  group->require_subcommand(1);
  return group;
}

void fall_through(CLI::App& app) {
  for (auto* sub : app.get_subcommands({})) {
    sub->fallthrough();
    fall_through(*sub);
  }
}

CLI::Option* add_request_option(CLI::App* cmd, std::string& request, const std::string& what) {
  return cmd->add_option("--request", request, "Record " + what + " against request ID (dsr request)");
}

CLI::Option* add_format_option(CLI::App* cmd, std::string& format, bool with_ndjson) {
  if (!with_ndjson)
    return cmd->add_option("--format", format, "table, json or csv")->check(CLI::IsMember({"table", "json", "csv"}));
  return cmd->add_option("--format", format, "table, json, ndjson or csv")
      ->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
}

namespace {
// The Argon2id costs of a passphrase slot, by the names --kdf takes.
constexpr std::pair<const char*, KdfStrength> kKdfNames[] = {{"interactive", KdfStrength::interactive},
                                                             {"moderate", KdfStrength::moderate},
                                                             {"sensitive", KdfStrength::sensitive}};
}  // namespace

CLI::Option* add_kdf_option(CLI::App* cmd, std::string& kdf, const std::string& help) {
  std::vector<std::string> names;
  for (const auto& [name, strength] : kKdfNames) names.emplace_back(name);
  return cmd->add_option("--kdf", kdf, help)->check(CLI::IsMember(names));
}

KdfStrength kdf_strength(const std::string& name) {
  for (const auto& [n, strength] : kKdfNames)
    if (name == n) return strength;
  return KdfStrength::moderate;
}

CLI::Validator positive() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        auto d = number_in(s);
        return d && *d > 0 ? "" : "must be a number above 0, got '" + s.substr(0, 20) + "'";
      },
      "N>0");
}

CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        auto d = number_in(s);
        return d && *d >= 0 ? "" : "must be 0 or more, got '" + s.substr(0, 20) + "'";
      },
      "N>=0");
}

// Every message on standard error starts with "dsr:", so that a log or a
// terminal shared with other programs says whose it is.
void Context::note(const std::string& line) const {
  if (g.quiet) return;
  std::cerr << (line.rfind("dsr:", 0) == 0 ? "" : "dsr: ") << line << "\n";
}

void Context::confirm_by_typing(const std::string& prompt, const std::string& expected,
                                const std::string& flag_hint) {
  if (g.yes) return;
  if (g.no_input || !stdin_is_tty())
    fail(ErrorKind::usage, "refusing to " + flag_hint + " without confirmation: stdin is not a terminal; pass --yes");
  std::string answer = prompt_line(prompt);
  if (answer != expected) fail(ErrorKind::usage, "confirmation did not match; nothing was changed");
}

namespace {
// Echo off while a secret is typed. TCSANOW, not TCSAFLUSH: a passphrase
// typed right after the prompt appeared is kept, not thrown away (with
// TCSAFLUSH dsr waited for a line that had been discarded). A signal while
// the prompt waits (Ctrl-C) restores the terminal before it ends dsr.
volatile sig_atomic_t g_echo_fd = -1;
termios g_echo_saved{};

extern "C" void restore_echo_and_die(int sig) {
  if (g_echo_fd >= 0) tcsetattr(g_echo_fd, TCSANOW, &g_echo_saved);
  (void)!::write(STDERR_FILENO, "\n", 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

struct EchoOff {
  int fd;
  termios saved{};
  bool active = false;
  static constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
  struct sigaction old[4]{};
  explicit EchoOff(int f) : fd(f) {
    if (tcgetattr(fd, &saved) != 0) return;
    g_echo_saved = saved;
    g_echo_fd = fd;
    struct sigaction sa {};
    sa.sa_handler = restore_echo_and_die;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &sa, &old[i]);
    termios t = saved;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active = tcsetattr(fd, TCSANOW, &t) == 0;
  }
  ~EchoOff() {
    if (g_echo_fd < 0) return;
    if (active) tcsetattr(fd, TCSANOW, &saved);
    g_echo_fd = -1;
    for (int i = 0; i < 4; ++i) sigaction(kSignals[i], &old[i], nullptr);
  }
};
}  // namespace

Secret prompt_secret(const std::string& prompt) {
  util::UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC));
  int fd = tty.get();
  int in = fd >= 0 ? fd : STDIN_FILENO;
  std::string p = prompt;
  (void)!::write(fd >= 0 ? fd : STDERR_FILENO, p.data(), p.size());
  Secret buf(1024);
  size_t len = 0;
  {
    EchoOff guard(in);
    while (len < buf.size()) {
      char c;
      ssize_t n = ::read(in, &c, 1);
      if (n <= 0 || c == '\n' || c == '\r') break;
      buf.data()[len++] = static_cast<unsigned char>(c);
    }
  }
  (void)!::write(fd >= 0 ? fd : STDERR_FILENO, "\n", 1);
  buf.truncate(len);
  return buf;
}

std::string prompt_line(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void write_new_private_file(const std::string& path, const std::string& text) {
  util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd) {
    if (errno == EEXIST) fail(ErrorKind::conflict, path + " already exists; choose another file");
    fail(ErrorKind::failure, "cannot create " + path + ": " + std::strerror(errno));
  }
  util::ScopeGuard remove_partial([&] { ::unlink(path.c_str()); });
  bool ok = ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd.get()) == 0;
  if (fd.close() != 0 || !ok) fail(ErrorKind::failure, "cannot write " + path);
  remove_partial.dismiss();
}

}  // namespace dsr::cli
