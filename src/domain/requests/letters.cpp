// Letters to requesters from templates (dsr/letters.hpp).
#include "dsr/letters.hpp"

#include <algorithm>

#include "domain/core/audited_write.hpp"
#include "domain/requests/request_model.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/laws.hpp"
#include "dsr/requests.hpp"
#include "dsr/validate.hpp"
#include "store/letter_store.hpp"
#include "store/request_store.hpp"
#include "store/subject_store.hpp"

namespace dsr {

namespace {

// What each request type lets the person do, as a letter says it.
const std::vector<std::pair<RequestType, std::string_view>>& type_phrases() {
  static const std::vector<std::pair<RequestType, std::string_view>> t = {
      {RequestType::access, "to access the personal data held about you"},
      {RequestType::rectification, "to have inaccurate personal data corrected"},
      {RequestType::erasure, "to have your personal data deleted"},
      {RequestType::restriction, "to have the processing of your personal data restricted"},
      {RequestType::portability, "to receive your personal data in a portable format"},
      {RequestType::objection, "to object to the processing of your personal data"},
      {RequestType::opt_out, "to opt out of the sale of your personal data and of its use for targeted advertising"},
      {RequestType::limit_sensitive, "to limit the use of your sensitive personal information"},
  };
  return t;
}

std::string type_phrase(RequestType type) {
  for (const auto& [t, p] : type_phrases())
    if (t == type) return std::string(p);
  return to_string(type);
}

// What a denial code (the Data Rights Protocol's set, kDenialCodes) means, as a letter says it.
std::string denial_text(std::string_view code) {
  static const std::vector<std::pair<std::string_view, std::string_view>> t = {
      {"suspected_fraud", "we believe the request was not made by you or on your behalf"},
      {"insuf_verification", "we could not verify your identity"},
      {"no_match", "we could not match your identity to anyone in our records"},
      {"claim_not_covered", "the law does not cover what was asked for"},
      {"outside_jurisdiction", "the law you invoked does not apply to you"},
      {"too_many_requests", "you have made more requests than we are obliged to answer"},
      {"other", "another reason, given above"},
  };
  for (const auto& [c, text] : t)
    if (c == code) return std::string(text);
  return "";
}

const std::vector<LetterField> kFields = {
    {"today", "the letter's date, YYYY-MM-DD"},
    {"request_id", "the request's id (req_12)"},
    {"name", "the requester's name (the subject's, or the one claimed); empty when unknown"},
    {"email", "the requester's email (the subject's, or the one claimed); empty when unknown"},
    {"type", "the request type (access, erasure, ...)"},
    {"type_text", "what the request asks for, in words"},
    {"law", "the law's short name (gdpr, ccpa, ...)"},
    {"law_title", "the law's title"},
    {"jurisdiction", "the jurisdiction whose holidays count (DE, US-CA, ...)"},
    {"received", "the date the request was received"},
    {"due", "the due date in force (the extended one once extended)"},
    {"first_due", "the statutory due date"},
    {"answer_period", "the law's answer period (1 month, 45 days, ...)"},
    {"citation", "the source of the answer period"},
    {"ack_due", "acknowledge receipt by (CCPA); empty when no duty"},
    {"extended_on", "the date the deadline was extended; empty unless extended"},
    {"extended_due", "the extended due date; empty unless extended"},
    {"extension_reason", "why the deadline was extended"},
    {"extension_citation", "the source of the extension"},
    {"closed_on", "the date the request was closed"},
    {"outcome", "fulfilled, denied or cancelled"},
    {"close_reason", "the reason given when closing"},
    {"denial_code", "the denial code (suspected_fraud, insuf_verification, ...)"},
    {"denial_text", "what the denial code means, in words"},
    {"answer", "for a person not in the records or erased: what is held (\"nothing is held\" or what is kept)"},
    {"rights", "the rights the law gives, in words"},
    {"regulator", "whom the requester may complain to under the law"},
    {"can_appeal", "\"yes\" when the law gives an appeal to the business; empty otherwise"},
    {"appeal_period", "the law's period for answering an appeal"},
    {"appeal_citation", "the source of the appeal period"},
    {"appeal_received", "the date the appeal was received"},
    {"appeal_due", "the appeal's due date"},
    {"appeal_decided_on", "the date the appeal was decided"},
    {"appeal_outcome", "granted or denied"},
    {"appeal_granted", "\"yes\" when the appeal was granted; empty otherwise"},
    {"appeal_denied", "\"yes\" when the appeal was denied; empty otherwise"},
    {"appeal_reason", "the reason given for the appeal decision"},
};

bool known_field(std::string_view name) {
  return std::any_of(kFields.begin(), kFields.end(), [&](const LetterField& f) { return f.name == name; });
}

const char* kHeader =
    "{{today}}\n"
    "\n"
    "{{#name}}\n{{name}}\n{{/name}}\n"
    "{{#email}}\n{{email}}\n{{/email}}\n"
    "\n"
    "{{#name}}Dear {{name}},{{/name}}{{^name}}Dear requester,{{/name}}\n"
    "\n";
const char* kFooter =
    "\n"
    "Please quote {{request_id}} in any reply.\n"
    "\n"
    "Yours sincerely,\n"
    "The privacy team\n";

const std::vector<std::pair<std::string_view, std::string>>& defaults() {
  static const std::vector<std::pair<std::string_view, std::string>> t = {
      {"ack", std::string(kHeader) +
                  "Your request {{request_id}}: {{type_text}}\n"
                  "\n"
                  "We received your request on {{received}}. We are handling it under the {{law_title}} and will "
                  "answer by {{due}}.\n"
                  "{{#ack_due}}\n"
                  "This letter confirms that we received it.\n"
                  "{{/ack_due}}\n"
                  "\n"
                  "{{rights}}\n" +
                  kFooter},
      {"extend", std::string(kHeader) +
                     "Your request {{request_id}}: we need more time\n"
                     "\n"
                     "We received your request ({{type_text}}) on {{received}}. Our answer was due by {{first_due}}; "
                     "we need more time and will answer by {{extended_due}}.\n"
                     "\n"
                     "Why: {{extension_reason}}\n"
                     "\n"
                     "The law allows this: {{extension_citation}}.\n"
                     "\n"
                     "If you are not satisfied, you may complain to {{regulator}}.\n" +
                     kFooter},
      {"deny", std::string(kHeader) +
                   "Your request {{request_id}}: we cannot do what you asked\n"
                   "\n"
                   "We received your request ({{type_text}}) on {{received}}. On {{closed_on}} we decided not to act "
                   "on it.\n"
                   "\n"
                   "Why: {{close_reason}}\n"
                   "{{#denial_text}}\n"
                   "In short: {{denial_text}} ({{denial_code}}).\n"
                   "{{/denial_text}}\n"
                   "\n"
                   "{{#can_appeal}}\n"
                   "You may appeal this decision by replying to this letter; we will answer an appeal within "
                   "{{appeal_period}} ({{appeal_citation}}).\n"
                   "{{/can_appeal}}\n"
                   "You may complain to {{regulator}}; depending on the law, you may also seek a remedy in court.\n"
                   "\n"
                   "{{rights}}\n" +
                   kFooter},
      {"complete", std::string(kHeader) +
                       "Your request {{request_id}} is complete\n"
                       "\n"
                       "We received your request ({{type_text}}) on {{received}} and completed it on {{closed_on}}.\n"
                       "{{#close_reason}}\n"
                       "{{close_reason}}\n"
                       "{{/close_reason}}\n"
                       "{{#answer}}\n"
                       "\n"
                       "{{answer}}\n"
                       "{{/answer}}\n"
                       "\n"
                       "If you are not satisfied with our answer, you may complain to {{regulator}}.\n"
                       "\n"
                       "{{rights}}\n" +
                       kFooter},
      {"appeal-decision", std::string(kHeader) +
                              "Your appeal about request {{request_id}}\n"
                              "\n"
                              "We received your appeal on {{appeal_received}} and decided it on "
                              "{{appeal_decided_on}}.\n"
                              "\n"
                              "{{#appeal_granted}}\n"
                              "Your appeal is granted: we will act on your request ({{type_text}}).\n"
                              "{{/appeal_granted}}\n"
                              "{{#appeal_denied}}\n"
                              "Your appeal is denied.\n"
                              "{{/appeal_denied}}\n"
                              "{{#appeal_reason}}\n"
                              "Why: {{appeal_reason}}\n"
                              "{{/appeal_reason}}\n"
                              "{{#appeal_denied}}\n"
                              "\n"
                              "If you disagree with this decision, you may contact {{regulator}}.\n"
                              "{{/appeal_denied}}\n" +
                              kFooter},
  };
  return t;
}

void need_kind(const std::string& kind) {
  if (std::find(kLetterKinds.begin(), kLetterKinds.end(), kind) == kLetterKinds.end())
    fail(ErrorKind::usage, "--kind: must be ack, extend, deny, complete or appeal-decision");
}
void need_format(const std::string& format) {
  if (format != "text" && format != "html") fail(ErrorKind::usage, "--format: must be text or html");
}

// ---- the template language ------------------------------------------------

struct Node {
  enum Kind { text, field, section, inverted } kind = text;
  std::string s;  // the text, or the field's name
  std::vector<Node> kids;
};

struct Parser {
  std::string_view what;  // for messages: "FILE" or "template ack"
  std::string_view src;
  size_t i = 0;
  int line = 1;

