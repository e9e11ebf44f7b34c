// dsr init, info, check.
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli/context.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

std::string login_name() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const char* u = std::getenv("LOGNAME"); u && *u) return u;
  return "admin";
}

nlohmann::json slot_json(const SlotInfo& s) {
  return {{"name", s.name}, {"role", role_name(s.role)}, {"kind", slot_kind_name(s.kind)}, {"created", iso_time(s.created)}};
}

struct InitArgs {
  std::string new_key_file;
  std::string name;
  std::string kdf = "moderate";
};

void run_init(Context& ctx, const InitArgs& a) {
  std::string path = ctx.db_path();
  std::optional<Credential> cred;
  ctx.settle_key_sources();
  if (!a.new_key_file.empty()) {
    // DSR_KEY_FILE naming the file about to be made is the usual script setup; anything else is a mix-up.
    auto abs = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal(); };
    bool same_file = ctx.g.passphrase_file.empty() && ctx.g.passphrase_fd < 0 && !ctx.g.key_file.empty() &&
                     abs(ctx.g.key_file) == abs(a.new_key_file);
    if (ctx.has_key_source() && !same_file)
      fail(ErrorKind::usage, "--new-key-file cannot be combined with another key source");
    if (::access(path.c_str(), F_OK) == 0) fail(ErrorKind::conflict, path + " already exists; it was left untouched");
    cred = make_key_file(a.new_key_file);
  } else if (ctx.has_key_source()) {
    cred = ctx.credential();
  } else {
    if (ctx.g.no_input || !ctx.stdin_is_tty())
      fail(ErrorKind::usage, "no key for the new vault: pass --new-key-file FILE or --passphrase-file FILE");
    Secret p1 = prompt_secret("New passphrase: ");
    Secret p2 = prompt_secret("Repeat passphrase: ");
    if (p1.empty() || !p1.equals(p2)) fail(ErrorKind::usage, "the passphrases are empty or do not match");
    cred = Credential{SlotKind::passphrase, std::move(p1)};
  }
  KdfStrength kdf = kdf_strength(a.kdf);
  std::string name = a.name.empty() ? login_name() : a.name;
  try {
    Desk desk(Vault::create(path, name, *cred, kdf, ctx.open_options()));
  } catch (...) {
    // Keep nothing half-made: the key file belongs to a vault that does not exist.
    if (!a.new_key_file.empty()) ::unlink(a.new_key_file.c_str());
    throw;
  }
  if (ctx.g.json) {
    nlohmann::json j{{"ok", true}, {"path", path}, {"slot", {{"name", name}, {"role", "admin"},
                                                            {"kind", slot_kind_name(cred->kind)}}}};
    if (!a.new_key_file.empty()) j["key_file"] = a.new_key_file;
    ctx.emit_json(j);
  } else {
    ctx.say("created vault " + path + " with admin slot '" + name + "' (" + slot_kind_name(cred->kind) + ")");
    if (!a.new_key_file.empty())
      ctx.note("keep " + a.new_key_file + " safe: anyone who holds it can open the vault");
  }
}

void run_info(Context& ctx) {
  Desk desk = ctx.open_desk();
  VaultSummary s = summarize(desk);
  if (ctx.g.json) {
    nlohmann::json slots = nlohmann::json::array();
    for (const auto& sl : s.slots) slots.push_back(slot_json(sl));
    ctx.emit_json({{"path", s.path},
                   {"format_version", s.format_version},
                   {"schema_version", s.schema_version},
                   {"size_bytes", s.size_bytes},
                   {"opened_by", desk.actor()},
                   {"slots", slots},
                   {"subjects",
                    {{"active", s.subjects.active}, {"deactivated", s.subjects.deactivated}, {"erased", s.subjects.erased}}}});
    return;
  }
  ctx.out("vault:          " + s.path);
  ctx.out("format version: " + std::to_string(s.format_version) + " (schema " + std::to_string(s.schema_version) + ")");
  ctx.out("size:           " + std::to_string(s.size_bytes) + " bytes");
  ctx.out("subjects:       " + std::to_string(s.subjects.active) + " active, " + std::to_string(s.subjects.deactivated) +
          " deactivated, " + std::to_string(s.subjects.erased) + " erased");
  ctx.out("slots:");
  for (const auto& sl : s.slots)
    ctx.out("  " + sl.name + "  " + role_name(sl.role) + "  " + slot_kind_name(sl.kind));
}

