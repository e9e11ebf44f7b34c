// dsr unlock [--for DURATION], dsr lock: the unlock agent (cli/agent.hpp).
// Neither is audited: they read and change no record; the commands run through
// the agent are audited as ever, under the slot's name (dsr(1), UNLOCK AGENT).
#include <ctime>
#include <optional>

#include "cli/agent.hpp"
#include "cli/context.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

void run_unlock(Context& ctx, const std::string& duration) {
  auto seconds = agent::parse_duration(duration);
  if (!seconds)
    fail(ErrorKind::usage, "--for: expected a duration from 1s to 24h such as 30s, 15m or 2h, got '" +
                               duration.substr(0, 20) + "'");
  if (agent::runtime_dir().empty())
    fail(ErrorKind::usage, "dsr unlock needs XDG_RUNTIME_DIR (a private directory of your login session, such as "
                           "/run/user/UID) for the agent's socket; it is not set, and dsr will not pick a less safe "
                           "place");
  ctx.require_vault();
  const std::string canonical = agent::canonical_vault(ctx.db_path());
  // Always the credential itself (a key source or the prompt), never a running
  // agent's key: unlock proves the credential anew, then replaces the agent.
  std::optional<agent::Material> m;
  {
    Credential c = ctx.credential();
    Vault v = Vault::open(ctx.db_path(), c, ctx.open_options());
    for (const auto& n : v.notices()) ctx.note("dsr: " + n);
    m.emplace(agent::Material{v.slot_credential(), v.slot_name()});
  }  // the passphrase and the open vault are gone before the agent forks
  pid_t old = agent::stop(canonical);
  agent::Started s = agent::start(canonical, std::move(*m), *seconds);
  const int64_t until = int64_t(std::time(nullptr)) + int64_t(*seconds);
  if (ctx.g.json) {
    ctx.emit_json({{"ok", true},
                   {"vault", canonical},
                   {"pid", s.pid},
                   {"socket", s.socket},
                   {"seconds", *seconds},
                   {"until", iso_time(until)},
                   {"replaced", old != 0}});
    return;
  }
  if (old) ctx.note("replaced the unlock agent (pid " + std::to_string(old) + ") that ran for this vault");
  ctx.say("unlocked " + canonical + " until " + iso_time(until) + " (agent pid " + std::to_string(s.pid) +
          "); commands without a key source use it. `dsr lock` ends it sooner");
}

void run_lock(Context& ctx) {
  const std::string canonical = agent::canonical_vault(ctx.db_path());
  pid_t pid = agent::stop(canonical);
  if (ctx.g.json) {
    ctx.emit_json({{"ok", true}, {"vault", canonical}, {"stopped", pid != 0}, {"pid", pid}});
    return;
  }
  if (pid) ctx.say("locked " + canonical + ": the unlock agent (pid " + std::to_string(pid) + ") forgot its key and exited");
  else ctx.note("no unlock agent was running for " + canonical);
}

}  // namespace

void add_agent_commands(CLI::App& app, Context& ctx) {
  auto duration = std::make_shared<std::string>("15m");
  auto* unlock = app.add_subcommand(
      "unlock", "Start an agent that keeps this vault unlocked for a while (skips the passphrase's cost)");
  unlock->add_option("--for", *duration, "How long the agent keeps the key: 30s, 15m, 2h (default 15m, at most 24h)");
  unlock->footer("Needs XDG_RUNTIME_DIR. A running agent for the vault is replaced.\n"
                 "Example:\n  dsr --db desk.dsr unlock --for 2h && dsr --db desk.dsr list");
  unlock->callback([&ctx, duration] { run_unlock(ctx, *duration); });

  auto* lock = app.add_subcommand("lock", "Make the vault's unlock agent forget its key and exit");
  lock->footer("Exits 0 when no agent was running (and says so unless -q).\nExample:\n  dsr --db desk.dsr lock");
  lock->callback([&ctx] { run_lock(ctx); });
}

}  // namespace dsr::cli
