// dsr disclose, disclosures, recipients, hold place|release|list.
#include <fstream>
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

struct DiscloseArgs {
  DisclosureRequest req;
  std::vector<std::string> categories;
  std::string subjects_file;
  bool rules = false;
};

void print_rules(Context& ctx) {
  if (ctx.g.json) {
    nlohmann::json rules = nlohmann::json::array(), purposes = nlohmann::json::object();
    for (const auto& r : sharing_rules()) rules.push_back({{"id", r.id}, {"policy_section", r.policy_section}, {"rule", r.text}});
    for (const auto& [p, cats] : processor_purposes()) purposes[p] = cats;
    ctx.emit_json({{"rules", rules}, {"processor_purposes", purposes}});
    return;
  }
  ctx.out("Sharing rules (a disclosure that breaks one exits 7 and names it):");
  for (const auto& r : sharing_rules()) ctx.out("  " + r.id + "  [" + r.policy_section + "]\n      " + r.text);
  ctx.out("Processor purposes (--recipient-type processor --purpose P) and the categories each may receive:");
  for (const auto& [p, cats] : processor_purposes()) {
    std::string c;
    for (const auto& x : cats) c += (c.empty() ? "" : ", ") + x;
    ctx.out("  " + p + ": " + c);
  }
}

void read_subjects(const std::string& file, std::vector<std::string>& out) {
  std::ifstream f;
  std::istream* in = &std::cin;
  if (file != "-") {
    f.open(file);
    if (!f) fail(ErrorKind::not_found, "cannot open subjects file " + file);
    in = &f;
  }
  std::string line;
  while (std::getline(*in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t a = line.find_first_not_of(" \t"), b = line.find_last_not_of(" \t");
    if (a == std::string::npos || line[a] == '#') continue;
    out.push_back(line.substr(a, b - a + 1));
  }
}

void run_disclose(Context& ctx, DiscloseArgs& a) {
  if (a.rules) return print_rules(ctx);
  if (!a.subjects_file.empty()) read_subjects(a.subjects_file, a.req.subjects);
  for (const char* flag : {"recipient", "recipient-type", "purpose", "basis"}) {
    const std::string& v = std::string(flag) == "recipient" ? a.req.recipient
                           : std::string(flag) == "recipient-type" ? a.req.recipient_type
                           : std::string(flag) == "purpose" ? a.req.purpose : a.req.basis;
    if (v.empty()) fail(ErrorKind::usage, std::string("--") + flag + " is required (see `dsr disclose --help`)");
  }
  a.req.categories = a.categories;
  Desk desk = ctx.open_desk();
  DisclosureResult r = disclose(desk, a.req);
  if (ctx.g.json) {
    ctx.emit_json({{"ok", true},
                   {"disclosed", r.subject_ids.size()},
                   {"subjects", r.subject_ids},
                   {"first_id", r.first_id},
                   {"recipient", a.req.recipient},
                   {"date", r.date}});
    return;
  }
  ctx.say("logged " + std::to_string(r.subject_ids.size()) + " disclosure(s) to " + a.req.recipient + " on " + r.date +
          (r.subject_ids.size() == 1 ? " (" + r.subject_ids.front() + ")" : ""));
}

const std::vector<Column>& disclosure_columns() {
  static const std::vector<Column> c = {{"DATE", "date"},         {"RECIPIENT", "recipient"}, {"TYPE", "recipient_type"},
                                        {"ADDRESS", "recipient_address"}, {"CATEGORIES", "categories"},
                                        {"PURPOSE", "purpose"},   {"BASIS", "basis"},         {"REFERENCE", "reference"},
                                        {"WITHHELD UNTIL", "withhold_until"}};
  return c;
}

void run_disclosures(Context& ctx, const std::string& subject, const std::string& since, const std::string& format) {
  Desk desk = ctx.open_desk();
  std::vector<nlohmann::json> recs;
  for (const auto& d : disclosures_of(desk, subject, since)) recs.push_back(disclosure_json(d));
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::table && recs.empty()) {
    ctx.note("no disclosures recorded" + std::string(since.empty() ? " in the last 6 years" : " since " + since));
    return;
  }
  render_records(std::cout, f, recs, disclosure_columns());
}

void run_recipients(Context& ctx, const std::string& subject, const std::string& format) {
  Desk desk = ctx.open_desk();
  std::vector<nlohmann::json> recs;
  for (const auto& r : recipients_of(desk, subject)) recs.push_back(recipient_summary_json(r));
  Format f = ctx.g.json ? Format::json : parse_format(format);
  render_records(std::cout, f, recs,
                 {{"RECIPIENT", "recipient"}, {"TYPE", "recipient_type"}, {"ADDRESS", "recipient_address"},
                  {"COUNT", "disclosures"}, {"FIRST", "first_date"}, {"LAST", "last_date"}, {"CATEGORIES", "categories"}});
}

}  // namespace

