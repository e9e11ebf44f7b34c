#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "dsr/batch.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/import.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

// Records every result, and whether the vault was outside any transaction
// (everything committed) at the moment the result was handed out.
struct Collect : ResultSink {
  explicit Collect(Desk* d = nullptr) : desk(d) {}
  Desk* desk;
  std::vector<LineResult> results;
  std::vector<bool> committed_when_seen;
  int chunks = 0;
  std::atomic<size_t> handed_out = 0;  // read by the batch's reading thread (Trickle)
  void result(const LineResult& r) override {
    results.push_back(r);
    ++handed_out;
    if (desk) committed_when_seen.push_back(sqlite3_get_autocommit(desk->db().getHandle()) != 0);
  }
  void chunk_done(const BatchSummary&) override { ++chunks; }
  const LineResult& at_line(int64_t n) const {
    for (const auto& r : results)
      if (r.line == n) return r;
    FAIL("no result for line " << n);
    return results.front();
  }
};

BatchSummary batch(Desk& d, const std::string& text, Collect& c, BatchOptions o = {}) {
  auto in = string_input(text);
  return run_batch(d, *in, o, c);
}

std::string reg_line(int i) {
  return R"({"op":"register","email":"u)" + std::to_string(i) + R"(@example.com","name":"User )" + std::to_string(i) + "\"}";
}

size_t count_all(Desk& d) { return list_subjects(d, {std::nullopt, 100000, 0}).size(); }

}  // namespace

TEST_CASE("batch: good and bad lines mixed, results line up with the input and only good lines are stored") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text = reg_line(1) + "\n" +
                     R"({"op":"register","email":"not-an-email","name":"X"})" "\n"
                     "\n"  // blank: skipped, no result
                     "{not json\n" +
                     R"({"op":"nosuch"})" "\n" +
                     R"({"op":"register","email":"u2@example.com","name":"Two","favourite":"blue"})" "\n" +
                     R"([1,2])" "\n" +
                     reg_line(3) + "\n" +
                     R"({"op":"register","email":"U1@example.com","name":"Dup"})" "\n" +
                     R"({"op":"correct","subject":"u3@example.com","set":{"phone":"+1 415 555 0100"},"unset":["zip"]})";
  Collect c;
  BatchSummary s = batch(d, text, c);
  REQUIRE(c.results.size() == 9);
  CHECK(s.lines == 9);
  CHECK(s.ok == 3);
  CHECK(s.failed == 6);
  CHECK(s.first_failed_line == 2);
  std::vector<int64_t> lines;
  for (const auto& r : c.results) lines.push_back(r.line);
  CHECK(lines == std::vector<int64_t>{1, 2, 4, 5, 6, 7, 8, 9, 10});
  CHECK(c.at_line(1).ok);
  CHECK(c.at_line(2).error->kind() == ErrorKind::usage);
  CHECK(std::string(c.at_line(2).error->what()).find("email") != std::string::npos);
  CHECK(std::string(c.at_line(4).error->what()).find("not valid JSON") != std::string::npos);
  CHECK(c.at_line(4).op.empty());
  CHECK(std::string(c.at_line(5).error->what()).find("unknown operation") != std::string::npos);
  CHECK(std::string(c.at_line(6).error->what()).find("favourite") != std::string::npos);
  CHECK(c.at_line(7).error->kind() == ErrorKind::usage);
  CHECK(c.at_line(8).ok);
  CHECK(c.at_line(9).error->kind() == ErrorKind::conflict);
  CHECK(c.at_line(10).ok);
  auto j = nlohmann::json::parse(c.at_line(10).result);
  CHECK(j["changed"] == nlohmann::json::array({"phone"}));
  CHECK(count_all(d) == 2);
  CHECK(find_subject(d, "u3@example.com").text("phone") == "+14155550100");
  // The NDJSON shapes scripts rely on.
  auto ok = nlohmann::json::parse(result_line(c.at_line(1)));
  CHECK(ok["line"] == 1);
  CHECK(ok["ok"] == true);
  CHECK(ok["op"] == "register");
  CHECK(ok["result"]["id"].get<std::string>().rfind("sub_", 0) == 0);
  auto bad = nlohmann::json::parse(result_line(c.at_line(9)));
  CHECK(bad["ok"] == false);
  CHECK(bad["error"]["kind"] == "conflict");
  CHECK(bad["error"]["exit_code"] == 4);
  CHECK(bad.contains("result") == false);
}

