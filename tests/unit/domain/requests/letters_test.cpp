// The letter template language (dsr/letters.hpp): fields, sections, standalone
// section lines, HTML escaping, and the checks `template set` makes.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "dsr/error.hpp"
#include "dsr/letters.hpp"

using namespace dsr;

namespace {

ErrorKind letter_error_kind(const std::string& body) {
  try {
    check_letter_template("FILE", body);
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::failure;  // no error at all
}

std::string letter_error_text(const std::string& body) {
  try {
    check_letter_template("FILE", body);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("letters: fields are filled, missing ones are empty") {
  std::map<std::string, std::string> v = {{"request_id", "req_3"}, {"due", "2026-03-02"}};
  CHECK(fill_letter("Request {{request_id}} due {{ due }}; {{name}}.", v, false, false) ==
        "Request req_3 due 2026-03-02; .");
}

TEST_CASE("letters: sections show on a value, inverted ones on none, lone tag lines vanish") {
  std::map<std::string, std::string> named = {{"name", "Ann"}};
  std::map<std::string, std::string> none;
  const char* t = "{{#name}}Dear {{name}},{{/name}}{{^name}}Dear requester,{{/name}}\n";
  CHECK(fill_letter(t, named, false, false) == "Dear Ann,\n");
  CHECK(fill_letter(t, none, false, false) == "Dear requester,\n");
  const char* lines = "a\n  {{#name}}  \nb {{name}}\n{{/name}}\nc\n";
  CHECK(fill_letter(lines, named, false, false) == "a\nb Ann\nc\n");
  CHECK(fill_letter(lines, none, false, false) == "a\nc\n");
  // Nested sections.
  std::map<std::string, std::string> both = {{"name", "Ann"}, {"email", "a@example.com"}};
  const char* nested = "{{#name}}[{{#email}}{{email}}{{/email}}{{^email}}-{{/email}}]{{/name}}";
  CHECK(fill_letter(nested, both, false, false) == "[a@example.com]");
  CHECK(fill_letter(nested, named, false, false) == "[-]");
}

TEST_CASE("letters: HTML escapes every value, and the text too when asked") {
  std::map<std::string, std::string> v = {{"name", "<b>O'Hara & \"Co\"</b>"}};
  CHECK(html_escape("<a href='x'>&</a>") == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
  CHECK(fill_letter("<p>{{name}}</p>", v, true, false) ==
        "<p>&lt;b&gt;O&#39;Hara &amp; &quot;Co&quot;&lt;/b&gt;</p>");
  CHECK(fill_letter("<p>{{name}}</p>", v, true, true) ==
        "&lt;p&gt;&lt;b&gt;O&#39;Hara &amp; &quot;Co&quot;&lt;/b&gt;&lt;/p&gt;");
  CHECK(fill_letter("{{name}}", v, false, false) == "<b>O'Hara & \"Co\"</b>");
}

TEST_CASE("letters: template errors are usage errors naming the line") {
  CHECK(letter_error_kind("fine {{regulator}}\n") == ErrorKind::failure);
  CHECK(letter_error_kind("a\nb {{nmae}}\n") == ErrorKind::usage);
  CHECK(letter_error_text("a\nb {{nmae}}\n").find("line 2: no field \"nmae\"") != std::string::npos);
  CHECK(letter_error_text("x\n{{#name}}\ny\n").find("line 2: section {{#name}} is not closed") != std::string::npos);
  CHECK(letter_error_text("{{#name}}{{/email}}").find("{{/email}} where {{/name}} was expected") != std::string::npos);
  CHECK(letter_error_text("{{/name}}").find("closes no section") != std::string::npos);
  CHECK(letter_error_text("a {{name").find("not closed by") != std::string::npos);
  CHECK(letter_error_kind("{{}}") == ErrorKind::usage);
}

TEST_CASE("letters: every default template is valid and uses the regulator where a refusal is told") {
  for (const auto& kind : kLetterKinds) {
    CAPTURE(kind);
    const std::string& t = default_letter_template(kind);
    CHECK_NOTHROW(check_letter_template("default", t));
    CHECK(t.find("{{request_id}}") != std::string::npos);
  }
  CHECK(default_letter_template("deny").find("{{regulator}}") != std::string::npos);
  CHECK(default_letter_template("appeal-decision").find("{{regulator}}") != std::string::npos);
  CHECK_THROWS_AS(default_letter_template("thanks"), Error);
}
