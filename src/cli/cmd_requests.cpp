// dsr request open|list|show|verify|confirm-agent|evidence|acknowledge|start|extend|close|reopen|..., dsr report requests.
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/laws.hpp"
#include "dsr/requests.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

std::vector<std::string> law_names() {
  std::vector<std::string> v;
  for (const auto& l : laws::table()) v.emplace_back(l.name);
  return v;
}

// "in 3 days", "due today", "2 days overdue"; closed requests say how they ended.
std::string left_text(const Request& r) {
  if (!r.days_left && r.appeal_days_left) {  // closed, its appeal waiting
    int d = *r.appeal_days_left;
    if (d == 0) return "appeal due today";
    if (d > 0) return "appeal in " + std::to_string(d) + (d == 1 ? " day" : " days");
    return "appeal " + std::to_string(-d) + (d == -1 ? " day" : " days") + " overdue";
  }
  if (!r.days_left) return to_string(r.outcome) + " " + r.closed_on;
  int d = *r.days_left;
  if (d == 0) return "due today";
  if (d > 0) return "in " + std::to_string(d) + (d == 1 ? " day" : " days");
  return std::to_string(-d) + (d == -1 ? " day" : " days") + " overdue";
}

std::string ack_text(const Request& r) {
  if (!r.acknowledged_on.empty()) return "sent " + r.acknowledged_on;
  if (r.ack_due.empty()) return "-";
  return (r.ack_overdue ? "OVERDUE " : "due ") + r.ack_due;
}

// The flat record for tables, CSV and NDJSON (request_json plus the words a person reads).
nlohmann::json list_record(const Request& r) {
  nlohmann::json j = request_json(r);
  j["left"] = left_text(r);
  j["ack"] = ack_text(r);
  return j;
}

const std::vector<Column>& request_columns() {
  static const std::vector<Column> c = {{"ID", "id"},         {"SUBJECT", "subject"}, {"TYPE", "type"},
                                        {"LAW", "law"},       {"STATUS", "status"},   {"RECEIVED", "received"},
                                        {"DUE", "due"},       {"LEFT", "left"},       {"ACK", "ack"}};
  return c;
}
const std::vector<Column>& request_csv_columns() {
  static const std::vector<Column> c = {
      {"", "id"},          {"", "subject"},     {"", "type"},        {"", "law"},          {"", "channel"},
      {"", "status"},      {"", "received"},    {"", "verified_on"}, {"", "first_due"},    {"", "due"},
      {"", "extended_on"}, {"", "ack_due"},     {"", "acknowledged_on"}, {"", "days_left"}, {"", "overdue"},
      {"", "closed_on"},   {"", "outcome"},     {"", "close_reason"}, {"", "days_to_respond"}, {"", "late"}};
  return c;
}

