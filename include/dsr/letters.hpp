// Letters to the person who made a request (acknowledgement, extension,
// denial, completion, appeal decision), filled from the request and its law's
// row (dsr/laws.hpp: citations, the regulator to complain to), from templates
// kept in the vault or, when none was set, the defaults shipped in the binary.
// Each letter written is recorded in the request's history (kind, format and
// template; never the letter's text or the requester's name or email).
//
// Templates: plain text (or HTML) with fields {{name}}, sections shown when a
// field is not empty {{#name}}...{{/name}} and when it is {{^name}}...{{/name}}.
// A section tag alone on its line takes the line with it. Text output is the
// template filled as is; HTML output fills an HTML template with every value
// HTML-escaped, or, when only a text template exists, escapes the filled text
// whole and sets its paragraphs in a small HTML page.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/desk.hpp"

namespace dsr {

inline const std::vector<std::string> kLetterKinds = {"ack", "extend", "deny", "complete", "appeal-decision"};
inline const std::vector<std::string> kLetterFormats = {"text", "html"};

// The fields a template may use, with what each holds (one table: validation,
// `dsr template fields` and dsr(1) read it).
struct LetterField {
  std::string_view name, meaning;
};
const std::vector<LetterField>& letter_fields();

// The default template of a kind (text; there is no default HTML template).
const std::string& default_letter_template(std::string_view kind);

// Throws Error(usage), naming `field` and the line, unless `body` is a valid
// template: known fields only, sections closed in order, every "{{" closed.
void check_letter_template(std::string_view field, std::string_view body);

// Fills `body` with `values` (missing fields are empty). escape_values: HTML-
// escape each value; escape_text: HTML-escape the template's own text too.
std::string fill_letter(std::string_view body, const std::map<std::string, std::string>& values, bool escape_values,
                        bool escape_text);
// & < > " ' as entities.
std::string html_escape(std::string_view s);

struct Letter {
  std::string request_id;  // req_12
  std::string kind, format;
  std::string template_source;  // "default" or "vault"
  std::string text;
};
// The letter of `kind` for request `id`, in `format` (text or html). conflict
// when the request is not in the state the letter tells (an extension letter
// for a request not extended, a denial letter for one not denied, ...).
// `deliver` (may be empty) receives the letter inside the transaction that
// records it, so a failed delivery records nothing.
Letter write_letter(Desk& desk, std::string_view id, const std::string& kind, const std::string& format,
                    const std::function<void(const Letter&)>& deliver = {});

struct LetterTemplate {
  std::string kind, format;
  std::string source;  // "default" or "vault"
  std::string body;
  int64_t set_at = 0;  // vault templates only
  std::string set_by;
};
// Every kind in both formats, vault templates and defaults.
std::vector<LetterTemplate> list_letter_templates(Desk& desk);
// The template a letter of kind/format would use (an HTML letter without an
// HTML template uses the text one: source says which).
LetterTemplate find_letter_template(Desk& desk, const std::string& kind, const std::string& format);
// Sets the vault's template (checked first; usage error naming the line).
LetterTemplate set_letter_template(Desk& desk, const std::string& kind, const std::string& format,
                                   const std::string& body);
// Removes the vault's template, so the default applies again; false when none was set.
bool reset_letter_template(Desk& desk, const std::string& kind, const std::string& format);

}  // namespace dsr
