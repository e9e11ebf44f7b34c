// delete reports erasure as done only once the pages that held the values are
// overwritten (Desk::wipe_erased): a reader holding the checkpoint back makes
// it say so, and the next command completes the wipe.
#include <doctest/doctest.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstring>

#include "dsr/forensics.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"

using namespace dsr;

namespace {

bool main_file_holds(const test::TempVault& tv, const std::string& text) {
  bool found = false;
  for_each_plain_page(tv.db, tv.cred(), [&](PageSource src, uint32_t, const unsigned char* p, size_t n, bool) {
    if (src != PageSource::main_file || n < text.size()) return;
    for (size_t i = 0; i + text.size() <= n && !found; ++i)
      found = std::memcmp(p + i, text.data(), text.size()) == 0;
  });
  return found;
}

std::string register_one(Desk& d, const std::string& email) {
  SubjectInput in;
  in.set = {{"name", "Wendy Wiped"}, {"email", email}};
  return register_subject(d, in).subject.id;
}

}  // namespace

TEST_CASE("erasure: delete says the values are wiped once the checkpoint has overwritten their pages") {
  test::TempVault tv;
  const std::string email = "wendy.wiped@example.com";
  std::string id;
  {
    Desk d = tv.desk();
    id = register_one(d, email);
  }
  REQUIRE(main_file_holds(tv, email));  // the scan can see the value where it is
  Desk d = tv.desk();
  EraseResult r = erase_under(d, "", id, "erasure request", false);
  REQUIRE(r.wiped.has_value());
  CHECK(*r.wiped);
  CHECK(erase_json(r, false)["wiped"] == true);
  CHECK_FALSE(main_file_holds(tv, email));

  EraseResult dry = erase_under(d, "", id, "erasure request", true);
  CHECK_FALSE(dry.wiped.has_value());
  CHECK(erase_json(dry, true)["wiped"].is_null());
}

TEST_CASE("erasure: a reader holding the checkpoint back makes delete say the values are not wiped yet") {
  test::TempVault tv;
  const std::string email = "wendy.held@example.com";
  std::string id;
  {
    Desk d = tv.desk();
    id = register_one(d, email);
  }
  OpenOptions quick;
  quick.lock_timeout_ms = 200;
  {
    // Another connection (as another process would) in the middle of a read.
    Desk reader = tv.desk();
    reader.db().exec("BEGIN");
    SQLite::Statement q(reader.db(), "SELECT count(*) FROM subjects");
    REQUIRE(q.executeStep());

    Desk d = tv.desk(quick);
    EraseResult r = erase_under(d, "", id, "erasure request", false);
    REQUIRE(r.wiped.has_value());
    CHECK_FALSE(*r.wiped);
    CHECK(erase_json(r, false)["wiped"] == false);
    CHECK(main_file_holds(tv, email));  // what "not wiped" means: the old page is still there
    reader.db().exec("COMMIT");
  }
  // The next command (any open and close) completes the checkpoint.
  { Desk next = tv.desk(); }
  CHECK_FALSE(main_file_holds(tv, email));
}