void print_request(Context& ctx, const Request& r) {
  if (ctx.g.json) return ctx.emit_json(request_json(r));
  std::string who = r.linked() ? "subject " + r.subject_id + (r.subject_status == SubjectStatus::erased ? " (erased)" : "")
                               : std::string("no subject (claimed identity)");
  ctx.out(r.id + "  " + to_string(r.type) + " (" + to_string(r.law) +
          (r.jurisdiction.empty() ? "" : ", " + r.jurisdiction) + ")  " + to_string(r.status) + "  " + who);
  for (const auto& c : r.claims) ctx.out("  claimed " + c.kind + ": " + c.value);
  if (!r.duplicate_of.empty()) ctx.out("  duplicate of " + r.duplicate_of);
  if (!r.representative.empty())
    ctx.out("  made by " + r.agent_name + " (" + r.representative + ")" +
            (!r.agent_confirmed_on.empty() ? ", confirmed " + r.agent_confirmed_on
             : r.agent_confirmation_needed ? ", NOT CONFIRMED (`dsr request confirm-agent " + r.id + "`)"
                                           : ""));
  for (const auto& e : r.evidence) ctx.out("  evidence: " + e + " (sealed; `dsr request evidence " + r.id + "`)");
  if (r.frequent())
    ctx.out("  frequent: access request number " + std::to_string(r.prior_access_12m + 1) + " in 12 months");
  ctx.out("  received " + r.received + (r.channel.empty() ? "" : " by " + r.channel) +
          (r.verified_on.empty() ? ", not verified" : ", verified " + r.verified_on));
  ctx.out("  due " + r.due + (r.extended() ? " (extended on " + r.extended_on + " from " + r.first_due + ": " +
                                                 r.extension_reason + ")"
                                           : "") +
          "  " + left_text(r));
  if (!r.ack_due.empty() || !r.acknowledged_on.empty()) ctx.out("  acknowledgement " + ack_text(r));
  if (r.clock_start.empty()) ctx.out("  clock: waits for the requester's identity (starts at `dsr request verify`)");
  if (r.paused()) ctx.out("  clock: paused since " + r.paused_on + " (`dsr request resume`)");
  else if (r.paused_days > 0) ctx.out("  clock: stood still " + std::to_string(r.paused_days) + " days");
  if (!r.citation.empty()) ctx.out("  law: " + r.citation);
  if (r.weekends_only)
    ctx.out("  calendar: only weekends were counted (no holidays imported for " +
            (r.jurisdiction.empty() ? std::string("this jurisdiction") : r.jurisdiction) + ")");
  if (!r.appeal_received.empty())
    ctx.out("  appeal received " + r.appeal_received + ", due " + r.appeal_due +
            (!r.appeal_extended_on.empty()
                 ? " (extended on " + r.appeal_extended_on + ": " + r.appeal_extension_reason + ")"
             : r.appeal_extendable_to.empty() ? ""
                                              : " (extendable to " + r.appeal_extendable_to + ")") +
            (r.appeal_decided_on.empty() ? (r.appeal_overdue ? ", OVERDUE" : "")
                                         : ": " + to_string(r.appeal_outcome) + " " + r.appeal_decided_on +
                                               (r.appeal_reason.empty() ? "" : " (" + r.appeal_reason + ")")));
  if (!r.complaint.empty()) ctx.out("  " + r.complaint);
  if (!r.answer.is_null()) {
    ctx.out("  answer: " + r.answer.value("statement", std::string()));
    if (r.answer.contains("kept"))
      for (const auto& k : r.answer["kept"])
        ctx.out("    kept: " + k.value("record", std::string()) + " - " + k.value("why", std::string()) +
                (k["retention"].contains("deleted_from") ? " (until " + k["retention"]["deleted_from"].get<std::string>() + ")"
                                                          : ""));
  }
  if (!r.is_open())
    ctx.out("  closed " + r.closed_on + ": " + to_string(r.outcome) +
            (r.denial_code.empty() ? "" : " [" + r.denial_code + "]") +
            (r.close_reason.empty() ? "" : " (" + r.close_reason + ")") +
            (r.days_to_respond ? ", " + std::to_string(*r.days_to_respond) + " days to respond" : "") +
            (r.late ? ", LATE" : ""));
  if (r.history.empty()) return;
  ctx.out("  history:");
  for (const auto& e : r.history) {
    std::string detail;
    for (const auto& [k, v] : e.detail.items()) detail += (detail.empty() ? "" : " ") + k + "=" + cell_text(v);
    ctx.out("    " + iso_time(e.at) + "  " + e.actor + "  " + e.event + (detail.empty() ? "" : "  " + detail));
  }
}

