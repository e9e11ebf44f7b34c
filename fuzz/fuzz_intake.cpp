// Fuzzes the readers of request documents from other systems (dsr/intake.hpp):
// `dsr request open --from-file FILE --format drp|opendsr` reads files an
// agent or a controller sent, so every byte is untrusted.
//
// Input: one byte choosing the reader (even: drp, odd: opendsr), then the
// document. The DRP reader runs with a fixed agent key when the byte's bit 1
// is set (so a document must carry a valid signature to get past it), without
// one otherwise, at a fixed "now" (2026-02-02T12:00:00Z).
//
// Findings: a crash or a hang; an error that is not usage or refused; a
// document accepted with a type or law the law table does not know, with no
// identity, with a callback that is not an http(s) URL, an expiry at or
// before now, or (with the key) a signature state other than verified.
#include <string>

#include "dsr/error.hpp"
#include "dsr/intake.hpp"
#include "dsr/laws.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace dsr;

namespace {
constexpr int64_t kNow = 1770033600;  // 2026-02-02T12:00:00Z
// The public key of the seed corpus's signed documents (the test agent of
// tests/e2e/data/intake/make_fixtures.py).
const char* kAgentKeyHex = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view doc(reinterpret_cast<const char*>(data + 1), size - 1);
  IntakeOptions o;
  o.business_id = "acme";
  o.controller_id = "controller-1";
  IntakeDoc d;
  try {
    if (mode % 2 == 0) {
      o.format = "drp";
      if (mode & 2) o.agent_key = parse_agent_key(kAgentKeyHex);
      d = read_drp(doc, o, kNow);
    } else {
      o.format = "opendsr";
      d = read_opendsr(doc, o);
    }
  } catch (const Error& e) {
    DSR_FUZZ_CHECK(e.kind() == ErrorKind::usage || e.kind() == ErrorKind::refused, "an error of kind %d",
                   static_cast<int>(e.kind()));
    return 0;
  }
  DSR_FUZZ_CHECK(laws::has_type(laws::get(d.law), d.type), "accepted type %s under %s", to_string(d.type).c_str(),
                 to_string(d.law).c_str());
  DSR_FUZZ_CHECK(!(d.email.empty() && d.phone.empty() && d.name.empty()), "accepted with no identity");
  for (const auto& u : d.callbacks)
    DSR_FUZZ_CHECK(u.rfind("https://", 0) == 0 || u.rfind("http://", 0) == 0, "callback %s", u.c_str());
  DSR_FUZZ_CHECK(!d.sender.empty() && d.sender.size() <= 800, "sender of %zu bytes", d.sender.size());
  if (o.format == "drp") {
    DSR_FUZZ_CHECK(d.expires_at && *d.expires_at > kNow, "accepted an expired request");
    DSR_FUZZ_CHECK(d.issued_at && *d.issued_at <= kNow, "accepted a request issued in the future");
    DSR_FUZZ_CHECK(d.business == "acme", "accepted business %s", d.business.c_str());
    if (!o.agent_key.empty()) DSR_FUZZ_CHECK(d.signature == "verified", "signature %s with a key", d.signature.c_str());
  } else {
    DSR_FUZZ_CHECK(d.external_id.size() == 36, "subject_request_id of %zu bytes", d.external_id.size());
  }
  return 0;
}