TEST_CASE("batch: a result is handed out only after its chunk committed") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text;
  for (int i = 0; i < 10; ++i) text += reg_line(i) + "\n";
  Collect c(&d);
  BatchOptions o;
  o.chunk = 3;
  batch(d, text, c, o);
  REQUIRE(c.results.size() == 10);
  CHECK(c.chunks == 4);  // 3 + 3 + 3 + 1
  for (bool committed : c.committed_when_seen) CHECK(committed);
  // And what was reported is on disk for another connection.
  Desk other = tv.desk();
  CHECK(count_all(other) == 10);
}

TEST_CASE("batch: a chunk also ends when its time is up") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text;
  for (int i = 0; i < 5; ++i) text += reg_line(i) + "\n";
  Collect c(&d);
  BatchOptions o;
  o.chunk_seconds = 0;  // every line is over time: one line per transaction
  batch(d, text, c, o);
  CHECK(c.chunks == 5);
  for (bool committed : c.committed_when_seen) CHECK(committed);
}

TEST_CASE("batch: a statement left part-way does not keep the WAL from being checkpointed") {
  test::TempVault tv;
  Desk d = tv.desk();
  for (int i = 0; i < 3; ++i) {
    SubjectInput in;
    in.set = {{"email", "x" + std::to_string(i) + "@example.com"}, {"name", "X"}};
    register_subject(d, in);
  }
  sqlite3_stmt* stale = nullptr;
  REQUIRE(sqlite3_prepare_v2(d.db().getHandle(), "SELECT id FROM subjects", -1, &stale, nullptr) == SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stale, sqlite3_finalize);
  REQUIRE(sqlite3_step(stale) == SQLITE_ROW);  // a row read, the statement not reset: it holds a read snapshot
  REQUIRE(sqlite3_stmt_busy(stale));
  std::string text;
  for (int i = 0; i < 20; ++i) text += reg_line(i) + "\n";
  BatchOptions o;
  o.chunk = 5;
  Collect c;
  batch(d, text, c, o);
  CHECK_FALSE(sqlite3_stmt_busy(stale));
  int frames = -1, copied = -1;
  CHECK(sqlite3_wal_checkpoint_v2(d.db().getHandle(), "main", SQLITE_CHECKPOINT_PASSIVE, &frames, &copied) == SQLITE_OK);
  CHECK(copied == frames);
}

TEST_CASE("batch: --atomic keeps every line or none") {
  test::TempVault tv;
  Desk d = tv.desk();
  BatchOptions o;
  o.atomic = true;
  o.chunk = 2;
  SUBCASE("one bad line rolls every line back, and every line is reported") {
    Collect c;
    BatchSummary s = batch(d, reg_line(1) + "\n" + reg_line(2) + "\n{\"op\":\"register\",\"email\":\"x\"}\n" + reg_line(4), c, o);
    CHECK(s.rolled_back);
    CHECK(s.ok == 0);
    CHECK(s.failed == 4);
    REQUIRE(c.results.size() == 4);
    CHECK(c.results[0].rolled_back);
    CHECK_FALSE(c.results[0].ok);
    CHECK(std::string(c.results[0].error->what()).find("line 3") != std::string::npos);
    CHECK_FALSE(c.results[2].rolled_back);  // the line that failed keeps its own error
    CHECK(c.results[2].error->kind() == ErrorKind::usage);
    CHECK(count_all(d) == 0);
    auto j = nlohmann::json::parse(result_line(c.results[0]));
    CHECK(j["rolled_back"] == true);
  }
  SUBCASE("all good lines commit together") {
    Collect c(&d);
    BatchSummary s = batch(d, reg_line(1) + "\n" + reg_line(2) + "\n" + reg_line(3), c, o);
    CHECK_FALSE(s.rolled_back);
    CHECK(s.ok == 3);
    CHECK(count_all(d) == 3);
    for (bool committed : c.committed_when_seen) CHECK(committed);
  }
}

TEST_CASE("batch: a dry run runs every line and keeps nothing") {
  test::TempVault tv;
  Desk d = tv.desk();
  BatchOptions o;
  o.dry_run = true;
  Collect c;
  BatchSummary s = batch(d, reg_line(1) + "\n" + reg_line(1) + "\n" + reg_line(2), c, o);
  CHECK(s.dry_run);
  CHECK(s.ok == 2);
  CHECK(s.failed == 1);  // the duplicate is seen even though nothing commits
  CHECK(c.results[0].dry_run);
  CHECK(nlohmann::json::parse(result_line(c.results[0]))["dry_run"] == true);
  CHECK(count_all(d) == 0);
}

