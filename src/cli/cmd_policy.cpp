// dsr policy add|list|affected, dsr choice.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/notices.hpp"
#include "dsr/policy.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

void run_add(Context& ctx, const PolicyVersion& in) {
  Desk desk = ctx.open_desk();
  PolicyVersion v = add_policy(desk, in);
  if (ctx.g.json) return ctx.emit_json(policy_json(v));
  ctx.say("added policy version " + v.version + ", effective " + v.effective + (v.material ? " (material)" : ""));
  if (v.material) ctx.note("a material change: `dsr policy affected " + v.version + "` lists whom to tell first");
}

void run_list(Context& ctx, const std::string& format) {
  Desk desk = ctx.open_desk();
  std::string in_force = policy_in_force(desk);
  std::vector<nlohmann::json> recs;
  for (const auto& v : list_policies(desk)) {
    nlohmann::json j = policy_json(v);
    j["in_force"] = v.version == in_force;
    recs.push_back(std::move(j));
  }
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::table && recs.empty()) return ctx.note("no policy versions recorded; `dsr policy add` adds one");
  render_records(std::cout, f, recs,
                 {{"VERSION", "version"}, {"EFFECTIVE", "effective"}, {"IN FORCE", "in_force"},
                  {"MATERIAL", "material"}, {"SUMMARY", "summary"}, {"PURPOSES FROM", "purposes_from"}});
}

void run_affected(Context& ctx, const std::string& version, const std::string& format) {
  Desk desk = ctx.open_desk();
  AffectedReport rep = policy_affected(desk, version);
  std::vector<nlohmann::json> recs;
  for (const auto& c : rep.subjects) {
    nlohmann::json j = contact_json(c);
    j["declined"] = c.new_uses == "decline";
    j["policy_versions"] = c.policy_versions;
    recs.push_back(std::move(j));
  }
  if (ctx.g.json || format == "json") {
    return ctx.emit_json({{"policy", policy_json(rep.policy)},
                          {"affected", rep.subjects.size()},
                          {"declined", rep.declined},
                          {"subjects", recs}});
  }
  Format f = parse_format(format);
  if (f == Format::table) {
    ctx.note(std::to_string(rep.subjects.size()) + " active subject(s) hold data collected before policy " +
             rep.policy.version + " (effective " + rep.policy.effective + (rep.policy.material ? ", material" : "") +
             "); " + std::to_string(rep.declined) + " declined new uses");
    for (auto& r : recs) r["flag"] = r["declined"].get<bool>() ? "DECLINED new uses" : "";
  }
  render_records(std::cout, f, recs,
                 {{"SUBJECT", "subject"}, {"NAME", "name"}, {"METHOD", "method"}, {"ADDRESS", "address"},
                  {"NEW USES", "new_uses"}, {"COLLECTED UNDER", "policy_versions"}, {"FLAG", "flag"}});
}

void run_choice(Context& ctx, const std::string& subject, const std::string& new_uses) {
  Desk desk = ctx.open_desk();
  Choice c = record_choice(desk, subject, new_uses);
  if (ctx.g.json) {
    nlohmann::json j = choice_json(c);
    j["subject"] = c.subject_id;
    return ctx.emit_json(j);
  }
  ctx.say("recorded: " + c.subject_id + (c.new_uses == "accept" ? " accepts" : " declines") + " new uses of their data" +
          (c.policy_version.empty() ? "" : " (policy " + c.policy_version + " in force)"));
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& ctx) {
  auto* policy = app.add_subcommand("policy", "Versions of the privacy policy and whom a new one affects");
  policy->require_subcommand(1);
  auto pa = std::make_shared<PolicyVersion>();
  auto* add = policy->add_subcommand("add", "Record a policy version; values stored from its effective date carry it");
  add->add_option("VERSION", pa->version, "A version name such as 2.0 or 2026-03")->required();
  add->add_option("--effective", pa->effective, "The date it takes effect, YYYY-MM-DD")->required();
  add->add_flag("--material", pa->material, "A material change: users are told and given a choice before new uses");
  add->add_option("--summary", pa->summary, "What changed, in a sentence");
  add->add_option("--purpose", pa->purposes, "A purpose this version states (repeatable; default: the catalog's)");
  add->footer("Example:\n  dsr policy add 2.0 --effective 2026-06-01 --material --summary 'acquired by Acme Corp' \\\n"
              "    --purpose billing --purpose 'marketing by the acquirer'");
  add->callback([&ctx, pa] { run_add(ctx, *pa); });

  auto format = std::make_shared<std::string>("table");
  auto* list = policy->add_subcommand("list", "List the policy versions, oldest first, and the one in force");
  list->add_option("--format", *format, "table, json, ndjson or csv")->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
  list->footer("Example:\n  dsr policy list --json");
  list->callback([&ctx, format] { run_list(ctx, *format); });

  auto version = std::make_shared<std::string>();
  auto* affected = policy->add_subcommand(
      "affected", "Active subjects whose data was collected under an earlier version, with their preferred contact");
  affected->add_option("VERSION", *version, "The new version")->required();
  affected->add_option("--format", *format, "table, json, ndjson or csv")->check(CLI::IsMember({"table", "json", "ndjson", "csv"}));
  affected->footer("Subjects who declined new uses are flagged.\nExample:\n  dsr policy affected 2.0 --format csv > notify.csv");
  affected->callback([&ctx, version, format] { run_affected(ctx, *version, *format); });
  for (auto* s : policy->get_subcommands({})) s->fallthrough();

  struct ChoiceArgs { std::string subject, new_uses; };
  auto ca = std::make_shared<ChoiceArgs>();
  auto* choice = app.add_subcommand("choice", "Record a subject's choice about new uses of their data");
  choice->add_option("SUBJECT", ca->subject, "Subject id, email or username")->required();
  choice->add_option("--new-uses", ca->new_uses, "accept or decline")->required()->check(CLI::IsMember({"accept", "decline"}));
  choice->footer("Example:\n  dsr choice alice --new-uses decline");
  choice->callback([&ctx, ca] { run_choice(ctx, ca->subject, ca->new_uses); });
}

}  // namespace dsr::cli
