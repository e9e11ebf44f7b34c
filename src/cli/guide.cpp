#include "cli/guide.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <utility>

#include "dsr/catalog.hpp"
#include "dsr/error.hpp"
#include "dsr/fields.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"

namespace dsr::cli {

// --- did you mean ------------------------------------------------------------
namespace {

// Optimal string alignment distance: insertions, deletions, substitutions and
// swaps of neighbours ("lsit" is one step from "list").
size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i)
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.size()][b.size()];
}

bool visible(const CLI::App* a) { return !a->get_group().empty() && !a->get_name().empty(); }

std::vector<CLI::App*> commands_of(CLI::App* at) {
  std::vector<CLI::App*> out;
  for (CLI::App* s : at->get_subcommands(std::function<bool(CLI::App*)>{}))
    if (visible(s)) out.push_back(s);
  return out;
}

std::vector<std::string> names_of(const std::vector<CLI::App*>& apps) {
  std::vector<std::string> out;
  for (auto* a : apps) out.push_back(a->get_name());
  return out;
}

std::string joined(const std::vector<std::string>& v, const std::string& sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// Options a command honours: its own and its parents' (the global options).
const CLI::Option* find_option(CLI::App* at, const std::string& name) {
  for (CLI::App* a = at; a; a = a->get_parent())
    if (const CLI::Option* o = a->get_option_no_throw(name)) return o;
  return nullptr;
}

std::vector<std::string> option_names(CLI::App* at) {
  std::vector<std::string> out;
  for (CLI::App* a = at; a; a = a->get_parent())
    for (const CLI::Option* o : std::as_const(*a).get_options()) {
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
      for (const auto& s : o->get_snames()) out.push_back("-" + s);
    }
  return out;
}

bool takes_value(const CLI::Option* o) { return o->get_items_expected_min() > 0 || o->get_items_expected_max() > 0; }

// Walks the words as the parser would: the deepest command they name, and
// each word's role.
struct Walk {
  CLI::App* at;
  std::string path = "dsr";
  std::string unknown_command;   // a word where a command was expected that is none
  std::string unknown_option;    // the first option that no command on the path has
  CLI::App* option_at = nullptr;  // where the unknown option was
};

Walk walk(CLI::App& app, const std::vector<std::string>& args) {
  Walk w{&app, "dsr", "", "", nullptr};
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& tok = args[i];
    if (tok == "--") break;
    if (tok.size() > 1 && tok[0] == '-') {
      std::string name = tok.substr(0, tok.find('='));
      const CLI::Option* o = find_option(w.at, name);
      if (!o && name.size() > 2 && name[1] != '-') o = find_option(w.at, name.substr(0, 2));  // -n5
      if (!o) {
        if (w.unknown_option.empty()) {
          w.unknown_option = name;
          w.option_at = w.at;
        }
        continue;
      }
      if (tok.find('=') == std::string::npos && name.size() == tok.size() && takes_value(o)) ++i;  // its value
      continue;
    }
    auto subs = commands_of(w.at);
    if (subs.empty()) continue;  // a positional argument of a leaf command
    CLI::App* next = nullptr;
    for (CLI::App* sub : subs)
      if (sub->check_name(tok)) next = sub;
    if (!next) {
      if (w.unknown_command.empty()) w.unknown_command = tok;
      break;
    }
    w.at = next;
    w.path += " " + next->get_name();
  }
  return w;
}

}  // namespace

std::vector<std::string> closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    bool prefix = word.size() >= 3 && c.rfind(word, 0) == 0;
    if (prefix) d = std::min<size_t>(d, 1);
    if (d <= 2 && (d * 2 < word.size() || prefix)) scored.emplace_back(d, c);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (const auto& [d, c] : scored)
    if (d == scored.front().first && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto c = closest(word, candidates);
  if (c.empty()) return "";
  if (c.size() > 3) c.resize(3);
  std::string s = "; did you mean " + c[0];
  for (size_t i = 1; i < c.size(); ++i) s += (i + 1 == c.size() ? " or " : ", ") + c[i];
  return s + "?";
}

