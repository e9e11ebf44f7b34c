// dsr: the data-subject request desk. This file sets up the global options,
// dispatches to the command groups, maps every failure to its exit code and
// checks that standard output took everything written to it.
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string_view>

#include "cli/context.hpp"
#include "cli/guide.hpp"
#include "cli/output.hpp"
#include "cli/render.hpp"
#include "dsr/csv.hpp"
#include "dsr/error.hpp"
#include "dsr/secret.hpp"

namespace {

// A result that did not reach standard output (a full disk, a closed pipe
// with SIGPIPE ignored, as systemd runs services) is a failure: exit 1 with a
// message, never 0 with the output lost.
int finish_stdout(int rc) {
  if (dsr::cli::flush_stdout()) return rc;
  int err = dsr::cli::stdout_error();
  std::cerr << "dsr: cannot write standard output" << (err ? std::string(": ") + std::strerror(err) : std::string())
            << "; what it printed is incomplete\n";
  return rc == 0 ? 1 : rc;
}

// --json and a --format other than json ask for two different outputs. With
// --from-file (request open) --format names what is read, not an output.
void refuse_conflicting_output(const std::vector<std::string>& args, dsr::cli::Context& ctx) {
  std::string format;
  bool input_format = false;
  for (size_t i = 0; i < args.size() && args[i] != "--"; ++i) {
    if (args[i] == "--json") ctx.g.json = true;
    if (args[i] == "--from-file" || args[i].rfind("--from-file=", 0) == 0) input_format = true;
    if (args[i] == "--format" && i + 1 < args.size()) format = args[i + 1];
    if (args[i].rfind("--format=", 0) == 0) format = args[i].substr(9);
  }
  if (ctx.g.json && !format.empty() && format != "json" && !input_format)
    dsr::fail(dsr::ErrorKind::usage, "--json and --format " + format + " ask for different outputs; give one of them");
}

int run(CLI::App& app, dsr::cli::Context& ctx, int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (size_t k = dsr::cli::first_command_word(app, args); k != std::string::npos && args[k] == "help") {
      dsr::cli::show_help(app, std::vector<std::string>(args.begin() + static_cast<long>(k) + 1, args.end()), std::cout);
      return 0;
    }
    refuse_conflicting_output(args, ctx);
    ctx.g.json = false;  // the parser sets it
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: on stdout
  } catch (const CLI::ParseError& e) {
    std::string problem = dsr::cli::command_problem(app, args);
    if (problem.empty()) problem = dsr::cli::option_problem(app, args);
    if (problem.empty()) problem = e.what();
    std::string path = dsr::cli::command_path(app, args);
    std::cerr << "dsr: " << problem << "\nRun '" << (path == "dsr" ? std::string("dsr help") : "dsr help" + path.substr(3))
              << "' for more information.\n";
    // The parser stopped before --json took effect: look for it.
    bool json = false;
    for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) json |= std::string_view(argv[i]) == "--json";
    if (json)
      ctx.emit_json({{"ok", false}, {"error", {{"kind", "usage"}, {"exit_code", 2}, {"message", problem}}}});
    return 2;
  } catch (const std::exception& e) {
    dsr::Error err = dsr::classify(e);
    if (err.kind() == dsr::ErrorKind::locked) {  // name who holds the lock
      std::string holder;
      try {
        holder = dsr::cli::lock_holder(app, ctx.db_path());
      } catch (...) {
      }
      if (!holder.empty()) err = dsr::Error(err.kind(), std::string(err.what()) + "; the lock is held by " + holder, err.details());
    }
    std::cerr << "dsr: " << err.what() << "\n";
    // A command that failed after printing its report (check, backup --verify,
    // audit verify) has its document on stdout already: one document only.
    if (ctx.g.json && !ctx.emitted()) {
      nlohmann::json j = {{"kind", dsr::kind_name(err.kind())},
                          {"exit_code", dsr::exit_code(err.kind())},
                          {"message", err.what()}};
      if (!err.details().empty()) j["details"] = nlohmann::json::parse(err.details(), nullptr, false);
      ctx.emit_json({{"ok", false}, {"error", j}});
    }
    return dsr::exit_code(err.kind());
  }
}

}  // namespace

