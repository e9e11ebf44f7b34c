// dsr register, show, find, list, correct, export, deactivate, reactivate, delete.
#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "util/fd.hpp"
#include "util/scope_guard.hpp"
#include "dsr/choices.hpp"
#include "dsr/error.hpp"
#include "dsr/fields.hpp"
#include "dsr/requests.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"

namespace dsr::cli {
namespace {

const std::vector<Column>& subject_columns() {
  static const std::vector<Column> cols = {{"ID", "id"},       {"STATUS", "status"}, {"NAME", "name"},
                                           {"EMAIL", "email"}, {"USERNAME", "username"}, {"PHONE", "phone"},
                                           {"CREATED", "created_at"}};
  return cols;
}

// The flat record for tables, CSV and NDJSON listings.
nlohmann::json list_record(const Subject& s) {
  nlohmann::json j = {{"id", s.id}, {"status", to_string(s.status)}, {"created_at", iso_time(s.created_at)}};
  for (const char* f : {"name", "email", "username", "phone", "contact_preference"}) {
    if (const FieldValue* v = s.get(f)) j[f] = v->value;
    else j[f] = nullptr;
  }
  if (s.status_changed_at) j[s.status == SubjectStatus::erased ? "erased_at" : "deactivated_at"] = iso_time(*s.status_changed_at);
  return j;
}

// "Acme (processor), County Court (authority)": a name can stand for two recipients of different types.
std::string notify_text(const nlohmann::json& notify) {
  std::string s;
  for (const auto& n : notify)
    s += (s.empty() ? "" : ", ") + n.value("recipient", std::string()) + " (" + n.value("recipient_type", std::string()) + ")";
  return s;
}

void print_subject(Context& ctx, const Subject& s) {
  if (ctx.g.json) {
    ctx.emit_json(subject_json(s));
    return;
  }
  ctx.out(s.id + "  (" + to_string(s.status) + ")");
  if (s.status == SubjectStatus::erased) {
    ctx.out("  erased at: " + iso_time(s.status_changed_at.value_or(0)) + (s.status_reason.empty() ? "" : "  reason: " + s.status_reason));
    ctx.out("  no personal data is held");
    return;
  }
  if (s.status == SubjectStatus::deactivated)
    ctx.out("  deactivated at: " + iso_time(s.status_changed_at.value_or(0)) +
            (s.status_reason.empty() ? "" : "  reason: " + s.status_reason));
  size_t w = 0;
  for (const auto& v : s.values) w = std::max(w, v.field.size());
  for (const auto& v : s.values) {
    std::string val = v.restricted ? "(restricted: needs the " + category_readers(v.category) + " role)" : cell_text(v.value);
    std::string prov = v.provenance.source == "subject" ? "" : "  [source: " + v.provenance.source + "]";
    ctx.out("  " + v.field + std::string(w - v.field.size() + 2, ' ') + val + prov);
  }
  ctx.out("  registered " + iso_time(s.created_at) + ", updated " + iso_time(s.updated_at));
}

// --- register ---------------------------------------------------------------
struct RegisterArgs {
  std::map<std::string, std::string> values;  // by field name (dsr/fields.hpp), one option each
  std::vector<std::string> interests, attrs;  // the repeatable ones
  std::string source;
  std::string request;  // --request ID: record the registration against that request
};

std::pair<std::string, std::string> split_assignment(const std::string& s, const char* flag) {
  auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0) fail(ErrorKind::usage, std::string(flag) + ": expected FIELD=VALUE, got '" + s.substr(0, 40) + "'");
  return {s.substr(0, eq), s.substr(eq + 1)};
}

// "-" reads the value from stdin, so that a card number need not appear in argv.
std::string maybe_stdin(const std::string& v) {
  if (v != "-") return v;
  std::string line;
  std::getline(std::cin, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

void run_register(Context& ctx, const RegisterArgs& a) {
  SubjectInput in;
  in.source = a.source;
  for (const auto& f : fields::table()) {
    auto it = a.values.find(std::string(f.name));
    if (it == a.values.end()) continue;
    std::string v = f.kind == fields::Kind::card_number ? maybe_stdin(it->second) : it->second;
    if (!v.empty()) in.set.emplace_back(f.name, std::move(v));
  }
  for (const auto& i : a.interests) in.set.emplace_back("interest", i);
  for (const auto& at : a.attrs) in.set.push_back(split_assignment(at, "--attr"));
  Desk desk = ctx.open_desk();
  RegisterResult r = register_under(desk, a.request, in);
  if (r.previously_erased)
    ctx.note("note: this email belonged to subject " + r.previously_erased->first + ", erased on " +
             iso_date(r.previously_erased->second));
  for (const auto& req : r.linked_requests) ctx.note("linked " + req + ": its claimed identity matches this subject");
  if (ctx.g.json) {
    nlohmann::json j = subject_json(r.subject);
    if (!r.linked_requests.empty()) j["linked_requests"] = r.linked_requests;
    if (r.previously_erased)
      j["previously_erased"] = {{"id", r.previously_erased->first}, {"erased_at", iso_time(r.previously_erased->second)}};
    ctx.emit_json(j);
  } else {
    std::cout << r.subject.id << "\n";  // the one thing a script wants (-q keeps it)
  }
}

// --- show / find / list / export ------------------------------------------
// An opt-out past its 15 business days and not complied with (dsr/choices.hpp).
void warn_overdue_opt_outs(Context& ctx, const nlohmann::json& ch) {
  for (const auto& o : ch["opt_outs"])
    if (o["overdue"].get<bool>())
      ctx.note("warning: the " + cell_text(o["kind"]) + " opt-out was due to be complied with by " +
               cell_text(o["comply_by"]) + "; tell the third parties, then `dsr choice " + cell_text(o["subject"]) +
               " --complied " + cell_text(o["kind"]) + "`");
}

void print_choices(Context& ctx, const nlohmann::json& ch) {
  if (!ch["new_uses"].is_null())
    ctx.say("  new uses: " + cell_text(ch["new_uses"]["new_uses"]) + " (" + cell_text(ch["new_uses"]["at"]) + ")");
  for (const auto& o : ch["opt_outs"])
    ctx.say("  opted out: " + cell_text(o["kind"]) + " (" + cell_text(o["law"]) + "), by " + cell_text(o["source"]) +
            (o["origin"].is_null() ? "" : " (" + cell_text(o["origin"]) + ")") +
            (o["signal_at"].is_null() ? "" : " at " + cell_text(o["signal_at"])) + ", received " +
            cell_text(o["received"]) + ", comply by " + cell_text(o["comply_by"]) +
            (!o["complied_on"].is_null() ? ", complied " + cell_text(o["complied_on"]) + (o["late"].get<bool>() ? " (LATE)" : "")
             : o["overdue"].get<bool>() ? ", OVERDUE" : ""));
  for (const auto& c : ch["consents"])
    ctx.say("  consent: \"" + cell_text(c["purpose"]) + "\" " + cell_text(c["status"]) + " (notice " +
            cell_text(c["notice"]) + ", " + cell_text(c["method"]) + ", given " + cell_text(c["given_at"]) +
            (c["withdrawn_at"].is_null() ? "" : ", withdrawn " + cell_text(c["withdrawn_at"])) + ")");
}

void run_show(Context& ctx, const std::string& ref) {
  Desk desk = ctx.open_desk();
  Subject s = find_subject(desk, ref);
  if (s.status == SubjectStatus::erased) return print_subject(ctx, s);
  nlohmann::json choices = subject_choices_json(desk, s.id);
  warn_overdue_opt_outs(ctx, choices);
  if (ctx.g.json) {
    nlohmann::json j = subject_json(s);
    j["choices"] = choices;
    return ctx.emit_json(j);
  }
  print_subject(ctx, s);
  print_choices(ctx, choices);
}

void print_list(Context& ctx, const std::vector<Subject>& subjects, const std::string& format) {
  Format f = ctx.g.json ? Format::json : parse_format(format);
  std::vector<nlohmann::json> recs;
  // JSON and NDJSON carry the record itself (the shape of `show --json`); tables and CSV its columns.
  for (const auto& s : subjects) recs.push_back(f == Format::json || f == Format::ndjson ? subject_json(s) : list_record(s));
  render_records(std::cout, f, recs, subject_columns());
}

void run_find(Context& ctx, const std::string& text, int limit, const std::string& format) {
  Desk desk = ctx.open_desk();
  auto found = search_subjects(desk, text, limit);
  print_list(ctx, found, format);
  if (found.empty() && !ctx.g.json) ctx.note("no subject matches; `dsr list --status all` shows everyone");
}

void run_list(Context& ctx, const ListQuery& q, const std::string& format) {
  Desk desk = ctx.open_desk();
  bool more = false;
  print_list(ctx, list_subjects(desk, q, &more), format);
  if (more)
    ctx.note("more subjects follow: --offset " + std::to_string(q.offset + q.limit) + " (or a larger --limit)");
}

void write_export(Context& ctx, const nlohmann::json& pkg, const std::string& out);

void run_export(Context& ctx, const std::string& ref, const std::string& out, const std::string& request) {
  Desk desk = ctx.open_desk();
  // With --request the package is written inside the request's transaction: a failed write records nothing.
  export_under(desk, request, ref, [&](const nlohmann::json& pkg) { write_export(ctx, pkg, out); });
}

void write_export(Context& ctx, const nlohmann::json& pkg, const std::string& out) {
  std::string text = pkg.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (out.empty() || out == "-") {
    std::cout << text;
    return;
  }
  write_new_private_file(out, text);
  const std::string id = pkg["subject"]["id"].get<std::string>();
  if (ctx.g.json) ctx.emit_json({{"ok", true}, {"subject", id}, {"file", out}, {"bytes", text.size()}});
  ctx.note("wrote the access package for " + id + " to " + out);
}

// --- correct / deactivate / reactivate / delete ------------------------------
void print_change(Context& ctx, const char* verb, const ChangeResult& r) {
  for (const auto& req : r.linked_requests) ctx.note("linked " + req + ": its claimed identity matches this subject");
  if (ctx.g.json) {
    ctx.emit_json(change_json(r));
    return;
  }
  if (r.changed.empty()) {
    ctx.say("no change to " + r.subject.id + " (already " + (std::string(verb) == "corrected" ? "so" : to_string(r.subject.status)) + ")");
    return;
  }
  std::string fields;
  if (std::string(verb) == "corrected")
    for (const auto& c : r.changed) fields += (fields.empty() ? ": " : ", ") + c;
  std::string notify = notify_text(r.notify);
  ctx.say(std::string(verb) + " " + r.subject.id + fields + (notify.empty() ? "" : "; notify: " + notify));
}

struct CorrectArgs {
  std::string subject, source, request;
  std::vector<std::string> set, unset;
};

void run_correct(Context& ctx, const CorrectArgs& a) {
  SubjectInput in;
  in.source = a.source;
  for (const auto& s : a.set) {
    auto kv = split_assignment(s, "--set");
    if (kv.first == "card_number") kv.second = maybe_stdin(kv.second);
    in.set.push_back(std::move(kv));
  }
  in.unset = a.unset;
  Desk desk = ctx.open_desk();
  print_change(ctx, "corrected", correct_under(desk, a.request, a.subject, in));
}

void run_delete(Context& ctx, const std::string& ref, const std::string& reason, bool dry_run, const std::string& request) {
  Desk desk = ctx.open_desk();
  Subject s = find_subject(desk, ref);
  if (!request.empty()) check_request_action(desk, request, s.id, "delete");  // before anyone is asked to confirm
  if (!dry_run && s.status != SubjectStatus::erased) {
    std::string email = s.text("email");
    if (!ctx.g.yes) {
      if (ctx.g.no_input || !ctx.stdin_is_tty())
        fail(ErrorKind::usage, "refusing to erase " + s.id + " without confirmation: stdin is not a terminal; pass --yes (or --dry-run to see what would go)");
      std::string answer = prompt_line("This erases every personal value of " + s.id +
                                       " for good. Type the subject's email or id to confirm: ");
      if (answer.empty() || (answer != s.id && answer != email))
        fail(ErrorKind::usage, "confirmation did not match; nothing was erased");
    }
  }
  EraseResult r = erase_under(desk, request, s.id, reason, dry_run);
  bool already = s.status == SubjectStatus::erased;
  if (ctx.g.json) {
    ctx.emit_json(erase_json(r, already));
    return;
  }
  std::string notify = notify_text(r.notify);
  if (already) ctx.say(r.id + " was already erased on " + iso_date(r.erased_at));
  else if (dry_run) {
    std::string fields;
    for (const auto& f : r.fields) fields += (fields.empty() ? "" : ", ") + f;
    ctx.out("would erase " + r.id + ": " + fields + " (" + std::to_string(r.fields.size()) + " values); keeps a tombstone" +
            (notify.empty() ? "" : "; would notify: " + notify));
  } else {
    ctx.say("erased " + r.id + " (" + std::to_string(r.fields.size()) + " values)" + (notify.empty() ? "" : "; notify: " + notify));
    if (r.wiped && !*r.wiped) ctx.note(kNotWiped);
  }
}

}  // namespace

void add_subject_commands(CLI::App& app, Context& ctx) {
  // register
  auto ra = std::make_shared<RegisterArgs>();
  auto* reg = app.add_subcommand("register", "Register a new data subject; prints the new subject id");
  for (const auto& f : fields::table()) {  // one option per field, from the field table
    CLI::Option* o = f.kind == fields::Kind::interests
                         ? reg->add_option(std::string(f.flag), ra->interests, std::string(f.help))
                         : reg->add_option(std::string(f.flag), ra->values[std::string(f.name)], std::string(f.help));
    if (f.required) o->required();
  }
  reg->add_option("--attr", ra->attrs, "CATEGORY.KEY=VALUE custom value (repeatable)");
  reg->add_option("--source", ra->source, "Where the data came from: subject (default), staff, or a third party's name");
  add_request_option(reg, ra->request, "the registration");
  reg->footer("Example:\n  dsr register --email alice@example.com --name 'Alice Doe' --username alice --phone '+1 415 555 0100'");
  reg->callback([&ctx, ra] { run_register(ctx, *ra); });

  auto show_ref = std::make_shared<std::string>();
  auto* show = app.add_subcommand("show", "Show one subject (by id, email or username)");
  show->add_option("SUBJECT", *show_ref, "Subject id, email or username")->required();
  show->footer("Example:\n  dsr show alice@example.com --json");
  show->callback([&ctx, show_ref] { run_show(ctx, *show_ref); });

  struct FindArgs { std::string text; int limit = 50; std::string format = "table"; };
  auto fa = std::make_shared<FindArgs>();
  auto* find = app.add_subcommand("find", "Find subjects whose email, username, name or phone starts with (or else contains) TEXT");
  find->add_option("TEXT", fa->text, "Text to look for")->required();
  find->add_option("--limit", fa->limit, "At most this many results (default 50)")->check(positive());
  add_format_option(find, fa->format);
  find->footer("Example:\n  dsr find alice@ex");
  find->callback([&ctx, fa] { run_find(ctx, fa->text, fa->limit, fa->format); });

  struct ListArgs { ListQuery q; std::string status = "active", format = "table"; };
  auto la = std::make_shared<ListArgs>();
  auto* list = app.add_subcommand("list", "List subjects (active by default)");
  list->add_option("--status", la->status, "active, deactivated, erased or all")
      ->check(CLI::IsMember(names_of<SubjectStatus>({"all"})));
  add_format_option(list, la->format);
  list->add_option("--limit", la->q.limit, "Page size (default 100)")->check(positive());
  list->add_option("--offset", la->q.offset, "Skip this many (paging)")->check(non_negative());
  list->footer("Example:\n  dsr list --status all --format csv --limit 1000 --offset 2000");
  list->callback([&ctx, la] {
    la->q.status = parse<SubjectStatus>(la->status);  // "all": nullopt
    run_list(ctx, la->q, la->format);
  });

  auto ca = std::make_shared<CorrectArgs>();
  auto* correct = app.add_subcommand("correct", "Correct or update a subject's values; says which fields changed");
  add_subject_arg(correct, ca->subject);
  correct->add_option("--set", ca->set, "FIELD=VALUE (repeatable)");
  correct->add_option("--unset", ca->unset, "FIELD to remove (repeatable)");
  correct->add_option("--source", ca->source, "Where the new values came from (a third party's name for supplemented data)");
  add_request_option(correct, ca->request, "the correction");
  correct->footer("FIELD: name, email, username, phone, address, zip, contact_preference, interests, account_type,\n"
                  "card_number, card_expiry, card_token, or CATEGORY.KEY.\n"
                  "Example:\n  dsr correct alice@example.com --set phone='+1 415 555 0199' --set zip=94110");
  correct->callback([&ctx, ca] { run_correct(ctx, *ca); });

  struct ExportArgs { std::string subject, out, request; };
  auto ea = std::make_shared<ExportArgs>();
  auto* exp = app.add_subcommand("export", "Write the whole access package of a subject as JSON");
  add_subject_arg(exp, ea->subject);
  exp->add_option("-o,--output", ea->out, "Write to FILE (mode 0600, must not exist) or - for stdout");
  add_request_option(exp, ea->request, "the export");
  exp->footer("Example:\n  dsr export alice@example.com -o alice-access.json");
  exp->callback([&ctx, ea] { run_export(ctx, ea->subject, ea->out, ea->request); });

  struct StatusArgs { std::string subject, reason, request; bool dry_run = false; };
  auto da = std::make_shared<StatusArgs>();
  auto* deact = app.add_subcommand("deactivate", "Restrict a subject: kept, but left out of listings and notices");
  add_subject_arg(deact, da->subject);
  deact->add_option("--reason", da->reason, "Why (kept with the record)");
  add_request_option(deact, da->request, "the restriction");
  deact->footer("Example:\n  dsr deactivate alice@example.com --reason 'restriction request 2026-11-29'");
  deact->callback([&ctx, da] {
    Desk desk = ctx.open_desk();
    print_change(ctx, "deactivated", deactivate_under(desk, da->request, da->subject, da->reason));
  });

  auto rea = std::make_shared<StatusArgs>();
  auto* react = app.add_subcommand("reactivate", "Lift a restriction: the subject is active again");
  add_subject_arg(react, rea->subject);
  add_request_option(react, rea->request, "the reactivation");
  react->footer("Example:\n  dsr reactivate alice@example.com");
  react->callback([&ctx, rea] {
    Desk desk = ctx.open_desk();
    ChangeResult r = reactivate_under(desk, rea->request, rea->subject);
    print_change(ctx, "reactivated", r);
    if (!r.changed.empty())
      ctx.note("GDPR Art. 18(3): the subject is to be told before a restriction they obtained is lifted");
  });

  auto dla = std::make_shared<StatusArgs>();
  auto* del = app.add_subcommand("delete", "Erase every personal value of a subject for good (keeps a tombstone)");
  add_subject_arg(del, dla->subject);
  del->add_option("--reason", dla->reason, "Why (kept in the tombstone)");
  del->add_flag("-n,--dry-run", dla->dry_run, "Print what would be erased and change nothing");
  add_request_option(del, dla->request, "the erasure");
  del->footer("At a terminal you type the subject's email or id to confirm; elsewhere pass --yes.\n"
              "Example:\n  dsr delete alice@example.com --reason 'erasure request' --yes");
  del->callback([&ctx, dla] { run_delete(ctx, dla->subject, dla->reason, dla->dry_run, dla->request); });
}

}  // namespace dsr::cli
