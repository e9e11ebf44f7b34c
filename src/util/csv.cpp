// The CSV state machine. One byte at a time through four states; recovery
// from a malformed record is simply to keep going until the record ends.
#include "dsr/csv.hpp"

#include <cstring>

namespace dsr::csv {

int Reader::get() {
  if (pos_ == len_) {
    if (eof_) return -1;
    len_ = in_.read(buf_.data(), buf_.size());
    pos_ = 0;
    if (len_ == 0) {
      eof_ = true;
      return -1;
    }
  }
  return static_cast<unsigned char>(buf_[pos_++]);
}

// A UTF-8 byte order mark (Excel writes one) is not part of the first field.
void Reader::skip_bom() {
  while (len_ < 3 && !eof_) {
    size_t n = in_.read(buf_.data() + len_, buf_.size() - len_);
    if (n == 0) eof_ = true;
    len_ += n;
  }
  if (len_ >= 3 && std::memcmp(buf_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
  if (len_ > 0) eof_ = false;  // the end is reported once the bytes are used up
}

bool Reader::next(Record& r) {
  r.fields.clear();
  r.error.clear();
  if (!started_) {
    started_ = true;
    skip_bom();
  }
  enum { field_start, unquoted, quoted, quote_in_quoted } state = field_start;
  std::string field;
  size_t bytes = 0;  // bytes of this record so far (separators included)
  bool any = false;  // has the record consumed a byte?
  bool overlong = false;
  auto set_error = [&](const std::string& msg) {
    if (r.error.empty()) r.error = msg;
  };
  auto keep = [&](int c) {
    if (!overlong) field.push_back(static_cast<char>(c));
  };
  auto end_field = [&] {
    if (!overlong) r.fields.push_back(std::move(field));
    field.clear();
  };
  for (;;) {
    int c = get();
    int prev = prev_;
    prev_ = c;
    // Physical lines: CR, LF and CRLF each end one.
    if (c == '\r' || (c == '\n' && prev != '\r')) ++line_;
    if (skip_lf_) {  // the LF of a CRLF that ended the previous record
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c < 0) {
      if (!any) return false;
      if (state == quoted) set_error("a quoted field is not closed (a \" is missing before the end of the input)");
      end_field();
      return true;
    }
    if (!any) {
      if (c == '\n' || c == '\r') {  // an empty line is not a record
        skip_lf_ = c == '\r';
        continue;
      }
      any = true;
      r.line = line_;
    }
    if (++bytes > max_ && !overlong) {
      overlong = true;
      r.error = "the record is longer than " + std::to_string(max_) + " bytes";
      r.fields.clear();
      r.fields.shrink_to_fit();
      std::string().swap(field);
    }
    if ((c == '\n' || c == '\r') && state != quoted) {
      skip_lf_ = c == '\r';
      end_field();
      return true;
    }
    switch (state) {
      case field_start:
        if (c == '"') {
          state = quoted;
        } else if (c == delim_) {
          end_field();
        } else {
          keep(c);
          state = unquoted;
        }
        break;
      case unquoted:
        if (c == delim_) {
          end_field();
          state = field_start;
        } else {
          if (c == '"') set_error("a quote inside an unquoted field (quote the whole field and double the quote)");
          keep(c);
        }
        break;
      case quoted:
        if (c == '"') state = quote_in_quoted;
        else keep(c);
        break;
      case quote_in_quoted:
        if (c == '"') {
          keep('"');
          state = quoted;
        } else if (c == delim_) {
          end_field();
          state = field_start;
        } else {
          set_error("text after a closing quote (a field is either wholly quoted or not at all)");
          keep(c);
          state = unquoted;
        }
        break;
    }
  }
}

std::string quote(std::string_view f, char delimiter) {
  const char special[] = {delimiter, '"', '\r', '\n', '\0'};
  if (f.find_first_of(special) == std::string_view::npos) return std::string(f);
  std::string out = "\"";
  for (char c : f) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// OWASP's advice for CSV injection: a spreadsheet reads a cell that starts
// with = + - @ (or a tab or CR, which some strip first) as a formula; a
// leading ' makes it text and shows the value as it is.
std::string cell(std::string_view text, char delimiter) {
  if (!text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos)
    return quote("'" + std::string(text), delimiter);
  return quote(text, delimiter);
}

std::string format_record(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) out += delimiter;
    out += quote(fields[i], delimiter);
  }
  return out;
}

char parse_delimiter(std::string_view s) {
  if (s == "tab" || s == "\\t" || s == "\t") return '\t';
  if (s.size() == 1 && s[0] != '"' && s[0] != '\r' && s[0] != '\n' && static_cast<unsigned char>(s[0]) < 0x80)
    return s[0];
  return 0;
}

}  // namespace dsr::csv