std::string command_problem(CLI::App& app, const std::vector<std::string>& args) {
  Walk w = walk(app, args);
  if (!w.unknown_command.empty()) {
    auto subs = names_of(commands_of(w.at));
    std::string hint = did_you_mean(w.unknown_command, subs);
    return "unknown command '" + w.path + " " + w.unknown_command + "'" +
           (hint.empty() ? "; the commands here are: " + joined(subs) : hint);
  }
  if (w.unknown_option.empty() && w.at->get_require_subcommand_min() > 0)
    return "'" + w.path + "' needs a command: " + joined(names_of(commands_of(w.at)));
  return "";
}

std::string option_problem(CLI::App& app, const std::vector<std::string>& args) {
  Walk w = walk(app, args);
  if (w.unknown_option.empty()) return "";
  std::string where;
  for (CLI::App* a = w.option_at; a && a->get_parent(); a = a->get_parent()) where = a->get_name() + (where.empty() ? "" : " " + where);
  return "unknown option " + w.unknown_option + (where.empty() ? "" : " for 'dsr " + where + "'") +
         did_you_mean(w.unknown_option, option_names(w.option_at));
}

std::string command_path(CLI::App& app, const std::vector<std::string>& args) { return walk(app, args).path; }

// --- help ------------------------------------------------------------------
void show_help(CLI::App& app, const std::vector<std::string>& words, std::ostream& out) {
  CLI::App* at = &app;
  std::string path = "dsr";
  for (const auto& w : words) {
    if (w.size() > 1 && w[0] == '-') continue;  // dsr help key --json: the options do not matter here
    auto subs = commands_of(at);
    CLI::App* next = nullptr;
    for (auto* s : subs)
      if (s->check_name(w)) next = s;
    if (!next) {
      std::string hint = did_you_mean(w, names_of(subs));
      fail(ErrorKind::usage, "no command '" + path + " " + w + "'" +
                                 (hint.empty() ? (subs.empty() ? "" : "; the commands here are: " + joined(names_of(subs))) : hint));
    }
    at = next;
    path += " " + next->get_name();
  }
  if (at == &app)  // dsr help --help: the help of help
    for (const auto& w : words)
      if (w == "--help" || w == "-h")
        for (auto* s : commands_of(&app))
          if (s->get_name() == "help") at = s;
  std::string parent = path.rfind(' ') == std::string::npos ? "" : path.substr(0, path.rfind(' '));
  if (at != &app && parent.empty()) parent = "dsr";
  out << (at == &app ? app.help() : at->help(parent));
}

size_t first_command_word(CLI::App& app, const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& tok = args[i];
    if (tok == "--") return std::string::npos;
    if (tok.size() > 1 && tok[0] == '-') {
      const CLI::Option* o = app.get_option_no_throw(tok.substr(0, tok.find('=')));
      if (o && tok.find('=') == std::string::npos && takes_value(o)) ++i;
      continue;
    }
    return i;
  }
  return std::string::npos;
}

void add_help_command(CLI::App& app) {
  // main() answers `dsr help ...` before parsing (CLI11 would take `help key`
  // as two commands); this entry puts it in the command list and completion.
  auto* help = app.add_subcommand("help", "Show help for dsr or for a command: dsr help key add");
  help->allow_extras();
  help->footer("Example:\n  dsr help request open");
  help->callback([&app] { std::cout << app.help(); });
}