TEST_CASE("batch: an over-long line is that line's error and the next line still runs") {
  test::TempVault tv;
  Desk d = tv.desk();
  BatchOptions o;
  o.max_line = 200;
  std::string huge = R"({"op":"register","email":"big@example.com","name":")" + std::string(5000, 'x') + "\"}";
  Collect c;
  BatchSummary s = batch(d, huge + "\n" + reg_line(2) + "\n", c, o);
  REQUIRE(c.results.size() == 2);
  CHECK(std::string(c.results[0].error->what()).find("longer than 200 bytes") != std::string::npos);
  CHECK(c.results[1].ok);
  CHECK(c.results[1].line == 2);
  CHECK(s.failed == 1);
}

TEST_CASE("batch: every subject operation, delete only when allowed, and a legal hold refuses erasure") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string text =
      R"({"op":"register","email":"ann@example.com","name":"Ann","username":"ann","interests":["news","deals"],"attrs":{"survey.age_band":"30-39"},"source":"Web Form"})" "\n"
      R"({"op":"deactivate","subject":"ann","reason":"restriction request"})" "\n"
      R"({"op":"reactivate","subject":"ann"})" "\n"
      R"({"op":"disclose","subject":"ann","recipient":"Mail Co","recipient_type":"processor","categories":["contact","identity"],"purpose":"email-delivery","basis":"contract"})" "\n"
      R"({"op":"export","subject":"ann"})" "\n"
      R"({"op":"delete","subject":"ann","dry_run":true})" "\n"
      R"({"op":"delete","subject":"ann"})" "\n"
      R"({"op":"hold","action":"place","subject":"ann","reason":"litigation","reference":"case-1"})" "\n";
  Collect c;
  batch(d, text, c);
  REQUIRE(c.results.size() == 8);
  for (int i : {0, 1, 2, 3, 4, 5, 7}) CHECK_MESSAGE(c.results[i].ok, "line " << i + 1);
  auto dis = nlohmann::json::parse(c.results[3].result);
  CHECK(dis["subject_ids"].size() == 1);
  auto exp = nlohmann::json::parse(c.results[4].result);
  CHECK(exp["format"] == "dsr-access-package");
  CHECK(exp["recipients"].size() == 1);
  auto dry = nlohmann::json::parse(c.results[5].result);
  CHECK(dry["dry_run"] == true);
  CHECK(dry["notify"].size() == 1);  // Art. 19: Mail Co would be told
  CHECK(c.results[6].error->kind() == ErrorKind::usage);
  CHECK(std::string(c.results[6].error->what()).find("--yes") != std::string::npos);
  CHECK(find_subject(d, "ann").text("name") == "Ann");
  CHECK(find_subject(d, "ann").get("survey.age_band")->provenance.source == "Web Form");

  std::string id = nlohmann::json::parse(c.results[0].result)["id"];
  BatchOptions yes;
  yes.allow_delete = true;
  Collect c2;
  batch(d, R"({"op":"delete","subject":"ann","reason":"erasure request"})" "\n"
           R"({"op":"hold","action":"release","subject":"ann"})" "\n"
           R"({"op":"delete","subject":"ann","reason":"erasure request"})" "\n"
           R"({"op":"delete","subject":")" + id + "\"}\n",
        c2, yes);
  REQUIRE(c2.results.size() == 4);
  CHECK(c2.results[0].error->kind() == ErrorKind::refused);  // under legal hold
  CHECK(nlohmann::json::parse(c2.results[1].result)["released"] == 1);
  auto erased = nlohmann::json::parse(c2.results[2].result);
  CHECK(erased["erased"] == true);
  CHECK(erased["already_erased"] == false);
  CHECK(nlohmann::json::parse(c2.results[3].result)["already_erased"] == true);
  CHECK(find_subject(d, erased["id"].get<std::string>()).status == SubjectStatus::erased);
}