// Base64 (RFC 4648) of a file that is not text, for the JSON.
std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    for (int k = 18; k >= 0; k -= 6) out += t[(v >> k) & 63];
  }
  if (size_t rest = in.size() - i) {
    unsigned v = (unsigned char)in[i] << 16 | (rest == 2 ? (unsigned char)in[i + 1] << 8 : 0u);
    out += t[(v >> 18) & 63];
    out += t[(v >> 12) & 63];
    out += rest == 2 ? t[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

void print_evidence(Context& ctx, const std::vector<RequestEvidence>& all) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& e : all) {
    nlohmann::json j = {{"kind", e.kind}, {"at", iso_time(e.at)}, {"actor", e.actor}, {"record", e.record}};
    if (!e.file_name.empty()) {
      bool text = e.file.find('\0') == std::string::npos;
      try {
        (void)nlohmann::json(e.file).dump();
      } catch (const nlohmann::json::exception&) {
        text = false;  // not UTF-8
      }
      if (text) j["file_text"] = e.file;
      else j["file_base64"] = base64(e.file);
    }
    arr.push_back(std::move(j));
  }
  if (ctx.g.json) return ctx.emit_json(arr);
  if (all.empty()) return ctx.note("no evidence is sealed for this request");
  for (const auto& j : arr) {
    std::string rec;
    for (const auto& [k, v] : j["record"].items()) rec += (rec.empty() ? "" : " ") + k + "=" + cell_text(v);
    ctx.out(j["kind"].get<std::string>() + "  " + j["at"].get<std::string>() + "  " + j["actor"].get<std::string>() +
            "  " + rec);
    if (j.contains("file_text")) ctx.out(j["file_text"].get<std::string>());
    else if (j.contains("file_base64")) ctx.out("  (the file is not text: --json gives it in base64)");
  }
}

void say_change(Context& ctx, const std::string& verb, const Request& r) {
  if (ctx.g.json) return ctx.emit_json(request_json(r));
  ctx.say(verb + " " + r.id + " (" + to_string(r.status) + "; due " + r.due + ", " + left_text(r) + ")");
}

void run_open(Context& ctx, const RequestInput& in) {
  Desk desk = ctx.open_desk();
  Request r = open_request(desk, in);
  if (ctx.g.json) return ctx.emit_json(request_json(r));
  std::cout << r.id << "\n";  // what a script wants (-q keeps it)
  ctx.note("opened " + r.id + " (" + to_string(r.type) + ", " + to_string(r.law) + ", " + to_string(r.status) + "): due " + r.due +
           (r.ack_due.empty() ? "" : ", acknowledge by " + r.ack_due) +
           (r.clock_start.empty() ? " at the earliest (the clock starts once identity is verified)" : ""));
  if (!r.linked()) ctx.note(r.id + " matches no subject: it stands on the claimed identity until one matches");
  if (!r.duplicate_of.empty()) ctx.note(r.id + " duplicates " + r.duplicate_of + ", still open for the same person");
  if (r.frequent())
    ctx.note(r.id + " is access request number " + std::to_string(r.prior_access_12m + 1) +
             " from this person in 12 months: it may be refused (--code too_many_requests)");
}

struct ListArgs {
  RequestQuery q;
  std::string status = "open";
  int due_within = -1;
  std::string format = "table";
};

void run_list(Context& ctx, ListArgs& a) {
  if (a.due_within >= 0) a.q.due_within = a.due_within;
  set_status_filter(a.q, a.status);
  Desk desk = ctx.open_desk();
  auto found = list_requests(desk, a.q);
  Format f = ctx.g.json ? Format::json : parse_format(a.format);
  std::vector<nlohmann::json> recs;
  for (const auto& r : found) recs.push_back(f == Format::json || f == Format::ndjson ? request_json(r) : list_record(r));
  if (f == Format::table && recs.empty()) return ctx.note("no requests match");
  render_records(std::cout, f, recs, f == Format::csv ? request_csv_columns() : request_columns());
}