namespace {
// The first example of a command's footer: the lines after "Example", while
// they continue with a backslash.
std::string first_example(const std::string& footer) {
  auto pos = footer.find("Example");
  if (pos == std::string::npos) return "";
  pos = footer.find('\n', pos);
  std::string out;
  while (pos != std::string::npos && pos + 1 < footer.size()) {
    auto end = footer.find('\n', pos + 1);
    std::string line = footer.substr(pos + 1, end == std::string::npos ? std::string::npos : end - pos - 1);
    if (line.rfind("  ", 0) != 0) break;
    out += line + "\n";
    if (line.empty() || line.back() != '\\') break;
    pos = end;
  }
  return out;
}

void finish(CLI::App* a, const std::string& globals) {
  auto subs = commands_of(a);
  for (auto* s : subs) finish(s, globals);
  if (!a->get_parent()) return;
  std::string footer = a->get_footer();
  if (!subs.empty() && footer.find("Example") == std::string::npos) {
    std::string ex;
    for (auto* s : subs) ex += first_example(s->get_footer());
    if (!ex.empty()) footer += (footer.empty() ? "" : "\n") + std::string("Examples:\n") + ex;
  }
  if (subs.empty()) footer += (footer.empty() ? "" : "\n") + globals;
  while (!footer.empty() && footer.back() == '\n') footer.pop_back();
  a->footer(footer);
}
}  // namespace

void finish_help(CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* o : std::as_const(app).get_options())
    if (!o->get_lnames().empty() && o->get_lnames()[0] != "help" && o->get_lnames()[0] != "version")
      names.push_back("--" + o->get_lnames()[0]);
  std::string globals = "Global options (before or after the command; dsr --help):";
  size_t col = globals.size();
  for (size_t i = 0; i < names.size(); ++i) {
    std::string item = names[i] + (i + 1 < names.size() ? "," : "");
    if (col + item.size() + 1 > 100) {
      globals += "\n ";
      col = 1;
    }
    globals += " " + item;
    col += item.size() + 1;
  }
  finish(&app, globals);
}

