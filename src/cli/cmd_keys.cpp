// dsr key add | list | remove | passwd, and dsr rekey.
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "cli/context.hpp"
#include "cli/progress.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/keys.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

// A new passphrase: from --new-passphrase-file, else asked twice at a terminal.
Credential new_passphrase(Context& ctx, const std::string& file, const std::string& whose) {
  if (!file.empty()) return read_passphrase_file(file);
  if (ctx.g.no_input || !ctx.stdin_is_tty())
    fail(ErrorKind::usage, "no new secret given and no terminal to ask at: pass --new-passphrase-file FILE"
                           " (or --new-key-file FILE for key add)");
  Secret p1 = prompt_secret("New passphrase for " + whose + ": ");
  Secret p2 = prompt_secret("Repeat it: ");
  if (p1.empty() || !p1.equals(p2)) fail(ErrorKind::usage, "the passphrases are empty or do not match; nothing was changed");
  return Credential{SlotKind::passphrase, std::move(p1)};
}

nlohmann::json slot_json(const KeySlot& k) {
  return {{"name", k.info.name},
          {"role", role_name(k.info.role)},
          {"kind", slot_kind_name(k.info.kind)},
          {"created", iso_time(k.info.created)},
          {"last_used", time_or_null(k.last_used)},
          {"current", k.current}};
}

struct AddArgs {
  std::string name, role, new_passphrase_file, new_key_file, kdf = "moderate";
};

void run_add(Context& ctx, const AddArgs& a) {
  Role role = *parse_role(a.role);
  if (!a.new_passphrase_file.empty() && !a.new_key_file.empty())
    fail(ErrorKind::usage, "give the new slot one secret: --new-passphrase-file or --new-key-file");
  Desk desk = ctx.open_desk();
  require_key_admin(desk, "key add");  // before asking for or making a secret
  for (const auto& s : desk.vault().slots())
    if (s.name == a.name) fail(ErrorKind::conflict, "a key slot named '" + a.name + "' already exists; pick another name");
  std::optional<Credential> secret;
  if (!a.new_key_file.empty()) secret = make_key_file(a.new_key_file);
  else secret = new_passphrase(ctx, a.new_passphrase_file, "slot '" + a.name + "'");
  try {
    add_key(desk, a.name, role, *secret, kdf_strength(a.kdf));
  } catch (...) {
    if (!a.new_key_file.empty()) ::unlink(a.new_key_file.c_str());  // it opens nothing
    throw;
  }
  if (ctx.g.json) {
    nlohmann::json j{{"ok", true}, {"slot", {{"name", a.name}, {"role", a.role}, {"kind", slot_kind_name(secret->kind)}}}};
    if (!a.new_key_file.empty()) j["key_file"] = a.new_key_file;
    return ctx.emit_json(j);
  }
  ctx.say("added " + a.role + " key slot '" + a.name + "' (" + slot_kind_name(secret->kind) + ")");
  if (!a.new_key_file.empty()) ctx.note("keep " + a.new_key_file + " safe: anyone who holds it can open the vault as " + a.role);
}

void run_key_list(Context& ctx, const std::string& format) {
  Desk desk = ctx.open_desk();
  std::vector<nlohmann::json> recs;
  for (const auto& k : list_keys(desk)) recs.push_back(slot_json(k));
  if (ctx.g.json) return ctx.emit_json(recs);  // a list is an array, as with --format json
  std::vector<nlohmann::json> shown = recs;
  if (parse_format(format) == Format::table)
    for (auto& r : shown) {
      if (r["current"].get<bool>()) r["name"] = r["name"].get<std::string>() + " *";
      if (r["last_used"].is_null()) r["last_used"] = "-";
    }
  render_records(std::cout, parse_format(format), parse_format(format) == Format::table ? shown : recs,
                 {{"NAME", "name"}, {"ROLE", "role"}, {"KIND", "kind"}, {"CREATED", "created"}, {"LAST USED", "last_used"}});
}

