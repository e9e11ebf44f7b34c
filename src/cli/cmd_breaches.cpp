// dsr breach open|list|show|update|close, dsr report breaches.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/breaches.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

std::string clock_text(const Breach& b) {
  if (b.authority_notified_at)
    return "authority told " + iso_time(*b.authority_notified_at) + (b.notified_late ? " (LATE)" : "") +
           (b.authority_reference.empty() ? "" : ", ref " + b.authority_reference);
  if (b.status == BreachStatus::closed) return "authority not told: " + b.close_reason;
  if (b.authority_overdue) return "OVERDUE: the authority was due to be told by " + iso_time(b.authority_due);
  return "tell the authority by " + iso_time(b.authority_due) + " (" + std::to_string(b.hours_left) + " h left)";
}

void say_breach(Context& ctx, const char* what, const Breach& b) {
  if (ctx.g.json) return ctx.emit_json(breach_json(b));
  ctx.say(std::string(what) + " " + b.id + ": " + clock_text(b) +
          (b.affected ? "; " + std::to_string(*b.affected) + " subject(s) affected" : ""));
}

void warn_overdue(Context& ctx, const std::vector<Breach>& all) {
  for (const auto& b : all)
    if (b.authority_overdue)
      ctx.note("warning: " + b.id + " is past the 72 hours of GDPR Art. 33(1) (due " + iso_time(b.authority_due) +
               ") and the authority has not been told; record it with `dsr breach update " + b.id +
               " --authority-notified TIME --authority-reference REF --delay-reason R`");
}

void run_list(Context& ctx, const std::string& status, bool overdue, const std::string& format) {
  Desk desk = ctx.open_desk();
  auto all = list_breaches(desk, parse<BreachStatus>(status), overdue);  // "all": nullopt
  Format f = ctx.g.json ? Format::json : parse_format(format);
  std::vector<nlohmann::json> recs;
  for (const auto& b : all) {
    nlohmann::json j = breach_json(b);
    if (f != Format::json) j["clock"] = clock_text(b);
    recs.push_back(std::move(j));
  }
  warn_overdue(ctx, all);
  if (f == Format::table && recs.empty()) return ctx.note("no breaches match");
  render_records(std::cout, f, recs,
                 {{"ID", "id"}, {"STATUS", "status"}, {"DETECTED", "detected_at"}, {"CATEGORIES", "categories"},
                  {"AFFECTED", "affected"}, {"AUTHORITY", "clock"}});
}

void run_show(Context& ctx, const std::string& id) {
  Desk desk = ctx.open_desk();
  Breach b = find_breach(desk, id);
  warn_overdue(ctx, {b});
  if (ctx.g.json) return ctx.emit_json(breach_json(b));
  auto t = [](const std::optional<int64_t>& v) { return v ? iso_time(*v) : std::string("-"); };
  ctx.say(b.id + "  (" + to_string(b.status) + ")");
  ctx.say("  detected:     " + iso_time(b.detected_at));
  ctx.say("  exposure:     " + t(b.started_at) + " to " + t(b.ended_at));
  ctx.say("  categories:   " + cell_text(b.categories));
  ctx.say("  description:  " + b.description);
  if (!b.consequences.empty()) ctx.say("  consequences: " + b.consequences);
  if (!b.measures.empty()) ctx.say("  measures:     " + b.measures);
  ctx.say("  authority:    " + clock_text(b));
  if (!b.delay_reason.empty()) ctx.say("  delay reason: " + b.delay_reason);
  ctx.say("  affected:     " + std::to_string(b.affected.value_or(0)) + " subject(s) (`dsr contacts --purpose breach-notice --breach " + b.id + "`)");
  ctx.say("  subjects told: " + t(b.subjects_notified_at));
  ctx.say("  history:");
  for (const auto& e : b.history) ctx.say("    " + iso_time(e.at) + "  " + e.actor + "  " + e.event + "  " + e.detail.dump());
}

void run_report(Context& ctx, const std::string& from, const std::string& to, const std::string& format) {
  Desk desk = ctx.open_desk();
  nlohmann::json j = breach_report_json(report_breaches(desk, from, to));
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::json) return ctx.emit_json(j);
  nlohmann::json row = j;
  row["by_category"] = j["by_category"].dump();
  if (f == Format::table) ctx.say("Breaches detected " + j["from"].get<std::string>() + " to " + j["to"].get<std::string>());
  render_records(std::cout, f, {row},
                 {{"TOTAL", "total"}, {"OPEN", "open"}, {"CLOSED", "closed"}, {"TOLD IN 72H", "authority_notified_in_time"},
                  {"TOLD LATE", "authority_notified_late"}, {"NOT TOLD", "authority_not_notified"},
                  {"OVERDUE", "overdue"}, {"SUBJECTS TOLD", "subjects_notified"}, {"BY CATEGORY", "by_category"}});
}

}  // namespace

