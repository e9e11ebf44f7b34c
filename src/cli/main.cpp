// dsr: the data-subject request desk. This file sets up the global options,
// dispatches to the command groups and maps every failure to its exit code.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string_view>

#include "cli/context.hpp"
#include "dsr/error.hpp"
#include "dsr/secret.hpp"

namespace {

// CLI11 says only "A subcommand is required" for `dsr registr` or `dsr key
// bogus`: walk the words as the parser would and name the one that is not a
// command, with the commands that would fit there.
std::string command_problem(CLI::App& app, int argc, char** argv) {
  CLI::App* at = &app;
  std::string path = "dsr";
  for (int i = 1; i < argc; ++i) {
    std::string_view tok = argv[i];
    if (tok == "--") break;
    if (tok.size() > 1 && tok[0] == '-') {
      if (tok.find('=') != std::string_view::npos) continue;
      for (CLI::App* a = at; a; a = a->get_parent())
        if (const CLI::Option* o = a->get_option_no_throw(std::string(tok))) {
          if (o->get_items_expected_min() > 0) ++i;  // its value
          break;
        }
      continue;
    }
    auto subs = at->get_subcommands({});
    if (subs.empty()) return "";  // a positional argument of a leaf command
    CLI::App* next = nullptr;
    for (CLI::App* sub : subs)
      if (sub->check_name(std::string(tok))) next = sub;
    if (!next) {
      std::string known;
      for (CLI::App* sub : subs) known += (known.empty() ? "" : ", ") + sub->get_name();
      return "unknown command '" + path + " " + std::string(tok) + "'; the commands here are: " + known;
    }
    at = next;
    path += " " + next->get_name();
  }
  if (at->get_require_subcommand_min() > 0) {
    std::string known;
    for (CLI::App* sub : at->get_subcommands({})) known += (known.empty() ? "" : ", ") + sub->get_name();
    return "'" + path + "' needs a command: " + known;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  dsr::harden_process();
  dsr::cli::Context ctx;
  CLI::App app{"dsr: the data-subject request desk (an encrypted vault of customer records)", "dsr"};
  app.set_version_flag("--version", std::string("dsr ") + DSR_VERSION);
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
      ->envname("DSR_LOCK_TIMEOUT")->check(CLI::NonNegativeNumber);
  app.add_flag("--json", g.json, "Machine output: one JSON document on stdout");
  app.add_flag("-q,--quiet", g.quiet, "Print only errors");
  app.add_flag("--no-input", g.no_input, "Never prompt");
  app.add_flag("--no-color", g.no_color, "Plain output");
  app.add_flag("-y,--yes", g.yes, "Answer yes to confirmations");

  dsr::cli::add_vault_commands(app, ctx);
  dsr::cli::add_subject_commands(app, ctx);
  dsr::cli::add_disclosure_commands(app, ctx);
  dsr::cli::add_audit_commands(app, ctx);
  dsr::cli::add_request_commands(app, ctx);
  dsr::cli::add_holiday_commands(app, ctx);
  dsr::cli::add_policy_commands(app, ctx);
  dsr::cli::add_notice_commands(app, ctx);
  dsr::cli::add_batch_commands(app, ctx);
  dsr::cli::add_retention_commands(app, ctx);
  dsr::cli::add_key_commands(app, ctx);
  dsr::cli::add_backup_commands(app, ctx);
  for (auto* sub : app.get_subcommands({})) sub->fallthrough();

  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string problem = e.get_name() == "RequiredError" ? command_problem(app, argc, argv) : "";
    if (problem.empty())
      app.exit(e);  // prints the message and usage hint on stderr
    else
      std::cerr << "dsr: " << problem << "\nRun with --help for more information.\n";
    // The parser stopped before --json took effect: look for it.
    bool json = false;
    for (int i = 1; i < argc && std::string_view(argv[i]) != "--"; ++i) json |= std::string_view(argv[i]) == "--json";
    if (json)
      ctx.emit_json({{"ok", false},
                     {"error", {{"kind", "usage"}, {"exit_code", 2}, {"message", problem.empty() ? std::string(e.what()) : problem}}}});
    return 2;
  } catch (const std::exception& e) {
    dsr::Error err = dsr::classify(e);
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