void run_report(Context& ctx, const std::string& from, const std::string& to, const std::string& law,
                const std::string& format) {
  Desk desk = ctx.open_desk();
  RequestReport rep = report_requests(desk, from, to, law.empty() ? std::nullopt : std::optional(laws::get(law).id));
  nlohmann::json j = report_json(rep);
  Format f = ctx.g.json ? Format::json : parse_format(format);
  if (f == Format::json) return ctx.emit_json(j);
  std::vector<nlohmann::json> rows;
  for (const auto& t : j["by_type"]) rows.push_back(t);
  nlohmann::json total = j["total"];
  total["type"] = "all";
  rows.push_back(total);
  for (auto& r : rows) {
    r["from"] = rep.from;
    r["to"] = rep.to;
  }
  std::vector<Column> cols = {{"TYPE", "type"},         {"RECEIVED", "received"}, {"FULFILLED", "fulfilled"},
                              {"DENIED", "denied"},     {"CANCELLED", "cancelled"}, {"OPEN", "open"},
                              {"LATE", "late"},         {"MEDIAN DAYS", "median_days"}, {"MEAN DAYS", "mean_days"}};
  if (f == Format::table) {
    ctx.out("Requests received " + rep.from + " to " + rep.to + (law.empty() ? "" : " (" + law + ")"));
  } else {
    cols.insert(cols.begin(), {{"FROM", "from"}, {"TO", "to"}});
    cols.push_back({"RESPONSES", "responses"});
  }
  render_records(std::cout, f, rows, cols);
}

// A `request NAME ID` step: the ID argument, the help, and a callback that
// runs `step` on an open desk and says `done` with the changed request.
CLI::App* add_step(CLI::App* req, Context& ctx, const std::shared_ptr<std::string>& id, const std::string& name,
                   const std::string& description, const std::string& footer, const std::string& done,
                   std::function<Request(Desk&, std::string_view)> step) {
  auto* cmd = req->add_subcommand(name, description);
  cmd->add_option("ID", *id, "Request id")->required();
  cmd->footer(footer);
  cmd->callback([&ctx, id, done, step = std::move(step)] {
    Desk desk = ctx.open_desk();
    say_change(ctx, done, step(desk, *id));
  });
  return cmd;
}

}  // namespace

