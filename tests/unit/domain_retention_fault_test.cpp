// Retention runs with an I/O fault at every point (src/vault/fault.hpp). Only
// in builds made with -DDSR_FAULT_INJECTION=ON, as scripts/test.sh makes them.
#ifdef DSR_FAULT_INJECTION
#include <unistd.h>

#include "dsr/audit.hpp"
#include "dsr/calendar.hpp"
#include "dsr/retention.hpp"
#include "dsr/subjects.hpp"
#include "test_support.hpp"
#include "vault/fault.hpp"

using namespace dsr;
using dsr::test::TempVault;

namespace {

struct Clean {
  ~Clean() {
    fault::configure("");
    cal::set_today_for_tests(std::nullopt);
  }
};

void today(const char* ymd) { cal::set_today_for_tests(cal::parse_date("test", ymd)); }

}  // namespace

TEST_CASE("retention under I/O faults: a failed run erased all of its chunk or none, and audited exactly that") {
  Clean clean;
  today("2026-01-10");
  TempVault tv;
  std::vector<std::string> ids;
  {
    Desk d = tv.desk();
    for (int i = 0; i < 5; ++i) {
      SubjectInput in;
      in.set = {{"email", "r" + std::to_string(i) + "@example.org"}, {"name", "R " + std::to_string(i)}};
      ids.push_back(register_subject(d, in).subject.id);
      deactivate_subject(d, ids.back(), "asked");
    }
    set_retention_rule(d, "deactivated_subjects", "30d");
  }
  const std::string pristine = test::slurp(tv.db);
  auto restore = [&] {
    ::unlink((tv.db + "-wal").c_str());
    ::unlink((tv.db + "-shm").c_str());
    test::spit(tv.db, pristine);
  };
  today("2026-03-10");  // all five are due

  restore();
  uint64_t points;
  {
    Desk d = tv.desk();
    fault::configure("");
    run_retention(d, false, {});
    points = fault::counts().total;
  }
  REQUIRE(points > 10);

  for (uint64_t n = 1; n <= points; ++n) {
    CAPTURE(n);
    restore();
    bool threw = false;
    {
      Desk d = tv.desk();
      fault::configure("any:" + std::to_string(n) + (n % 2 ? ":EIO" : ":ENOSPC"));
      try {
        run_retention(d, false, {});
      } catch (const Error&) {
        threw = true;
      }
      fault::configure("");
    }
    Desk d = tv.desk();
    size_t erased = 0, audited = 0;
    for (const auto& id : ids) erased += find_subject(d, id).status == SubjectStatus::erased;
    for (const auto& e : audit_log(d, {}))
      if (e.command == "delete") audited += e.subjects.size();
    CHECK(erased == audited);  // no erasure unaudited, no audited erasure undone
    if (threw) CHECK((erased == 0 || erased == ids.size()));  // one transaction: all or nothing
    else CHECK(erased == ids.size());
  }
}

#endif  // DSR_FAULT_INJECTION
