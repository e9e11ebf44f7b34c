// dsr consent record|withdraw|list.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/choices.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

void run_record(Context& ctx, const ConsentInput& in) {
  Desk desk = ctx.open_desk();
  Consent c = record_consent(desk, in);
  if (ctx.g.json) {
    nlohmann::json j = consent_json(c);
    j["subject"] = c.subject_id;
    return ctx.emit_json(j);
  }
  ctx.say("recorded: consent of " + c.subject_id + " for \"" + c.purpose + "\" (notice " + c.notice + ", " + c.method +
          ", given " + iso_time(c.given_at) + (c.evidence_name.empty() ? "" : ", evidence kept: " + c.evidence_name) +
          ")");
}

void run_withdraw(Context& ctx, const std::string& subject, const std::string& purpose) {
  Desk desk = ctx.open_desk();
  int n = withdraw_consent(desk, subject, purpose);
  if (ctx.g.json) return ctx.emit_json({{"subject", subject}, {"purpose", purpose}, {"withdrawn", n}});
  ctx.say("withdrawn: consent for \"" + purpose + "\"; disclosures on consent for it are refused from now on");
}

void run_list(Context& ctx, const std::string& subject, const std::string& format) {
  Desk desk = ctx.open_desk();
  std::vector<nlohmann::json> recs;
  for (const auto& c : list_consents(desk, subject)) recs.push_back(consent_json(c));
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::table && recs.empty()) return ctx.note("no consent on record; `dsr consent record` records one");
  render_records(std::cout, f, recs,
                 {{"ID", "id"}, {"PURPOSE", "purpose"}, {"STATUS", "status"}, {"NOTICE", "notice"},
                  {"METHOD", "method"}, {"GIVEN", "given_at"}, {"WITHDRAWN", "withdrawn_at"}, {"EVIDENCE", "evidence"}});
}

std::string opt_out_state(const OptOut& o) {
  if (!o.complied_on.empty()) return "complied " + o.complied_on + (o.late() ? " (LATE)" : "");
  return o.overdue ? "OVERDUE" : "open";
}

void run_opt_out_report(Context& ctx, bool all, const std::string& format) {
  Desk desk = ctx.open_desk();
  auto outs = list_opt_outs(desk, !all);
  std::vector<nlohmann::json> recs;
  for (const auto& o : outs) {
    nlohmann::json j = opt_out_status_json(o);
    j["state"] = opt_out_state(o);
    recs.push_back(std::move(j));
    if (o.overdue)
      ctx.note("warning: the " + o.kind + " opt-out of " + o.subject_id + " (received " + o.received +
               ") was due to be complied with by " + o.comply_by + " (CCPA regs " +
               (o.kind == "sale-sharing" ? "7026(f)" : "7027(g)") + "); tell the third parties, then `dsr choice " +
               o.subject_id + " --complied " + o.kind + "`");
  }
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::table && recs.empty())
    return ctx.note(all ? "no standing opt-outs" : "no opt-out waits to be complied with");
  render_records(std::cout, f, recs,
                 {{"SUBJECT", "subject"}, {"KIND", "kind"}, {"SOURCE", "source"}, {"ORIGIN", "origin"},
                  {"RECEIVED", "received"}, {"COMPLY BY", "comply_by"}, {"STATE", "state"}});
}

}  // namespace

void add_choice_commands(CLI::App& app, Context& ctx) {
  auto* consent = add_group(app, "consent", "Consents: record, withdraw and list them (GDPR Art. 7)");

  auto ci = std::make_shared<ConsentInput>();
  auto* rec = consent->add_subcommand("record", "Record a consent given for a purpose");
  add_subject_arg(rec, ci->subject);
  rec->add_option("--purpose", ci->purpose, "What the person consented to")->required();
  rec->add_option("--notice", ci->notice, "The version of the notice they were shown")->required();
  rec->add_option("--method", ci->method, "How it was given: web, email, phone, paper or in-person")
      ->required()
      ->check(CLI::IsMember({"web", "email", "phone", "paper", "in-person"}));
  rec->add_option("--evidence", ci->evidence_file, "A file kept in the vault as evidence (at most 1 MiB)");
  rec->add_option("--given-at", ci->given_at, "When it was given (YYYY-MM-DDTHH:MM:SSZ; default now)");
  rec->footer("Example:\n  dsr consent record alice --purpose newsletter --notice 2.1 --method web --evidence form.pdf");
  rec->callback([&ctx, ci] { run_record(ctx, *ci); });

  struct WithdrawArgs { std::string subject, purpose; };
  auto wa = std::make_shared<WithdrawArgs>();
  auto* wd = consent->add_subcommand("withdraw", "Withdraw the subject's consent for a purpose (as easy as giving it)");
  add_subject_arg(wd, wa->subject);
  wd->add_option("--purpose", wa->purpose, "The purpose consented to")->required();
  wd->footer("Example:\n  dsr consent withdraw alice --purpose newsletter");
  wd->callback([&ctx, wa] { run_withdraw(ctx, wa->subject, wa->purpose); });

  struct ListArgs { std::string subject, format = "table"; };
  auto la = std::make_shared<ListArgs>();
  auto* ls = consent->add_subcommand("list", "Every consent of a subject, given and withdrawn");
  add_subject_arg(ls, la->subject);
  add_format_option(ls, la->format);
  ls->footer("Example:\n  dsr consent list alice --json");
  ls->callback([&ctx, la] { run_list(ctx, la->subject, la->format); });

  // `report` is the group dsr report requests lives in (cmd_requests.cpp).
  CLI::App* report = app.get_subcommand("report");
  struct OptOutReportArgs { bool all = false; std::string format = "table"; };
  auto ra = std::make_shared<OptOutReportArgs>();
  auto* ro = report->add_subcommand(
      "opt-outs", "Standing opt-outs still to be complied with (15 business days), overdue ones warned about");
  ro->add_flag("--all", ra->all, "Every standing opt-out, those complied with too");
  add_format_option(ro, ra->format);
  ro->footer("An opt-out is complied with once the third parties that got the data were told (`dsr choice SUBJECT\n"
             "--complied KIND`); with none to tell, when it is recorded.\n"
             "Example (every morning):\n  dsr report opt-outs\n  dsr report opt-outs --all --format csv > opt-outs.csv");
  ro->callback([&ctx, ra] { run_opt_out_report(ctx, ra->all, ra->format); });
}

}  // namespace dsr::cli
