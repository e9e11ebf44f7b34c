// Fuzzes the field validators (dsr/validate.hpp): email, phone, dates, card
// numbers, expiries and tokens, usernames, postal codes, attribute names, free
// text, and quoted() that echoes values in error messages.
//
// Input: one byte choosing the validator (and for phones a region), then the
// value (for free text, a byte giving the limit first).
//
// Findings: a crash; an exception that is not dsr::Error(usage) whose message
// starts with the field name; a stored form that the validator would change
// again (every stored form is a fixed point); output that is not valid UTF-8
// or over its limit; a card number accepted but not recognised by
// contains_card_number() (it would then pass into free text and error
// messages); a card number's digits in an error message.
#include <string>
#include <string_view>

#include "dsr/error.hpp"
#include "dsr/validate.hpp"
#include "fuzz/fuzz_support.hpp"

using namespace dsr;
namespace v = dsr::validate;

namespace {

// Strict UTF-8 (no overlongs, no surrogates), and the number of code points.
bool utf8(std::string_view s, size_t* count = nullptr) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >= 0xC2 && c <= 0xDF) ? 2 : (c >= 0xE0 && c <= 0xEF) ? 3 : (c >= 0xF0 && c <= 0xF4) ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  if (count) *count = n;
  return true;
}

bool has_digit_run(std::string_view s, size_t run) {
  size_t k = 0;
  for (char c : s) {
    k = (c >= '0' && c <= '9') ? k + 1 : 0;
    if (k >= run) return true;
  }
  return false;
}

// Runs one validator; returns its output or nothing when it refused the value.
template <class Fn>
bool attempt(const char* field, Fn fn) {
  try {
    fn();
    return true;
  } catch (const Error& e) {
    std::string_view msg = e.what();
    DSR_FUZZ_CHECK(e.kind() == ErrorKind::usage, "%s: error of kind %d: %s", field, int(e.kind()), e.what());
    DSR_FUZZ_CHECK(msg.substr(0, std::string_view(field).size() + 1) == std::string(field) + ":",
                   "%s: the message does not start with the field name: %s", field, e.what());
    DSR_FUZZ_CHECK(utf8(msg), "%s: the message is not valid UTF-8", field);
    return false;
  }
}

// A validator whose output it must accept unchanged.
template <class Fn>
void fixed_point(const char* field, std::string_view value, Fn fn, size_t max_chars = 0) {
  std::string out;
  if (!attempt(field, [&] { out = fn(value); })) return;
  size_t chars = 0;
  DSR_FUZZ_CHECK(utf8(out, &chars), "%s: stored form is not valid UTF-8", field);
  DSR_FUZZ_CHECK(!out.empty(), "%s: empty stored form", field);
  if (max_chars) DSR_FUZZ_CHECK(chars <= max_chars, "%s: %zu code points over the limit of %zu", field, chars, max_chars);
  std::string again;
  bool ok = attempt(field, [&] { again = fn(out); });
  DSR_FUZZ_CHECK(ok, "%s: the stored form is refused when given again", field);
  DSR_FUZZ_CHECK(again == out, "%s: the stored form changes when given again", field);
}