int main(int argc, char** argv) {
  dsr::harden_process();
  dsr::cli::install_stdout();
  dsr::cli::Context ctx;
  CLI::App app{"dsr: the data-subject request desk (an encrypted vault of customer records)", "dsr"};
  // The JSON output's version (dsr(1), JSON OUTPUT) goes with the program's.
  app.set_version_flag("--version", std::string("dsr ") + DSR_VERSION + " (JSON output version 2)");
  app.require_subcommand(1);
  app.fallthrough();
  auto& g = ctx.g;
  app.add_option("--db", g.db, "The vault file (default $XDG_DATA_HOME/dsr/vault.dsr)")->envname("DSR_DB");
  // DSR_KEY_FILE / DSR_PASSPHRASE_FILE apply only when no key flag is given
  // (Context::settle_key_sources): flags beat the environment.
  app.add_option("--key-file", g.key_file, "Unlock with a key-file slot (or DSR_KEY_FILE)");
  app.add_option("--passphrase-file", g.passphrase_file,
                 "Unlock with a passphrase read from FILE, first line (or DSR_PASSPHRASE_FILE)");
  app.add_option("--passphrase-fd", g.passphrase_fd, "Unlock with a passphrase read from file descriptor N");
  app.add_option("--passphrase-command", g.passphrase_command,
                 "Unlock with the first line CMD prints (run by /bin/sh; or DSR_PASSPHRASE_COMMAND)");
  app.add_option("--slot", g.slot, "Try only the key slot NAME")->envname("DSR_SLOT");
  app.add_option("--lock-timeout", g.lock_timeout, "Seconds to wait for another process's lock (default 10)")
      ->envname("DSR_LOCK_TIMEOUT")->check(dsr::cli::non_negative());
  app.add_flag("--json", g.json, "Machine output: one JSON document on stdout");
  app.add_option("--delimiter", g.delimiter, "CSV field separator of import and --format csv: , ; | or tab (default ,)")
      ->check(CLI::IsMember({",", ";", "|", "tab"}));
  app.add_flag("-q,--quiet", g.quiet, "No messages, only results and errors");
  app.add_flag("--no-input", g.no_input, "Never prompt");
  app.add_flag("--no-color", g.no_color, "Plain output");
  app.add_flag("-y,--yes", g.yes, "Answer yes to confirmations");
  app.parse_complete_callback([&g] { dsr::cli::set_csv_delimiter(dsr::csv::parse_delimiter(g.delimiter)); });

  dsr::cli::add_vault_commands(app, ctx);
  dsr::cli::add_subject_commands(app, ctx);
  dsr::cli::add_disclosure_commands(app, ctx);
  dsr::cli::add_audit_commands(app, ctx);
  dsr::cli::add_request_commands(app, ctx);
  dsr::cli::add_holiday_commands(app, ctx);
  dsr::cli::add_policy_commands(app, ctx);
  dsr::cli::add_choice_commands(app, ctx);
  dsr::cli::add_notice_commands(app, ctx);
  dsr::cli::add_breach_commands(app, ctx);
  dsr::cli::add_batch_commands(app, ctx);
  dsr::cli::add_retention_commands(app, ctx);
  dsr::cli::add_key_commands(app, ctx);
  dsr::cli::add_backup_commands(app, ctx);
  dsr::cli::add_agent_commands(app, ctx);
  dsr::cli::add_letter_commands(app, ctx);
  dsr::cli::add_help_command(app);
  dsr::cli::fall_through(app);
  dsr::cli::finish_help(app);
  // After the commands: CLI11 hands a parent's footer down to the commands added after it.
  app.footer("Run 'dsr help COMMAND' for a command's options and an example; man dsr for everything.");

  // The shells' completions ask the binary (completions/): hidden, never prompts.
  if (argc >= 2 && std::string_view(argv[1]) == "__complete") {
    dsr::cli::complete(app, ctx, std::vector<std::string>(argv + 2, argv + argc), std::cout);
    return finish_stdout(0);
  }
  return finish_stdout(run(app, ctx, argc, argv));
}