  [[noreturn]] void bad(const std::string& msg) const {
    fail(ErrorKind::usage, std::string(what) + ": line " + std::to_string(line) + ": " + msg);
  }

  // Whether the tag spanning [open, close) stands alone on its line.
  bool standalone(size_t open, size_t close) const {
    size_t b = open;
    while (b > 0 && (src[b - 1] == ' ' || src[b - 1] == '\t')) --b;
    if (b > 0 && src[b - 1] != '\n') return false;
    size_t e = close;
    while (e < src.size() && (src[e] == ' ' || src[e] == '\t')) ++e;
    return e == src.size() || src[e] == '\n';
  }

  // Parses up to the close tag of `section` (sets `closed`), or to the end.
  std::vector<Node> parse(const std::string& section, bool& closed) {
    std::vector<Node> out;
    closed = false;
    while (i < src.size()) {
      size_t open = src.find("{{", i);
      std::string_view chunk = src.substr(i, open == std::string_view::npos ? std::string_view::npos : open - i);
      if (open == std::string_view::npos) {
        add_text(out, chunk);
        i = src.size();
        break;
      }
      size_t close = src.find("}}", open + 2);
      if (close == std::string_view::npos) {
        add_text(out, chunk);
        bad("\"{{\" is not closed by \"}}\"");
      }
      std::string_view tag = src.substr(open + 2, close - open - 2);
      char sigil = tag.empty() ? '\0' : tag.front();
      bool is_section = sigil == '#' || sigil == '^' || sigil == '/';
      if (is_section) tag.remove_prefix(1);
      while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
      while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
      std::string name(tag);
      bool alone = is_section && standalone(open, close + 2);
      if (alone)  // the tag's line goes: the spaces before it and its line break
        while (!chunk.empty() && (chunk.back() == ' ' || chunk.back() == '\t')) chunk.remove_suffix(1);
      add_text(out, chunk);
      const int tag_line = line;
      i = close + 2;
      bool ate_newline = false;
      if (alone) {
        while (i < src.size() && (src[i] == ' ' || src[i] == '\t')) ++i;
        if (i < src.size() && src[i] == '\n') {
          ++i;
          ate_newline = true;
        }
      }
      if (name.empty()) bad("an empty tag");
      if (!known_field(name)) bad("no field " + validate::quoted(name) + " (`dsr template fields` lists them)");
      if (ate_newline) ++line;  // after the checks above, which name the tag's own line
      if (sigil == '/') {
        if (name != section) {
          line = tag_line;
          bad(section.empty() ? "{{/" + name + "}} closes no section"
                              : "{{/" + name + "}} where {{/" + section + "}} was expected");
        }
        closed = true;
        return out;
      }
      if (is_section) {
        Node n{sigil == '#' ? Node::section : Node::inverted, name, {}};
        int opened = tag_line;
        bool inner_closed = false;
        n.kids = parse(name, inner_closed);
        if (!inner_closed) {
          line = opened;
          bad("section {{" + std::string(1, sigil) + name + "}} is not closed by {{/" + name + "}}");
        }
        out.push_back(std::move(n));
      } else {
        out.push_back({Node::field, name, {}});
      }
    }
    return out;
  }