// --- completion ----------------------------------------------------------------
namespace {

struct Candidates {
  std::vector<std::pair<std::string, std::string>> items;  // value, description
  std::string directive = ":none";
  void add(const std::string& v, const std::string& desc, const std::string& cur) {
    if (v.rfind(cur, 0) == 0) items.emplace_back(v, desc);
  }
};

std::string first_sentence(std::string s) {
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  if (s.size() > 70) s = s.substr(0, 67) + "...";
  return s;
}

// The values an IsMember check accepts ("{a,b,c}" is its description).
std::vector<std::string> choices(const CLI::Option* co) {
  auto* o = const_cast<CLI::Option*>(co);  // CLI11 2.1 has no const accessor for validators
  for (int i = 0;; ++i) {
    CLI::Validator* v = nullptr;
    try {
      v = o->get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    std::string d = v->get_description();
    if (d.size() >= 2 && d.front() == '{' && d.back() == '}') {
      std::vector<std::string> out;
      std::string item;
      for (char c : d.substr(1, d.size() - 2)) {
        if (c == ',') {
          out.push_back(item);
          item.clear();
        } else {
          item += c;
        }
      }
      out.push_back(item);
      return out;
    }
  }
}

// A vault that opens without a prompt: a key file (flag, DSR_KEY_FILE or a
// systemd credential), never a passphrase (no prompt, no Argon2 at a TAB).
std::optional<Desk> quiet_desk(Context& ctx) {
  ctx.g.no_input = true;
  ctx.settle_key_sources();
  if (ctx.g.key_file.empty() || !ctx.g.passphrase_file.empty() || ctx.g.passphrase_fd >= 0 ||
      !ctx.g.passphrase_command.empty())
    return std::nullopt;
  struct stat st {};
  if (::stat(ctx.db_path().c_str(), &st) != 0) return std::nullopt;
  try {
    OpenOptions o = ctx.open_options();
    o.lock_timeout_ms = 300;  // a TAB never waits behind a long batch
    Vault v = Vault::open(ctx.db_path(), read_key_file(ctx.g.key_file), o);
    return Desk(std::move(v));
  } catch (...) {
    return std::nullopt;
  }
}

void subjects(Context& ctx, const std::string& cur, Candidates& c) {
  auto desk = quiet_desk(ctx);
  if (!desk) return;
  try {
    std::vector<Subject> found;
    if (cur.empty() || cur.rfind("sub_", 0) == 0) {
      ListQuery q;
      q.limit = 200;
      found = list_subjects(*desk, q);
    } else {
      found = search_subjects(*desk, cur, 50);
    }
    for (const auto& s : found) {
      std::string name = s.text("name");
      c.add(s.id, s.text("email"), cur);
      c.add(s.text("email"), name, cur);
      if (!s.text("username").empty()) c.add(s.text("username"), name, cur);
    }
  } catch (...) {
  }
}

void slots(Context& ctx, const std::string& cur, Candidates& c) {
  auto desk = quiet_desk(ctx);
  if (!desk) return;
  for (const auto& s : desk->vault().slots()) c.add(s.name, std::string(role_name(s.role)), cur);
}

void requests(Context& ctx, const std::string& cur, Candidates& c) {
  auto desk = quiet_desk(ctx);
  if (!desk) return;
  try {
    RequestQuery q;
    q.group = RequestGroup::all;
    for (const auto& r : list_requests(*desk, q))
      c.add(r.id, to_string(r.type) + " (" + to_string(r.law) + "), " + to_string(r.status), cur);
  } catch (...) {
  }
}

bool file_valued(const std::string& name) {
  return name.find("file") != std::string::npos || name == "db" || name == "output" || name == "FILE" ||
         name == "map-file";
}

// The value of option `o` (long name `name`) being typed as `cur`.
void option_value(Context& ctx, const CLI::Option* o, const std::string& cur, Candidates& c) {
  std::string name = o->get_lnames().empty() ? o->get_name(true) : o->get_lnames()[0];
  for (const auto& v : choices(o)) c.add(v, "", cur);
  if (!c.items.empty()) return;
  if (name == "set" || name == "unset") {  // FIELD=VALUE: stop at the '='
    for (const auto& f : fields::table()) c.add(std::string(f.name) + (name == "set" ? "=" : ""), std::string(f.help), cur);
    if (name == "set") c.directive = ":nospace";
    return;
  }
  if (name == "attr") {
    for (const auto& k : categories()) c.add(k.name + ".", k.description, cur);
    c.directive = ":nospace";
    return;
  }
  if (name == "categories") {  // a comma list: complete the last item
    auto comma = cur.rfind(',');
    std::string head = comma == std::string::npos ? "" : cur.substr(0, comma + 1);
    for (const auto& k : categories()) c.add(head + k.name, k.description, cur);
    return;
  }
  if (name == "slot" || name == "actor") return slots(ctx, cur, c);
  if (name == "subject") return subjects(ctx, cur, c);
  if (name == "request") return requests(ctx, cur, c);
  if (file_valued(name)) c.directive = ":files";
}

}  // namespace

void complete(CLI::App& app, Context& ctx, std::vector<std::string> words, std::ostream& out) {
  if (words.empty()) words.push_back("");
  std::string cur = words.back();
  words.pop_back();
  // bash splits "--format=js" at the '=' into "--format", "=", "js".
  if (cur == "=" && !words.empty()) {
    words.push_back("=");
    cur.clear();
  }
  CLI::App* at = &app;
  const CLI::Option* pending = nullptr;
  std::vector<std::string> positionals;
  bool dashdash = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& tok = words[i];
    if (tok == "=" ) continue;  // bash's split "--opt = value": the option is already pending
    if (pending) {
      pending = nullptr;
      continue;
    }
    if (!dashdash && tok == "--") {
      dashdash = true;
      continue;
    }
    if (!dashdash && tok.size() > 1 && tok[0] == '-') {
      std::string name = tok.substr(0, tok.find('='));
      const CLI::Option* o = find_option(at, name);
      if (o && name == "--db" && tok.size() > name.size()) ctx.g.db = tok.substr(name.size() + 1);
      if (o && name == "--key-file" && tok.size() > name.size()) ctx.g.key_file = tok.substr(name.size() + 1);
      if (o && tok.find('=') == std::string::npos && takes_value(o)) {
        pending = o;
        // the value is the next word: note the ones that open the vault
        if (i + 1 < words.size()) {
          const std::string& v = words[i + 1] == "=" && i + 2 < words.size() ? words[i + 2] : words[i + 1];
          if (name == "--db") ctx.g.db = v;
          if (name == "--key-file") ctx.g.key_file = v;
          if (name == "--passphrase-file") ctx.g.passphrase_file = v;
          if (name == "--passphrase-command") ctx.g.passphrase_command = v;
          if (name == "--passphrase-fd") ctx.g.passphrase_fd = 0;
        }
      }
      continue;
    }
    CLI::App* next = nullptr;
    if (positionals.empty())
      for (CLI::App* s : commands_of(at))
        if (s->check_name(tok)) next = s;
    if (next) {
      at = next;
      continue;
    }
    positionals.push_back(tok);
  }
  if (ctx.g.db.empty())
    if (const char* e = std::getenv("DSR_DB"); e && *e) ctx.g.db = e;

