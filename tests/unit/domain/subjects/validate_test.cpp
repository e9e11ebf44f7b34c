// Field validation: what is accepted, the form it is stored in, and what the
// error messages say (and never say: card digits).
#include <doctest/doctest.h>

#include <utf8proc.h>

#include <cstdlib>
#include <string>

#include "dsr/error.hpp"
#include "dsr/validate.hpp"

namespace v = dsr::validate;

namespace {

// Runs f, expects a usage error, returns its message ("" and a failed check otherwise).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const dsr::Error& e) {
    CHECK(e.kind() == dsr::ErrorKind::usage);
    return e.what();
  }
  FAIL_CHECK("expected a dsr::Error");
  return {};
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Appends the Luhn check digit to a digit prefix (an independent implementation).
std::string with_check_digit(const std::string& body) {
  int sum = 0;
  bool twice = true;  // the rightmost digit of body sits left of the check digit
  for (auto it = body.rbegin(); it != body.rend(); ++it) {
    int d = *it - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return body + std::to_string((10 - sum % 10) % 10);
}

// The last digit changed, so the Luhn check fails.
std::string off_by_one(std::string pan) {
  pan.back() = pan.back() == '9' ? '0' : static_cast<char>(pan.back() + 1);
  return pan;
}

// No 4-digit window of the number appears in the message (nor the number itself).
void check_no_digits_leak(const std::string& message, const std::string& pan) {
  std::string digits;
  for (char c : pan)
    if (c >= '0' && c <= '9') digits += c;
  for (std::size_t i = 0; i + 4 <= digits.size(); ++i) {
    INFO("message: " << message);
    CHECK_FALSE(contains(message, digits.substr(i, 4)));
  }
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("validate: text trims, normalises to NFC and returns the value") {
  CHECK(v::text("f", "  Ada Lovelace \t\n", 50) == "Ada Lovelace");
  CHECK(v::text("f", "e\u0301", 5) == "\u00e9");                       // decomposed e + acute -> é
  CHECK(v::text("f", "\u00a0\u3000Zoë\u2003\xef\xbb\xbf", 5) == "Zoë");  // Unicode spaces and a BOM
  CHECK(v::text("f", "line one\nline\ttwo", 50, true) == "line one\nline\ttwo");
  CHECK(v::text("f", "日本語", 3) == "日本語");  // multi-byte UTF-8 counts one per code point
  CHECK(v::text("f", "😀😀", 2) == "😀😀");      // 4-byte sequences too
}

TEST_CASE("validate: text enforces the length in code points, after normalisation") {
  CHECK(v::text("f", std::string(10, 'a'), 10).size() == 10);
  std::string m = error_of([] { v::text("note", std::string(11, 'a'), 10); });
  CHECK(starts_with(m, "note: "));
  CHECK(contains(m, "too long"));
  CHECK(contains(m, "11"));
  // 200 two-byte characters fit a 200 limit; one more does not.
  CHECK_NOTHROW(v::text("f", repeat("é", 200), 200));
  CHECK(starts_with(error_of([] { v::text("f", repeat("é", 201), 200); }), "f: is too long"));
  // Ten decomposed é (20 code points in) become ten composed ones: counted after NFC.
  CHECK(v::text("f", repeat("e\u0301", 10), 10) == repeat("\u00e9", 10));
}

TEST_CASE("validate: text rejects empty values, control characters and bad UTF-8") {
  CHECK(error_of([] { v::text("name", "", 10); }) == "name: must not be empty");
  CHECK(error_of([] { v::text("name", " \t\n\u00a0 ", 10); }) == "name: must not be empty");

  std::string nul = error_of([] { v::text("name", std::string("a\0b", 3), 10); });
  CHECK(starts_with(nul, "name: contains a control character (U+0000)"));
  CHECK(starts_with(error_of([] { v::text("name", std::string("\0", 1), 10); }), "name: contains a control"));
  CHECK(contains(error_of([] { v::text("name", "a\x1b[31mb", 10); }), "U+001B"));
  CHECK(contains(error_of([] { v::text("name", "a\x7f" "b", 10); }), "U+007F"));
  CHECK(contains(error_of([] { v::text("name", "a\u0085b", 10); }), "single line"));  // C1 NEL
  CHECK(contains(error_of([] { v::text("name", "a\u009bb", 10); }), "U+009B"));       // C1 CSI

  CHECK(error_of([] { v::text("name", "a\nb", 10); }) == "name: must be a single line (it contains a line break)");
  CHECK(contains(error_of([] { v::text("name", "a\tb", 10); }), "U+0009"));
  CHECK(contains(error_of([] { v::text("address", "a\r\nb", 10, true); }), "U+000D"));
  CHECK(contains(error_of([] { v::text("address", std::string("a\n\0", 3) + "b", 10, true); }), "U+0000"));

  CHECK(starts_with(error_of([] { v::text("name", "caf\xe9", 10); }), "name: is not valid UTF-8"));  // Latin-1
  CHECK(contains(error_of([] { v::text("name", "\xc0\xaf", 10); }), "not valid UTF-8"));              // overlong '/'
  CHECK(contains(error_of([] { v::text("name", "\xed\xa0\x80", 10); }), "not valid UTF-8"));          // surrogate
  CHECK(contains(error_of([] { v::text("name", "ab\xe6\x97", 10); }), "offset 2"));                   // truncated
  CHECK(contains(error_of([] { v::text("name", "\xf4\x90\x80\x80", 10); }), "not valid UTF-8"));      // > U+10FFFF
}

TEST_CASE("validate: name, address and interest use their limits") {
  CHECK(v::name(" Zoë  Ångström ") == "Zoë  Ångström");
  CHECK(v::name(repeat("ж", v::Limits::name)).size() == 2 * v::Limits::name);
  CHECK(starts_with(error_of([] { v::name(repeat("ж", v::Limits::name + 1)); }), "name: is too long"));
  CHECK(starts_with(error_of([] { v::name(std::string("Bob\0by", 6)); }), "name: contains a control"));
  CHECK(starts_with(error_of([] { v::name("Bob\nSmith"); }), "name: must be a single line"));

  CHECK(v::address("1 Main St\nSpringfield\n") == "1 Main St\nSpringfield");
  CHECK(starts_with(error_of([] { v::address(std::string(v::Limits::address + 1, 'x')); }), "address: is too long"));
  CHECK_NOTHROW(v::address(std::string(v::Limits::address, 'x')));
  CHECK(starts_with(error_of([] { v::address("  "); }), "address: must not be empty"));

  CHECK(v::interest(" cloud backup ") == "cloud backup");
  CHECK(starts_with(error_of([] { v::interest(std::string(v::Limits::interest + 1, 'x')); }), "interest: is too long"));
  CHECK(starts_with(error_of([] { v::interest("a\nb"); }), "interest: "));
}

TEST_CASE("validate: email accepts ordinary and international addresses") {
  CHECK(v::email("bob@example.com") == "bob@example.com");
  CHECK(v::email("  Bob.Smith+tag@Example.COM ") == "Bob.Smith+tag@example.com");  // domain lowercased only
  CHECK(v::email("o'hara!#$%&*/=?^_`{|}~-x@sub.example.co.uk") == "o'hara!#$%&*/=?^_`{|}~-x@sub.example.co.uk");
  CHECK(v::email("josé@bücher.de") == "josé@bücher.de");
  CHECK(v::email("jose\u0301@BU\u0308CHER.de") == "jos\u00e9@b\u00fccher.de");  // NFC, and Ü lowercased
  CHECK(v::email("user@例え.テスト") == "user@例え.テスト");
  CHECK(v::email("a@xn--bcher-kva.xn--p1ai") == "a@xn--bcher-kva.xn--p1ai");  // A-label TLD
  CHECK(v::email("a@my-host.io") == "a@my-host.io");
  CHECK(v::email(std::string(64, 'l').append("@example.com")).size() == 64 + 12);
}

TEST_CASE("validate: email rejects malformed addresses, naming the field and the value") {
  CHECK(error_of([] { v::email("bob@"); }) == "email: \"bob@\" is not a valid email address (nothing after the '@')");
  const char* bad[] = {"bob",           "@example.com",     "a@b@example.com", ".bob@example.com",
                       "bob.@example.com", "bo..b@example.com", "bob@example",     "bob@example.c",
                       "bob@example.c0m", "bob@-example.com", "bob@example-.com", "bob@example..com",
                       "bob@.example.com", "bob@example.com.", "bob smith@example.com", "bob@exa mple.com",
                       "\"bob\"@example.com", "bob,x@example.com", "bob@exam_ple.com", "bob@[127.0.0.1]",
                       "bo\u00a0b@example.com", "bob@example.com\u200bx"};
  for (const char* b : bad) {
    INFO("value: " << b);
    std::string m = error_of([&] { v::email(b); });
    CHECK(starts_with(m, "email: "));
    CHECK(contains(m, "is not a valid email address"));
  }
  CHECK(contains(error_of([] { v::email(std::string(65, 'l').append("@example.com")); }), "longer than 64"));
  CHECK(contains(error_of([] { v::email("a@" + std::string(64, 'd') + ".com"); }), "longer than 63"));
  CHECK(starts_with(error_of([] { v::email(std::string("bob\0@example.com", 16)); }), "email: contains a control"));
  CHECK(starts_with(error_of([] { v::email("x@" + repeat("abcdefghi.", 25) + "com"); }), "email: is too long"));
  CHECK(starts_with(error_of([] { v::email("  "); }), "email: must not be empty"));
}

TEST_CASE("validate: error messages truncate long values and escape control characters") {
  std::string m = error_of([] { v::email(std::string(100, 'x')); });
  CHECK(contains(m, "\"" + std::string(40, 'x') + "...\""));
  CHECK_FALSE(contains(m, std::string(41, 'x')));
  CHECK(v::quoted("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(v::quoted(std::string("a\0\x1b\n", 4)) == "\"a\\x00\\x1B\\n\"");
  CHECK(v::quoted("a\xff") == "\"a\\xFF\"");
  CHECK(v::quoted("\u202eevil") == "\"\\u202Eevil\"");
  CHECK(v::quoted(repeat("ж", 40)) == "\"" + repeat("ж", 40) + "\"");
  CHECK(v::quoted(repeat("ж", 41)) == "\"" + repeat("ж", 40) + "...\"");
  // A card number typed into the wrong field is not echoed either.
  std::string w = error_of([] { v::email("4111 1111 1111 1111"); });
  CHECK(starts_with(w, "email: "));
  check_no_digits_leak(w, "4111111111111111");
}

TEST_CASE("validate: email_key case-folds and normalises for lookup") {
  CHECK(v::email_key("Bob.Smith@example.com") == "bob.smith@example.com");
  CHECK(v::email_key("STRASSE@example.com") == v::email_key("straße@example.com"));
  CHECK(v::email_key("jos\u00e9@example.com") == v::email_key("JOSE\u0301@example.com"));
  CHECK(v::email_key("a@b.de") != v::email_key("b@b.de"));
  CHECK(starts_with(error_of([] { v::email_key("caf\xe9@x.com"); }), "email: "));
}

TEST_CASE("validate: username and username_key") {
  CHECK(v::username("bob") == "bob");
  CHECK(v::username(" Bob_Smith-1.x ") == "Bob_Smith-1.x");
  CHECK(v::username("9lives") == "9lives");
  CHECK(v::username(std::string(64, 'u')).size() == 64);
  CHECK(starts_with(error_of([] { v::username(std::string(65, 'u')); }), "username: is too long"));
  CHECK(contains(error_of([] { v::username("ab"); }), "too short"));
  CHECK(starts_with(error_of([] { v::username("ab"); }), "username: \"ab\""));
  CHECK(contains(error_of([] { v::username("_bob"); }), "must start with a letter or digit"));
  CHECK(contains(error_of([] { v::username(".bob"); }), "must start with a letter or digit"));
  CHECK(contains(error_of([] { v::username("bob smith"); }), "may contain only"));
  CHECK(contains(error_of([] { v::username("böb"); }), "may contain only"));
  CHECK(contains(error_of([] { v::username("bob@x"); }), "may contain only"));
  CHECK(starts_with(error_of([] { v::username(std::string("bo\0b", 4)); }), "username: contains a control"));
  CHECK(v::username_key(" Bob_Smith ") == "bob_smith");
  CHECK(v::username_key("BOB") == v::username_key("bob"));
}

TEST_CASE("validate: phone returns E.164 for valid numbers") {
  CHECK(v::phone("(650) 253-0000") == "+16502530000");
  CHECK(v::phone("415-555-0132") == "+14155550132");
  CHECK(v::phone("+1 650 253 0000", "") == "+16502530000");  // no default region: + required
  CHECK(v::phone("+44 20 7946 0958") == "+442079460958");      // a country code beats the default region
  CHECK(v::phone("020 7946 0958", "GB") == "+442079460958");
  CHECK(v::phone("020 7946 0958", "gb") == "+442079460958");
  CHECK(v::phone("011 44 20 7946 0958") == "+442079460958");  // US international prefix
  CHECK(v::phone("+49 30 123456") == "+4930123456");
  CHECK(v::phone("030 123456", "DE") == "+4930123456");
  CHECK(v::phone(" 650.253.0000 ") == "+16502530000");
}

TEST_CASE("validate: phone rejects invalid numbers and stray text") {
  CHECK(starts_with(error_of([] { v::phone("123"); }), "phone: \"123\" is not a valid phone number (too short"));
  CHECK(contains(error_of([] { v::phone("020 7946 0958"); }), "region US"));  // a UK number read as US
  CHECK(contains(error_of([] { v::phone("+999 1234 5678"); }), "unknown country code"));
  CHECK(contains(error_of([] { v::phone("650 253 0000", ""); }), "no country code"));
  CHECK(contains(error_of([] { v::phone("1-800-FLOWERS"); }), "only digits"));   // vanity letters
  CHECK(contains(error_of([] { v::phone("650 253 0000 ext 12"); }), "only digits"));  // extension
  CHECK(contains(error_of([] { v::phone("call 650 253 0000"); }), "only digits"));
  CHECK(contains(error_of([] { v::phone("650+253+0000"); }), "'+' may only come first"));
  CHECK(contains(error_of([] { v::phone("()-"); }), "no digits"));
  CHECK(starts_with(error_of([] { v::phone("650 253 0000", "XX"); }), "phone: unknown default region"));
  CHECK(starts_with(error_of([] { v::phone(std::string(v::Limits::phone + 1, '1')); }), "phone: is too long"));
  CHECK(starts_with(error_of([] { v::phone(std::string("650\0 253 0000", 13)); }), "phone: contains a control"));
  CHECK(starts_with(error_of([] { v::phone(""); }), "phone: must not be empty"));
}

TEST_CASE("validate: zip") {
  CHECK(v::zip("94043") == "94043");
  CHECK(v::zip(" sw1a 1aa ") == "SW1A 1AA");
  CHECK(v::zip("94043-1351") == "94043-1351");
  CHECK(v::zip("k1a 0b1") == "K1A 0B1");
  CHECK(v::zip("12") == "12");
  CHECK(v::zip(std::string(16, '9')).size() == 16);
  CHECK(starts_with(error_of([] { v::zip(std::string(17, '9')); }), "zip: is too long"));
  CHECK(contains(error_of([] { v::zip("1"); }), "too short"));
  CHECK(contains(error_of([] { v::zip("94043!"); }), "may contain only"));
  CHECK(contains(error_of([] { v::zip("9404é"); }), "may contain only"));
  CHECK(contains(error_of([] { v::zip("-9404"); }), "begin and end"));
  CHECK(starts_with(error_of([] { v::zip(std::string("94\0" "043", 6)); }), "zip: contains a control"));
}

TEST_CASE("validate: contact_preference and account_type are closed choices") {
  CHECK(v::contact_preference("email") == "email");
  CHECK(v::contact_preference(" PHONE ") == "phone");
  CHECK(error_of([] { v::contact_preference("fax"); }) == "contact_preference: \"fax\" is not one of: email, phone");
  CHECK(starts_with(error_of([] { v::contact_preference(""); }), "contact_preference: "));
  CHECK(starts_with(error_of([] { v::contact_preference(std::string("email\0", 6)); }), "contact_preference: "));
  CHECK(v::account_type("Corporate") == "corporate");
  CHECK(v::account_type("individual") == "individual");
  CHECK(error_of([] { v::account_type("business"); }) ==
        "account_type: \"business\" is not one of: individual, corporate");
}

TEST_CASE("validate: card_number keeps only brand and last 4, by IIN") {
  struct Case {
    std::string pan, brand;
  };
  const Case cases[] = {
      {"4111111111111111", "visa"},
      {"4012888888881881", "visa"},
      {"4222222222222", "visa"},  // 13 digits
      {"5555555555554444", "mastercard"},
      {"5105105105105100", "mastercard"},
      {"2223003122003222", "mastercard"},  // 2-series
      {with_check_digit("272099999999999"), "mastercard"},
      {"378282246310005", "amex"},
      {"371449635398431", "amex"},
      {"6011111111111117", "discover"},
      {"6011000990139424", "discover"},
      {with_check_digit("644000000000000"), "discover"},
      {with_check_digit("650000000000000"), "discover"},
      {"3530111333300000", "jcb"},
      {"3566002020360505", "jcb"},
      {"30569309025904", "diners"},
      {"38520000023237", "diners"},
      {"36227206271667", "diners"},
      {"6200000000000005", "unionpay"},
      {with_check_digit("501800000000000"), "maestro"},
      {with_check_digit("675964982643845"), "maestro"},
      {with_check_digit("630400000000000"), "maestro"},
      {with_check_digit("11111111111111"), "unknown"},
      {with_check_digit("222000000000000"), "unknown"},  // just below the Mastercard 2-series
  };
  for (const auto& c : cases) {
    INFO("pan: " << c.pan);
    v::Card card = v::card_number(c.pan);
    CHECK(card.brand == c.brand);
    CHECK(card.last4 == c.pan.substr(c.pan.size() - 4));
    // The same number with the last digit changed fails Luhn, and the message shows no digits.
    std::string m = error_of([&] { v::card_number(off_by_one(c.pan)); });
    CHECK(starts_with(m, "card_number: "));
    check_no_digits_leak(m, c.pan);
  }
  CHECK(v::card_number(" 4111 1111-1111 1111 ").last4 == "1111");
  CHECK(v::card_number("3782-822463-10005").brand == "amex");
}

TEST_CASE("validate: card_number errors never contain the digits") {
  const std::string too_short = with_check_digit("4111111111");  // 11 digits
  const std::string too_long = with_check_digit("4111111111111111111");  // 20 digits
  const std::string with_letter = "4111 1111 x111 1111";
  const std::string nul = std::string("4111111111111111\0", 17);
  for (const std::string& pan : {too_short, too_long, with_letter, nul, std::string("5555555555554445")}) {
    INFO("pan: " << pan);
    std::string m = error_of([&] { v::card_number(pan); });
    CHECK(starts_with(m, "card_number: "));
    check_no_digits_leak(m, pan);
  }
  CHECK(contains(error_of([] { v::card_number(with_check_digit("4111111111")); }), "12 to 19 digits"));
  CHECK(contains(error_of([] { v::card_number("4111 1111 x111 1111"); }), "only digits"));
  CHECK(contains(error_of([] { v::card_number("0000000000000000"); }), "not a valid card number"));
  CHECK(error_of([] { v::card_number("   "); }) == "card_number: must not be empty");
  CHECK(v::card_number(with_check_digit("41111111111")).last4.size() == 4);  // exactly 12 digits is fine
  CHECK(v::card_number(with_check_digit("411111111111111111")).brand == "visa");  // 19 digits
}

TEST_CASE("validate: card_expiry formats and edge cases") {
  const v::YearMonth today{2025, 6};
  CHECK(v::card_expiry("06/25", today) == "2025-06");  // valid through the end of this month
  CHECK(v::card_expiry("6/25", today) == "2025-06");
  CHECK(v::card_expiry("12/2030", today) == "2030-12");
  CHECK(v::card_expiry("01-27", today) == "2027-01");
  CHECK(v::card_expiry("01-2027", today) == "2027-01");
  CHECK(v::card_expiry(" 01 / 27 ", today) == "2027-01");
  CHECK(v::card_expiry("2027-01", today) == "2027-01");  // the stored form reads back
  CHECK(v::card_expiry("06/45", today) == "2045-06");    // exactly 20 years ahead

  CHECK(error_of([] { v::card_expiry("05/25", {2025, 6}); }) == "card_expiry: card expired 2025-05");
  CHECK(error_of([] { v::card_expiry("03/21", {2025, 6}); }) == "card_expiry: card expired 2021-03");
  CHECK(error_of([] { v::card_expiry("12/24", {2025, 1}); }) == "card_expiry: card expired 2024-12");
  CHECK(v::card_expiry("01/25", {2024, 12}) == "2025-01");
  CHECK(contains(error_of([] { v::card_expiry("07/45", {2025, 6}); }), "more than 20 years"));
  CHECK(contains(error_of([] { v::card_expiry("13/25", {2025, 6}); }), "(expected 01 to 12)"));
  CHECK(contains(error_of([] { v::card_expiry("00/26", {2025, 6}); }), "(expected 01 to 12)"));
  const char* malformed[] = {"", "0625", "06/2", "06/202", "06.25", "ab/cd", "06/25/01", "123/25", "2027/01", "/25"};
  for (const char* m : malformed) {
    INFO("value: " << m);
    std::string msg = error_of([&] { v::card_expiry(m, {2025, 6}); });
    CHECK(starts_with(msg, "card_expiry: "));
    CHECK(contains(msg, "expected MM/YY"));
  }
  CHECK(contains(error_of([] { v::card_expiry(std::string("06/2\0", 5), {2025, 6}); }), "\\x00"));
}

TEST_CASE("validate: card_token") {
  CHECK(v::card_token("tok_1NvZ2b2eZvKYlo2C") == "tok_1NvZ2b2eZvKYlo2C");
  CHECK(v::card_token(" pm:abc-DEF.123 ") == "pm:abc-DEF.123");
  CHECK(v::card_token(std::string(128, 't')).size() == 128);
  CHECK(starts_with(error_of([] { v::card_token(std::string(129, 't')); }), "card_token: is too long"));
  CHECK(contains(error_of([] { v::card_token("tok 123"); }), "may contain only"));
  CHECK(contains(error_of([] { v::card_token("tok/123"); }), "may contain only"));
  CHECK(starts_with(error_of([] { v::card_token(""); }), "card_token: must not be empty"));
  // A full card number pasted into the token field is refused, without echoing it.
  std::string m = error_of([] { v::card_token("4111111111111111"); });
  CHECK(contains(m, "looks like a card number"));
  check_no_digits_leak(m, "4111111111111111");
  CHECK(v::card_token("4111111111111112") == "4111111111111112");  // Luhn-invalid: a format-preserving token
}

TEST_CASE("validate: is_security_code_key") {
  const char* yes[] = {"cvv",  "CVV",           "cvc",           "cvv2",          "CVC2",
                       "cid",  "csc",           "cav2",          "security_code", "security-code",
                       "Security Code", "card_verification", "verification_code", "payment.cvv",
                       "payment.CVV2", "billing.security_code", "supplemental.card.cvc", "card_cvv",
                       "cvv_code", "card.security-code", "card_verification_value", "cvn", "cvd"};
  for (const char* k : yes) {
    INFO("key: " << k);
    CHECK(v::is_security_code_key(k));
  }
  const char* no[] = {"expiry", "last4", "brand", "payment.token", "identity.name", "customer_id",
                      "cider",  "access", "survey.age_band", "code", "security", ""};
  for (const char* k : no) {
    INFO("key: " << k);
    CHECK_FALSE(v::is_security_code_key(k));
  }
}

TEST_CASE("validate: contains_card_number") {
  CHECK(v::contains_card_number("4111111111111111"));
  CHECK(v::contains_card_number("card: 4111 1111 1111 1111, thanks"));
  CHECK(v::contains_card_number("5555-5555-5555-4444"));
  CHECK(v::contains_card_number("amex 3782 822463 10005 exp 01/27"));
  CHECK(v::contains_card_number("x6011111111111117y"));
  CHECK(v::contains_card_number("4111 1111 1111 1111 0127"));  // followed by another group
  CHECK(v::contains_card_number("ref 12 4111 1111 1111 1111"));  // preceded by one
  CHECK(v::contains_card_number("4222222222222"));                // 13 digits
  CHECK(v::contains_card_number(with_check_digit("411111111111111111")));  // 19 digits

  CHECK_FALSE(v::contains_card_number("4111111111111112"));  // Luhn fails
  CHECK_FALSE(v::contains_card_number("411111111111"));      // 12 digits: too few
  CHECK_FALSE(v::contains_card_number("order 12345, phone 650 253 0000"));
  CHECK_FALSE(v::contains_card_number("0000 0000 0000 0000"));
  CHECK_FALSE(v::contains_card_number("4111.1111.1111.1111"));  // dots separate runs
  CHECK_FALSE(v::contains_card_number("4111    1111 1111 1111"));  // four spaces end a run
  CHECK_FALSE(v::contains_card_number(""));
  CHECK_FALSE(v::contains_card_number("no digits at all"));
  // A longer unbroken run is an id, not a card number.
  CHECK_FALSE(v::contains_card_number("41111111111111110000"));
}

TEST_CASE("validate: attr_name and is_category") {
  for (const char* c : {"identity", "contact", "billing", "payment", "survey", "supplemental", "preferences"})
    CHECK(v::is_category(c));
  CHECK_FALSE(v::is_category("health"));
  CHECK_FALSE(v::is_category("Identity"));
  CHECK_FALSE(v::is_category(""));

  v::AttrName a = v::attr_name("Supplemental.Credit_Score");
  CHECK(a.category == "supplemental");
  CHECK(a.key == "credit_score");
  a = v::attr_name("survey.age-band.2024");
  CHECK(a.category == "survey");
  CHECK(a.key == "age-band.2024");
  CHECK(v::attr_name("preferences." + std::string(64, 'k')).key.size() == 64);

  CHECK(starts_with(error_of([] { v::attr_name("health.blood_type"); }), "attr: unknown category \"health\""));
  CHECK(contains(error_of([] { v::attr_name("credit_score"); }), "must be CATEGORY.KEY"));
  CHECK(contains(error_of([] { v::attr_name("survey."); }), "no key"));
  CHECK(contains(error_of([] { v::attr_name("survey." + std::string(65, 'k')); }), "too long"));
  CHECK(contains(error_of([] { v::attr_name("survey.age band"); }), "may contain only"));
  CHECK(contains(error_of([] { v::attr_name("survey.âge"); }), "may contain only"));
  CHECK(contains(error_of([] { v::attr_name(std::string("survey.a\0b", 10)); }), "may contain only"));
  CHECK(contains(error_of([] { v::attr_name("survey._x"); }), "must start with a letter or digit"));
  CHECK(starts_with(error_of([] { v::attr_name(".x"); }), "attr: unknown category \"\""));
}

TEST_CASE("validate: date is a strict, real calendar date") {
  CHECK(v::date("received", "2024-02-29") == "2024-02-29");  // leap year
  CHECK(v::date("received", "2000-02-29") == "2000-02-29");  // divisible by 400
  CHECK(v::date("received", " 2024-12-31 ") == "2024-12-31");
  CHECK(v::date("received", "0001-01-01") == "0001-01-01");
  CHECK(error_of([] { v::date("received", "2023-02-29"); }) == "received: \"2023-02-29\" is not a real date");
  CHECK(contains(error_of([] { v::date("received", "1900-02-29"); }), "not a real date"));  // divisible by 100
  const char* unreal[] = {"2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32", "0000-01-01"};
  for (const char* d : unreal) {
    INFO("value: " << d);
    CHECK(contains(error_of([&] { v::date("since", d); }), "not a real date"));
  }
  const char* malformed[] = {"2024-2-29", "24-02-29", "2024/02/29", "2024-02-29T00:00", "20240229", "", "2024-0a-01"};
  for (const char* d : malformed) {
    INFO("value: " << d);
    std::string m = error_of([&] { v::date("since", d); });
    CHECK(starts_with(m, "since: "));
    CHECK(contains(m, "YYYY-MM-DD"));
  }
  CHECK(contains(error_of([] { v::date("since", std::string("2024-01-0\0", 10)); }), "\\x00"));
}

TEST_CASE("validate: ASCII takes a short cut that gives what utf8proc gives") {
  // Every ASCII character, in both cases, next to letters: folded and composed
  // by the short cut, and by utf8proc itself.
  for (int c = 1; c < 128; ++c) {
    std::string s = std::string("aB") + static_cast<char>(c) + "Zy";
    utf8proc_uint8_t* out = nullptr;
    auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
                          &out, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE));
    REQUIRE(n >= 0);
    std::string want(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
    std::free(out);
    CAPTURE(c);
    CHECK(v::email_key(s) == want);
  }
  CHECK(v::email_key("\xC3\x89MILE@EXAMPLE.COM") == "\xC3\xA9mile@example.com");  // and the rest goes to utf8proc
  CHECK(v::name("Jose\xCC\x81") == "Jos\xC3\xA9");                                  // composed (NFC)
}

TEST_CASE("validate: free text refuses a Luhn-valid 13-19 digit run, naming the field, never echoing it") {
  for (const char* number : {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005",
                             "6011 0009 9013 9424", "4222222222222"}) {
    std::string value = std::string("refund to card ") + number + " please";
    std::string msg = error_of([&] { v::free_text("reason", value, 500); });
    CHECK(msg.rfind("reason: ", 0) == 0);
    CHECK(msg.find(number) == std::string::npos);
    CHECK(msg.find("1111") == std::string::npos);
  }
  // Not card numbers: too short, not Luhn-valid, an order number, a date.
  CHECK(v::free_text("reason", "order 12345 on 2026-11-30", 500) == "order 12345 on 2026-11-30");
  CHECK(v::free_text("purpose", "ticket 4111111111111112", 500) == "ticket 4111111111111112");
  CHECK(v::free_text("purpose", "  billing  ", 500) == "billing");
  // It is text() first: empty and control characters as before.
  CHECK(error_of([] { v::free_text("reason", "  ", 500); }).rfind("reason: must not be empty", 0) == 0);
}
