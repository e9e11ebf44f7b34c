// dsr contacts, dsr inventory.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/notices.hpp"

namespace dsr::cli {
namespace {

const std::vector<Column>& contact_columns() {
  static const std::vector<Column> c = {{"SUBJECT", "subject"}, {"NAME", "name"},          {"METHOD", "method"},
                                        {"ADDRESS", "address"}, {"NEW USES", "new_uses"}, {"OPT-OUTS", "opt_outs"}};
  return c;
}

void run_contacts(Context& ctx, const std::string& purpose, const std::string& format, const std::string& breach) {
  Format f = ctx.g.json ? Format::json : parse_format(format);
  Desk desk = ctx.open_desk();
  int64_t n = 0;
  if (f == Format::csv || f == Format::ndjson) {
    // Streamed: a mailing list of every active subject need not fit in memory.
    if (f == Format::csv) {
      std::cout << csv_header(contact_columns());
    }
    for_each_contact(desk, purpose, [&](const Contact& c) {
      nlohmann::json j = contact_json(c);
      ++n;
      if (f == Format::ndjson) {
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return;
      }
      std::cout << csv_line(j, contact_columns());
    }, breach);
  } else {
    std::vector<nlohmann::json> recs;
    for_each_contact(desk, purpose, [&](const Contact& c) { recs.push_back(contact_json(c)); }, breach);
    n = static_cast<int64_t>(recs.size());
    render_records(std::cout, f, recs, contact_columns());
  }
  if (purpose == "breach-notice")
    ctx.note(std::to_string(n) + " subject(s) affected to tell (GDPR Art. 34), deactivated ones included; then "
             "`dsr breach update ID --subjects-notified TIME`");
  else
    ctx.note(std::to_string(n) + " active subject(s) to tell (" + purpose + "); deactivated and erased subjects are left out");
}

void print_inventory(Context& ctx, const nlohmann::json& inv) {
  if (ctx.g.json) return ctx.emit_json(inv);
  auto s = [](const nlohmann::json& v) { return cell_text(v); };
  ctx.out("Record of processing (GDPR Art. 30), " + s(inv["generated_at"]));
  const auto& ds = inv["data_subjects"];
  ctx.out("\nData subjects: " + s(ds["category"]) + ": " + s(ds["active"]) + " active, " + s(ds["deactivated"]) +
          " deactivated (restricted), " + s(ds["erased"]) + " erased (tombstones only)");
  ctx.out("Policy in force: " + (inv["policy"]["in_force"].is_null() ? std::string("none recorded") : s(inv["policy"]["in_force"])));
  ctx.out("\nCategories of data:");
  std::vector<nlohmann::json> cats(inv["categories"].begin(), inv["categories"].end());
  render_records(std::cout, Format::table, cats,
                   {{"  CATEGORY", "category"}, {"SUBJECTS", "subjects"}, {"VALUES", "values"}, {"RETENTION", "retention"}});
  ctx.out("\nPurposes:");
  for (const auto& p : inv["purposes"]) ctx.out("  " + s(p));
  ctx.out("\nRecipients (from the disclosure log):");
  if (inv["recipients"].empty()) ctx.out("  none recorded");
  for (const auto& r : inv["recipients"])
    ctx.out("  " + s(r["recipient"]) + " (" + s(r["recipient_type"]) + "): " + s(r["disclosures"]) + " disclosure(s) of " +
            s(r["subjects"]) + " subject(s), " + s(r["first_date"]) + " to " + s(r["last_date"]) + "; categories " +
            s(r["categories"]) + "; purposes " + s(r["purposes"]) + "; basis " + s(r["bases"]));
  ctx.out("\nRetention rules in force (`dsr retention show`):");
  for (const auto& r : inv["retention"]["rules"])
    ctx.out("  " + s(r["rule"]) + " " + s(r["duration"]) + (r["applies"].get<bool>() ? "" : " (not applied yet)") + ": " +
            s(r["description"]));
  ctx.out("What the policy says of each category:");
  for (const auto& c : inv["retention"]["categories"]) ctx.out("  " + s(c["category"]) + ": " + s(c["retention"]));
  ctx.out("\nChoices: " + s(inv["choices"]["opt_outs"]["sale-sharing"]) + " opted out of sale/sharing, " +
          s(inv["choices"]["opt_outs"]["limit-sensitive"]) + " limited sensitive use; consents " +
          s(inv["choices"]["consents"]["current"]) + " current, " + s(inv["choices"]["consents"]["withdrawn"]) + " withdrawn");
  ctx.out("Breaches (GDPR Art. 33(5)): " + s(inv["breaches"]["total"]) + " recorded, " + s(inv["breaches"]["open"]) +
          " open, " + s(inv["breaches"]["overdue"]) + " past the 72 hours without notice to the authority");
  const auto& sec = inv["security"];
  ctx.out("\nSecurity measures in force:");
  ctx.out("  encryption: " + s(sec["encryption"]));
  ctx.out("  header: " + s(sec["header"]));
  ctx.out("  key slots: " + s(sec["slot_count"]) + " (" + sec["slots_by_role"].dump() + "); KDF: " + s(sec["kdf"]));
  ctx.out("  sealed categories: " + s(sec["category_sealing"]["categories"]) + ", readable by " +
          s(sec["category_sealing"]["readable_by_roles"]) + " slots only");
  ctx.out("  secure_delete " + std::string(sec["secure_delete"].get<bool>() ? "on" : "OFF") + ", journal " +
          s(sec["journal_mode"]) + ", temporary data in memory " + (sec["temp_store_in_memory"].get<bool>() ? "yes" : "no") +
          ", memory-mapped I/O " + (sec["mmap_disabled"].get<bool>() ? "off" : "on"));
  ctx.out("  " + s(sec["suppression_hashes"]));
}

}  // namespace

void add_notice_commands(CLI::App& app, Context& ctx) {
  struct ContactArgs { std::string purpose, format = "table", breach; };
  auto ca = std::make_shared<ContactArgs>();
  auto* contacts = app.add_subcommand("contacts", "The active subjects to tell, each by their preferred contact method");
  contacts->add_option("--purpose", ca->purpose, "service-announcement, policy-change, business-transition or breach-notice")
      ->required()
      ->check(CLI::IsMember({"service-announcement", "policy-change", "business-transition", "breach-notice"}));
  contacts->add_option("--breach", ca->breach, "breach-notice: the subjects affected by breach ID (default: every open breach)");
  add_format_option(contacts, ca->format);
  contacts->footer("Deactivated and erased subjects never appear (a breach notice includes deactivated ones).\n"
                   "Example:\n  dsr contacts --purpose service-announcement --format csv > outage-notice.csv\n"
                   "  dsr contacts --purpose breach-notice --breach brc_1 --format csv");
  contacts->callback([&ctx, ca] { run_contacts(ctx, ca->purpose, ca->format, ca->breach); });

  auto* inv = app.add_subcommand("inventory", "The record of processing (GDPR Art. 30) built from live data");
  inv->footer("Example:\n  dsr inventory --json > record-of-processing.json");
  inv->callback([&ctx] {
    Desk desk = ctx.open_desk();
    print_inventory(ctx, inventory(desk));
  });
}

}  // namespace dsr::cli