  Candidates c;
  if (pending) {
    option_value(ctx, pending, cur, c);
  } else if (!dashdash && cur.size() > 1 && cur[0] == '-' && cur.find('=') != std::string::npos) {
    std::string name = cur.substr(0, cur.find('='));
    if (const CLI::Option* o = find_option(at, name)) {
      Candidates v;
      option_value(ctx, o, cur.substr(name.size() + 1), v);
      for (auto& [val, d] : v.items) c.items.emplace_back(name + "=" + val, d);
      c.directive = v.directive == ":files" ? ":none" : v.directive;
    }
  } else if (!dashdash && !cur.empty() && cur[0] == '-') {
    std::set<std::string> seen;
    for (CLI::App* a = at; a; a = a->get_parent())
      for (const CLI::Option* o : std::as_const(*a).get_options()) {
        if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) continue;
        for (const auto& l : o->get_lnames())
          if (seen.insert("--" + l).second) c.add("--" + l, first_sentence(o->get_description()), cur);
        for (const auto& s : o->get_snames())
          if (seen.insert("-" + s).second) c.add("-" + s, first_sentence(o->get_description()), cur);
      }
  } else if (at->get_name() == "help" && at->get_parent() == &app) {  // dsr help key <TAB>
    CLI::App* h = &app;
    for (const auto& p : positionals) {
      CLI::App* next = nullptr;
      for (auto* s : commands_of(h))
        if (s->check_name(p)) next = s;
      if (!next) break;
      h = next;
    }
    for (auto* s : commands_of(h)) c.add(s->get_name(), first_sentence(s->get_description()), cur);
  } else if (!commands_of(at).empty() && positionals.empty()) {
    for (auto* s : commands_of(at)) c.add(s->get_name(), first_sentence(s->get_description()), cur);
  } else {
    // The positional argument at this place.
    std::vector<const CLI::Option*> pos;
    for (const CLI::Option* o : std::as_const(*at).get_options())
      if (o->get_positional() && o->get_lnames().empty() && o->get_snames().empty()) pos.push_back(o);
    size_t n = positionals.size();
    const CLI::Option* here = nullptr;
    for (const CLI::Option* o : pos) {
      size_t takes = o->get_items_expected_max() > 1 ? n + 1 : 1;
      if (n < takes) {
        here = o;
        break;
      }
      n -= takes;
    }
    if (here) {
      std::string pname = here->get_name(true);
      for (const auto& v : choices(here)) c.add(v, "", cur);
      if (pname == "SUBJECT") subjects(ctx, cur, c);
      else if (pname == "ID" && at->get_parent() && at->get_parent()->get_name() == "request") requests(ctx, cur, c);
      else if (pname == "name" && at->get_name() != "add" && at->get_parent() && at->get_parent()->get_name() == "key")
        slots(ctx, cur, c);
      else if (file_valued(pname)) c.directive = ":files";
    }
  }
  for (const auto& [v, d] : c.items) out << v << (d.empty() ? "" : "\t" + d) << "\n";
  out << c.directive << "\n";
}

}  // namespace dsr::cli