void add_breach_commands(CLI::App& app, Context& ctx) {
  auto* breach = add_group(app, "breach", "The register of personal-data breaches (GDPR Art. 33(5))");
  const char* kCats = "Categories of data concerned, comma-separated (identity, contact, billing, payment, ...)";

  auto oi = std::make_shared<BreachInput>();
  auto* open = breach->add_subcommand("open", "Record a breach; the 72 hours to tell the authority start at detection");
  open->add_option("--detected", oi->detected, "When it was detected, UTC: YYYY-MM-DDTHH:MM[:SS]Z")->required();
  open->add_option("--categories", oi->categories, kCats)->required();
  open->add_option("--description", oi->description, "What happened (the facts)")->required();
  open->add_option("--started", oi->started, "When the exposure started (affected subjects)");
  open->add_option("--ended", oi->ended, "When the exposure ended (default: detection)");
  open->add_option("--consequences", oi->consequences, "Its likely consequences");
  open->add_option("--measures", oi->measures, "The measures taken or proposed");
  open->footer("Example:\n  dsr breach open --detected 2026-11-27T16:30:00Z --categories contact,identity \\\n"
               "    --description 'mailing list export left on a public share'");
  open->callback([&ctx, oi] {
    Desk desk = ctx.open_desk();
    say_breach(ctx, "opened", open_breach(desk, *oi));
  });

  struct ListArgs { std::string status = "open", format = "table"; bool overdue = false; };
  auto la = std::make_shared<ListArgs>();
  auto* list = breach->add_subcommand("list", "Breaches with their 72-hour clock; overdue ones are warned about");
  list->add_option("--status", la->status, "open, closed or all")->check(CLI::IsMember(names_of<BreachStatus>({"all"})));
  list->add_flag("--overdue", la->overdue, "Only those past the 72 hours with the authority not told");
  add_format_option(list, la->format);
  list->footer("Example:\n  dsr breach list --status all --format csv");
  list->callback([&ctx, la] { run_list(ctx, la->status, la->overdue, la->format); });

  auto id = std::make_shared<std::string>();
  auto* show = breach->add_subcommand("show", "One breach with its affected count and history");
  show->add_option("ID", *id, "The breach id (brc_3)")->required();
  show->footer("Example:\n  dsr breach show brc_1 --json");
  show->callback([&ctx, id] { run_show(ctx, *id); });

  struct UpdateArgs {
    std::string id;
    BreachUpdate u;
    std::string detected, started, ended, description, consequences, measures;
  };
  auto ua = std::make_shared<UpdateArgs>();
  auto* update = breach->add_subcommand("update", "Correct the facts, or record that the authority or the subjects were told");
  update->add_option("ID", ua->id, "The breach id")->required();
  auto* o_det = update->add_option("--detected", ua->detected, "When it was detected");
  auto* o_st = update->add_option("--started", ua->started, "When the exposure started");
  auto* o_en = update->add_option("--ended", ua->ended, "When the exposure ended");
  update->add_option("--categories", ua->u.categories, kCats);
  auto* o_de = update->add_option("--description", ua->description, "What happened");
  auto* o_co = update->add_option("--consequences", ua->consequences, "Its likely consequences");
  auto* o_me = update->add_option("--measures", ua->measures, "The measures taken or proposed");
  update->add_option("--authority-notified", ua->u.authority_notified, "When the supervisory authority was told (Art. 33)");
  update->add_option("--authority-reference", ua->u.authority_reference, "The authority's reference for the notification");
  update->add_option("--delay-reason", ua->u.delay_reason, "Why the authority was told after 72 hours");
  update->add_option("--subjects-notified", ua->u.subjects_notified, "When the affected subjects were told (Art. 34)");
  update->footer("Example:\n  dsr breach update brc_1 --authority-notified 2026-11-28T10:00:00Z --authority-reference ICO-2026-0042");
  update->callback([&ctx, ua, o_det, o_st, o_en, o_de, o_co, o_me] {
    BreachUpdate u = ua->u;
    if (o_det->count()) u.detected = ua->detected;
    if (o_st->count()) u.started = ua->started;
    if (o_en->count()) u.ended = ua->ended;
    if (o_de->count()) u.description = ua->description;
    if (o_co->count()) u.consequences = ua->consequences;
    if (o_me->count()) u.measures = ua->measures;
    Desk desk = ctx.open_desk();
    say_breach(ctx, "updated", update_breach(desk, ua->id, u));
  });

  struct CloseArgs { std::string id, reason; };
  auto cl = std::make_shared<CloseArgs>();
  auto* close = breach->add_subcommand("close", "Close a breach once it is handled");
  close->add_option("ID", cl->id, "The breach id")->required();
  close->add_option("--reason", cl->reason, "Why the authority was not told (unlikely to result in a risk)");
  close->footer("Example:\n  dsr breach close brc_2 --reason 'encrypted laptop; key not exposed'");
  close->callback([&ctx, cl] {
    Desk desk = ctx.open_desk();
    say_breach(ctx, "closed", close_breach(desk, cl->id, cl->reason));
  });

  // `report` is the group dsr report requests lives in (cmd_requests.cpp).
  CLI::App* report = app.get_subcommand("report");
  struct ReportArgs { std::string from, to, format = "table"; };
  auto ra = std::make_shared<ReportArgs>();
  auto* rb = report->add_subcommand("breaches", "Breaches detected in a period: notified in time, late, not at all");
  rb->add_option("--from", ra->from, "Detected on or after YYYY-MM-DD (default 1 January of --to's year)");
  rb->add_option("--to", ra->to, "Detected on or before YYYY-MM-DD (default today)");
  add_format_option(rb, ra->format, /*with_ndjson=*/false);
  rb->footer("Example:\n  dsr report breaches --from 2026-01-01 --json");
  rb->callback([&ctx, ra] { run_report(ctx, ra->from, ra->to, ra->format); });
}

}  // namespace dsr::cli
