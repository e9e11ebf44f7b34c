// dsr: the data-subject request desk. This file sets up the global options,
// dispatches to the command groups and maps every failure to its exit code.
#include <CLI/CLI.hpp>
#include <iostream>

#include "cli/context.hpp"
#include "dsr/error.hpp"
#include "dsr/secret.hpp"

int main(int argc, char** argv) {
  dsr::harden_process();
  dsr::cli::Context ctx;
  CLI::App app{"dsr: the data-subject request desk (an encrypted vault of customer records)", "dsr"};
  app.set_version_flag("--version", std::string("dsr ") + DSR_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  auto& g = ctx.g;
  app.add_option("--db", g.db, "The vault file (default $XDG_DATA_HOME/dsr/vault.dsr)")->envname("DSR_DB");
  app.add_option("--key-file", g.key_file, "Unlock with a key-file slot")->envname("DSR_KEY_FILE");
  app.add_option("--passphrase-file", g.passphrase_file, "Unlock with a passphrase read from FILE (first line)")
      ->envname("DSR_PASSPHRASE_FILE");
  app.add_option("--passphrase-fd", g.passphrase_fd, "Unlock with a passphrase read from file descriptor N");
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
    app.exit(e);  // prints the message and usage hint on stderr
    return 2;
  } catch (const std::exception& e) {
    dsr::Error err = dsr::classify(e);
    std::cerr << "dsr: " << err.what() << "\n";
    if (ctx.g.json) {
      nlohmann::json j = {{"kind", dsr::kind_name(err.kind())},
                          {"exit_code", dsr::exit_code(err.kind())},
                          {"message", err.what()}};
      if (!err.details().empty()) j["details"] = nlohmann::json::parse(err.details(), nullptr, false);
      ctx.emit_json({{"ok", false}, {"error", j}});
    }
    return dsr::exit_code(err.kind());
  }
}
