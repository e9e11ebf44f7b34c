// Field validation. Pure functions: a value in, the stored form out, or a usage
// error whose message starts with the field name. Card numbers and security
// codes are never echoed back.
#include "dsr/validate.hpp"

#include <utf8proc.h>

#include <algorithm>

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <memory>
#include <vector>

#include "domain/subjects/phone_module.hpp"
#include "dsr/error.hpp"
#include "vault/seal.hpp"

namespace dsr::validate {
namespace {

constexpr auto npos = std::string_view::npos;

[[noreturn]] void bad(std::string_view field, const std::string& what) {
  fail(ErrorKind::usage, std::string(field) + ": " + what);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
char to_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
char to_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string_view trim_ascii(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string hex_cp(char32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Strict RFC 3629 decoding of one sequence at s[i]: returns its length (1..4)
// and sets cp, or returns 0 for an invalid, overlong, surrogate or truncated one.
std::size_t decode_one(std::string_view s, std::size_t i, char32_t& cp) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t len;
  char32_t min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    unsigned char cc = byte(i + k);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// Byte offset of the first invalid UTF-8 sequence, or npos.
std::size_t invalid_utf8_at(std::string_view s) {
  char32_t cp;
  for (std::size_t i = 0; i < s.size();) {
    std::size_t len = decode_one(s, i, cp);
    if (len == 0) return i;
    i += len;
  }
  return npos;
}

// Decodes text already known to be valid UTF-8.
std::vector<char32_t> decode(std::string_view s) {
  std::vector<char32_t> out;
  out.reserve(s.size());
  char32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    i += decode_one(s, i, cp);
    out.push_back(cp);
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

// Unicode White_Space, plus the invisible U+200B and U+FEFF (a stray BOM).
bool is_trimmable(char32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// utf8proc_map over valid UTF-8 (with an explicit length, so NUL is data).
std::string utf8proc_apply(std::string_view field, std::string_view s, int options) {
  if (s.empty()) return {};
  // ASCII is its own NFC; case folding lowers A-Z and nothing else. Most
  // input is ASCII, and bulk registration spends its time here otherwise.
  if ((options & ~(UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD)) == 0 &&
      std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
    std::string out(s);
    if (options & UTF8PROC_CASEFOLD)
      for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
  }
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                                    static_cast<utf8proc_ssize_t>(s.size()), &out,
                                    static_cast<utf8proc_option_t>(UTF8PROC_STABLE | options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (n < 0) bad(field, std::string("cannot be normalised (") + utf8proc_errmsg(n) + ")");
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string nfc(std::string_view field, std::string_view s) {
  return utf8proc_apply(field, s, UTF8PROC_COMPOSE);
}

bool is_letter_mark_digit(char32_t cp) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

bool is_letter(char32_t cp) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

// Printable: not a separator (space, line, paragraph) and not "Other"
// (control, format, surrogate, private use, unassigned).
bool is_printable_non_ascii(char32_t cp) {
  auto cat = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
  return cat != UTF8PROC_CATEGORY_CN && cat < UTF8PROC_CATEGORY_ZS;
}

// Luhn over ASCII digits. An all-zero string passes the arithmetic but is no
// card number, so it fails here.
bool luhn(std::string_view digits) {
  int sum = 0;
  bool twice = false, nonzero = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    nonzero = nonzero || d != 0;
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return nonzero && sum % 10 == 0;
}

std::string brand_of(std::string_view d) {
  auto prefix = [&](std::size_t n) {
    int v = 0;
    for (std::size_t i = 0; i < n && i < d.size(); ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  const int p1 = prefix(1), p2 = prefix(2), p3 = prefix(3), p4 = prefix(4);
  if (p2 == 34 || p2 == 37) return "amex";
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return "diners";
  if (p4 >= 3528 && p4 <= 3589) return "jcb";
  if (p1 == 4) return "visa";
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return "mastercard";
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) return "discover";
  if (p2 == 62) return "unionpay";
  if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p1 == 6) return "maestro";
  return "unknown";
}

// Wipes a buffer that held card digits when it goes out of scope.
struct Wiped {
  std::string s;
  ~Wiped() {
    s.resize(s.capacity());  // wipe the whole buffer, not just what is in use now
    vault::wipe(s.data(), s.size());
  }
};

std::string one_of(std::string_view field, std::string_view v, std::initializer_list<std::string_view> options) {
  std::string s = text(field, v, 64);
  std::string lower = ascii_lower(s);
  std::string list;
  for (auto o : options) {
    if (lower == o) return std::string(o);
    list += (list.empty() ? "" : ", ") + std::string(o);
  }
  bad(field, validate::quoted(s) + " is not one of: " + list);
}

constexpr std::string_view kCategories[] = {"identity", "contact",      "billing",    "payment",
                                            "survey",   "supplemental", "preferences"};

}  // namespace

std::string quoted(std::string_view v) {
  if (contains_card_number(v)) return "(value withheld: it looks like a card number)";
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  std::size_t shown = 0, i = 0;
  char buf[16];
  while (i < v.size()) {
    if (shown == kMax) {
      out += "...";
      break;
    }
    char32_t cp;
    std::size_t len = decode_one(v, i, cp);
    if (len == 0) {
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(v[i]));
      out += buf;
      i += 1;
    } else {
      if (cp == '"') {
        out += "\\\"";
      } else if (cp == '\\') {
        out += "\\\\";
      } else if (cp == '\n') {
        out += "\\n";
      } else if (cp == '\t') {
        out += "\\t";
      } else if (cp == '\r') {
        out += "\\r";
      } else if (cp < 0x20 || cp == 0x7F) {
        std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(cp));
        out += buf;
      } else if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
                 (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
        // C1 controls, line separators and bidi overrides could rearrange a terminal line.
        std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(cp));
        out += buf;
      } else {
        out.append(v.substr(i, len));
      }
      i += len;
    }
    ++shown;
  }
  out += '"';
  return out;
}

std::string text(std::string_view field, std::string_view value, std::size_t max_chars, bool multiline) {
  if (std::size_t at = invalid_utf8_at(value); at != npos) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "is not valid UTF-8 (bad byte 0x%02X at offset %zu)",
                  static_cast<unsigned char>(value[at]), at);
    bad(field, buf);
  }
  std::vector<char32_t> cps = decode(value);
  std::size_t b = 0, e = cps.size();
  while (b < e && is_trimmable(cps[b])) ++b;
  while (e > b && is_trimmable(cps[e - 1])) --e;
  if (b == e) bad(field, "must not be empty");
  std::string trimmed;
  trimmed.reserve(value.size());
  for (std::size_t k = b; k < e; ++k) {
    char32_t cp = cps[k];
    if (is_control(cp)) {
      if (multiline && (cp == '\n' || cp == '\t')) {
        // allowed
      } else if (!multiline && (cp == '\n' || cp == '\r' || cp == 0x0B || cp == 0x0C || cp == 0x85)) {
        bad(field, "must be a single line (it contains a line break)");
      } else {
        bad(field, "contains a control character (" + hex_cp(cp) + ") at character " +
                       std::to_string(k - b + 1) + "; only printable text is allowed");
      }
    }
    append_utf8(trimmed, cp);
  }
  std::string out = nfc(field, trimmed);
  std::size_t n = count_code_points(out);
  if (n > max_chars)
    bad(field, "is too long (" + std::to_string(n) + " characters; at most " + std::to_string(max_chars) + ")");
  return out;
}

std::string free_text(std::string_view field, std::string_view value, std::size_t max_chars, bool multiline) {
  std::string out = text(field, value, max_chars, multiline);
  if (contains_card_number(out))
    bad(field, "looks like it holds a full card number (value withheld); card numbers are never kept in free text "
               "(PCI DSS 3.4.1): leave it out, or give at most the last 4 digits (a card goes in card_number, "
               "which keeps only its brand and last 4)");
  return out;
}

std::string name(std::string_view v) { return free_text("name", v, Limits::name); }

std::string email(std::string_view v) {
  const std::string s = text("email", v, Limits::email);
  auto invalid = [&](const std::string& why) {
    bad("email", validate::quoted(s) + " is not a valid email address (" + why + ")");
  };
  const std::size_t at = s.find('@');
  if (at == npos) invalid("no '@'");
  if (s.find('@', at + 1) != npos) invalid("more than one '@'");
  const std::string_view local = std::string_view(s).substr(0, at);
  const std::string_view domain_in = std::string_view(s).substr(at + 1);
  if (local.empty()) invalid("nothing before the '@'");
  if (domain_in.empty()) invalid("nothing after the '@'");

  // Local part: RFC 5322 atext and dots, or printable non-ASCII (RFC 6531).
  const std::vector<char32_t> lcps = decode(local);
  if (lcps.size() > 64) invalid("the part before the '@' is longer than 64 characters");
  static constexpr std::string_view kAtextSpecials = "!#$%&'*+/=?^_`{|}~-";
  for (char32_t cp : lcps) {
    if (cp < 0x80) {
      const char c = static_cast<char>(cp);
      if (!is_alnum(c) && c != '.' && kAtextSpecials.find(c) == npos)
        invalid(c == ' ' ? std::string("the part before the '@' contains a space")
                         : "the part before the '@' may not contain '" + std::string(1, c) + "'");
    } else if (!is_printable_non_ascii(cp)) {
      invalid("the part before the '@' contains a space or an invisible character");
    }
  }
  if (local.front() == '.' || local.back() == '.') invalid("the part before the '@' starts or ends with a dot");
  if (local.find("..") != npos) invalid("the part before the '@' has two dots in a row");

  // Domain: lowercased, then labels of letters, digits and hyphens.
  std::string lowered;
  for (char32_t cp : decode(domain_in))
    append_utf8(lowered, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
  const std::string domain = nfc("email", lowered);
  std::vector<std::string_view> labels;
  for (std::size_t start = 0;;) {
    std::size_t dot = domain.find('.', start);
    labels.push_back(std::string_view(domain).substr(start, dot == npos ? npos : dot - start));
    if (dot == npos) break;
    start = dot + 1;
  }
  if (labels.size() < 2) invalid("the domain has no dot");
  for (std::string_view label : labels) {
    if (label.empty()) invalid("the domain has an empty label (a leading, trailing or doubled dot)");
    const std::vector<char32_t> cps = decode(label);
    if (cps.size() > 63) invalid("a domain label is longer than 63 characters");
    for (char32_t cp : cps) {
      bool ok = cp < 0x80 ? (is_alnum(static_cast<char>(cp)) || cp == '-') : is_letter_mark_digit(cp);
      if (!ok) invalid("the domain may contain only letters, digits, hyphens and dots");
    }
    if (label.front() == '-' || label.back() == '-') invalid("a domain label starts or ends with a hyphen");
  }
  const std::string_view tld = labels.back();
  bool tld_ok = false;
  if (tld.size() > 4 && tld.substr(0, 4) == "xn--") {
    tld_ok = true;  // an IDN top-level domain in its ASCII (A-label) form
  } else {
    const std::vector<char32_t> cps = decode(tld);
    tld_ok = cps.size() >= 2;
    for (char32_t cp : cps)
      if (!(cp < 0x80 ? is_alpha(static_cast<char>(cp)) : is_letter(cp))) tld_ok = false;
  }
  if (!tld_ok) invalid("the top-level domain must be at least two letters");
  return std::string(local) + "@" + domain;
}

std::string email_key(std::string_view stored_email) {
  if (invalid_utf8_at(stored_email) != npos) bad("email", "is not valid UTF-8");
  return utf8proc_apply("email", stored_email, UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE);
}

std::string username(std::string_view v) {
  const std::string s = free_text("username", v, Limits::username_max);
  for (char c : s)
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-')
      bad("username", validate::quoted(s) + " may contain only letters, digits, '.', '_' and '-'");
  if (s.size() < Limits::username_min)
    bad("username", validate::quoted(s) + " is too short (at least " + std::to_string(Limits::username_min) + " characters)");
  if (!is_alnum(s.front())) bad("username", validate::quoted(s) + " must start with a letter or digit");
  return s;
}

std::string username_key(std::string_view v) { return ascii_lower(trim_ascii(v)); }

std::string phone(std::string_view v, std::string_view default_region) {
  const std::string s = text("phone", v, Limits::phone);
  auto invalid = [&](const std::string& why) {
    bad("phone", validate::quoted(s) + " is not a valid phone number" + (why.empty() ? "" : " (" + why + ")"));
  };
  // libphonenumber reads letters as keypad digits, drops text around the number
  // and keeps an extension that E.164 cannot hold: accept only dialling characters.
  int digits = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (is_digit(c)) {
      ++digits;
    } else if (c == '+') {
      if (i != 0) invalid("'+' may only come first");
    } else if (c != ' ' && c != '(' && c != ')' && c != '-' && c != '.' && c != '/') {
      invalid("only digits, spaces and + ( ) - . / are allowed");
    }
  }
  if (digits == 0) invalid("it has no digits");

  std::string region;
  for (char c : trim_ascii(default_region)) region += to_upper(c);
  if (region.empty()) region = "ZZ";  // unknown region: the number must carry its country code
  std::string out;
  int why_code = DSR_WHY_NONE;
  switch (phone_module::e164(s, region, out, why_code)) {
    case DSR_PHONE_OK: return out;
    case DSR_PHONE_UNKNOWN_REGION: bad("phone", "unknown default region " + validate::quoted(default_region)); break;
    case DSR_PHONE_BAD_COUNTRY_CODE:
      invalid(s.front() == '+' ? "unknown country code" : "no country code; start it with + and the country code");
      break;
    case DSR_PHONE_TOO_SHORT: invalid("too short"); break;
    case DSR_PHONE_TOO_LONG: invalid("too long"); break;
    case DSR_PHONE_INVALID: {
      std::string why = why_code == DSR_WHY_TOO_SHORT  ? "too short"
                        : why_code == DSR_WHY_TOO_LONG ? "too long"
                        : why_code == DSR_WHY_WRONG_LENGTH ? "wrong length"
                                                           : "";
      if (s.front() != '+')
        why += (why.empty() ? "" : "; ") + ("read as a number in region " + region +
                                            "; for another country start with + and the country code");
      invalid(why);
      break;
    }
    default: invalid(""); break;
  }
  return out;  // not reached: every other status throws
}

std::string zip(std::string_view v) {
  std::string s = text("zip", v, Limits::zip);
  for (char c : s)
    if (!is_alnum(c) && c != ' ' && c != '-')
      bad("zip", validate::quoted(s) + " may contain only letters, digits, spaces and hyphens");
  if (s.size() < 2) bad("zip", validate::quoted(s) + " is too short (at least 2 characters)");
  if (!is_alnum(s.front()) || !is_alnum(s.back()))
    bad("zip", validate::quoted(s) + " must begin and end with a letter or digit");
  for (char& c : s) c = to_upper(c);
  return s;
}

std::string address(std::string_view v) { return free_text("address", v, Limits::address, true); }

std::string contact_preference(std::string_view v) {
  return one_of("contact_preference", v, {"email", "phone"});
}

std::string account_type(std::string_view v) { return one_of("account_type", v, {"individual", "corporate"}); }

std::string interest(std::string_view v) { return free_text("interest", v, Limits::interest); }

Card card_number(std::string_view v) {
  // Messages below never include the value or any of its digits.
  const std::string_view s = trim_ascii(v);
  if (s.empty()) bad("card_number", "must not be empty");
  Wiped digits;
  digits.s.reserve(s.size());
  for (char c : s) {
    if (is_digit(c))
      digits.s += c;
    else if (c != ' ' && c != '-')
      bad("card_number", "may contain only digits, spaces and hyphens");
  }
  if (digits.s.size() < 12 || digits.s.size() > 19) bad("card_number", "must have 12 to 19 digits");
  if (!luhn(digits.s)) bad("card_number", "is not a valid card number (the check digit does not match; mistyped?)");
  return Card{brand_of(digits.s), digits.s.substr(digits.s.size() - 4)};
}

std::string card_expiry(std::string_view v, YearMonth today) {
  const std::string_view s = trim_ascii(v);
  auto malformed = [&] {
    bad("card_expiry", validate::quoted(s) + " is not a valid expiry (expected MM/YY or MM/YYYY)");
  };
  // Split into digits, separator (with optional spaces around it), digits.
  std::size_t i = 0;
  while (i < s.size() && is_digit(s[i])) ++i;
  const std::string_view first = s.substr(0, i);
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || (s[i] != '/' && s[i] != '-')) malformed();
  const char sep = s[i++];
  while (i < s.size() && s[i] == ' ') ++i;
  const std::string_view second = s.substr(i);
  for (char c : second)
    if (!is_digit(c)) malformed();
  auto number = [](std::string_view d) {
    int n = 0;
    for (char c : d) n = n * 10 + (c - '0');
    return n;
  };
  int year = 0, month = 0;
  if (first.size() == 4 && sep == '-' && (second.size() == 1 || second.size() == 2)) {
    year = number(first), month = number(second);  // the stored form, YYYY-MM
  } else if ((first.size() == 1 || first.size() == 2) && (second.size() == 2 || second.size() == 4)) {
    month = number(first);
    year = second.size() == 2 ? 2000 + number(second) : number(second);
  } else {
    malformed();
  }
  if (month < 1 || month > 12) bad("card_expiry", validate::quoted(s) + " has no month " + std::to_string(month) + " (expected 01 to 12)");
  char ym[16];
  std::snprintf(ym, sizeof ym, "%04d-%02d", year, month);
  const int when = year * 12 + (month - 1), now = today.year * 12 + (today.month - 1);
  if (when < now) bad("card_expiry", std::string("card expired ") + ym);
  if (when - now > 20 * 12) bad("card_expiry", std::string("expiry ") + ym + " is more than 20 years away");
  return ym;
}

std::string card_token(std::string_view v) {
  const std::string s = text("card_token", v, Limits::card_token);
  for (char c : s)
    if (!is_alnum(c) && c != '_' && c != '-' && c != ':' && c != '.')
      bad("card_token", validate::quoted(s) + " may contain only letters, digits and _ - : .");
  if (contains_card_number(s))
    bad("card_token", "looks like a card number, not a processor's token; the full number is never stored");
  return s;
}

bool is_security_code_key(std::string_view key) {
  std::string k = ascii_lower(trim_ascii(key));
  if (std::size_t dot = k.find('.'); dot != npos && is_category(std::string_view(k).substr(0, dot)))
    k.erase(0, dot + 1);
  auto squash = [](std::string_view s) {
    std::string out;
    for (char c : s)
      if (c != '_' && c != '-' && c != ' ') out += c;
    return out;
  };
  // Exact names (short ones would match too much as substrings) ...
  static constexpr std::string_view kExact[] = {"cid", "csc", "cav2", "cvn", "cvn2", "cvd", "cve",
                                                "cardcode"};
  // ... and telling fragments anywhere in the key.
  static constexpr std::string_view kFragments[] = {"cvv", "cvc", "securitycode", "cardverification",
                                                    "verificationcode", "verificationvalue"};
  auto matches = [&](std::string_view part) {
    const std::string p = squash(part);
    if (p.empty()) return false;
    for (auto e : kExact)
      if (p == squash(e)) return true;
    for (auto f : kFragments)
      if (p.find(f) != npos) return true;
    return false;
  };
  std::string whole;
  for (char c : k)
    if (c != '.') whole += c;
  if (matches(whole)) return true;
  for (std::size_t start = 0;;) {
    std::size_t dot = k.find('.', start);
    if (matches(std::string_view(k).substr(start, dot == npos ? npos : dot - start))) return true;
    if (dot == npos) break;
    start = dot + 1;
  }
  return false;
}

bool contains_card_number(std::string_view t) {
  const std::size_t n = t.size();
  std::vector<std::string_view> groups;
  Wiped joined;
  for (std::size_t i = 0; i < n;) {
    if (!is_digit(t[i])) {
      ++i;
      continue;
    }
    // One run: digit groups joined by 1..3 spaces or hyphens.
    groups.clear();
    std::size_t j = i;
    for (;;) {
      const std::size_t g = j;
      while (j < n && is_digit(t[j])) ++j;
      groups.push_back(t.substr(g, j - g));
      std::size_t k = j, seps = 0;
      while (k < n && seps < 3 && (t[k] == ' ' || t[k] == '-')) ++k, ++seps;
      if (seps == 0 || k >= n || !is_digit(t[k])) break;
      j = k;
    }
    i = j;
    // Every span of whole groups holding 13..19 digits.
    for (std::size_t a = 0; a < groups.size(); ++a) {
      joined.s.clear();
      for (std::size_t b = a; b < groups.size(); ++b) {
        joined.s.append(groups[b]);
        if (joined.s.size() > 19) break;
        if (joined.s.size() >= 13 && luhn(joined.s)) return true;
      }
    }
  }
  return false;
}

bool is_category(std::string_view c) {
  for (auto k : kCategories)
    if (c == k) return true;
  return false;
}

AttrName attr_name(std::string_view v) {
  const std::string s = ascii_lower(trim_ascii(v));
  const std::size_t dot = s.find('.');
  if (dot == npos) bad("attr", validate::quoted(s) + " must be CATEGORY.KEY, for example supplemental.credit_band");
  const std::string category = s.substr(0, dot), key = s.substr(dot + 1);
  if (!is_category(category)) {
    std::string list;
    for (auto k : kCategories) list += (list.empty() ? "" : ", ") + std::string(k);
    bad("attr", "unknown category " + validate::quoted(category) + " in " + validate::quoted(s) + "; expected one of " + list);
  }
  if (key.empty()) bad("attr", validate::quoted(s) + " has no key after the category");
  if (key.size() > Limits::attr_key)
    bad("attr", "the key in " + validate::quoted(s) + " is too long (at most " + std::to_string(Limits::attr_key) + " characters)");
  for (char c : key)
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
      bad("attr", "the key in " + validate::quoted(s) + " may contain only letters, digits, '_', '.' and '-'");
  if (!is_alnum(key.front())) bad("attr", "the key in " + validate::quoted(s) + " must start with a letter or digit");
  return {category, key};
}

std::string date(std::string_view field, std::string_view v) {
  const std::string_view s = trim_ascii(v);
  bool shape = s.size() == 10 && s[4] == '-' && s[7] == '-';
  for (std::size_t i = 0; shape && i < s.size(); ++i)
    if (i != 4 && i != 7 && !is_digit(s[i])) shape = false;
  if (!shape) bad(field, validate::quoted(s) + " is not a date in the form YYYY-MM-DD");
  auto number = [&](std::size_t pos, std::size_t len) {
    int n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (s[i] - '0');
    return n;
  };
  const int y = number(0, 4), m = number(5, 2), d = number(8, 2);
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1 || d > kDays[m - 1] + (m == 2 && leap ? 1 : 0))
    bad(field, validate::quoted(s) + " is not a real date");
  return std::string(s);
}

}  // namespace dsr::validate
