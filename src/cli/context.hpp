// What every command shares: the global options, how the vault is found and
// unlocked, and where output goes. Commands parse and print; they decide nothing.
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "dsr/desk.hpp"
#include "dsr/error.hpp"
#include "dsr/vault.hpp"

namespace dsr {
struct RequestInput;
}

namespace dsr::cli {

// delete and retention run, when another process held the checkpoint back:
// the erasure is committed, but the pages that held the values are not yet
// overwritten (Desk::wipe_erased; ARCHITECTURE.md, "Erasure").
inline constexpr const char* kNotWiped =
    "warning: erased, but not yet wiped from the file: another process is reading the vault and held the "
    "checkpoint back past the lock timeout; the old values stay in the file's older pages until the next dsr "
    "command completes it (`dsr check` reports it until then)";


struct Globals {
  std::string db;
  std::string key_file;
  std::string passphrase_file;
  int passphrase_fd = -1;
  std::string passphrase_command;
  std::string slot;
  double lock_timeout = 10.0;
  bool json = false;
  bool quiet = false;
  bool no_input = false;
  bool no_color = false;
  bool yes = false;
  std::string delimiter = ",";  // of CSV read by import and written by --format csv
};

class Context {
 public:
  Globals g;

  std::string db_path() const;
  bool stdin_is_tty() const;
  bool stderr_is_tty() const;
  bool color() const;
  // A progress line on stderr: a terminal, not --quiet, no NO_COLOR, TERM=dumb or --no-color.
  bool show_progress() const;
  OpenOptions open_options() const;
  // The credential from --key-file / --passphrase-file / --passphrase-fd, else a
  // prompt at a terminal, else a usage error naming the flags.
  Credential credential(const char* purpose = "Passphrase");
  bool has_key_source();
  // Fills the key source from DSR_KEY_FILE / DSR_PASSPHRASE_FILE when no key flag was given.
  void settle_key_sources();
  Desk open_desk();
  // Runs open(credential, options) with the unlock agent's key when no key
  // source was given and an agent for this vault answers (src/cli/agent.hpp),
  // else with credential(). An agent whose key no longer opens the vault (its
  // slot removed or re-wrapped) is passed over with a note.
  template <class Open>
  auto unlock_with(Open&& open) -> decltype(open(std::declval<const Credential&>(), std::declval<const OpenOptions&>()));
  // Exit 3 naming the path (and `dsr init`) when there is no vault there:
  // called before any passphrase is asked for.
  void require_vault() const;

  // Output: data to stdout, messages to stderr.
  void emit_json(const nlohmann::json& j) const;   // one document on stdout
  bool emitted() const { return emitted_; }        // a document is already on stdout
  void say(const std::string& line) const;         // a message on stdout: what changed (not with --json/-q)
  void out(const std::string& line) const;         // a result on stdout: ids, data (not with --json; -q keeps it)
  void note(const std::string& line) const;        // a message on stderr (not with -q)
  // Asks the user to type `expected` to confirm; usage error off a terminal without --yes.
  void confirm_by_typing(const std::string& prompt, const std::string& expected, const std::string& flag_hint);

 private:
  bool plain_terminal() const;
  // The agent's key for this vault and the options that name its slot, or
  // nullopt (a key source given, --slot naming another slot, no agent).
  std::optional<std::pair<Credential, OpenOptions>> agent_key();
  void agent_failed(const std::string& slot, const std::exception& e) const;
  mutable bool emitted_ = false;
};

template <class Open>
auto Context::unlock_with(Open&& open)
    -> decltype(open(std::declval<const Credential&>(), std::declval<const OpenOptions&>())) {
  if (auto k = agent_key()) {
    try {
      return open(k->first, k->second);
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::wrong_key && e.kind() != ErrorKind::not_found) throw;
      agent_failed(k->second.slot, e);
    }
  }
  Credential c = credential();
  return open(c, open_options());
}

// Each command group adds its subcommands here.
void add_vault_commands(CLI::App& app, Context& ctx);
void add_subject_commands(CLI::App& app, Context& ctx);
void add_disclosure_commands(CLI::App& app, Context& ctx);
void add_audit_commands(CLI::App& app, Context& ctx);
void add_request_commands(CLI::App& app, Context& ctx);  // request ..., report requests
void add_holiday_commands(CLI::App& app, Context& ctx);  // holidays import|list
void add_policy_commands(CLI::App& app, Context& ctx);   // policy ..., choice
void add_choice_commands(CLI::App& app, Context& ctx);   // consent ...
void add_breach_commands(CLI::App& app, Context& ctx);   // breach ..., report breaches
void add_notice_commands(CLI::App& app, Context& ctx);   // contacts, inventory
void add_batch_commands(CLI::App& app, Context& ctx);    // batch, import
void add_retention_commands(CLI::App& app, Context& ctx);  // retention show|set|run
void add_key_commands(CLI::App& app, Context& ctx);      // key add|list|remove|passwd, rekey
void add_backup_commands(CLI::App& app, Context& ctx);   // backup [--verify], restore
void add_agent_commands(CLI::App& app, Context& ctx);    // unlock, lock
void add_letter_commands(CLI::App& app, Context& ctx);   // letter, template (cmd_letters.cpp)
// request open --from-file and request show --format drp|opendsr (cmd_intake.cpp):
// the options are added to the request group's commands; run_intake and show_status return
// false when their option was not given (the command then runs as before).
struct IntakeArgs;
std::shared_ptr<IntakeArgs> add_intake_options(CLI::App* open);
bool run_intake(Context& ctx, const IntakeArgs& a, const dsr::RequestInput& in);
bool show_status(Context& ctx, const std::string& id, const std::string& format);

// Validators with short messages ("--limit: must be a number above 0, got '0'").
CLI::Validator positive();

// The SUBJECT argument every per-subject command takes (required).
CLI::Option* add_subject_arg(CLI::App* cmd, std::string& subject);
// A command group (`dsr key ...`): it needs one of its commands.
CLI::App* add_group(CLI::App& app, const std::string& name, const std::string& description);
// Every command below `app` passes the global options it does not know up to
// its parent, so they may stand after the command (`dsr key list --json`).
void fall_through(CLI::App& app);
// --request ID: the action is recorded against a request (`what`: "the erasure").
CLI::Option* add_request_option(CLI::App* cmd, std::string& request, const std::string& what);

// --format of a listing: table, json, ndjson or csv (render.hpp's Format); a
// report that is one document has no ndjson (`with_ndjson` false).
CLI::Option* add_format_option(CLI::App* cmd, std::string& format, bool with_ndjson = true);

// --kdf: the Argon2id cost of a new passphrase, interactive, moderate or sensitive.
CLI::Option* add_kdf_option(CLI::App* cmd, std::string& kdf, const std::string& help);
// The cost a --kdf value names; moderate when none was given.
KdfStrength kdf_strength(const std::string& name);

// Writes `text` to a new file, mode 0600 (it holds personal data), synced;
// conflict when the file exists; a file written in part is removed.
void write_new_private_file(const std::string& path, const std::string& text);
CLI::Validator non_negative();

// Prompt on the terminal with echo off; returns the line in guarded memory.
Secret prompt_secret(const std::string& prompt);
std::string prompt_line(const std::string& prompt);

}  // namespace dsr::cli
