// Reading DRP and OpenDSR documents (dsr/intake.hpp), unsigned forms; the
// signed ones are in tests/e2e/test_intake.sh and the vault's unit tests.
#include <doctest/doctest.h>

#include <functional>
#include <string>

#include "dsr/error.hpp"
#include "dsr/intake.hpp"

using namespace dsr;

namespace {

constexpr int64_t kIntakeNow = 1770033600;  // 2026-02-02T12:00:00Z

IntakeOptions drp_options() {
  IntakeOptions o;
  o.format = "drp";
  o.business_id = "acme";
  return o;
}

std::string drp_doc(const std::string& extra = "", const std::string& exercise = "access",
                    const std::string& expires = "2026-02-03T00:00:00Z") {
  return "{\"agent-id\":\"agent-1\",\"business-id\":\"acme\",\"issued-at\":\"2026-02-01T09:00:00Z\","
         "\"expires-at\":\"" + expires + "\",\"drp.version\":\"1.0\",\"exercise\":\"" + exercise +
         "\",\"regime\":\"ccpa\",\"email\":\"Dana@Example.com\"" + extra + "}";
}

ErrorKind intake_error(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  return ErrorKind::failure;
}

}  // namespace

TEST_CASE("intake: RFC 3339 times with offsets and fractions") {
  CHECK(parse_rfc3339("t", "2026-02-02T12:00:00Z") == kIntakeNow);
  CHECK(parse_rfc3339("t", "2026-02-02T13:00:00+01:00") == kIntakeNow);
  CHECK(parse_rfc3339("t", "2026-02-02T04:00:00.250-08:00") == kIntakeNow);
  CHECK(parse_rfc3339("t", "2026-02-02t12:00:00z") == kIntakeNow);
  for (const char* bad : {"2026-02-02", "2026-02-02T12:00:00", "2026-02-02T12:00Z", "2026-02-30T12:00:00Z",
                          "2026-02-02T12:00:00+1:00", "2026-02-02T12:00:00.Z", "2026-02-02T25:00:00Z"}) {
    CAPTURE(bad);
    CHECK(intake_error([&] { parse_rfc3339("t", bad); }) == ErrorKind::usage);
  }
}

TEST_CASE("intake: a DRP request read as our request type and law") {
  IntakeDoc d = read_drp(drp_doc(), drp_options(), kIntakeNow);
  CHECK(d.type == RequestType::access);
  CHECK(d.law == LawId::ccpa);
  CHECK(d.sender == "agent-1");
  CHECK(d.email == "Dana@example.com");  // the domain lowercased
  CHECK(d.signature == "unsigned");
  CHECK(read_drp(drp_doc("", "deletion"), drp_options(), kIntakeNow).type == RequestType::erasure);
  CHECK(read_drp(drp_doc("", "sale:opt_out"), drp_options(), kIntakeNow).type == RequestType::opt_out);
}

TEST_CASE("intake: DRP requests refused, with the exit the interface documents") {
  auto o = drp_options();
  CHECK(intake_error([&] { read_drp(drp_doc("", "sale:sell"), o, kIntakeNow); }) == ErrorKind::usage);
  CHECK(intake_error([&] { read_drp(drp_doc("", "access", "2026-02-02T11:59:59Z"), o, kIntakeNow); }) ==
        ErrorKind::refused);
  CHECK(intake_error([&] { read_drp(drp_doc(), o, parse_rfc3339("t", "2026-02-01T08:59:59Z")); }) ==
        ErrorKind::refused);  // issued in the future
  auto other = o;
  other.business_id = "globex";
  CHECK(intake_error([&] { read_drp(drp_doc(), other, kIntakeNow); }) == ErrorKind::refused);
  auto keyed = o;
  keyed.agent_key = std::string(32, 'k');
  CHECK(intake_error([&] { read_drp(drp_doc(), keyed, kIntakeNow); }) == ErrorKind::refused);  // unsigned
  std::string no_id = drp_doc();
  no_id.replace(no_id.find(",\"email\""), std::string(",\"email\":\"Dana@Example.com\"").size(), "");
  CHECK(intake_error([&] { read_drp(no_id, o, kIntakeNow); }) == ErrorKind::usage);
  CHECK(intake_error([&] { read_drp("[1,2]", o, kIntakeNow); }) == ErrorKind::usage);
  CHECK(intake_error([&] { read_drp("{\"agent-id\":", o, kIntakeNow); }) == ErrorKind::usage);
  CHECK(intake_error([&] { read_drp(drp_doc(",\"email_verified\":\"yes\""), o, kIntakeNow); }) == ErrorKind::usage);
  std::string v09 = drp_doc();
  v09.replace(v09.find("\"1.0\""), 5, "\"0.9\"");
  CHECK(intake_error([&] { read_drp(v09, o, kIntakeNow); }) == ErrorKind::usage);
}

TEST_CASE("intake: OpenDSR requests, raw email only") {
  IntakeOptions o;
  o.format = "opendsr";
  o.controller_id = "ctrl";
  std::string doc =
      "{\"subject_request_id\":\"a7551968-d5d6-44b2-9831-815ac9017798\",\"subject_request_type\":\"portability\","
      "\"regulation\":\"ccpa\",\"submitted_time\":\"2026-01-30T15:00:00Z\",\"subject_identities\":["
      "{\"identity_type\":\"controller_customer_id\",\"identity_value\":\"c-1\",\"identity_format\":\"raw\"},"
      "{\"identity_type\":\"email\",\"identity_value\":\"erin@example.com\",\"identity_format\":\"raw\"}]}";
  IntakeDoc d = read_opendsr(doc, o);
  CHECK(d.type == RequestType::portability);
  CHECK(d.law == LawId::ccpa);
  CHECK(d.email == "erin@example.com");
  CHECK(d.unused_identities == std::vector<std::string>{"controller_customer_id/raw"});
  std::string upper = doc;
  upper.replace(upper.find("a7551968"), 8, "A7551968");
  CHECK(intake_error([&] { read_opendsr(upper, o); }) == ErrorKind::usage);
  std::string hashed = doc;
  const std::string raw_last = "\"identity_format\":\"raw\"}]";
  hashed.replace(hashed.find(raw_last), raw_last.size(), "\"identity_format\":\"md5\"}]");
  CHECK(intake_error([&] { read_opendsr(hashed, o); }) == ErrorKind::usage);
  auto no_controller = o;
  no_controller.controller_id.clear();
  CHECK(intake_error([&] { read_opendsr(doc, no_controller); }) == ErrorKind::usage);
}

TEST_CASE("intake: an agent key from hex, base64 or raw bytes") {
  std::string raw(32, '\x01');
  CHECK(parse_agent_key(std::string(64, '0').replace(62, 2, "01")) == std::string(31, '\0') + "\x01");
  CHECK(parse_agent_key(raw) == raw);
  CHECK(parse_agent_key("AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=\n") == raw);
  CHECK(intake_error([&] { parse_agent_key("abc"); }) == ErrorKind::usage);
}
