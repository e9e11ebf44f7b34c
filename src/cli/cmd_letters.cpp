// dsr letter REQ --kind K; dsr template list|show|set|reset|fields (dsr/letters.hpp).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "cli/context.hpp"
#include "cli/render.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "dsr/json_values.hpp"
#include "dsr/letters.hpp"
#include "dsr/timefmt.hpp"
#include "util/fd.hpp"
#include "util/scope_guard.hpp"

namespace dsr::cli {
namespace {

const char* kKinds = "ack, extend, deny, complete or appeal-decision";

std::string read_template_file(const std::string& path) {
  auto in = path == "-" ? fd_input(0) : file_input(path);
  auto text = read_at_most(*in, 256 * 1024);
  if (!text) fail(ErrorKind::usage, path + ": larger than 256 KiB; is it a letter template?");
  return *text;
}

nlohmann::json template_json(const LetterTemplate& t, bool with_body) {
  nlohmann::json j = {{"kind", t.kind}, {"format", t.format}, {"source", t.source}};
  j["set_at"] = t.set_at ? nlohmann::json(iso_time(t.set_at)) : nlohmann::json(nullptr);
  j["set_by"] = text_or_null(t.set_by);
  if (with_body) j["body"] = t.body;
  return j;
}

}  // namespace

void add_letter_commands(CLI::App& app, Context& ctx) {
  struct LetterArgs {
    std::string id, kind, format = "text", out;
  };
  auto la = std::make_shared<LetterArgs>();
  auto* letter = app.add_subcommand("letter", "Write a letter to the requester about a request, from its template");
  letter->add_option("ID", la->id, "Request id (req_12 or 12)")->required();
  letter->add_option("--kind", la->kind, std::string("What the letter tells: ") + kKinds)
      ->required()
      ->check(CLI::IsMember(kLetterKinds));
  letter->add_option("--format", la->format, "text (default) or html (every filled value HTML-escaped)")
      ->check(CLI::IsMember(kLetterFormats));
  letter->add_option("-o,--output", la->out, "Write to FILE (mode 0600, must not exist) instead of stdout");
  letter->footer("Filled from the request and its law (dates, reasons, denial code, rights, the regulator); the\n"
                 "letter is recorded in the request's history (`dsr request show`), its text is not. With --json\n"
                 "the letter is the \"text\" of one JSON document.\n"
                 "Example:\n  dsr letter req_12 --kind deny --format html -o req_12-denial.html");
  letter->callback([&ctx, la] {
    Desk desk = ctx.open_desk();
    Letter l = write_letter(desk, la->id, la->kind, la->format, [&](const Letter& done) {
      if (!la->out.empty() && la->out != "-") write_new_private_file(la->out, done.text);
    });
    const bool to_stdout = la->out.empty() || la->out == "-";
    nlohmann::json j = {{"request", l.request_id}, {"kind", l.kind}, {"format", l.format}, {"template", l.template_source}};
    if (to_stdout && ctx.g.json) j["text"] = l.text;
    else if (to_stdout) std::cout << l.text;
    else j.update({{"file", la->out}, {"bytes", l.text.size()}});
    if (ctx.g.json) return ctx.emit_json(j);
    if (to_stdout) return;
    ctx.note("wrote the " + l.kind + " letter for " + l.request_id + " to " + la->out + " (" + l.template_source +
             " template)");
  });

  auto* tpl = add_group(app, "template", "Letter templates kept in the vault (defaults are built in)");
  struct TemplateArgs {
    std::string kind, file, format = "text";
  };
  auto ta = std::make_shared<TemplateArgs>();

  auto* list = tpl->add_subcommand("list", "List the letter templates and whether each is the default or the vault's");
  list->footer("Example:\n  dsr template list");
  list->callback([&ctx] {
    Desk desk = ctx.open_desk();
    auto all = list_letter_templates(desk);
    if (ctx.g.json) {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& t : all) j.push_back(template_json(t, false));
      return ctx.emit_json(j);
    }
    std::vector<nlohmann::json> rows;
    for (const auto& t : all) rows.push_back(template_json(t, false));
    render_records(std::cout, Format::table, rows,
                   {{"KIND", "kind"}, {"FORMAT", "format"}, {"SOURCE", "source"}, {"SET AT", "set_at"}, {"SET BY", "set_by"}});
  });

