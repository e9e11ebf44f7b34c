// The command line's helpers: "did you mean", display width, the CSV line,
// and `dsr __complete` on a small command tree.
#include <doctest/doctest.h>

#include <sstream>

#include "cli/guide.hpp"
#include "cli/render.hpp"

using namespace dsr::cli;

TEST_CASE("cli: did you mean finds a near command, a swap and a prefix") {
  std::vector<std::string> cmds = {"register", "show", "find", "list", "correct", "export", "delete"};
  CHECK(closest("registr", cmds) == std::vector<std::string>{"register"});
  CHECK(closest("lsit", cmds) == std::vector<std::string>{"list"});
  CHECK(closest("shwo", cmds) == std::vector<std::string>{"show"});
  CHECK(closest("xyzzy", cmds).empty());
  CHECK(closest("ab", {"ls"}).empty());  // two letters apart in a two-letter word is no match
  CHECK(did_you_mean("--staus", {"--status", "--subject", "--format"}) == "; did you mean --status?");
  CHECK(did_you_mean("nothing", {"--status"}).empty());
}

TEST_CASE("cli: display width counts East Asian wide characters and emoji as two") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("\xE5\xB1\xB1\xE7\x94\xB0") == 4);          // 山田
  CHECK(display_width("\xF0\x9F\x98\x80") == 2);                  // an emoji
  CHECK(display_width("e\xCC\x81") == 1);                         // e + combining acute
}

TEST_CASE("cli: one CSV line: text neutralised, numbers kept, the delimiter honoured") {
  std::vector<Column> cols = {{"A", "a"}, {"B", "b"}, {"C", "c"}};
  nlohmann::json r = {{"a", "=cmd"}, {"b", -3}, {"c", "x;y"}};
  CHECK(csv_line(r, cols) == "'=cmd,-3,x;y\r\n");
  set_csv_delimiter(';');
  CHECK(csv_line(r, cols) == "'=cmd;-3;\"x;y\"\r\n");
  CHECK(csv_header(cols) == "a;b;c\r\n");
  set_csv_delimiter(',');
}

TEST_CASE("cli: __complete answers from the command tree") {
  Context ctx;
  CLI::App app{"t", "dsr"};
  app.add_option("--db", ctx.g.db, "vault");
  auto* list = app.add_subcommand("list", "List");
  std::string fmt;
  list->add_option("--format", fmt, "fmt")->check(CLI::IsMember({"table", "json"}));
  auto* reg = app.add_subcommand("register", "Register");
  std::string email;
  reg->add_option("--email", email, "e");
  auto* cor = app.add_subcommand("correct", "Correct");
  std::vector<std::string> set;
  cor->add_option("--set", set, "FIELD=VALUE");
  auto ask = [&](std::vector<std::string> words) {
    std::ostringstream out;
    complete(app, ctx, std::move(words), out);
    return out.str();
  };
  CHECK(ask({""}) == "list\tList\nregister\tRegister\ncorrect\tCorrect\n:none\n");
  CHECK(ask({"li"}) == "list\tList\n:none\n");
  std::string opts = ask({"list", "--"});
  CHECK(opts.find("--format") != std::string::npos);
  CHECK(opts.find("--db") != std::string::npos);
  CHECK(opts.find("--email") == std::string::npos);
  CHECK(ask({"list", "--format", ""}) == "table\njson\n:none\n");
  CHECK(ask({"list", "--format=j"}) == "--format=json\n:none\n");
  CHECK(ask({"list", "--format", "=", ""}) == "table\njson\n:none\n");  // bash splits at '='
  std::string field = ask({"correct", "x", "--set", "na"});
  CHECK(field.rfind("name=", 0) == 0);
  CHECK(field.find(":nospace\n") != std::string::npos);
  CHECK(ask({"--db", ""}) == ":files\n");
}