TEST_CASE("batch: an operation made under a request is checked against it and recorded in its history") {
  test::TempVault tv;
  Desk d = tv.desk();
  Collect c0;
  batch(d, reg_line(1) + "\n" + reg_line(2) + "\n", c0);
  RequestInput in;
  in.subject = "u1@example.com";
  in.type = "rectification";
  in.law = "gdpr";
  in.verified = true;
  Request req = open_request(d, in);
  Collect c;
  batch(d, R"({"op":"correct","subject":"u1@example.com","set":{"name":"Una"},"request":")" + req.id + "\"}\n" +
           R"({"op":"correct","subject":"u2@example.com","set":{"name":"Other"},"request":")" + req.id + "\"}\n" +
           R"({"op":"correct","subject":"u1@example.com","set":{"name":"X"},"request":"req_999"})" "\n",
        c);
  REQUIRE(c.results.size() == 3);
  CHECK(c.results[0].ok);
  CHECK(c.results[1].error->kind() == ErrorKind::usage);  // the request is about someone else
  CHECK(c.results[2].error->kind() == ErrorKind::not_found);
  CHECK(find_subject(d, "u2@example.com").text("name") == "User 2");
  bool recorded = false;
  for (const auto& e : find_request(d, req.id).history)
    recorded |= e.event == "action" && e.detail.dump().find("correct") != std::string::npos;
  CHECK(recorded);
}

TEST_CASE("batch: operations check the type of every key") {
  test::TempVault tv;
  Desk d = tv.desk();
  Collect c;
  batch(d, R"({"op":"register","email":"a@example.com","name":42})" "\n"
           R"({"op":"register","email":"a@example.com","name":"A","attrs":{"nodot":"x"}})" "\n"
           R"({"op":"correct","set":{"name":"B"}})" "\n"
           R"({"op":"hold","action":"grab","subject":"x"})" "\n"
           R"({"op":7})" "\n",
        c);
  REQUIRE(c.results.size() == 5);
  CHECK(std::string(c.results[0].error->what()) == "name: must be a string");
  CHECK(std::string(c.results[1].error->what()).find("CATEGORY.KEY") != std::string::npos);
  CHECK(std::string(c.results[2].error->what()) == "subject: required");
  CHECK(std::string(c.results[3].error->what()).find("place or release") != std::string::npos);
  CHECK(std::string(c.results[4].error->what()).find("op: required") != std::string::npos);
  for (const auto& r : c.results) CHECK(r.error->kind() == ErrorKind::usage);
}

namespace {
// A pipe-like input: says it would block after every line, and records how
// many results had been handed out when each read happened.
// A producer that writes its next line only once it has the answers to the
// lines before (a script driving `dsr batch` as a coprocess): until then the
// input would block.
struct Trickle : Input {
  std::vector<std::string> lines;
  std::atomic<size_t> next = 0;
  Collect* sink = nullptr;
  std::vector<size_t> seen_at_read;
  size_t read(char* buf, size_t n) override {
    if (next == lines.size()) return 0;
    seen_at_read.push_back(sink->handed_out);
    std::string l = lines[next++] + "\n";
    REQUIRE(l.size() <= n);
    std::copy(l.begin(), l.end(), buf);
    return l.size();
  }
  bool would_block() override { return sink->handed_out < next; }
  void wait(int) override { std::this_thread::sleep_for(std::chrono::milliseconds(1)); }
};
}  // namespace

TEST_CASE("batch: when the input pauses, what is held commits and is handed out before waiting") {
  test::TempVault tv;
  Desk d = tv.desk();
  Collect c;
  Trickle in;
  in.sink = &c;
  in.lines = {reg_line(1), reg_line(2), reg_line(3)};
  run_batch(d, in, {}, c);
  CHECK(in.seen_at_read == std::vector<size_t>{0, 1, 2});  // each answer came before the next question
  CHECK(c.results.size() == 3);
}

TEST_CASE("batch: a vault locked by another process stops the batch with `locked` and reports nothing ok") {
  test::TempVault tv;
  OpenOptions quick;
  quick.lock_timeout_ms = 100;
  Desk holder = tv.desk();
  Desk d = tv.desk(quick);
  holder.db().exec("BEGIN IMMEDIATE");
  Collect c;
  ErrorKind kind = ErrorKind::failure;
  try {
    batch(d, reg_line(1) + "\n" + reg_line(2), c);
  } catch (const Error& e) {
    kind = e.kind();
  }
  CHECK(kind == ErrorKind::locked);
  for (const auto& r : c.results) CHECK_FALSE(r.ok);
  holder.db().exec("ROLLBACK");
  CHECK(count_all(d) == 0);
}

// ---- import -------------------------------------------------------------------

