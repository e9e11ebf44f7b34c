// Reading Data Rights Protocol and OpenDSR request documents (dsr/intake.hpp).
// Pure: no vault, so the fuzz harness (fuzz/fuzz_intake.cpp) runs it as is.
#include <algorithm>
#include <cctype>
#include <chrono>

#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/intake.hpp"
#include "dsr/laws.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "vault/signed_message.hpp"

namespace dsr {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& format, const std::string& msg) {
  fail(ErrorKind::usage, "--from-file (" + format + "): " + msg);
}
[[noreturn]] void refuse(const std::string& format, const std::string& msg) {
  fail(ErrorKind::refused, "--from-file (" + format + "): " + msg);
}

json parse_object(const std::string& format, std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) bad(format, "not valid JSON");
  if (!j.is_object()) bad(format, "the document must be a JSON object");
  return j;
}

// A string field: required (usage error when missing) or optional (""), at
// most `max` characters, no control characters.
std::string text_field(const std::string& format, const json& j, const char* key, bool required, size_t max = 200) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) bad(format, std::string("\"") + key + "\" is missing");
    return "";
  }
  if (!it->is_string()) bad(format, std::string("\"") + key + "\" must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.empty()) {
    if (required) bad(format, std::string("\"") + key + "\" is empty");
    return "";
  }
  return validate::text(std::string("\"") + key + "\"", s, max);
}

bool bool_field(const std::string& format, const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean()) bad(format, std::string("\"") + key + "\" must be true or false");
  return it->get<bool>();
}

std::string url_field(const std::string& format, const std::string& field, const json& v) {
  if (!v.is_string()) bad(format, "\"" + field + "\" must be a URL string");
  std::string u = validate::text("\"" + field + "\"", v.get_ref<const std::string&>(), 2000);
  if (u.rfind("https://", 0) != 0 && u.rfind("http://", 0) != 0)
    bad(format, "\"" + field + "\" must be an http(s) URL");
  return u;
}

// The Data Rights Protocol's rights (its section 3.01) as our request types.
// sale:opt_out is the spelling of the 0.9 drafts.
const std::vector<std::pair<std::string_view, RequestType>>& drp_rights() {
  using enum RequestType;
  static const std::vector<std::pair<std::string_view, RequestType>> t = {
      {"sale:opt-out", opt_out}, {"sale:opt_out", opt_out}, {"deletion", erasure},
      {"access", access},        {"access:categories", access}, {"access:specific", access},
  };
  return t;
}

bool is_uuid_v4(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t k = 0; k < s.size(); ++k) {
    char c = s[k];
    if (k == 8 || k == 13 || k == 18 || k == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return s[14] == '4' && (s[19] == '8' || s[19] == '9' || s[19] == 'a' || s[19] == 'b');
}

LawId law_of(const std::string& format, const std::string& from_doc, const std::string& given) {
  if (!given.empty() && !from_doc.empty() && given != from_doc)
    fail(ErrorKind::usage, "--law: the document's regime is " + from_doc + ", not " + given);
  std::string law = from_doc.empty() ? given : from_doc;
  if (law.empty()) bad(format, "no regime (a voluntary request): give --law for its deadlines");
  return laws::get(law).id;
}

}  // namespace

