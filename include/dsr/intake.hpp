// Requests read from other systems' documents, and their status in those
// systems' words:
//   drp      Data Rights Protocol 1.0: an authorised agent's request, JSON
//            signed with Ed25519 in libsodium's combined mode (signature then
//            message) and base64-encoded. Checked in the protocol's order:
//            base64, the signature (when the agent's verify key is given),
//            the business id is ours, issued before now, not yet expired.
//   opendsr  OpenDSR (OpenGDPR) request JSON, from a controller.
// The request is opened as `request open` would (dsr/requests.hpp) on the
// identity the document claims, and where it came from is kept beside it
// (sender, its id for the request, the signature's state; never the
// identity). request_status() gives the protocol's status object.
//
// Errors: a document that is not valid JSON or base64, has a field missing
// or of the wrong type, a right or regulation we do not know, no identity we
// can use -> usage (exit 2); a bad signature, a business id not ours, a
// request issued in the future or past its expiry -> refused (exit 7); the
// same document read twice -> conflict (exit 4).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/requests.hpp"

namespace dsr {

inline const std::vector<std::string> kIntakeFormats = {"drp", "opendsr"};

struct IntakeOptions {
  std::string format;         // drp or opendsr
  std::string agent_key{};    // drp: the agent's Ed25519 verify key, 32 bytes; empty: the signature is not checked
  std::string business_id;    // drp: our business id (required)
  std::string controller_id;  // opendsr: the controller that sent it (required)
  std::string law;            // drp without a regime (voluntary): the law whose deadlines apply; else must agree
  std::string jurisdiction, channel;
};

// A document read and checked, before anything is written.
struct IntakeDoc {
  std::string format;
  std::string sender;       // drp agent-id; opendsr controller id
  std::string external_id;  // drp agent-request-id (may be empty); opendsr subject_request_id
  std::string business;     // drp business-id
  std::string exercise;     // the right as the document names it
  RequestType type = RequestType::access;  // ours
  LawId law = LawId::gdpr;
  std::string api_version;
  std::optional<int64_t> issued_at, expires_at;  // drp; opendsr: submitted_time as issued_at
  std::string signature;    // verified, unverified (signed, no key given), unsigned (plain JSON)
  std::string email, phone, name;
  bool email_verified = false, phone_verified = false, power_of_attorney = false;
  std::vector<std::string> callbacks;
  std::vector<std::string> unused_identities;  // "identity_type/identity_format" we cannot match on
};

// RFC 3339 / ISO 8601 date-time with a Z or +HH:MM offset (fractions of a
// second ignored) to Unix seconds; usage error naming `field` otherwise.
int64_t parse_rfc3339(std::string_view field, std::string_view s);

// Pure: parse and check a document at time `now` (no vault needed; the fuzz
// harness fuzz/fuzz_intake.cpp runs these).
IntakeDoc read_drp(std::string_view text, const IntakeOptions& o, int64_t now);
IntakeDoc read_opendsr(std::string_view text, const IntakeOptions& o);
// An agent's Ed25519 verify key as a key file holds it: 64 hex digits (as DRP
// agents publish them), base64 of the 32 bytes, or the 32 bytes themselves;
// surrounding white space ignored. usage error otherwise.
std::string parse_agent_key(std::string_view content);
// Largest document read (a request is a few hundred bytes).
constexpr size_t kMaxIntakeBytes = 64 * 1024;

// Reads, checks and opens the request (open_request), recording its source
// and an "intake" event in its history, in one transaction.
Request open_from_document(Desk& desk, std::string_view text, const IntakeOptions& o);

// The request's status object in the protocol's form: drp (request_id,
// received_at, expected_by, agent_request_id, processing_details, status,
// reason) or opendsr (controller_id, expected_completion_time,
// subject_request_id, request_status, api_version). usage when the request
// did not come from a document of that format.
nlohmann::json request_status(Desk& desk, std::string_view id, const std::string& format);

}  // namespace dsr