namespace {
BatchSummary import(Desk& d, const std::string& csv, Collect& c, BatchOptions o = {}) {
  auto in = string_input(csv);
  return import_csv(d, *in, o, c);
}
ErrorKind import_error(Desk& d, const std::string& csv, std::string* msg = nullptr) {
  Collect c;
  try {
    import(d, csv, c);
  } catch (const Error& e) {
    if (msg) *msg = e.what();
    return e.kind();
  }
  FAIL("expected an error");
  return ErrorKind::failure;
}
}  // namespace

TEST_CASE("batch import: CSV rows register subjects, bad rows are named by the line their record starts on") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string csv =
      "\xEF\xBB\xBF" "Email, Name ,interests,survey.age_band,address,source\r\n"
      "ann@example.com,\"Doe, Ann\",news;deals,30-39,\"1 Main St\r\nSpringfield\",Legacy CRM\r\n"
      "bad-email,Bob,,,,\r\n"
      "\"cy@example.com\",Cy,\"a,b\",,,\r\n"
      "dee@example.com,Dee\r\n"
      "ann@example.com,Again,,,,\r\n";
  Collect c;
  BatchSummary s = import(d, csv, c);
  REQUIRE(c.results.size() == 5);
  REQUIRE(c.results[0].ok);
  CHECK(s.ok == 2);
  CHECK(s.failed == 3);
  REQUIRE(c.results.size() == 5);
  CHECK(c.results[0].line == 2);
  CHECK(c.results[1].line == 4);  // the first record spanned lines 2-3
  CHECK(std::string(c.results[1].error->what()).find("email") != std::string::npos);
  CHECK(std::string(c.results[3].error->what()).find("2 fields") != std::string::npos);
  CHECK(c.results[4].error->kind() == ErrorKind::conflict);
  Subject ann = find_subject(d, "ann@example.com");
  CHECK(ann.text("name") == "Doe, Ann");
  CHECK(ann.text("address") == "1 Main St\nSpringfield");  // CRLF inside a cell is stored as LF
  CHECK(ann.get("interests")->value == nlohmann::json::array({"news", "deals"}));
  CHECK(ann.text("survey.age_band") == "30-39");
  CHECK(ann.get("name")->provenance.source == "Legacy CRM");
  CHECK(find_subject(d, "cy@example.com").get("interests")->value == nlohmann::json::array({"a", "b"}));
}

TEST_CASE("batch import: a bad header is refused before anything is written") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string msg;
  CHECK(import_error(d, "email,name,favourite,shoe size\nx@example.com,X,blue,9\n", &msg) == ErrorKind::usage);
  CHECK(msg.find("unknown columns \"favourite\", \"shoe size\"") != std::string::npos);
  CHECK(import_error(d, "email,phone\nx@example.com,+14155550100\n", &msg) == ErrorKind::usage);
  CHECK(msg.find("no name column") != std::string::npos);
  CHECK(import_error(d, "email,name,EMAIL\n", &msg) == ErrorKind::usage);
  CHECK(msg.find("twice") != std::string::npos);
  CHECK(import_error(d, "", &msg) == ErrorKind::usage);
  CHECK(import_error(d, "email,\"name\nx\n", &msg) == ErrorKind::usage);
  CHECK(count_all(d) == 0);
}

TEST_CASE("batch import: --atomic and --dry-run write nothing when a row fails") {
  test::TempVault tv;
  Desk d = tv.desk();
  std::string csv = "email,name\na@example.com,A\nbad,B\nc@example.com,C\n";
  BatchOptions o;
  o.atomic = true;
  Collect c;
  BatchSummary s = import(d, csv, c, o);
  CHECK(s.rolled_back);
  CHECK(count_all(d) == 0);
  BatchOptions dry;
  dry.dry_run = true;
  Collect c2;
  s = import(d, csv, c2, dry);
  CHECK(s.ok == 2);
  CHECK(s.failed == 1);
  CHECK(count_all(d) == 0);
}

TEST_CASE("batch: a result line's op is the JSON nlohmann writes for it, plain or not") {
  for (std::string op : {std::string("register"), std::string("no such op"), std::string("re\"g\\x"),
                         std::string("caf\xc3\xa9"), std::string("tab\there"), std::string("del\x7f")}) {
    CAPTURE(op);
    LineResult r;
    r.line = 3;
    r.op = op;
    r.ok = true;
    r.result = "{}";
    std::string line = result_line(r);
    CHECK(line.find("\"op\":" + nlohmann::json(op).dump() + ",") != std::string::npos);
    CHECK(nlohmann::json::parse(line)["op"] == op);
  }
}
