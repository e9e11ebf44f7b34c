// dsr audit log, audit verify, audit anchor.
#include <optional>
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "dsr/json_values.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

constexpr size_t kShownIds = 3;

nlohmann::json entry_json(const AuditEntry& e) {
  return {{"id", e.id},
          {"at", iso_time(e.at)},
          {"actor", e.actor},
          {"command", e.command},
          {"subjects", e.subjects},
          {"fields", e.fields},
          {"request", text_or_null(e.request)},
          {"outcome", e.outcome}};
}

}  // namespace

void add_audit_commands(CLI::App& app, Context& ctx) {
  auto* audit = add_group(app, "audit", "The audit trail: who did what to whose record");
  struct Args { AuditQuery q; std::string format = "table"; };
  auto a = std::make_shared<Args>();
  auto* log = audit->add_subcommand("log", "Show audit entries (oldest first), filtered by subject, actor and time");
  log->add_option("--subject", a->q.subject, "Only entries about this subject (id, email or username)");
  log->add_option("--actor", a->q.actor, "Only entries by this key slot");
  log->add_option("--since", a->q.since, "Only entries from YYYY-MM-DD on");
  log->add_option("--limit", a->q.limit, "At most the newest N entries (default 1000)")->check(positive());
  add_format_option(log, a->format);
  log->footer("Example:\n  dsr audit log --subject alice@example.com --since 2026-01-01 --json");
  log->callback([&ctx, a] {
    Desk desk = ctx.open_desk();
    std::vector<nlohmann::json> recs;
    Format f = ctx.g.json ? Format::json : parse_format(a->format);
    for (const auto& e : audit_log(desk, a->q)) {
      recs.push_back(entry_json(e));
      // A bulk entry names up to 1,000 subjects: a table line shows the first
      // few and the count; json, ndjson and csv keep every id.
      auto& ids = recs.back()["subjects"];
      if (f == Format::table && ids.size() > kShownIds) {
        std::string shown;
        for (size_t i = 0; i < kShownIds; ++i) shown += ids[i].get<std::string>() + ", ";
        ids = shown + "... (" + std::to_string(ids.size()) + " in all; --format json lists them)";
      }
    }
    render_records(std::cout, f, recs,
                   {{"ID", "id"}, {"AT", "at"}, {"ACTOR", "actor"}, {"COMMAND", "command"}, {"SUBJECTS", "subjects"},
                    {"FIELDS", "fields"}, {"REQUEST", "request"}, {"OUTCOME", "outcome"}});
  });
  auto anchor_file = std::make_shared<std::string>();
  auto* verify = audit->add_subcommand(
      "verify", "Check the audit trail's hash chain and signatures; exit 6 at the first bad entry");
  verify->add_option("--anchor", *anchor_file,
                     "Also prove the trail extends this anchor (what `dsr audit anchor` printed, or a log line ending in it)");
  verify->footer("Examples:\n  dsr audit verify || echo 'the audit trail was tampered with'\n"
                 "  dsr audit verify --anchor /srv/worm/dsr-anchor-2026-11-30.json");
  verify->callback([&ctx, anchor_file] {
    std::optional<std::string> text;
    if (!anchor_file->empty()) {
      text = read_at_most(*file_input(*anchor_file), 1u << 20);
      if (!text) fail(ErrorKind::usage, "the anchor file " + *anchor_file + " is over 1 MiB; give the anchor alone");
    }
    Desk desk = ctx.open_desk();
    AuditVerify v = verify_audit(desk, text ? &*text : nullptr);
    for (const auto& n : v.notes) ctx.note("note: " + n);
    if (ctx.g.json)
      ctx.emit_json({{"ok", v.ok}, {"checked", v.checked},
                     {"first_bad", v.ok ? nlohmann::json(nullptr) : nlohmann::json(v.first_bad)},
                     {"problem", v.problem}, {"unsigned", v.unsigned_entries},
                     {"anchor_checked", v.anchor_checked}, {"notes", v.notes}});
    else if (v.ok)
      ctx.say("ok: " + std::to_string(v.checked) + " audit entries, chain and signatures intact" +
              (v.unsigned_entries ? " (" + std::to_string(v.unsigned_entries) + " unsigned, from before signing began)" : "") +
              (v.anchor_checked ? "; the trail extends the anchor" : ""));
    if (!v.ok) fail(ErrorKind::integrity, "audit trail: " + v.problem);
  });
  auto* anchor = audit->add_subcommand("anchor", "Print a signed checkpoint of the trail's head, to keep outside the vault");
  anchor->footer("Keep it where no slot holder can rewrite it: syslog, a write-once store, a ticket.\n"
                 "Examples:\n  dsr audit anchor | logger -t dsr-audit\n"
                 "  dsr audit anchor > /srv/worm/dsr-anchor-$(date +%F).json\n"
                 "  dsr audit verify --anchor /srv/worm/dsr-anchor-2026-11-30.json");
  anchor->callback([&ctx] {
    Desk desk = ctx.open_desk();
    std::cout << audit_anchor(desk) << '\n';
  });
}

}  // namespace dsr::cli