// Slots of format 2 were never sealed a key of their own: a rotation shuts them out.
void note_shut_out(Context& ctx, const std::vector<std::string>& shut_out) {
  if (shut_out.empty()) return;
  std::string names;
  for (const auto& n : shut_out) names += (names.empty() ? "" : ", ") + n;
  ctx.note("slots of format 2 no longer open the vault: " + names + ". Add a new slot for each with `dsr key add`");
}

void run_remove(Context& ctx, const std::string& name, bool dry_run) {
  Desk desk = ctx.open_desk();
  require_key_admin(desk, "key remove");
  KeySlot k = find_key(desk, name);  // not_found
  auto slots = desk.vault().slots();
  long admins = std::count_if(slots.begin(), slots.end(), [](const SlotInfo& s) { return s.role == Role::admin && !s.legacy; });
  if (k.info.role == Role::admin && admins == 1)
    fail(ErrorKind::refused, "'" + name + "' is the last admin slot: without it nobody could manage keys; "
                                           "add another admin slot first");
  std::string what = std::string(role_name(k.info.role)) + " key slot '" + name + "' (" + slot_kind_name(k.info.kind) + ")";
  if (dry_run) {
    if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"dry_run", true}, {"would_remove", slot_json(k)}});
    ctx.out("would remove " + what + (k.current ? ", the slot you opened the vault with" : ""));
    return;
  }
  ctx.confirm_by_typing("Remove " + what + "? Type its name to confirm: ", name, "remove key slot '" + name + "'");
  Vault::RekeyReport r;
  {
    TerminalProgress progress(ctx, "key remove");
    r = remove_key(desk, name, progress.fn());
  }
  if (ctx.g.json)
    return ctx.emit_json({{"ok", true}, {"removed", slot_json(k)}, {"pages", r.pages}, {"shut_out", r.shut_out}});
  ctx.say("removed " + what + "; " + std::to_string(r.pages) +
          " pages re-encrypted under a new data key that it never held");
  note_shut_out(ctx, r.shut_out);
  ctx.note("backups made before still open with it until they are destroyed");
}

void run_passwd(Context& ctx, const std::string& file, const std::string& kdf) {
  Desk desk = ctx.open_desk();
  Credential c = new_passphrase(ctx, file, "slot '" + desk.actor() + "'");
  std::optional<KdfStrength> strength;
  if (!kdf.empty()) strength = kdf_strength(kdf);
  change_own_passphrase(desk, c, strength);
  if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"slot", desk.actor()}});
  ctx.say("changed the passphrase of key slot '" + desk.actor() + "'");
  ctx.note("backups made before still open with the old passphrase until they are destroyed");
}

void run_rekey(Context& ctx, bool dry_run) {
  Desk desk = ctx.open_desk();
  require_key_admin(desk, "rekey");
  VaultSummary s = summarize(desk);
  std::string what = "every page of " + s.path + " (" + std::to_string(s.size_bytes / 1024) + " KiB)";
  if (dry_run) {
    if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"dry_run", true}, {"path", s.path}, {"size_bytes", s.size_bytes}});
    ctx.out("would re-encrypt " + what + " under a new data key; the " + std::to_string(s.slots.size()) +
            " key slots stay and keep opening it");
    return;
  }
  ctx.confirm_by_typing("Re-encrypt " + what + " under a new data key? Type 'rekey' to confirm: ", "rekey",
                        "rekey the vault");
  Vault::RekeyReport r;
  {
    TerminalProgress progress(ctx, "rekey");
    r = rekey(desk, progress.fn());
  }
  if (ctx.g.json) return ctx.emit_json({{"ok", true}, {"path", s.path}, {"pages", r.pages}, {"shut_out", r.shut_out}});
  ctx.say("rekeyed " + s.path + ": " + std::to_string(r.pages) + " pages re-encrypted under a new data key" +
          (r.shut_out.empty() ? "; every key slot still opens it" : ""));
  note_shut_out(ctx, r.shut_out);
  ctx.note("backups made before keep their own keys and contents until they are destroyed");
}

}  // namespace

