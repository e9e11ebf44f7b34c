// Renderers for records: a table for people, JSON / NDJSON / CSV for programs.
// The only place that decides how a list of records looks.
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

// Writes records (JSON objects) in the chosen format; table and csv show `columns`.
void render_records(std::ostream& out, Format f, const std::vector<nlohmann::json>& records,
                    const std::vector<Column>& columns);
std::string csv_field(const std::string& s);
// A record's value as a single line of text for table and csv cells.
std::string cell_text(const nlohmann::json& v);

}  // namespace dsr::cli