// The pages authenticate: now the audit trail's chain and signatures, for a
// slot that may read it (a slot holder can rewrite rows under the keys every
// slot holds; only the signatures show it, tests/e2e/test_insider.sh). Read
// only: check never migrates or upgrades.
bool check_audit_trail(const std::string& path, const Credential& cred, OpenOptions o, CheckReport& r) {
  o.read_only = true;
  o.upgrade = false;
  std::optional<Desk> desk;
  try {
    desk.emplace(Vault::open(path, cred, o));
  } catch (const std::exception&) {
    r.notes.push_back("the audit trail was not verified: the vault's schema is older (the next write migrates it)");
    return false;
  }
  Role role = desk->vault().role();
  if (!role_may(role, Action::read_audit)) {
    r.notes.push_back("the audit trail was not verified: a " + std::string(role_name(role)) + " slot may not read it");
    return false;
  }
  AuditVerify v = verify_audit(*desk);
  for (const auto& n : v.notes) r.notes.push_back("audit trail: " + n);
  if (!v.ok) r.problems.push_back("audit trail: " + v.problem);
  return true;
}

void run_check(Context& ctx) {
  ctx.require_vault();
  bool audit_checked = false;
  CheckReport r = ctx.unlock_with([&](const Credential& c, const OpenOptions& o) {
    CheckReport rep = check_vault(ctx.db_path(), c, o);
    if (rep.ok()) audit_checked = check_audit_trail(ctx.db_path(), c, o, rep);
    return rep;
  });
  for (const auto& n : r.notes) ctx.note("dsr: check: " + n);
  if (ctx.g.json) {
    ctx.emit_json({{"ok", r.ok()}, {"pages", r.pages}, {"audit_checked", audit_checked}, {"problems", r.problems}, {"notes", r.notes}});
  } else if (r.ok()) {
    ctx.say("ok: header and " + std::to_string(r.pages) + " pages authenticated; SQLite integrity check passed" +
            (audit_checked ? "; audit trail intact" : ""));
  }
  if (!r.ok()) {
    for (const auto& p : r.problems) std::cerr << "dsr: check: " << p << "\n";
    fail(ErrorKind::integrity, "the vault failed its check (" + std::to_string(r.problems.size()) +
                                   " problem(s)); restore from a backup");
  }
}

}  // namespace

void add_vault_commands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<InitArgs>();
  auto* init = app.add_subcommand("init", "Create a new vault with a first admin key slot");
  init->add_option("--new-key-file", args->new_key_file, "Generate a key file at FILE (mode 0600) for the first slot");
  init->add_option("--name", args->name, "Name of the first admin slot (default: your login name)");
  add_kdf_option(init, args->kdf, "Argon2id cost of a passphrase slot");
  init->footer("Example:\n  dsr --db desk.dsr init --new-key-file desk.key --name ops");
  init->callback([&ctx, args] { run_init(ctx, *args); });

  auto* info = app.add_subcommand("info", "Show the vault's path, format, key slots and subject counts");
  info->footer("Example:\n  dsr --db desk.dsr --key-file desk.key info --json");
  info->callback([&ctx] { run_info(ctx); });

  auto* check = app.add_subcommand("check", "Authenticate every page, run SQLite's integrity check and verify the audit trail");
  check->footer("Exits 6 and names the page when the vault is damaged.\nExample:\n  dsr --key-file desk.key check");
  check->callback([&ctx] { run_check(ctx); });
}

}  // namespace dsr::cli
