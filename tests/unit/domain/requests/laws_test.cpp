// The law table and its ids (dsr/laws.hpp): every LawId has exactly one row,
// every row's name parses back to its id, and request types are parsed
// against a law's row with the messages the command line shows.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "dsr/error.hpp"
#include "dsr/laws.hpp"
#include "test_support.hpp"

using namespace dsr;

TEST_CASE("laws: every LawId has exactly one row, in the enum's order, and every name parses back") {
  const auto& t = laws::table();
  // The enumerators are 0 .. hipaa_accounting: a law added to the enum without
  // a row (or a row without an enumerator) breaks one of these.
  REQUIRE(t.size() == static_cast<size_t>(LawId::hipaa_accounting) + 1);
  std::set<std::string_view> names;
  for (size_t i = 0; i < t.size(); ++i) {
    CAPTURE(t[i].name);
    CHECK(static_cast<size_t>(t[i].id) == i);
    CHECK(names.insert(t[i].name).second);
    const laws::Law* found = laws::find(t[i].name);
    REQUIRE(found != nullptr);
    CHECK(found->id == t[i].id);
    CHECK(&laws::get(t[i].id) == &t[i]);
    CHECK(dsr::to_string(t[i].id) == std::string(t[i].name));
  }
  CHECK(dsr::to_string(LawId::uk_gdpr) == "uk-gdpr");
  CHECK(dsr::to_string(LawId::hipaa_accounting) == "hipaa-accounting");
  CHECK(laws::find("uk_gdpr") == nullptr);
  CHECK(laws::find("GDPR") == nullptr);
  CHECK(laws::find("") == nullptr);
  CHECK(test::kind_thrown([] { laws::get("hipaa"); }) == ErrorKind::usage);
}

TEST_CASE("laws: a request type is parsed against the law's row") {
  const laws::Law& gdpr = laws::get(LawId::gdpr);
  const laws::Law& ccpa = laws::get(LawId::ccpa);
  CHECK(laws::type_for(gdpr, "objection") == RequestType::objection);
  CHECK(laws::type_for(ccpa, "opt-out") == RequestType::opt_out);
  CHECK(laws::type_for(ccpa, "limit-sensitive") == RequestType::limit_sensitive);
  CHECK(laws::has_type(ccpa, RequestType::opt_out));
  CHECK_FALSE(laws::has_type(gdpr, RequestType::opt_out));
  auto message = [](const laws::Law& law, const char* type) -> std::string {
    try {
      laws::type_for(law, type);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::usage);
      return e.what();
    }
    return "";
  };
  CHECK(message(gdpr, "opt-out") == "--type: gdpr requests are access, rectification, erasure, restriction, "
                                    "portability, objection (under the GDPR, an objection: Art. 21)");
  CHECK(message(gdpr, "opt_out") == "--type: gdpr requests are access, rectification, erasure, restriction, "
                                    "portability, objection");
  CHECK(message(laws::get(LawId::pipeda), "erasure") == "--type: pipeda requests are access, rectification");
  CHECK(test::kind_thrown([&] { laws::periods_for(gdpr, RequestType::limit_sensitive); }) == ErrorKind::usage);
}