int64_t parse_rfc3339(std::string_view field, std::string_view s) {
  auto bad_time = [&]() -> int64_t {
    fail(ErrorKind::usage, std::string(field) + ": expected an RFC 3339 time, e.g. 2026-02-01T10:00:00Z or "
                                                "2026-02-01T11:00:00+01:00");
  };
  if (s.size() < 20 || (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':') return bad_time();
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest[0] == '.') {  // fractions of a second
    size_t k = 1;
    while (k < rest.size() && rest[k] >= '0' && rest[k] <= '9') ++k;
    if (k == 1) return bad_time();
    rest.remove_prefix(k);
  }
  int64_t offset = 0;
  if (rest == "Z" || rest == "z") {
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    auto digit = [&](size_t k) { return rest[k] >= '0' && rest[k] <= '9'; };
    if (!digit(1) || !digit(2) || !digit(4) || !digit(5)) return bad_time();
    int h = (rest[1] - '0') * 10 + (rest[2] - '0'), m = (rest[4] - '0') * 10 + (rest[5] - '0');
    if (h > 23 || m > 59) return bad_time();
    offset = (rest[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
  } else {
    return bad_time();
  }
  std::string base(s.substr(0, 19));
  base[10] = 'T';
  int64_t t = 0;
  try {
    t = parse_time(field, base + "Z");
  } catch (const Error&) {
    return bad_time();
  }
  return t - offset;
}

std::string parse_agent_key(std::string_view content) {
  std::string_view t = content;
  if (t.size() != 32) {
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
  }
  if (t.size() == 32) return std::string(t);
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (t.size() == 64 && std::all_of(t.begin(), t.end(), [&](char c) { return hex(c) >= 0; })) {
    std::string key;
    for (size_t k = 0; k < 64; k += 2) key.push_back(static_cast<char>(hex(t[k]) * 16 + hex(t[k + 1])));
    return key;
  }
  if (auto b = vault::base64_decode(t); b && b->size() == 32) return *b;
  fail(ErrorKind::usage, "--agent-key: expected the agent's Ed25519 verify key: 64 hex digits, base64 of 32 bytes, "
                         "or the 32 bytes");
}

IntakeDoc read_drp(std::string_view text_in, const IntakeOptions& o, int64_t now) {
  const std::string F = "drp";
  if (text_in.size() > kMaxIntakeBytes) bad(F, "larger than 64 KiB; is it a DRP request?");
  IntakeDoc d;
  d.format = F;
  // The wire form is base64 of signature + JSON; a plain JSON document is
  // accepted only when no agent key asks for a signature.
  std::string_view text = text_in;
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r' || text.front() == '\t'))
    text.remove_prefix(1);
  std::string message;
  if (!text.empty() && text.front() == '{') {
    if (!o.agent_key.empty())
      refuse(F, "the document is plain JSON, not signed; the agent's key (--agent-key) asks for a signed request");
    message = std::string(text);
    d.signature = "unsigned";
  } else {
    auto raw = vault::base64_decode(text);
    if (!raw) bad(F, "neither JSON nor base64 (a DRP request is signed, then base64-encoded)");
    if (o.agent_key.empty()) {
      auto m = vault::unverified_message(*raw);
      if (!m) bad(F, "too short to hold a signature");
      message = *m;
      d.signature = "unverified";
    } else {
      auto m = vault::open_signed(o.agent_key, *raw);
      if (!m) refuse(F, "the signature does not verify with the agent's key (--agent-key): the request is refused");
      message = *m;
      d.signature = "verified";
    }
  }
  json j = parse_object(F, message);
  d.sender = text_field(F, j, "agent-id", true);
  d.business = text_field(F, j, "business-id", true);
  if (o.business_id.empty()) fail(ErrorKind::usage, "--business-id: give our DRP business id to check the request against");
  if (d.business != o.business_id)
    refuse(F, "the request is for business " + validate::quoted(d.business) + ", not ours (" + o.business_id + ")");
  d.issued_at = parse_rfc3339("\"issued-at\"", text_field(F, j, "issued-at", true));
  d.expires_at = parse_rfc3339("\"expires-at\"", text_field(F, j, "expires-at", true));
  if (*d.issued_at > now) refuse(F, "issued at " + iso_time(*d.issued_at) + ", in the future (now " + iso_time(now) + ")");
  if (now >= *d.expires_at) refuse(F, "expired at " + iso_time(*d.expires_at) + " (now " + iso_time(now) + ")");
  d.external_id = text_field(F, j, "agent-request-id", false);
  d.api_version = text_field(F, j, "drp.version", true, 20);
  if (d.api_version != "1.0")
    bad(F, "\"drp.version\" is " + validate::quoted(d.api_version) + "; this desk reads DRP 1.0");
  d.exercise = text_field(F, j, "exercise", true, 50);
  std::optional<RequestType> type;
  for (const auto& [right, t] : drp_rights())
    if (right == d.exercise) type = t;
  if (!type) {
    if (d.exercise == "sale:opt-in" || d.exercise == "sale:opt_in")
      bad(F, "\"exercise\": sale:opt-in is a consent, not a request this desk opens (record it with `dsr choice`)");
    bad(F, "\"exercise\": unknown right " + validate::quoted(d.exercise) +
               " (DRP 1.0: sale:opt-out, deletion, access, access:categories, access:specific)");
  }
  d.type = *type;
  std::string regime = text_field(F, j, "regime", false, 20);
  if (!regime.empty() && regime != "ccpa") bad(F, "\"regime\": DRP 1.0 knows only ccpa (or none, voluntary)");
  d.law = law_of(F, regime, o.law);
  if (auto it = j.find("status_callback"); it != j.end() && !it->is_null())
    d.callbacks.push_back(url_field(F, "status_callback", *it));
  if (auto it = j.find("relationships"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) bad(F, "\"relationships\" must be a list of strings");
    for (const auto& r : *it)
      if (!r.is_string()) bad(F, "\"relationships\" must be a list of strings");
  }
  // The identity (DRP section 3.04): schema.org/Person claims.
  std::string email = text_field(F, j, "email", false, 254), phone = text_field(F, j, "phone_number", false, 32),
              name = text_field(F, j, "name", false, 200);
  if (!email.empty()) d.email = validate::email(email);
  if (!phone.empty()) d.phone = validate::phone(phone);
  if (!name.empty()) d.name = validate::name(name);
  if (d.email.empty() && d.phone.empty() && d.name.empty())
    bad(F, "no identity: the request must claim an email, phone_number or name");
  d.email_verified = bool_field(F, j, "email_verified");
  d.phone_verified = bool_field(F, j, "phone_number_verified");
  d.power_of_attorney = bool_field(F, j, "power_of_attorney");
  return d;
}

IntakeDoc read_opendsr(std::string_view text, const IntakeOptions& o) {
  const std::string F = "opendsr";
  if (text.size() > kMaxIntakeBytes) bad(F, "larger than 64 KiB; is it an OpenDSR request?");
  IntakeDoc d;
  d.format = F;
  d.signature = "unsigned";  // OpenDSR signs responses, not requests
  json j = parse_object(F, text);
  if (o.controller_id.empty()) fail(ErrorKind::usage, "--controller-id: name the controller that sent the request");
  d.sender = validate::text("--controller-id", o.controller_id, 200);
  d.external_id = text_field(F, j, "subject_request_id", true, 36);
  if (!is_uuid_v4(d.external_id)) bad(F, "\"subject_request_id\" must be a lowercase UUID v4");
  d.exercise = text_field(F, j, "subject_request_type", true, 50);
  if (d.exercise != "access" && d.exercise != "portability" && d.exercise != "erasure")
    bad(F, "\"subject_request_type\": unknown type " + validate::quoted(d.exercise) + " (access, portability, erasure)");
  d.type = *parse<RequestType>(d.exercise);
  std::string regulation = text_field(F, j, "regulation", true, 20);
  if (regulation != "gdpr" && regulation != "ccpa")
    bad(F, "\"regulation\": " + validate::quoted(regulation) + " is not gdpr or ccpa");
  d.law = law_of(F, regulation, o.law);
  d.issued_at = parse_rfc3339("\"submitted_time\"", text_field(F, j, "submitted_time", true));
  d.api_version = text_field(F, j, "api_version", false, 20);
  if (auto it = j.find("status_callback_urls"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) bad(F, "\"status_callback_urls\" must be a list of URLs");
    if (it->size() > 20) bad(F, "\"status_callback_urls\": more than 20");
    for (const auto& u : *it) d.callbacks.push_back(url_field(F, "status_callback_urls", u));
  }
  if (auto it = j.find("extensions"); it != j.end() && !it->is_null() && !it->is_object())
    bad(F, "\"extensions\" must be an object");
  auto ids = j.find("subject_identities");
  if (ids == j.end() || ids->is_null()) bad(F, "no identity: \"subject_identities\" is missing");
  if (!ids->is_array()) bad(F, "\"subject_identities\" must be a list");
  if (ids->size() > 100) bad(F, "\"subject_identities\": more than 100");
  for (const auto& id : *ids) {
    if (!id.is_object()) bad(F, "each of \"subject_identities\" must be an object");
    std::string type = text_field(F, id, "identity_type", true, 64);
    std::string fmt = text_field(F, id, "identity_format", true, 16);
    std::string value = text_field(F, id, "identity_value", true, 512);
    if (fmt != "raw" && fmt != "sha1" && fmt != "md5" && fmt != "sha256")
      bad(F, "\"identity_format\": " + validate::quoted(fmt) + " is not raw, sha1, md5 or sha256");
    if (type == "email" && fmt == "raw" && d.email.empty()) d.email = validate::email(value);
    else d.unused_identities.push_back(type + "/" + fmt);
  }
  if (d.email.empty())
    bad(F, "no identity this desk can match: give a raw email among \"subject_identities\"");
  return d;
}

}  // namespace dsr
