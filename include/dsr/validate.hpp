// Field validation: pure functions that turn what a person or a script typed
// into the form the vault stores, or refuse it. No database, no terminal.
//
// Every function either returns the normalised value or throws
// dsr::Error(ErrorKind::usage, msg) where msg starts with the field name
// ("email: ..."). Messages echo the offending value only through quoted()
// (truncated, control characters escaped), and never echo anything that looks
// like a card number or a card security code.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dsr::validate {

// Maximum lengths, in Unicode code points unless noted.
struct Limits {
  static constexpr std::size_t name = 200, email = 254, username_min = 3, username_max = 64,
                               phone = 32, address = 500, zip = 16, interest = 100,
                               interests_max = 50, attr_key = 64, attr_value = 1000, source = 200,
                               reason = 500, card_token = 128, free_text = 2000;
};

// Generic text. Rejects invalid UTF-8 (including overlong forms and surrogates),
// NUL and every other C0/C1 control character and DEL (newline and tab are
// allowed inside the value only when multiline is true); trims surrounding
// white space (Unicode White_Space, plus U+200B and U+FEFF); NFC-normalises;
// rejects a value that is empty after trimming; and enforces max_chars counted
// in code points after normalisation. Returns the normalised text.
std::string text(std::string_view field, std::string_view value, std::size_t max_chars,
                 bool multiline = false);

// Free text that staff type about a subject or an event (reasons, purposes,
// notes, sources, references, descriptions): text(), and then a value holding
// a full card number (contains_card_number) is refused with a usage error
// naming the field and never echoing the digits (PCI DSS 3.4.1). The one
// check every free-text field goes through.
std::string free_text(std::string_view field, std::string_view value, std::size_t max_chars,
                      bool multiline = false);

// free_text() for field "name", at most Limits::name: a card number in a
// name is refused like one in any free text (usage, exit 2).
std::string name(std::string_view v);

// An email address: trimmed and NFC-normalised; exactly one '@'; a local part of
// 1..64 code points made of RFC 5322 atext (A-Z a-z 0-9 and !#$%&'*+/=?^_`{|}~-),
// dots (not leading, trailing or doubled) and printable non-ASCII characters (no
// quoted local parts); a domain of at least two dot-separated labels of letters,
// digits and hyphens (UTF-8 IDN labels allowed; no leading or trailing hyphen;
// 1..63 code points each), the last one (the TLD) being >= 2 letters or an
// "xn--" A-label. The domain is lowercased, the local part kept as typed.
// At most Limits::email code points. Returns the stored form.
std::string email(std::string_view v);

// The key used for uniqueness and lookup: the stored email case-folded
// (utf8proc casefold) and NFC-normalised. Does not validate beyond UTF-8.
std::string email_key(std::string_view stored_email);

// 3..64 characters of [A-Za-z0-9._-], starting with a letter or digit, and
// no card number (free_text). Returns it as given (after trimming surrounding white space).
std::string username(std::string_view v);

// The key used for uniqueness and lookup: trimmed and ASCII-lowercased. Does
// not validate (so a lookup with any text simply finds nothing); call
// username() first when storing.
std::string username_key(std::string_view v);

// A phone number, parsed with libphonenumber against default_region (an ISO
// 3166 region code such as "US" or "GB"; empty means the number must start
// with '+'). Only digits, spaces, and + ( ) - . / are accepted, so vanity
// letters and extensions are refused rather than silently converted or
// dropped. The number must be valid (IsValidNumber). Returns E.164
// ("+14155550123").
std::string phone(std::string_view v, std::string_view default_region = "US");

// A postal code: 2..16 characters of ASCII letters, digits, space and hyphen,
// beginning and ending with a letter or digit. Returned uppercased.
std::string zip(std::string_view v);

// free_text(multiline=true) for field "address", at most Limits::address.
std::string address(std::string_view v);

// "email" or "phone" (input case-insensitive); returns lowercase.
std::string contact_preference(std::string_view v);

// "individual" or "corporate" (input case-insensitive); returns lowercase.
std::string account_type(std::string_view v);

// free_text() for field "interest", at most Limits::interest.
std::string interest(std::string_view v);

// What is kept of a card: never the number itself.
struct Card {
  std::string brand;  // visa, mastercard, amex, discover, jcb, diners, unionpay, maestro, unknown
  std::string last4;
};

// A primary account number: spaces and hyphens are stripped; 12..19 ASCII
// digits; Luhn check; brand from the IIN. Error messages never contain the digits.
Card card_number(std::string_view v);

struct YearMonth {
  int year;
  int month;
};

// A card expiry: MM/YY, MM/YYYY, MM-YY or MM-YYYY (a one-digit month is
// accepted too), or the stored form YYYY-MM. Returns "YYYY-MM". A card is valid
// through the end of its expiry month: an expiry before today's month is an
// error ("card_expiry: card expired 2021-03"), and so is one more than 20 years
// after today's month.
std::string card_expiry(std::string_view v, YearMonth today);

// A processor's token: 1..128 characters of [A-Za-z0-9_-:.]. A value that
// contains a Luhn-valid card number is refused (it is a number, not a token).
std::string card_token(std::string_view v);

// True when an attribute key names a card security code (CVV and friends),
// which must never be stored. Compares case-insensitively, ignoring '_', '-'
// and spaces, on the part after an optional "category." prefix; a dotted key
// matches when the whole of it or any dot-separated segment does.
bool is_security_code_key(std::string_view key);

// True if text contains a run of 13..19 digits (groups may be separated by up
// to three spaces or hyphens) that passes the Luhn check. Within a run of
// separated groups, every span of whole groups holding 13..19 digits is tried,
// so a number followed or preceded by another group is still found.
bool contains_card_number(std::string_view text);

// An attribute name "CATEGORY.KEY": CATEGORY one of the categories below, KEY
// 1..64 characters of [a-z0-9_.-] starting with a letter or digit. Both parts
// are lowercased. Messages use the field name "attr".
struct AttrName {
  std::string category;
  std::string key;
};
AttrName attr_name(std::string_view v);

// True for identity, contact, billing, payment, survey, supplemental,
// preferences (exact, lowercase).
bool is_category(std::string_view c);

// A strict calendar date YYYY-MM-DD (years 0001..9999, leap years honoured);
// surrounding white space is trimmed. Returns it.
std::string date(std::string_view field, std::string_view v);

// How a value is shown inside an error message: in double quotes, at most 40
// code points (then "..."), with control characters, quotes, backslashes and
// invalid UTF-8 bytes escaped. A value containing a card number is withheld.
std::string quoted(std::string_view v);

}  // namespace dsr::validate
