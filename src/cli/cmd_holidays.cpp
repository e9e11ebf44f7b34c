// dsr holidays import|list: public holidays by jurisdiction (dsr/holidays.hpp).
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/holidays.hpp"
#include "dsr/ics.hpp"
#include "dsr/input.hpp"

namespace dsr::cli {
namespace {

// The whole file, refused past the parser's limit before it is all in memory.
std::string read_calendar(const std::string& path) {
  auto in = path == "-" ? fd_input(0) : file_input(path);
  auto text = read_at_most(*in, ics::kMaxBytes);
  if (!text) fail(ErrorKind::usage, path + ": larger than 4 MiB; is it a holiday calendar?");
  return *text;
}

}  // namespace

void add_holiday_commands(CLI::App& app, Context& ctx) {
  auto* hol = add_group(app, "holidays", "Public holidays by jurisdiction, for deadlines and business days");

  struct Args {
    std::string file, jurisdiction, format = "table";
  };
  auto a = std::make_shared<Args>();
  auto* imp = hol->add_subcommand("import", "Import a jurisdiction's public holidays from an iCalendar (.ics) file");
  imp->add_option("FILE", a->file, "The .ics file (- for stdin)")->required();
  imp->add_option("--jurisdiction", a->jurisdiction, "Whose holidays they are: DE, FR, GB, US-CA, EU ...")->required();
  imp->footer("Each VEVENT's DTSTART date (and an all-day DTEND) is a holiday; recurring events (RRULE) are skipped.\n"
              "Example:\n  dsr holidays import de-2026.ics --jurisdiction DE");
  imp->callback([&ctx, a] {
    std::string text = read_calendar(a->file);
    Desk desk = ctx.open_desk();
    HolidayImport r = import_holidays(desk, text, a->jurisdiction);
    if (ctx.g.json) return ctx.emit_json(holiday_import_json(r));
    ctx.say("imported " + std::to_string(r.days) + " holidays for " + r.jurisdiction + " (" +
            std::to_string(r.added) + " new), " + r.first + " to " + r.last);
    if (r.recurring > 0)
      ctx.note("skipped " + std::to_string(r.recurring) + " recurring events (RRULE): list each year's dates instead");
    if (r.undated > 0) ctx.note("skipped " + std::to_string(r.undated) + " events without a date");
    for (const auto& id : r.requests_updated) ctx.note("due dates of " + id + " set again with these holidays");
  });

  auto* list = hol->add_subcommand("list", "List imported holidays");
  list->add_option("--jurisdiction", a->jurisdiction, "Only this jurisdiction");
  add_format_option(list, a->format);
  list->footer("Example:\n  dsr holidays list --jurisdiction DE");
  list->callback([&ctx, a] {
    Desk desk = ctx.open_desk();
    std::vector<nlohmann::json> recs;
    for (const auto& h : list_holidays(desk, a->jurisdiction))
      recs.push_back({{"jurisdiction", h.jurisdiction}, {"day", h.day}, {"name", h.name}});
    Format f = ctx.g.json ? Format::json : parse_format(a->format);
    if (f == Format::table) {
      if (ctx.g.quiet) return;
      if (recs.empty()) return ctx.note("no holidays imported" + (a->jurisdiction.empty() ? std::string() : " for " + a->jurisdiction) +
                                        ": deadlines count weekends only");
    }
    render_records(std::cout, f, recs, {{"JURISDICTION", "jurisdiction"}, {"DAY", "day"}, {"NAME", "name"}});
  });
}

}  // namespace dsr::cli
