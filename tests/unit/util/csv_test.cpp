#include <doctest/doctest.h>

#include <random>

#include "dsr/csv.hpp"
#include "dsr/input.hpp"

using namespace dsr;

namespace {

std::vector<csv::Record> parse(const std::string& text, size_t block = 0, size_t max = 1 << 20) {
  auto in = string_input(text, block);
  csv::Reader r(*in, max);
  std::vector<csv::Record> out;
  csv::Record rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}

using Fields = std::vector<std::string>;

}  // namespace

TEST_CASE("csv: plain records, CRLF and LF, a last line without a newline") {
  auto recs = parse("a,b,c\r\n1,2,3\n4,,6");
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].fields == Fields{"a", "b", "c"});
  CHECK(recs[1].fields == Fields{"1", "2", "3"});
  CHECK(recs[2].fields == Fields{"4", "", "6"});
  CHECK(recs[2].line == 3);
  for (const auto& r : recs) CHECK(r.error.empty());
}

TEST_CASE("csv: quoted fields hold commas, doubled quotes and newlines, line numbers are where records start") {
  auto recs = parse("name,address\n\"Doe, Jane\",\"1 \"\"Main\"\" St\nApt 2\r\nTown\"\nlast,\"\"\n");
  REQUIRE(recs.size() == 3);
  CHECK(recs[1].fields == Fields{"Doe, Jane", "1 \"Main\" St\nApt 2\r\nTown"});
  CHECK(recs[1].line == 2);
  CHECK(recs[2].line == 5);  // the quoted field spanned lines 2-4
  CHECK(recs[2].fields == Fields{"last", ""});
}

TEST_CASE("csv: a UTF-8 byte order mark is skipped, also when reads return one byte at a time") {
  for (size_t block : {0, 1, 2}) {
    auto recs = parse("\xEF\xBB\xBF" "email,name\nx@example.com,X\n", block);
    REQUIRE(recs.size() == 2);
    CHECK(recs[0].fields == Fields{"email", "name"});
    CHECK(recs[1].fields == Fields{"x@example.com", "X"});
  }
  auto short_input = parse("\xEF\xBB");  // not a whole BOM: kept as data
  REQUIRE(short_input.size() == 1);
  CHECK(short_input[0].fields == Fields{"\xEF\xBB"});
}

TEST_CASE("csv: empty lines are skipped and lone CR ends a line") {
  auto recs = parse("a\n\n\r\nb\rc\n");
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].fields == Fields{"a"});
  CHECK(recs[1].fields == Fields{"b"});
  CHECK(recs[1].line == 4);
  CHECK(recs[2].fields == Fields{"c"});
  CHECK(recs[2].line == 5);
}

TEST_CASE("csv: malformed records are reported and reading goes on with the next record") {
  auto recs = parse("ok,1\nbad\"quote,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\nstill inside\n");
  REQUIRE(recs.size() == 5);
  CHECK(recs[0].error.empty());
  CHECK(recs[1].error.find("quote inside an unquoted field") != std::string::npos);
  CHECK(recs[1].line == 2);
  CHECK(recs[2].error.find("after a closing quote") != std::string::npos);
  CHECK(recs[3].error.empty());
  CHECK(recs[3].fields == Fields{"fine", "4"});
  CHECK(recs[4].error.find("not closed") != std::string::npos);
  CHECK(recs[4].line == 5);
}

TEST_CASE("csv: a record longer than the limit is an error and its bytes are not kept") {
  std::string big(5000, 'x');
  auto recs = parse("a,b\n" + big + "," + big + "\nc,d\n", 0, 1000);
  REQUIRE(recs.size() == 3);
  CHECK(recs[1].error.find("longer than 1000 bytes") != std::string::npos);
  CHECK(recs[1].fields.empty());
  CHECK(recs[2].fields == Fields{"c", "d"});
  CHECK(recs[2].line == 3);
}

TEST_CASE("csv: format_record quotes only when needed and round-trips") {
  CHECK(csv::format_record({"a", "b c", ""}) == "a,b c,");
  CHECK(csv::format_record({"x,y", "say \"hi\"", "l1\nl2"}) == "\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\"");
}