// Digits 13..19 separated by at most three spaces or hyphens in a row: what
// contains_card_number() promises to find.
bool plain_card_shape(std::string_view s) {
  size_t digits = 0, seps = 0;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
      seps = 0;
    } else if (++seps > 3) {
      return false;
    }
  }
  return digits >= 13 && digits <= 19;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dsr::fuzz::Bytes in(data, size);
  uint8_t which = in.u8();
  std::string_view value = in.rest();
  if (value.size() > 4096) return 0;  // every limit is far below this
  switch (which % 20) {
    case 0: fixed_point("email", value, [](std::string_view s) { return v::email(s); }, v::Limits::email);
      if (std::string e; attempt("email", [&] { e = v::email(value); })) {
        std::string k = v::email_key(e);
        DSR_FUZZ_CHECK(v::email_key(k) == k, "email_key is not idempotent");
      }
      break;
    case 1: {
      static const char* kRegions[] = {"US", "GB", "DE", "FR", "JP", "IN", "BR", "", "ZZ", "us"};
      const char* region = kRegions[(which / 20) % 10];
      std::string e164;
      if (attempt("phone", [&] { e164 = v::phone(value, region); })) {
        DSR_FUZZ_CHECK(e164.size() >= 2 && e164[0] == '+', "phone: not E.164: %s", e164.c_str());
        for (size_t i = 1; i < e164.size(); ++i)
          DSR_FUZZ_CHECK(e164[i] >= '0' && e164[i] <= '9', "phone: not E.164: %s", e164.c_str());
        std::string again;
        DSR_FUZZ_CHECK(attempt("phone", [&] { again = v::phone(e164, ""); }) && again == e164,
                       "phone: %s is not accepted unchanged", e164.c_str());
      }
      break;
    }
    case 2: fixed_point("birth_date", value, [](std::string_view s) { return v::date("birth_date", s); }); break;
    case 3: {
      v::Card card;
      if (attempt("card_number", [&] { card = v::card_number(value); })) {
        std::string digits;
        for (char c : value)
          if (c >= '0' && c <= '9') digits += c;
        DSR_FUZZ_CHECK(card.last4 == digits.substr(digits.size() - 4), "card_number: wrong last 4");
        DSR_FUZZ_CHECK(!card.brand.empty(), "card_number: no brand");
        DSR_FUZZ_CHECK(!plain_card_shape(value) || v::contains_card_number(value),
                       "a card number that card_number() accepts is not found by contains_card_number()");
        DSR_FUZZ_CHECK(!plain_card_shape(value) || v::quoted(value).find(card.last4) == std::string::npos,
                       "quoted() echoes a card number");
      } else {
        try {
          v::card_number(value);
        } catch (const Error& e) {
          DSR_FUZZ_CHECK(!has_digit_run(e.what(), 3), "card_number: digits in the message: %s", e.what());
        }
      }
      break;
    }
    case 4: {
      v::YearMonth today{2026, int(which / 20) % 12 + 1};
      fixed_point("card_expiry", value, [&](std::string_view s) { return v::card_expiry(s, today); });
      break;
    }
    case 5: fixed_point("card_token", value, [](std::string_view s) { return v::card_token(s); }, v::Limits::card_token);
      break;
    case 6: fixed_point("username", value, [](std::string_view s) { return v::username(s); }, v::Limits::username_max);
      break;
    case 7: fixed_point("zip", value, [](std::string_view s) { return v::zip(s); }, v::Limits::zip); break;
    case 8: fixed_point("name", value, [](std::string_view s) { return v::name(s); }, v::Limits::name); break;
    case 9: fixed_point("address", value, [](std::string_view s) { return v::address(s); }, v::Limits::address); break;
    case 10: fixed_point("interest", value, [](std::string_view s) { return v::interest(s); }, v::Limits::interest);
      break;
    case 11: fixed_point("contact_preference", value, [](std::string_view s) { return v::contact_preference(s); });
      break;
    case 12: fixed_point("account_type", value, [](std::string_view s) { return v::account_type(s); }); break;
    case 13: {
      v::AttrName a;
      if (attempt("attr", [&] { a = v::attr_name(value); })) {
        DSR_FUZZ_CHECK(v::is_category(a.category), "attr: unknown category accepted");
        v::AttrName b;
        DSR_FUZZ_CHECK(attempt("attr", [&] { b = v::attr_name(a.category + "." + a.key); }) &&
                           b.category == a.category && b.key == a.key,
                       "attr: the stored name is not a fixed point");
      }
      break;
    }
    case 14: {
      std::string q = v::quoted(value);
      DSR_FUZZ_CHECK(utf8(q), "quoted: not valid UTF-8");
      for (char c : q)
        DSR_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7F, "quoted: a raw control character");
      DSR_FUZZ_CHECK(q.size() <= 40 * 16 + 8, "quoted: %zu bytes", q.size());
      break;
    }
    case 15: (void)v::is_security_code_key(value); break;
    case 16: {
      bool multiline = which & 0x80;
      size_t max = value.empty() ? 1 : 1 + size_t(uint8_t(value[0])) * 8;  // the value's first byte: the limit
      value.remove_prefix(std::min<size_t>(1, value.size()));
      std::string out;
      if (attempt("note", [&] { out = v::text("note", value, max, multiline); })) {
        size_t chars = 0;
        DSR_FUZZ_CHECK(utf8(out, &chars) && chars <= max && !out.empty(), "text: bad output");
        std::string again;
        DSR_FUZZ_CHECK(attempt("note", [&] { again = v::text("note", out, max, multiline); }) && again == out,
                       "text: the stored form is not a fixed point");
      }
      break;
    }
    case 17: {
      std::string k = v::username_key(value);
      DSR_FUZZ_CHECK(v::username_key(k) == k, "username_key is not idempotent");
      break;
    }
    case 18: (void)v::contains_card_number(value); break;
    case 19: {
      std::string k;
      if (attempt("email", [&] { k = v::email_key(value); }))
        DSR_FUZZ_CHECK(v::email_key(k) == k, "email_key is not idempotent");
      break;
    }
  }
  return 0;
}
