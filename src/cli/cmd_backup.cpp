// dsr backup FILE, backup --verify FILE, restore FILE.
#include <iostream>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "dsr/error.hpp"
#include "dsr/keys.hpp"

namespace dsr::cli {
namespace {

void run_backup(Context& ctx, const std::string& file) {
  Desk desk = ctx.open_desk();
  BackupReport r;
  {
    TerminalProgress progress(ctx, "backup");
    r = backup(desk, file, progress.fn());
  }
  if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"path", r.path}, {"pages", r.pages}, {"size_bytes", r.bytes}});
  ctx.say("wrote " + r.path + " (" + std::to_string(r.bytes / 1024) + " KiB, " + std::to_string(r.pages) +
          " pages, verified); it opens with the vault's key slots as they are now");
}

void require_file(const std::string& file) {  // before a passphrase is asked for
  if (::access(file.c_str(), F_OK) != 0 && errno == ENOENT) fail(ErrorKind::not_found, "no such backup: " + file);
}

void run_verify(Context& ctx, const std::string& file) {
  require_file(file);
  Credential c = ctx.credential();
  CheckReport r;
  {
    TerminalProgress progress(ctx, "verify");
    r = verify_backup(file, c, progress.fn());
  }
  if (ctx.g.json) ctx.emit_json({{"ok", r.ok()}, {"path", file}, {"pages", r.pages}, {"problems", r.problems}});
  else if (r.ok()) ctx.say("ok: " + file + ": header and " + std::to_string(r.pages) + " pages authenticated; SQLite integrity check passed");
  if (!r.ok()) {
    for (const auto& p : r.problems) std::cerr << "dsr: backup: " << p << "\n";
    fail(ErrorKind::integrity, "the backup " + file + " failed verification (" + std::to_string(r.problems.size()) +
                                   " problem(s)); do not restore it");
  }
}

void run_restore(Context& ctx, const std::string& file) {
  std::string dest = ctx.db_path();
  require_file(file);
  Credential c = ctx.credential();
  BackupSlot slot;
  {
    TerminalProgress progress(ctx, "restore");
    slot = restore(file, dest, c, progress.fn());
  }
  if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"path", dest}, {"from", file}, {"slot", slot.name}});
  ctx.say("restored " + file + " into " + dest + " (verified); open it with the slots the backup was made with");
}

}  // namespace

void add_backup_commands(CLI::App& app, Context& ctx) {
  struct Args {
    std::string file;
    bool verify = false;
  };
  auto a = std::make_shared<Args>();
  auto* backup = app.add_subcommand("backup", "Write a verified, encrypted copy of the vault while others work (admin)");
  backup->add_option("file", a->file, "The new backup file (must not exist)")->required();
  backup->add_flag("--verify", a->verify, "Check an existing backup FILE (every page, SQLite's integrity check)");
  backup->footer("The backup opens with the vault's key slots as they are when it is made.\nExamples:\n"
                 "  dsr backup /srv/backup/vault-$(date +%F).dsr\n  dsr backup --verify /srv/backup/vault-2026-06-01.dsr");
  backup->callback([&ctx, a] { a->verify ? run_verify(ctx, a->file) : run_backup(ctx, a->file); });

  auto from = std::make_shared<std::string>();
  auto* restore_cmd = app.add_subcommand("restore", "Restore a backup into --db, which must not exist (admin)");
  restore_cmd->add_option("file", *from, "The backup file")->required();
  restore_cmd->footer("Example:\n  dsr --db /srv/dsr/vault-restored.dsr --key-file ops.key restore /srv/backup/vault-2026-06-01.dsr");
  restore_cmd->callback([&ctx, from] { run_restore(ctx, *from); });
}

}  // namespace dsr::cli
