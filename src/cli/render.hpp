// Renderers for records: a table for people, JSON / NDJSON / CSV for programs.
// The only place that decides how a list of records looks.
//
// JSON OUTPUT (dsr(1)): one shape per record. --json and --format json print
// the same document (a list is a JSON array of records), --format ndjson
// prints the same records one per line; CSV and tables show columns of them.
#pragma once
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace dsr::cli {

enum class Format { table, json, ndjson, csv };
Format parse_format(const std::string& s);  // usage error on anything else

struct Column {
  std::string header;
  std::string key;  // key in each record's JSON object
};

// The delimiter of every CSV dsr writes (--delimiter; ',' by default).
void set_csv_delimiter(char d);
char csv_delimiter();

// Writes records (JSON objects) in the chosen format; table and csv show `columns`.
void render_records(std::ostream& out, Format f, const std::vector<nlohmann::json>& records,
                    const std::vector<Column>& columns);
// CSV, one line at a time (for streamed listings): the header line and one
// record's line, each with its CRLF. Text cells go through csv::cell (formula
// neutralisation), numbers and booleans through csv::quote.
std::string csv_header(const std::vector<Column>& columns);
std::string csv_line(const nlohmann::json& record, const std::vector<Column>& columns);
// A record's value as a single line of text for table and csv cells.
std::string cell_text(const nlohmann::json& v);
// Columns a terminal gives the text: East Asian wide characters and emoji
// count two, combining marks and zero-width characters none (utf8proc).
size_t display_width(const std::string& s);

}  // namespace dsr::cli