void add_request_commands(CLI::App& app, Context& ctx) {
  auto* req = add_group(app, "request", "Data-subject requests with their statutory deadlines");

  auto oa = std::make_shared<RequestInput>();
  auto* open = req->add_subcommand("open", "Open a request for a subject; prints the new request id");
  open->add_option("SUBJECT", oa->subject,
                   "Subject id, email or username; an email that matches no one becomes the claimed identity");
  open->add_option("--type", oa->type,
                   "access, rectification, erasure, restriction, portability, objection, opt-out or limit-sensitive")
      ->check(CLI::IsMember(names_of<RequestType>()));
  open->add_option("--law", oa->law, "The law that sets the deadlines: " + laws::names())
      ->check(CLI::IsMember(law_names()));
  open->add_option("--email", oa->email, "The requester's email, as claimed (someone not in the vault, or erased)");
  open->add_option("--phone", oa->phone, "The requester's phone, as claimed");
  open->add_option("--name", oa->name, "The requester's name, as claimed (never matched by itself)");
  open->add_option("--jurisdiction", oa->jurisdiction, "Whose public holidays count (default: the law's, e.g. EU, GB, US-CA)");
  open->add_option("--duplicate-of", oa->duplicate_of, "Record the request as a duplicate of this open one");
  open->add_option("--received", oa->received, "Date received, YYYY-MM-DD (default today)");
  open->add_option("--channel", oa->channel, "email, phone, mail, web or in-person")
      ->check(CLI::IsMember({"email", "phone", "mail", "web", "in-person"}));
  open->add_flag("--verified", oa->verified, "The requester's identity was verified at intake");
  open->add_option("--agent", oa->agent, "Made for the consumer by this authorised agent (or parent: --parent-of-minor)");
  open->add_option("--agent-proof", oa->agent_proof, "File proving the agent's authority, sealed in the vault (at most 1 MiB)");
  open->add_flag("--power-of-attorney", oa->power_of_attorney, "The proof is a power of attorney: no confirmation needed");
  open->add_flag("--parent-of-minor", oa->parent_of_minor, "The agent is a parent or guardian of a child under 13");
  open->footer("Deadlines come from the law table (dsr(1), LAWS): GDPR one month (Reg. 1182/71 Art. 3(4) moves an\n"
               "end on a weekend or imported holiday), CCPA 45 days, LGPD 15, PIPEDA 30, VCDPA/CPA/CTDPA 45, HIPAA 30/60.\n"
               "Examples:\n  dsr request open alice --type access --law gdpr --received 2026-01-31 --channel email\n"
               "  dsr request open stranger@example.com --type access --law gdpr --jurisdiction DE\n"
               "  dsr request open alice --type limit-sensitive --law ccpa   # regs 7027: 15 business days\n"
               "  dsr request open --email bob@example.com --type erasure --law ccpa --agent 'Acme Privacy' \\\n"
               "      --agent-proof permission.pdf\n"
               "  dsr request open --from-file req.b64 --format drp --agent-key agent.pub --business-id acme");
  auto intake = add_intake_options(open);  // --from-file ... (cmd_intake.cpp)
  open->callback([&ctx, oa, intake] {
    if (run_intake(ctx, *intake, *oa)) return;
    if (oa->type.empty()) fail(ErrorKind::usage, "--type is required (or --from-file)");
    if (oa->law.empty()) fail(ErrorKind::usage, "--law is required (or --from-file)");
    run_open(ctx, *oa);
  });

  auto la = std::make_shared<ListArgs>();
  auto* list = req->add_subcommand("list", "List requests (open ones by default), soonest due first");
  list->add_flag("--overdue", la->q.overdue, "Only requests past their due date or acknowledgement date");
  list->add_option("--due-within", la->due_within, "Only requests due within DAYS days (overdue ones included)")
      ->check(non_negative());
  list->add_option("--status", la->status,
                   "received, verified, in_progress, fulfilled, denied, cancelled, open (default), closed or all")
      ->check(CLI::IsMember(names_of<RequestStatus>({"open", "closed", "all"})));
  list->add_option("--subject", la->q.subject, "Only this subject's requests");
  list->add_option("--law", la->q.law, "Only requests under this law")->check(CLI::IsMember(law_names()));
  list->add_option("--jurisdiction", la->q.jurisdiction, "Only requests of this jurisdiction (DE, US-CA, ...)");
  add_format_option(list, la->format);
  list->footer("Example (every morning):\n  dsr request list --due-within 7\n  dsr request list --overdue --format csv");
  list->callback([&ctx, la] { run_list(ctx, *la); });

  auto id = std::make_shared<std::string>();
  auto* show = req->add_subcommand("show", "Show a request with its whole history");
  show->add_option("ID", *id, "Request id (req_12 or 12)")->required();
  auto status_format = std::make_shared<std::string>();
  show->add_option("--format", *status_format, "drp or opendsr: the status object of a request read from such a document")
      ->check(CLI::IsMember({"drp", "opendsr"}));
  show->footer("Example:\n  dsr request show req_12 --json\n  dsr request show req_12 --format drp");
  show->callback([&ctx, id, status_format] {
    if (show_status(ctx, *id, *status_format)) return;
    Desk desk = ctx.open_desk();
    print_request(ctx, find_request(desk, *id));
  });

  auto ev = std::make_shared<VerificationEvidence>();
  auto* verify = add_step(
      req, ctx, id, "verify", "Record that the requester's identity was verified, with the evidence",
      "The evidence is sealed in the vault; the history names it. Without --method the\n"
      "verification is recorded without evidence.\n"
      "Example:\n  dsr request verify req_12 --method data-points --matched email,phone,address --level high \\\n"
      "      --declaration declaration.txt",
      "verified", [ev](Desk& d, std::string_view i) { return verify_request(d, i, *ev); });
  verify->add_option("--method", ev->method, "account, data-points, document, in-person or other")
      ->check(CLI::IsMember({"account", "data-points", "document", "in-person", "other"}));
  verify->add_option("--matched", ev->matched, "What matched, by kind, comma-separated (email,phone,name,...)")
      ->delimiter(',');
  verify->add_option("--level", ev->level, "reasonable (2 data points) or high (3 and a declaration)")
      ->check(CLI::IsMember({"reasonable", "high"}));
  verify->add_option("--declaration", ev->declaration_file, "The requester's signed declaration (file, sealed)");

  auto method = std::make_shared<std::string>();
  auto* confirm =
      add_step(req, ctx, id, "confirm-agent", "Record the consumer's confirmation of an agent's (or parent's) request",
               "Until then the request cannot be started, acted on or fulfilled (exit 7).\n"
               "Example:\n  dsr request confirm-agent req_12 --method permission",
               "confirmed", [method](Desk& d, std::string_view i) { return confirm_agent(d, i, *method); });
  confirm->add_option("--method", *method, "identity, permission (CCPA regs 7063(a)) or guardian (7070(c))")
      ->required()
      ->check(CLI::IsMember(kAgentMethods));

  auto* evidence = req->add_subcommand("evidence", "Show a request's sealed evidence (verification, agent's proof)");
  evidence->add_option("ID", *id, "Request id")->required();
  evidence->footer("Example:\n  dsr request evidence req_12 --json");
  evidence->callback([&ctx, id] {
    Desk desk = ctx.open_desk();
    print_evidence(ctx, request_evidence(desk, *id));
  });

  add_step(req, ctx, id, "acknowledge", "Record that receipt was confirmed to the requester (CCPA: 10 business days)",
           "Example:\n  dsr request acknowledge req_12", "acknowledged",
           [](Desk& d, std::string_view i) { return acknowledge_request(d, i); });

  add_step(req, ctx, id, "start", "Mark a verified request as in progress", "Example:\n  dsr request start req_12",
           "started", [](Desk& d, std::string_view i) { return start_request(d, i); });

  auto reason = std::make_shared<std::string>();
  auto of_appeal = std::make_shared<bool>(false);
  auto* extend =
      add_step(req, ctx, id, "extend", "Extend the deadline once, before it passes (GDPR +2 months, CCPA +45 days)",
               "Example:\n  dsr request extend req_12 --reason 'complex request: records in three systems'\n"
               "  dsr request extend req_12 --appeal --reason 'many appeals this month'",
               "extended", [reason, of_appeal](Desk& d, std::string_view i) {
                 return *of_appeal ? extend_appeal(d, i, *reason) : extend_request(d, i, *reason);
               });
  extend->add_option("--reason", *reason, "Why (the requester must be told)")->required();
  extend->add_flag("--appeal", *of_appeal, "Extend the appeal's clock instead (cpa: +60 days)");

  auto outcome = std::make_shared<std::string>();
  auto code = std::make_shared<std::string>();
  auto* close = add_step(req, ctx, id, "close", "Close a request: fulfilled, denied (with a reason) or cancelled",
                         "Example:\n  dsr request close req_12 --outcome denied --code insuf_verification \\\n"
                         "      --reason 'identity could not be verified'",
                         "closed", [outcome, reason, code](Desk& d, std::string_view i) {
                           // --outcome is checked against the closing statuses below.
                           return close_request(d, i, parse<RequestStatus>(*outcome).value(), *reason, *code);
                         });
  close->add_option("--outcome", *outcome, "fulfilled, denied or cancelled")
      ->required()
      ->check(CLI::IsMember({"fulfilled", "denied", "cancelled"}));
  close->add_option("--reason", *reason, "Why (required for a denial)");
  close
      ->add_option("--code", *code,
                   "The denial code (required for a denial): suspected_fraud, insuf_verification, "
                   "no_match, claim_not_covered, outside_jurisdiction, too_many_requests, other")
      ->check(CLI::IsMember(kDenialCodes));

  auto* reopen = add_step(req, ctx, id, "reopen", "Reopen a closed request; its history and due dates stay",
                          "Example:\n  dsr request reopen req_12 --reason 'closed by mistake: the export was not sent'",
                          "reopened", [reason](Desk& d, std::string_view i) { return reopen_request(d, i, *reason); });
  reopen->add_option("--reason", *reason, "Why it is reopened")->required();

  auto received = std::make_shared<std::string>();
  auto* appeal =
      add_step(req, ctx, id, "appeal", "Record an appeal of a denied request (vcdpa, cpa, ctdpa: its own clock)",
               "Example:\n  dsr request appeal req_12 --received 2026-03-01", "appealed",
               [received](Desk& d, std::string_view i) { return appeal_request(d, i, *received); });
  appeal->add_option("--received", *received, "Date the appeal was received, YYYY-MM-DD (default today)");

  auto* decision =
      add_step(req, ctx, id, "appeal-decision", "Decide an appeal: granted, or denied with the reason",
               "A denied appeal's answer names the regulator the requester may contact.\n"
               "Example:\n  dsr request appeal-decision req_12 --outcome denied --reason 'the exemption applies'",
               "decided", [outcome, reason](Desk& d, std::string_view i) {
                 return decide_appeal(d, i, parse<AppealOutcome>(*outcome).value(), *reason);
               });
  decision->add_option("--outcome", *outcome, "granted or denied")
      ->required()
      ->check(CLI::IsMember(names_of<AppealOutcome>()));
  decision->add_option("--reason", *reason, "Why (required for a denial; told to the requester)");

  auto* pause = add_step(req, ctx, id, "pause", "Stop the clock while waiting for clarification (uk-gdpr)",
                         "Example:\n  dsr request pause req_12 --reason 'asked which accounts the request covers'",
                         "paused", [reason](Desk& d, std::string_view i) { return pause_request(d, i, *reason); });
  pause->add_option("--reason", *reason, "What clarification was asked for")->required();

  add_step(req, ctx, id, "resume", "Restart a paused clock; the due date moves by the days it stood still",
           "Example:\n  dsr request resume req_12", "resumed",
           [](Desk& d, std::string_view i) { return resume_request(d, i); });

  auto subject = std::make_shared<std::string>();
  auto* link = add_step(req, ctx, id, "link", "Link a request made on a claimed identity to a subject",
                        "Example:\n  dsr request link req_12 alice@example.com", "linked",
                        [subject](Desk& d, std::string_view i) { return link_request(d, i, *subject); });
  link->add_option("SUBJECT", *subject, "Subject id, email or username")->required();

  auto* report = add_group(app, "report", "Reports for record-keeping");
  struct ReportArgs { std::string from, to, law, format = "table"; };
  auto ra = std::make_shared<ReportArgs>();
  auto* rr = report->add_subcommand("requests", "Counts by type and outcome, days to respond, late requests");
  rr->add_option("--from", ra->from, "Received on or after YYYY-MM-DD (default 1 January of --to's year)");
  rr->add_option("--to", ra->to, "Received on or before YYYY-MM-DD (default today)");
  rr->add_option("--law", ra->law, "Only requests under this law")->check(CLI::IsMember(law_names()));
  add_format_option(rr, ra->format, /*with_ndjson=*/false);
  rr->footer("Example (the CCPA's yearly metrics):\n  dsr report requests --from 2025-01-01 --to 2025-12-31 --law ccpa --format csv");
  rr->callback([&ctx, ra] { run_report(ctx, ra->from, ra->to, ra->law, ra->format); });
}

}  // namespace dsr::cli