void add_key_commands(CLI::App& app, Context& ctx) {
  auto* key = add_group(app, "key", "Key slots: who can open the vault, and with which role");

  auto add_args = std::make_shared<AddArgs>();
  auto* add = key->add_subcommand("add", "Add a key slot with a role and its own passphrase or key file (admin)");
  add->add_option("name", add_args->name, "Name of the new slot (a person or a script)")->required();
  add->add_option("--role", add_args->role, "admin, support, billing or auditor")
      ->required()->check(CLI::IsMember({"admin", "support", "billing", "auditor"}));
  // dsr(1) names it --passphrase-file: after `key add` it is the new slot's;
  // an unlocking --passphrase-file goes before `key`.
  add->add_option("--passphrase-file,--new-passphrase-file", add_args->new_passphrase_file,
                  "The new slot's passphrase, read from FILE (first line); else asked twice at a terminal");
  add->add_option("--new-key-file", add_args->new_key_file, "Generate a key file at FILE (mode 0600) for the new slot");
  add_kdf_option(add, add_args->kdf, "Argon2id cost of a passphrase slot (default moderate)");
  add->footer("Example:\n  dsr key add cron --role support --new-key-file /etc/dsr/cron.key");
  add->callback([&ctx, add_args] { run_add(ctx, *add_args); });

  auto format = std::make_shared<std::string>("table");
  auto* list = key->add_subcommand("list", "List the key slots: name, role, kind, created, last used (admin)");
  add_format_option(list, *format);
  list->footer("Last used: the newest audit entry made through the slot.\nExample:\n  dsr key list --json");
  list->callback([&ctx, format] { run_key_list(ctx, *format); });

  struct RemoveArgs {
    std::string name;
    bool dry_run = false;
  };
  auto rm = std::make_shared<RemoveArgs>();
  auto* remove = key->add_subcommand("remove", "Remove a key slot (admin; never the last admin slot)");
  remove->add_option("name", rm->name, "The slot to remove")->required();
  remove->add_flag("-n,--dry-run", rm->dry_run, "Print what would be removed and change nothing");
  remove->footer("Asks to type the slot's name at a terminal; pass --yes otherwise.\nExample:\n  dsr key remove alice --yes");
  remove->callback([&ctx, rm] { run_remove(ctx, rm->name, rm->dry_run); });

  struct PasswdArgs {
    std::string new_passphrase_file, kdf;
  };
  auto pw = std::make_shared<PasswdArgs>();
  auto* passwd = key->add_subcommand("passwd", "Change the passphrase of the slot you opened the vault with");
  passwd->add_option("--new-passphrase-file", pw->new_passphrase_file,
                     "Read the new passphrase from FILE (first line); else asked twice at a terminal");
  add_kdf_option(passwd, pw->kdf, "Argon2id cost (default: the slot's current cost)");
  passwd->footer("Example:\n  dsr --passphrase-file old.txt key passwd --new-passphrase-file new.txt");
  passwd->callback([&ctx, pw] { run_passwd(ctx, pw->new_passphrase_file, pw->kdf); });

  auto rekey_dry = std::make_shared<bool>(false);
  auto* rk = app.add_subcommand("rekey", "Re-encrypt every page under a new data key; every slot still opens the vault (admin)");
  rk->add_flag("-n,--dry-run", *rekey_dry, "Print what would be re-encrypted and change nothing");
  rk->footer("Asks to type 'rekey' at a terminal; pass --yes otherwise. Old backups keep their keys.\n"
             "Example:\n  dsr rekey --yes");
  rk->callback([&ctx, rekey_dry] { run_rekey(ctx, *rekey_dry); });
}

}  // namespace dsr::cli