  void add_text(std::vector<Node>& out, std::string_view t) {
    if (t.empty()) return;
    line += static_cast<int>(std::count(t.begin(), t.end(), '\n'));
    out.push_back({Node::text, std::string(t), {}});
  }
};

std::vector<Node> parse_template(std::string_view what, std::string_view body) {
  Parser p;
  p.what = what;
  p.src = body;
  bool closed = false;
  return p.parse("", closed);
}

void render(const std::vector<Node>& nodes, const std::map<std::string, std::string>& values, bool esc_values,
            bool esc_text, std::string& out) {
  auto value = [&](const std::string& name) -> const std::string& {
    static const std::string empty;
    auto it = values.find(name);
    return it == values.end() ? empty : it->second;
  };
  for (const auto& n : nodes) {
    switch (n.kind) {
      case Node::text: out += esc_text ? html_escape(n.s) : n.s; break;
      case Node::field: out += esc_values ? html_escape(value(n.s)) : value(n.s); break;
      case Node::section:
        if (!value(n.s).empty()) render(n.kids, values, esc_values, esc_text, out);
        break;
      case Node::inverted:
        if (value(n.s).empty()) render(n.kids, values, esc_values, esc_text, out);
        break;
    }
  }
}

// A filled text letter set in a small HTML page: each block of lines a
// paragraph, each line break inside one a <br>. `escaped` is already escaped.
std::string html_page(const std::string& title, const std::string& escaped) {
  std::string body;
  std::string para;
  auto flush = [&] {
    if (!para.empty()) body += "<p>" + para + "</p>\n";
    para.clear();
  };
  size_t start = 0;
  while (start <= escaped.size()) {
    size_t nl = escaped.find('\n', start);
    std::string line = escaped.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.empty()) flush();
    else para += (para.empty() ? "" : "<br>\n") + line;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  flush();
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
         "</title>\n</head>\n<body>\n" + body + "</body>\n</html>\n";
}

std::string with_newline(std::string s) {
  if (s.empty() || s.back() != '\n') s.push_back('\n');
  return s;
}

// ---- what a letter is filled with -------------------------------------------

std::string rights_text(const laws::Law& law) {
  std::string s = "Under the " + std::string(law.title) + " you have the right ";
  for (size_t k = 0; k < law.types.size(); ++k) {
    if (k > 0) s += k + 1 == law.types.size() ? ", and " : ", ";
    s += type_phrase(law.types[k]);
  }
  return s + ". You may also complain to " + std::string(law.regulator) + ".";
}

std::map<std::string, std::string> letter_values(Desk& desk, const Request& r, Audit& audit) {
  std::map<std::string, std::string> v;
  v["today"] = cal::format(cal::today());
  v["request_id"] = r.id;
  v["type"] = to_string(r.type);
  v["type_text"] = type_phrase(r.type);
  v["law"] = to_string(r.law);
  v["jurisdiction"] = r.jurisdiction;
  v["received"] = r.received;
  v["due"] = r.due;
  v["first_due"] = r.first_due;
  v["citation"] = r.citation;
  v["ack_due"] = r.ack_due;
  v["extended_on"] = r.extended_on;
  if (r.extended()) v["extended_due"] = r.due;
  v["extension_reason"] = r.extension_reason;
  v["closed_on"] = r.closed_on;
  v["outcome"] = to_string(r.outcome);
  v["close_reason"] = r.close_reason;
  v["denial_code"] = r.denial_code;
  v["denial_text"] = denial_text(r.denial_code);
  if (!r.answer.is_null()) {
    std::string a = r.answer.value("statement", std::string());
    if (r.answer.contains("kept"))
      for (const auto& k : r.answer["kept"])
        a += "\n- " + k.value("record", std::string()) + ": " + k.value("why", std::string());
    v["answer"] = a;
  }
  v["appeal_received"] = r.appeal_received;
  v["appeal_due"] = r.appeal_due;
  v["appeal_decided_on"] = r.appeal_decided_on;
  v["appeal_outcome"] = to_string(r.appeal_outcome);
  v["appeal_granted"] = r.appeal_outcome == AppealOutcome::granted ? "yes" : "";
  v["appeal_denied"] = r.appeal_outcome == AppealOutcome::denied ? "yes" : "";
  v["appeal_reason"] = r.appeal_reason;
  if (const laws::Law* law = &laws::get(r.law)) {
    v["law_title"] = std::string(law->title);
    v["regulator"] = std::string(law->regulator);
    v["rights"] = rights_text(*law);
    v["extension_citation"] = std::string(law->extension_citation);
    v["answer_period"] = laws::text(laws::periods_for(*law, r.type).answer);
    if (!law->appeal.none()) {
      v["can_appeal"] = "yes";
      v["appeal_period"] = laws::text(law->appeal);
      v["appeal_citation"] = std::string(law->appeal_citation);
    }
  }
  // Who the letter is to: the subject's record, or what the requester claimed.
  if (r.linked()) {
    if (auto s = store::subject_by_id(desk.db(), r.subject_id); s && s->status != SubjectStatus::erased) {
      audit.subject(r.subject_id);
      if (auto it = s->cols.find("name"); it != s->cols.end()) {
        v["name"] = it->second;
        audit.field("identity", "name");
      }
      if (auto it = s->cols.find("email"); it != s->cols.end()) {
        v["email"] = it->second;
        audit.field("contact", "email");
      }
    }
  } else {
    for (const auto& c : r.claims)
      if (c.kind == "name" || c.kind == "email") v[c.kind] = c.value;
  }
  return v;
}

// The state a letter of `kind` tells of must be the request's.
void need_state(const Request& r, const std::string& kind) {
  auto refuse = [&](const std::string& why, const std::string& how) {
    fail(ErrorKind::conflict, "a " + kind + " letter: " + r.id + " " + why + " (" + how + ")");
  };
  if (kind == "extend" && !r.extended()) refuse("was not extended", "`dsr request extend " + r.id + " --reason ...`");
  if (kind == "deny" && r.outcome != RequestStatus::denied)
    refuse("was not denied", "`dsr request close " + r.id + " --outcome denied ...`");
  if (kind == "complete" && r.outcome != RequestStatus::fulfilled)
    refuse("is not fulfilled", "`dsr request close " + r.id + " --outcome fulfilled`");
  if (kind == "appeal-decision" && r.appeal_decided_on.empty())
    refuse("has no decided appeal", "`dsr request appeal-decision " + r.id + " --outcome ...`");
}

LetterTemplate template_for(Desk& desk, const std::string& kind, const std::string& format) {
  LetterTemplate t{kind, format, "default", "", 0, ""};
  if (auto row = store::letter_template(desk.db(), kind, format)) {
    t.source = "vault";
    t.body = row->body;
    t.set_at = row->set_at;
    t.set_by = row->set_by;
    return t;
  }
  if (format == "html") {  // no HTML template: the text one, set in a page
    t = template_for(desk, kind, "text");
    return t;
  }
  t.body = default_letter_template(kind);
  return t;
}

}  // namespace

const std::vector<LetterField>& letter_fields() { return kFields; }

const std::string& default_letter_template(std::string_view kind) {
  for (const auto& [k, body] : defaults())
    if (k == kind) return body;
  fail(ErrorKind::usage, "--kind: must be ack, extend, deny, complete or appeal-decision");
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void check_letter_template(std::string_view field, std::string_view body) { parse_template(field, body); }

std::string fill_letter(std::string_view body, const std::map<std::string, std::string>& values, bool escape_values,
                        bool escape_text) {
  std::string out;
  render(parse_template("template", body), values, escape_values, escape_text, out);
  return out;
}

Letter write_letter(Desk& desk, std::string_view id, const std::string& kind, const std::string& format,
                    const std::function<void(const Letter&)>& deliver) {
  need_kind(kind);
  need_format(format);
  require_audited(desk, Action::manage_requests, "letter");  // a role without it learns nothing of the request
  Request r = find_request(desk, id);
  return audited_write(desk, "letter", Action::manage_requests, [&](Audit& audit) {
    need_state(r, kind);
    LetterTemplate t = template_for(desk, kind, format);
    auto values = letter_values(desk, r, audit);
    Letter l{r.id, kind, format, t.source, ""};
    if (format == "text") l.text = with_newline(fill_letter(t.body, values, false, false));
    else if (t.format == "html") l.text = with_newline(fill_letter(t.body, values, true, false));
    else l.text = html_page("Request " + r.id, with_newline(fill_letter(t.body, values, true, true)));
    store::RequestRow row = load_request(desk, r.id);
    add_event(desk, row.id, "letter",
              {{"kind", kind}, {"format", format}, {"template", t.source + (t.format == format ? "" : " (text)")}});
    if (deliver) deliver(l);
    return l;
  });
}

std::vector<LetterTemplate> list_letter_templates(Desk& desk) {
  require_audited(desk, Action::read_requests, "template list");
  std::vector<LetterTemplate> out;
  for (const auto& kind : kLetterKinds)
    for (const auto& format : kLetterFormats) {
      LetterTemplate t = template_for(desk, kind, format);
      if (t.format != format) {  // an HTML letter with no HTML template sets the text one in a page
        t.source += " (text)";
        t.format = format;
      }
      out.push_back(std::move(t));
    }
  return out;
}

LetterTemplate find_letter_template(Desk& desk, const std::string& kind, const std::string& format) {
  need_kind(kind);
  need_format(format);
  require_audited(desk, Action::read_requests, "template show");
  return template_for(desk, kind, format);
}

LetterTemplate set_letter_template(Desk& desk, const std::string& kind, const std::string& format,
                                   const std::string& body_in) {
  need_kind(kind);
  need_format(format);
  std::string crlf_free;
  for (size_t k = 0; k < body_in.size(); ++k)
    if (!(body_in[k] == '\r' && k + 1 < body_in.size() && body_in[k + 1] == '\n')) crlf_free.push_back(body_in[k]);
  std::string body = validate::text("FILE", crlf_free, 20000, true) + "\n";
  check_letter_template("FILE", body);
  return audited_write(desk, "template set", Action::manage_requests, [&](Audit&) {
    store::TemplateRow row{kind, format, body, cal::now_unix(), desk.actor()};
    store::put_letter_template(desk.db(), row);
    return LetterTemplate{kind, format, "vault", body, row.set_at, row.set_by};
  });
}

bool reset_letter_template(Desk& desk, const std::string& kind, const std::string& format) {
  need_kind(kind);
  need_format(format);
  return audited_write(desk, "template reset", Action::manage_requests,
                       [&](Audit&) { return store::delete_letter_template(desk.db(), kind, format); });
}

}  // namespace dsr
