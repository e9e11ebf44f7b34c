// dsr policy add|list|affected, dsr choice.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/choices.hpp"
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

void run_choice(Context& ctx, const ChoiceInput& in) {
  Desk desk = ctx.open_desk();
  ChoiceResult r = apply_choice(desk, in);
  if (!r.new_uses.is_null())
    ctx.say("recorded: " + r.subject_id +
            (r.new_uses["new_uses"] == "accept" ? " accepts" : " declines") + " new uses of their data" +
            (r.new_uses["policy_version"].is_null() ? ""
                                                    : " (policy " + r.new_uses["policy_version"].get<std::string>() + " in force)"));
  if (r.opt_out) {
    const OptOut& o = r.opt_out->opt_out;
    if (r.opt_out->already)
      ctx.say(o.subject_id + " already has a standing " + o.kind + " opt-out (by " + o.source + ", received " +
              o.received + "); it is kept");
    else
      ctx.say("recorded: " + o.subject_id + " opted out (" + o.kind + ", by " +
              (o.source == "gpc" ? "Global Privacy Control" + std::string(o.signal_at ? " at " + iso_time(*o.signal_at) : "") +
                                       (o.origin.empty() ? "" : " from " + o.origin)
                                 : o.source) +
              "); disclosures that would break it are refused from now on; " +
              (o.complied_on.empty() ? "comply by " + o.comply_by : "no third party to tell: complied with"));
    for (const auto& n : r.opt_out->notify)
      ctx.note("tell " + n["recipient"].get<std::string>() + " (" + n["recipient_type"].get<std::string>() +
               ", last disclosed " + n["last_disclosed"].get<std::string>() + ") of the opt-out (CCPA regs " +
               (o.kind == "sale-sharing" ? "7026(f)" : "7027(g)") + "), then `dsr choice " +
               o.subject_id + " --complied " + o.kind + "`");
  }
  if (r.complied)
    ctx.say("recorded: the " + r.complied->kind + " opt-out of " + r.complied->subject_id + " was complied with on " +
            r.complied->complied_on + (r.complied->late() ? " (LATE: due by " + r.complied->comply_by + ")" : ""));
  if (!r.opted_in.empty())
    ctx.say("recorded: the standing " + r.opted_in + " opt-out of " + r.subject_id + " is lifted (the person opted in)");
  if (ctx.g.json) ctx.emit_json(choice_result_json(r));
}

}  // namespace

void add_policy_commands(CLI::App& app, Context& ctx) {
  auto* policy = add_group(app, "policy", "Versions of the privacy policy and whom a new one affects");
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
  add_format_option(list, *format);
  list->footer("Example:\n  dsr policy list --json");
  list->callback([&ctx, format] { run_list(ctx, *format); });

  auto version = std::make_shared<std::string>();
  auto* affected = policy->add_subcommand(
      "affected", "Active subjects whose data was collected under an earlier version, with their preferred contact");
  affected->add_option("VERSION", *version, "The new version")->required();
  add_format_option(affected, *format);
  affected->footer("Subjects who declined new uses are flagged.\nExample:\n  dsr policy affected 2.0 --format csv > notify.csv");
  affected->callback([&ctx, version, format] { run_affected(ctx, *version, *format); });
  struct AdmArgs { std::string text; bool reset = false; };
  auto adm = std::make_shared<AdmArgs>();
  auto* ad = policy->add_subcommand(
      "automated-decisions", "Show or set the access package's statement on automated decision-making (GDPR Art. 15(1)(h))");
  ad->add_option("--set", adm->text, "The statement every access package carries (admin)");
  ad->add_flag("--reset", adm->reset, "Put the default back: no automated decision-making takes place");
  ad->footer("Example:\n  dsr policy automated-decisions --set 'Orders over $5,000 are screened for fraud by a scoring model; "
             "a person reviews every refusal.'");
  ad->callback([&ctx, adm] {
    Desk desk = ctx.open_desk();
    std::string text = !adm->text.empty() || adm->reset ? set_automated_decisions_statement(desk, adm->reset ? "" : adm->text)
                                                        : automated_decisions_statement(desk);
    if (ctx.g.json) return ctx.emit_json({{"automated_decision_making", text}});
    ctx.say(text);
  });

  auto ca = std::make_shared<ChoiceInput>();
  auto* choice = app.add_subcommand(
      "choice", "Record a subject's choices: new uses of their data, opt-outs of sale/sharing, a GPC signal");
  add_subject_arg(choice, ca->subject);
  choice->add_option("--new-uses", ca->new_uses, "accept or decline")->check(CLI::IsMember({"accept", "decline"}));
  choice->add_option("--opt-out", ca->opt_out, "Record a standing opt-out by staff: sale-sharing or limit-sensitive")
      ->check(CLI::IsMember({"sale-sharing", "limit-sensitive"}));
  choice->add_option("--opt-in", ca->opt_in, "Lift a standing opt-out (the person opted back in)")
      ->check(CLI::IsMember({"sale-sharing", "limit-sensitive"}));
  choice->add_flag("--gpc", ca->gpc, "A Global Privacy Control signal was received: a sale-sharing opt-out (CCPA regs 7025)");
  choice->add_option("--signal-at", ca->signal_at, "When the GPC signal was seen (YYYY-MM-DDTHH:MM:SSZ; default now)");
  choice->add_option("--signal-source", ca->signal_source, "Where the GPC signal was seen (default: Sec-GPC: 1)");
  choice->add_option("--received", ca->received, "The date the opt-out came in, YYYY-MM-DD (starts the 15 business days)");
  choice->add_option("--complied", ca->complied,
                     "The third parties to tell of this opt-out were told: it is complied with (regs 7026(f), 7027(g))")
      ->check(CLI::IsMember({"sale-sharing", "limit-sensitive"}));
  choice->add_option("--complied-on", ca->complied_on, "The day they were told, YYYY-MM-DD (default today)");
  choice->footer("An opt-out is due within 15 business days of receipt; `dsr report opt-outs` lists those not yet\n"
                 "complied with, overdue ones first.\n"
                 "Examples:\n  dsr choice alice --new-uses decline\n"
                 "  dsr choice alice --gpc --signal-at 2026-11-30T09:12:00Z --signal-source 'shop.example.com checkout'\n"
                 "  dsr choice alice --opt-out limit-sensitive\n"
                 "  dsr choice alice --complied sale-sharing --complied-on 2026-12-04");
  choice->callback([&ctx, ca] { run_choice(ctx, *ca); });
}

}  // namespace dsr::cli