  auto* show = tpl->add_subcommand("show", "Print the template a letter of KIND uses");
  show->add_option("KIND", ta->kind, kKinds)->required()->check(CLI::IsMember(kLetterKinds));
  show->add_option("--format", ta->format, "text (default) or html")->check(CLI::IsMember(kLetterFormats));
  show->footer("Example (start a template of your own from the default):\n"
               "  dsr template show deny > deny.txt");
  show->callback([&ctx, ta] {
    Desk desk = ctx.open_desk();
    LetterTemplate t = find_letter_template(desk, ta->kind, ta->format);
    if (ctx.g.json) return ctx.emit_json(template_json(t, true));
    std::cout << t.body;
    if (t.format != ta->format) ctx.note("no html template for " + t.kind + ": html letters set the text one in a page");
    ctx.note("the " + t.source + " " + t.kind + " template");
  });

  auto* set = tpl->add_subcommand("set", "Keep FILE in the vault as the template of KIND");
  set->add_option("KIND", ta->kind, kKinds)->required()->check(CLI::IsMember(kLetterKinds));
  set->add_option("FILE", ta->file, "The template (- for stdin); `dsr template fields` lists its {{fields}}")->required();
  set->add_option("--format", ta->format, "text (default) or html (its values are HTML-escaped when filled)")
      ->check(CLI::IsMember(kLetterFormats));
  set->footer("Example:\n  dsr template set deny deny.txt\n  dsr template set deny deny.html --format html");
  set->callback([&ctx, ta] {
    std::string body = read_template_file(ta->file);
    Desk desk = ctx.open_desk();
    LetterTemplate t = set_letter_template(desk, ta->kind, ta->format, body);
    if (ctx.g.json) return ctx.emit_json(template_json(t, false));
    ctx.say("set the " + t.format + " template of " + t.kind + " letters");
  });

  auto* reset = tpl->add_subcommand("reset", "Remove the vault's template of KIND: the default applies again");
  reset->add_option("KIND", ta->kind, kKinds)->required()->check(CLI::IsMember(kLetterKinds));
  reset->add_option("--format", ta->format, "text (default) or html")->check(CLI::IsMember(kLetterFormats));
  reset->footer("Example:\n  dsr template reset deny");
  reset->callback([&ctx, ta] {
    Desk desk = ctx.open_desk();
    bool removed = reset_letter_template(desk, ta->kind, ta->format);
    if (ctx.g.json) return ctx.emit_json({{"kind", ta->kind}, {"format", ta->format}, {"removed", removed}});
    if (removed) ctx.say("removed the " + ta->format + " template of " + ta->kind + " letters: the default applies");
    else ctx.note("no " + ta->format + " template of " + ta->kind + " letters was set: the default applies");
  });

  auto* fields = tpl->add_subcommand("fields", "List the {{fields}} a template may use");
  fields->footer("Sections: {{#field}}...{{/field}} when the field is not empty, {{^field}}...{{/field}} when it is.\n"
                 "Example:\n  dsr template fields");
  fields->callback([&ctx] {
    std::vector<nlohmann::json> rows;
    for (const auto& f : letter_fields()) rows.push_back({{"field", f.name}, {"meaning", f.meaning}});
    if (ctx.g.json) return ctx.emit_json(rows);
    render_records(std::cout, Format::table, rows, {{"FIELD", "field"}, {"MEANING", "meaning"}});
  });
}

}  // namespace dsr::cli
