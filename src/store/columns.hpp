// Reading a result row into a struct, and binding a row's values, in one
// call each: the order of the arguments is the order of the columns in the
// SQL beside it. Store-internal (includes SQLiteCpp).
//
//   read_columns(st, r.id, r.name, r.address);   // NULL text -> "", NULL optional -> nullopt
//   bind_columns(st, 1, r.name, or_null(r.address), Blob{r.hash});
#pragma once
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsr/enums.hpp"
#include "dsr/error.hpp"

namespace dsr::store {

// Bytes bound as a BLOB (hashes, sealed values).
struct Blob {
  const std::string& bytes;
};
// An empty text bound as NULL.
inline std::optional<std::string> or_null(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

namespace detail {
inline void get(const SQLite::Column& c, int64_t& v) { v = c.getInt64(); }
inline void get(const SQLite::Column& c, bool& v) { v = c.getInt() != 0; }
// Text or blob, byte for byte; NULL is "".
inline void get(const SQLite::Column& c, std::string& v) {
  v = c.isNull() ? std::string() : std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
}
inline void get(const SQLite::Column& c, std::optional<std::string>& v) {
  if (c.isNull()) v.reset();
  else get(c, v.emplace());
}

inline void get(const SQLite::Column& c, std::optional<int64_t>& v) {
  if (c.isNull()) v.reset();
  else v = c.getInt64();
}
inline void put(SQLite::Statement& st, int i, int64_t v) { st.bind(i, v); }
inline void put(SQLite::Statement& st, int i, bool v) { st.bind(i, v ? 1 : 0); }
inline void put(SQLite::Statement& st, int i, const std::optional<int64_t>& v) {
  if (v) st.bind(i, *v);
  else st.bind(i);
}
inline void put(SQLite::Statement& st, int i, const std::string& v) { st.bind(i, v); }
inline void put(SQLite::Statement& st, int i, const std::optional<std::string>& v) {
  if (v) st.bind(i, *v);
  else st.bind(i);
}
// A status or type column: its name in the enum's table (dsr/enums.hpp).
template <NamedEnum E>
void get(const SQLite::Column& c, E& v) {
  std::string name;
  get(c, name);
  std::optional<E> e = parse<E>(name);
  if (!e) fail(ErrorKind::integrity, std::string("the vault holds an unknown ") + c.getName() + " '" + name + "'");
  v = *e;
}
template <NamedEnum E>
void put(SQLite::Statement& st, int i, E v) {
  st.bind(i, to_string(v));
}
template <NamedEnum E>
void get(const SQLite::Column& c, std::optional<E>& v) {
  if (c.isNull())
    v.reset();
  else
    get(c, v.emplace());
}
template <NamedEnum E>
void put(SQLite::Statement& st, int i, const std::optional<E>& v) {
  if (v)
    put(st, i, *v);
  else
    st.bind(i);
}
inline void put(SQLite::Statement& st, int i, Blob b) { st.bind(i, b.bytes.data(), static_cast<int>(b.bytes.size())); }
}  // namespace detail

// The current row's columns 0, 1, 2... into `out...`.
template <class... T>
void read_columns(SQLite::Statement& st, T&... out) {
  int i = 0;
  (detail::get(st.getColumn(i++), out), ...);
}

// SQL from one column list, so that each column is named once:
//   insert_sql("t", "a, b") is "INSERT INTO t (a, b) VALUES (?, ?)"
//   update_sql("t", "a, b") is "UPDATE t SET a = ?, b = ? WHERE id = ?"
inline std::string insert_sql(const std::string& table, const std::string& columns) {
  std::string marks = "?";
  for (char c : columns)
    if (c == ',') marks += ", ?";
  return "INSERT INTO " + table + " (" + columns + ") VALUES (" + marks + ")";
}
inline std::string update_sql(const std::string& table, const std::string& columns) {
  std::string sets;
  size_t from = 0;
  while (from < columns.size()) {
    size_t comma = columns.find(',', from);
    std::string name = columns.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    name.erase(0, name.find_first_not_of(' '));
    sets += (sets.empty() ? "" : ", ") + name + " = ?";
    from = comma == std::string::npos ? columns.size() : comma + 1;
  }
  return "UPDATE " + table + " SET " + sets + " WHERE id = ?";
}

// Every remaining row of `st`, each read by `read(row)` into a new Row:
//   return read_rows<HoldRow>(st, [&](HoldRow& h) { read_columns(st, h.id, h.reason); });
template <class Row, class Read>
std::vector<Row> read_rows(SQLite::Statement& st, Read&& read) {
  std::vector<Row> out;
  while (st.executeStep()) read(out.emplace_back());
  return out;
}

// Binds `values...` to parameters first, first + 1, ...; returns the next index.
template <class... T>
int bind_columns(SQLite::Statement& st, int first, const T&... values) {
  int i = first;
  (detail::put(st, i++, values), ...);
  return i;
}

// Statements run in one call each, the parameters bound from 1 in order:
//   exec_with(db, "DELETE FROM t WHERE id = ?", id);                       // -> rows changed
//   insert_row(db, "t", "a, b", r.a, Blob{r.b});                           // -> the new rowid
//   query_rows<Row>(db, "SELECT a, b FROM t WHERE k = ?", [](SQLite::Statement& st, Row& r) {
//     read_columns(st, r.a, r.b); }, key);
template <class... T>
int exec_with(SQLite::Database& db, const std::string& sql, const T&... params) {
  SQLite::Statement st(db, sql);
  bind_columns(st, 1, params...);
  return st.exec();
}
template <class... T>
int64_t insert_row(SQLite::Database& db, const std::string& table, const std::string& columns, const T&... values) {
  exec_with(db, insert_sql(table, columns), values...);
  return db.getLastInsertRowid();
}
template <class Row, class Read, class... T>
std::vector<Row> query_rows(SQLite::Database& db, const std::string& sql, Read&& read, const T&... params) {
  SQLite::Statement st(db, sql);
  bind_columns(st, 1, params...);
  return read_rows<Row>(st, [&](Row& r) { read(st, r); });
}

// A table of cases (requests, breaches) written as whole rows. `columns` are
// the ones an update changes, held in the Row members M..., in the same order;
// a row has id before them and opened_at, opened_by after.
template <class Row, auto... M>
struct CaseTable {
  std::string table, columns;

  // Binds the update columns from `first`; returns the next index.
  static int bind(SQLite::Statement& st, int first, const Row& r) { return bind_columns(st, first, (r.*M)...); }
  // The current row of a select().
  static Row read(SQLite::Statement& st) {
    Row r;
    read_columns(st, r.id, (r.*M)..., r.opened_at, r.opened_by);
    return r;
  }
  // Every remaining row of a select().
  static std::vector<Row> rows(SQLite::Statement& st) {
    return read_rows<Row>(st, [&](Row& r) { r = read(st); });
  }

  std::string select(const std::string& rest) const {
    return "SELECT id, " + columns + ", opened_at, opened_by FROM " + table + " " + rest;
  }
  int64_t insert(SQLite::Database& db, const Row& r) const {
    SQLite::Statement st(db, insert_sql(table, columns + ", opened_at, opened_by"));
    bind_columns(st, bind(st, 1, r), r.opened_at, r.opened_by);
    st.exec();
    return db.getLastInsertRowid();
  }
  void update(SQLite::Database& db, const Row& r) const {
    SQLite::Statement st(db, update_sql(table, columns));
    bind_columns(st, bind(st, 1, r), r.id);
    st.exec();
  }
  std::optional<Row> by_id(SQLite::Database& db, int64_t id) const {
    SQLite::Statement st(db, select("WHERE id = ?"));
    st.bind(1, id);
    if (!st.executeStep()) return std::nullopt;
    return read(st);
  }
};

}  // namespace dsr::store