TEST_CASE("csv fuzz: generated records round-trip through format and parse, at any read size") {
  std::mt19937 rng(12345);
  const std::string alphabet = "ab ,\"\r\n\xC3\xA9;";
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<Fields> records;
    std::string text = trial % 3 == 0 ? "\xEF\xBB\xBF" : "";
    int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      Fields f;
      int nf = 1 + static_cast<int>(rng() % 5);
      for (int k = 0; k < nf; ++k) {
        std::string s;
        int len = static_cast<int>(rng() % 8);
        for (int c = 0; c < len; ++c) s += alphabet[rng() % alphabet.size()];
        f.push_back(s);
      }
      if (f.size() == 1 && f[0].empty()) f[0].push_back('z');  // a lone empty field is an empty line
      records.push_back(f);
      text += csv::format_record(f) + (rng() % 2 ? "\r\n" : "\n");
    }
    auto got = parse(text, 1 + rng() % 7);
    REQUIRE(got.size() == records.size());
    for (size_t i = 0; i < records.size(); ++i) {
      CHECK(got[i].error.empty());
      CHECK(got[i].fields == records[i]);
    }
  }
}

TEST_CASE("csv fuzz: random bytes never crash, never loop, and every record has a sane line number") {
  std::mt19937 rng(777);
  static const char kHostile[] = "\",\r\n\"a\xEF\xBB\xBF";
  const std::string hostile(kHostile, sizeof kHostile);  // the terminating NUL is one of them
  for (int trial = 0; trial < 2000; ++trial) {
    std::string text;
    int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i)
      text += rng() % 3 ? hostile[rng() % hostile.size()] : static_cast<char>(rng() % 256);
    auto recs = parse(text, 1 + rng() % 16, 64);
    int64_t lines = 1;
    for (char c : text) lines += c == '\n' || c == '\r';
    CHECK(recs.size() <= text.size());  // each record consumes at least one byte
    int64_t prev = 0;
    for (const auto& r : recs) {
      CHECK(r.line >= prev);
      CHECK(r.line <= lines);
      prev = r.line;
    }
  }
}

TEST_CASE("lines: the reader caps line length, reports over-long lines and keeps counting") {
  std::string big(3000, 'y');
  auto in = string_input("first\r\n" + big + "\n\nlast", 7);
  LineReader lr(*in, 1000);
  LineReader::Line l;
  REQUIRE(lr.next(l));
  CHECK(l.text == "first");
  CHECK(l.number == 1);
  REQUIRE(lr.next(l));
  CHECK(l.overlong);
  CHECK(l.text.empty());
  CHECK(l.number == 2);
  REQUIRE(lr.next(l));
  CHECK(l.text.empty());
  CHECK_FALSE(l.overlong);
  REQUIRE(lr.next(l));
  CHECK(l.text == "last");
  CHECK(l.number == 4);
  CHECK_FALSE(lr.next(l));
}

TEST_CASE("csv: cell neutralises what a spreadsheet would run as a formula") {
  CHECK(csv::cell("=1+1@example.com") == "'=1+1@example.com");
  CHECK(csv::cell("+44 20 7946 0958") == "'+44 20 7946 0958");
  CHECK(csv::cell("-2+3") == "'-2+3");
  CHECK(csv::cell("@SUM(A1:A3)") == "'@SUM(A1:A3)");
  CHECK(csv::cell("\tx") == "'\tx");
  CHECK(csv::cell("=HYPERLINK(\"x\",\"y\")") == "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  CHECK(csv::cell("alice@example.com") == "alice@example.com");
  CHECK(csv::cell("a=b") == "a=b");
  CHECK(csv::cell("") == "");
  CHECK(csv::quote("-3") == "-3");  // dsr's own numbers stay numbers
}

TEST_CASE("csv: another delimiter, written and read") {
  CHECK(csv::quote("a;b", ';') == "\"a;b\"");
  CHECK(csv::quote("a,b", ';') == "a,b");
  CHECK(csv::format_record({"x", "y;z"}, ';') == "x;\"y;z\"");
  CHECK(csv::parse_delimiter(";") == ';');
  CHECK(csv::parse_delimiter("tab") == '\t');
  CHECK(csv::parse_delimiter("ab") == 0);
  auto in = string_input("a;\"b;c\";d\n1,2;3;4\n");
  csv::Reader r(*in, 1 << 20, ';');
  csv::Record rec;
  REQUIRE(r.next(rec));
  CHECK(rec.fields == std::vector<std::string>{"a", "b;c", "d"});
  REQUIRE(r.next(rec));
  CHECK(rec.fields == std::vector<std::string>{"1,2", "3", "4"});
}