void add_disclosure_commands(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<DiscloseArgs>();
  auto* d = app.add_subcommand("disclose", "Log a disclosure of subjects' data to a recipient, if the sharing rules allow it");
  d->add_option("SUBJECT", a->req.subjects, "Subject ids, emails or usernames");
  d->add_option("--subjects-file", a->subjects_file, "Read more subjects from FILE (one a line), - for stdin");
  d->add_option("--recipient", a->req.recipient, "Who received the data");
  d->add_option("--recipient-type", a->req.recipient_type, "processor, authority, partner, acquirer or other")
      ->check(CLI::IsMember({"processor", "authority", "partner", "acquirer", "other"}));
  d->add_option("--recipient-address", a->req.recipient_address, "The recipient's address, if known");
  d->add_option("--categories", a->categories, "Categories disclosed, comma-separated")->delimiter(',');
  d->add_option("--purpose", a->req.purpose, "Why (a processor's purpose: billing, address-verification, ...)");
  d->add_option("--basis", a->req.basis, "legal-obligation, contract, consent, legitimate-interests, vital-interests or public-task")
      ->check(CLI::IsMember({"legal-obligation", "contract", "consent", "legitimate-interests", "vital-interests", "public-task"}));
  d->add_option("--reference", a->req.reference, "A subpoena number, order or contract reference");
  d->add_option("--date", a->req.date, "Date of the disclosure, YYYY-MM-DD (default today)");
  d->add_option("--withhold-until", a->req.withhold_until, "Keep it out of the subject's own export until YYYY-MM-DD");
  d->add_flag("--rules", a->rules, "Print the sharing rules and exit");
  d->footer("Example:\n  dsr disclose alice --recipient 'County Court' --recipient-type authority --categories identity,contact \\\n"
            "    --purpose 'civil subpoena' --basis legal-obligation --reference 'CV-2026-114'\n"
            "  dsr disclose --subjects-file ids.txt --recipient 'PayCo' --recipient-type processor \\\n"
            "    --categories payment,billing --purpose billing --basis contract");
  d->callback([&ctx, a] { run_disclose(ctx, *a); });

  struct ListArgs { std::string subject, since, format = "table"; };
  auto la = std::make_shared<ListArgs>();
  auto* ds = app.add_subcommand("disclosures", "The accounting of disclosures of one subject (last 6 years by default)");
  ds->add_option("SUBJECT", la->subject, "Subject id, email or username (erased subjects by id)")->required();
  ds->add_option("--since", la->since, "From YYYY-MM-DD instead of six years ago");
  add_format_option(ds, la->format);
  ds->footer("Example:\n  dsr disclosures alice --since 2024-01-01 --format csv");
  ds->callback([&ctx, la] { run_disclosures(ctx, la->subject, la->since, la->format); });

  auto ra = std::make_shared<ListArgs>();
  auto* rs = app.add_subcommand("recipients", "The distinct recipients of one subject's data");
  add_subject_arg(rs, ra->subject);
  add_format_option(rs, ra->format);
  rs->footer("Example:\n  dsr recipients alice --json");
  rs->callback([&ctx, ra] { run_recipients(ctx, ra->subject, ra->format); });

  auto* hold = add_group(app, "hold", "Legal holds: block erasure while a proceeding runs");
  struct HoldArgs { std::string subject, reason, reference, format = "table"; };
  auto ha = std::make_shared<HoldArgs>();
  auto* place = hold->add_subcommand("place", "Place a legal hold on a subject");
  add_subject_arg(place, ha->subject);
  place->add_option("--reason", ha->reason, "Why (the proceeding)")->required();
  place->add_option("--reference", ha->reference, "Case or order reference");
  place->footer("Example:\n  dsr hold place alice --reason 'litigation hold' --reference CV-2026-114");
  place->callback([&ctx, ha] {
    Desk desk = ctx.open_desk();
    Hold h = place_hold(desk, ha->subject, ha->reason, ha->reference);
    if (ctx.g.json) ctx.emit_json(hold_json(h));
    else ctx.say("placed legal hold " + std::to_string(h.id) + " on " + h.subject_id);
  });
  auto* release = hold->add_subcommand("release", "Release a subject's legal holds");
  add_subject_arg(release, ha->subject);
  release->add_option("--reference", ha->reference, "Release only the hold with this reference");
  release->footer("Example:\n  dsr hold release alice --reference CV-2026-114");
  release->callback([&ctx, ha] {
    Desk desk = ctx.open_desk();
    int n = release_holds(desk, ha->subject, ha->reference);
    if (ctx.g.json) ctx.emit_json({{"ok", true}, {"released", n}});
    else ctx.say("released " + std::to_string(n) + " legal hold(s)");
  });
  auto* hl = hold->add_subcommand("list", "List the legal holds in force");
  add_format_option(hl, ha->format);
  hl->footer("Example:\n  dsr hold list --format csv");
  hl->callback([&ctx, ha] {
    Desk desk = ctx.open_desk();
    std::vector<nlohmann::json> recs;
    for (const auto& h : list_holds(desk)) recs.push_back(hold_json(h));
    Format f = ctx.g.json ? Format::json : parse_format(ha->format);
    render_records(std::cout, f, recs,
                   {{"ID", "id"}, {"SUBJECT", "subject"}, {"REASON", "reason"}, {"REFERENCE", "reference"},
                    {"PLACED", "placed_at"}, {"BY", "placed_by"}});
  });
}

}  // namespace dsr::cli
