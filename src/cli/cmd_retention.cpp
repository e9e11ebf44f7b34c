// dsr retention show | set RULE DURATION | run [--dry-run].
#include <cstdio>
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/retention.hpp"

namespace dsr::cli {
namespace {

void run_show(Context& ctx) {
  Desk desk = ctx.open_desk();
  auto rules = retention_rules(desk);
  nlohmann::json last = last_retention_run(desk);
  if (ctx.g.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : rules) list.push_back(retention_rule_json(r));
    ctx.emit_json({{"rules", list}, {"last_run", last}});
    return;
  }
  std::vector<nlohmann::json> recs;
  for (const auto& r : rules) {
    std::string set = r.is_default ? "default" : "set " + r.set_by;
    std::string keep = r.duration + (r.applies ? "" : " (not yet applicable)");
    recs.push_back({{"rule", r.name}, {"keep", keep}, {"default", r.default_duration}, {"set", set},
                    {"what", r.description}});
  }
  render_records(std::cout, Format::table, recs,
                 {{"RULE", "rule"}, {"KEEP", "keep"}, {"DEFAULT", "default"}, {"SET", "set"}, {"WHAT", "what"}});
  if (last.is_null()) ctx.out("retention has never run on this vault; schedule `dsr retention run --yes` with cron");
  else ctx.out("last run " + last["ran_at"].get<std::string>() + " by " + last["ran_by"].get<std::string>());
}

void run_set(Context& ctx, const std::string& rule, const std::string& duration) {
  Desk desk = ctx.open_desk();
  RetentionRule r = set_retention_rule(desk, rule, duration);
  if (ctx.g.json) return ctx.emit_json(retention_rule_json(r));
  ctx.say(r.name + ": keep " + r.duration + (r.is_default ? " (the default)" : " (default " + r.default_duration + ")"));
}

std::string outcome_text(const RetentionOutcome& o, bool dry) {
  if (!o.applied) return o.note;
  std::string n = std::to_string(o.removed);
  std::string what;
  if (o.rule == "deactivated_subjects") what = (dry ? "would erase " : "erased ") + n + " subjects deactivated";
  else if (o.rule == "disclosure_records") what = (dry ? "would delete " : "deleted ") + n + " disclosure records dated";
  else if (o.rule == "request_records") what = (dry ? "would delete " : "deleted ") + n + " requests closed";
  else if (o.rule == "suppression_hashes") what = (dry ? "would delete " : "deleted ") + n + " suppression hashes of erasures";
  else if (o.rule == "tombstones") what = (dry ? "would delete " : "deleted ") + n + " tombstones of erasures";
  else what = (dry ? "would delete " : "deleted ") + n + " records dated";
  std::string s = what + " on or before " + o.cutoff;
  if (o.held) {
    s += "; kept " + std::to_string(o.held) + " under legal hold";
    if (!o.held_ids.empty()) {
      s += ":";
      for (size_t i = 0; i < o.held_ids.size() && i < 20; ++i) s += " " + o.held_ids[i];
      if (o.held_ids.size() > 20) s += " ...";
    }
  }
  if (!o.errors.empty()) s += "; " + std::to_string(o.errors.size()) + " could not be erased";
  return s;
}

void run_run(Context& ctx, bool dry_run) {
  // At a terminal it asks (dsr(1), retention run); off one (cron) it needs --yes and never waits for an answer.
  if (!dry_run && !ctx.g.yes && (ctx.g.no_input || !ctx.stdin_is_tty()))
    fail(ErrorKind::usage, "retention run erases data for good: pass --yes (cron: `dsr retention run --yes`), "
                           "or --dry-run to see what would go");
  Desk desk = ctx.open_desk();
  if (!dry_run)
    ctx.confirm_by_typing("Erase everything past its retention period (see `dsr retention run --dry-run`)? "
                          "Type 'erase' to confirm: ",
                          "erase", "run retention");
  bool progress = ctx.show_progress();
  RetentionReport rep = run_retention(desk, dry_run, [&](const RetentionProgress& p) {
    if (progress) std::fprintf(stderr, "\r%s: %lld   ", p.rule.c_str(), static_cast<long long>(p.done));
  });
  if (progress) std::fprintf(stderr, "\r%60s\r", "");
  if (ctx.g.json) {
    ctx.emit_json(retention_report_json(rep));
  } else {
    // A dry run's report is the result asked for (-q keeps it); a real run's is a message.
    auto tell = [&](const std::string& line) { dry_run ? ctx.out(line) : ctx.say(line); };
    for (const auto& o : rep.rules) {
      tell(o.rule + " (" + o.duration + "): " + outcome_text(o, dry_run));
      for (const auto& e : o.errors) ctx.note("  " + e);
      for (const auto& n : o.notify) {
        std::string rec;
        for (const auto& r : n["recipients"]) rec += (rec.empty() ? "" : ", ") + r.value("recipient", std::string());
        tell("  " + std::string(dry_run ? "would notify" : "notify") + " for " + n["id"].get<std::string>() + ": " + rec);
      }
    }
    tell(std::string(dry_run ? "dry run: would remove " : "removed ") + std::to_string(rep.removed()) +
            " records; kept " + std::to_string(rep.held()) + " under legal hold" +
            (dry_run ? "; nothing was changed" : ""));
    if (rep.wiped && !*rep.wiped) ctx.note(kNotWiped);
  }
  if (rep.errors() > 0) {
    fail(ErrorKind::failure, std::to_string(rep.errors()) + " subjects could not be erased; see above");
  }
}

}  // namespace

void add_retention_commands(CLI::App& app, Context& ctx) {
  auto* ret = add_group(app, "retention", "How long records are kept, and the cleanup cron runs");

  auto* show = ret->add_subcommand("show", "Show each retention rule, its period and its default");
  show->footer("Example:\n  dsr retention show --json");
  show->callback([&ctx] { run_show(ctx); });

  struct SetArgs { std::string rule, duration; };
  auto sa = std::make_shared<SetArgs>();
  auto* set = ret->add_subcommand("set", "Set how long a kind of record is kept (admin slots only)");
  set->add_option("RULE", sa->rule, "deactivated_subjects, disclosure_records, request_records, suppression_hashes, "
                                    "tombstones or audit_trail")->required();
  set->add_option("DURATION", sa->duration, "30d, 6w, 24m, 6y, never, or default")->required();
  set->footer("Example:\n  dsr retention set deactivated_subjects 18m");
  set->callback([&ctx, sa] { run_set(ctx, sa->rule, sa->duration); });

  auto dry = std::make_shared<bool>(false);
  auto* run = ret->add_subcommand("run", "Apply every rule: erase and delete what is past its period");
  run->add_flag("-n,--dry-run", *dry, "Print what would be removed and change nothing");
  run->footer("Never prompts: pass --yes (or --dry-run). Subjects under legal hold are kept and reported.\n"
              "Example (crontab):\n"
              "  15 3 * * *  DSR_DB=/srv/dsr/vault.dsr DSR_KEY_FILE=/etc/dsr/cron.key dsr retention run --yes --quiet");
  run->callback([&ctx, dry] { run_run(ctx, *dry); });
}

}  // namespace dsr::cli
