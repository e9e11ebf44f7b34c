#include "store/subject_store.hpp"

#include "store/cached.hpp"
#include "store/columns.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace dsr::store {
namespace {

const std::string kBaseCols = "rowid, id, status, created_at, updated_at, status_changed_at, status_reason, provenance";

std::string select_cols() {
  std::string s = kBaseCols;
  for (const auto& c : personal_columns()) s += ", " + c;
  return s;
}

void bind_text_or_null(SQLite::Statement& st, int idx, const std::optional<std::string>& v, bool blob) {
  if (!v) st.bind(idx);
  else if (blob) st.bind(idx, v->data(), static_cast<int>(v->size()));
  else st.bind(idx, *v);
}

std::optional<std::string> col_value(SQLite::Statement& st, int idx) {
  auto c = st.getColumn(idx);
  if (c.isNull()) return std::nullopt;
  return std::string(static_cast<const char*>(c.getBlob()), static_cast<size_t>(c.getBytes()));
}

SubjectRow read_subject_row(SQLite::Statement& st) {
  SubjectRow r;
  r.rowid = st.getColumn(0).getInt64();
  r.id = st.getColumn(1).getString();
  detail::get(st.getColumn(2), r.status);
  r.created_at = st.getColumn(3).getInt64();
  r.updated_at = st.getColumn(4).getInt64();
  if (!st.getColumn(5).isNull()) r.status_changed_at = st.getColumn(5).getInt64();
  if (!st.getColumn(6).isNull()) r.status_reason = st.getColumn(6).getString();
  r.provenance = st.getColumn(7).getString();
  int i = 8;
  for (const auto& c : personal_columns()) {
    if (auto v = col_value(st, i)) r.cols[c] = std::move(*v);
    ++i;
  }
  return r;
}

std::vector<SubjectRow> read_all(SQLite::Statement& st) {
  std::vector<SubjectRow> out;
  while (st.executeStep()) out.push_back(read_subject_row(st));
  return out;
}

std::optional<SubjectRow> one(SQLite::Database& db, const std::string& where, const std::string& arg) {
  Cached cached(db, "SELECT " + select_cols() + " FROM subjects WHERE " + where);
  SQLite::Statement& st = *cached;
  st.bind(1, arg);
  if (!st.executeStep()) return std::nullopt;
  return read_subject_row(st);
}

std::optional<std::string> opt(const SubjectRow& r, const std::string& col) {
  auto it = r.cols.find(col);
  if (it == r.cols.end()) return std::nullopt;
  return it->second;
}

// The first key after every string that starts with `prefix`.
std::string prefix_end(const std::string& prefix) { return prefix + "\xff\xff\xff\xff"; }

}  // namespace

const std::vector<std::string>& personal_columns() {
  static const std::vector<std::string> cols = {
      "name", "name_key", "email", "email_key", "username", "username_key", "phone", "address", "zip",
      "contact_preference", "account_type", "interests", "card_brand", "card_last4", "card_expiry", "card_token"};
  return cols;
}

bool is_blob_column(const std::string& col) {
  return col == "account_type" || col == "card_expiry" || col == "card_token";
}

namespace {

const std::string& insert_sql() {
  static const std::string sql = [] {
    std::string cols = "id, status, created_at, updated_at, provenance";
    std::string qs = "?, ?, ?, ?, ?";
    for (const auto& c : personal_columns()) {
      cols += ", " + c;
      qs += ", ?";
    }
    return "INSERT INTO subjects (" + cols + ") VALUES (" + qs + ")";
  }();
  return sql;
}

// The personal columns in name order (as a row's map holds them), each with
// its parameter in insert_sql().
struct ParamColumn {
  std::string name;
  int param;
  bool blob;
};
const std::vector<ParamColumn>& columns_by_name() {
  static const std::vector<ParamColumn> cols = [] {
    std::vector<ParamColumn> v;
    int i = 6;
    for (const auto& c : personal_columns()) v.push_back({c, i++, is_blob_column(c)});
    std::sort(v.begin(), v.end(), [](const ParamColumn& a, const ParamColumn& b) { return a.name < b.name; });
    return v;
  }();
  return cols;
}

// Binds every parameter of insert_sql(): the row's values without copies (the
// row must outlive the statement's run), NULL for the columns it has no value
// for. A name in row.cols that is no personal column is not stored.
void bind_insert(SQLite::Statement& st, const SubjectRow& row) {
  st.bindNoCopy(1, row.id);
  st.bindNoCopy(2, name_of(row.status).data());  // a string literal: NUL-terminated
  st.bind(3, row.created_at);
  st.bind(4, row.updated_at);
  st.bindNoCopy(5, row.provenance);
  auto it = row.cols.begin();
  const auto end = row.cols.end();
  for (const ParamColumn& c : columns_by_name()) {  // both in name order: one walk
    while (it != end && it->first < c.name) ++it;
    if (it != end && it->first == c.name) {
      if (c.blob) st.bindNoCopy(c.param, it->second.data(), static_cast<int>(it->second.size()));
      else st.bindNoCopy(c.param, it->second);
    } else {
      st.bind(c.param);
    }
  }
}

}  // namespace

int64_t insert_subject(SQLite::Database& db, const SubjectRow& row) {
  Cached cached(db, insert_sql());
  bind_insert(*cached, row);
  cached->exec();
  return db.getLastInsertRowid();
}

PackedRow pack_subject(const SubjectRow& row) {
  const auto& cols = personal_columns();
  if (cols.size() > PackedRow::kMaxColumns) throw std::logic_error("pack_subject: more personal columns than PackedRow holds");
  PackedRow p;
  size_t total = row.id.size() + row.provenance.size();
  for (const auto& [_, v] : row.cols) total += v.size();
  p.bytes.reserve(total);
  p.bytes = row.id;
  p.bytes += row.provenance;
  p.id_len = static_cast<uint32_t>(row.id.size());
  p.provenance_len = static_cast<uint32_t>(row.provenance.size());
  p.length.fill(PackedRow::kNull);
  auto it = row.cols.begin();
  const auto end = row.cols.end();
  for (const ParamColumn& c : columns_by_name()) {  // both in name order: one walk
    while (it != end && it->first < c.name) ++it;
    if (it == end || it->first != c.name) continue;
    const size_t i = size_t(c.param - 6);  // the column's place in personal_columns()
    p.offset[i] = static_cast<uint32_t>(p.bytes.size());
    p.length[i] = static_cast<uint32_t>(it->second.size());
    p.bytes += it->second;
    p.present |= 1u << i;
  }
  return p;
}

void SubjectInserter::Finalize::operator()(sqlite3_stmt* st) const { sqlite3_finalize(st); }

SubjectInserter::SubjectInserter(SQLite::Database& db) : db_(db) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db.getHandle(), insert_sql().c_str(), -1, &st, nullptr);
  st_.reset(st);
  if (rc != SQLITE_OK) throw SQLite::Exception(db.getHandle(), rc);
}

SubjectInserter::~SubjectInserter() = default;

int64_t SubjectInserter::insert(const SubjectRow& row, const PackedRow& p) {
  sqlite3_stmt* st = st_.get();
  const char* bytes = p.bytes.data();
  // The bytes stay put until the statement is reset below (SQLITE_STATIC).
  sqlite3_bind_text(st, 1, bytes, int(p.id_len), SQLITE_STATIC);
  sqlite3_bind_text(st, 2, name_of(row.status).data(), int(name_of(row.status).size()), SQLITE_STATIC);
  sqlite3_bind_int64(st, 3, row.created_at);
  sqlite3_bind_int64(st, 4, row.updated_at);
  sqlite3_bind_text(st, 5, bytes + p.id_len, int(p.provenance_len), SQLITE_STATIC);
  const auto& cols = personal_columns();
  static const std::vector<bool> blob = [] {
    std::vector<bool> b;
    for (const auto& c : personal_columns()) b.push_back(is_blob_column(c));
    return b;
  }();
  for (size_t i = 0; i < cols.size(); ++i) {
    const int param = int(i) + 6;
    if (p.length[i] == PackedRow::kNull) sqlite3_bind_null(st, param);
    else if (blob[i]) sqlite3_bind_blob(st, param, bytes + p.offset[i], int(p.length[i]), SQLITE_STATIC);
    else sqlite3_bind_text(st, param, bytes + p.offset[i], int(p.length[i]), SQLITE_STATIC);
  }
  int rc = sqlite3_step(st);
  std::optional<SQLite::Exception> failed;
  if (rc != SQLITE_DONE) failed.emplace(db_.getHandle(), rc);  // before the reset, which may change the message
  // Also after a failure: no snapshot held, no pointer into the bytes kept.
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
  if (failed) throw *failed;
  return sqlite3_last_insert_rowid(db_.getHandle());
}

void update_subject(SQLite::Database& db, const SubjectRow& row) {
  std::string sets = "updated_at = ?, provenance = ?";
  for (const auto& c : personal_columns()) sets += ", " + c + " = ?";
  Cached cached(db, "UPDATE subjects SET " + sets + " WHERE rowid = ?");
  SQLite::Statement& st = *cached;
  st.bind(1, row.updated_at);
  st.bind(2, row.provenance);
  int i = 3;
  for (const auto& c : personal_columns()) bind_text_or_null(st, i++, opt(row, c), is_blob_column(c));
  st.bind(i, row.rowid);
  st.exec();
}

void set_status(SQLite::Database& db, int64_t rowid, SubjectStatus status, std::optional<int64_t> at,
                const std::optional<std::string>& reason, int64_t updated_at) {
  Cached cached(db,
                "UPDATE subjects SET status = ?, status_changed_at = ?, status_reason = ?, updated_at = ? "
                "WHERE rowid = ?");
  SQLite::Statement& st = *cached;
  st.bind(1, to_string(status));
  if (at) st.bind(2, *at); else st.bind(2);
  bind_text_or_null(st, 3, reason, false);
  st.bind(4, updated_at);
  st.bind(5, rowid);
  st.exec();
}

void erase_subject_row(SQLite::Database& db, int64_t rowid, int64_t at, const std::string& reason) {
  {
    Cached del(db, "DELETE FROM attributes WHERE subject_rowid = ?");
    del->bind(1, rowid);
    del->exec();
  }
  static const std::string sql = [] {
    std::string sets = "status = 'erased', status_changed_at = ?, status_reason = ?, updated_at = ?, provenance = '{}'";
    for (const auto& c : personal_columns()) sets += ", " + c + " = NULL";
    return "UPDATE subjects SET " + sets + " WHERE rowid = ?";
  }();
  Cached cached(db, sql);
  SQLite::Statement& st = *cached;
  st.bind(1, at);
  st.bind(2, reason);
  st.bind(3, at);
  st.bind(4, rowid);
  st.exec();
}

std::optional<SubjectRow> subject_by_id(SQLite::Database& db, const std::string& id) { return one(db, "id = ?", id); }
std::optional<SubjectRow> subject_by_email_key(SQLite::Database& db, const std::string& key) {
  return one(db, "email_key = ?", key);
}
std::optional<SubjectRow> subject_by_username_key(SQLite::Database& db, const std::string& key) {
  return one(db, "username_key = ?", key);
}

std::vector<SubjectRow> subjects_by_prefix(SQLite::Database& db, const SearchKeys& k, int limit) {
  // One indexed range scan per key; the union keeps each subject once.
  std::vector<std::pair<std::string, std::string>> ranges;
  if (!k.email_key.empty()) ranges.emplace_back("email_key", k.email_key);
  if (!k.username_key.empty()) ranges.emplace_back("username_key", k.username_key);
  if (!k.name_key.empty()) ranges.emplace_back("name_key", k.name_key);
  if (!k.phone_prefix.empty()) ranges.emplace_back("phone", k.phone_prefix);
  if (ranges.empty()) return {};
  std::string sql;
  for (const auto& [col, _] : ranges) {
    if (!sql.empty()) sql += " UNION ";
    sql += "SELECT rowid FROM (SELECT rowid FROM subjects WHERE " + col + " >= ? AND " + col + " < ? LIMIT ?)";
  }
  SQLite::Statement st(db, "SELECT " + select_cols() + " FROM subjects WHERE rowid IN (" + sql +
                               ") ORDER BY created_at, rowid LIMIT ?");
  int i = 1;
  for (const auto& [_, v] : ranges) {
    st.bind(i++, v);
    st.bind(i++, prefix_end(v));
    st.bind(i++, limit);
  }
  st.bind(i, limit);
  return read_all(st);
}

std::vector<SubjectRow> subjects_containing(SQLite::Database& db, const std::string& folded, int limit) {
  SQLite::Statement st(db, "SELECT " + select_cols() +
                               " FROM subjects WHERE status != 'erased' AND (instr(email_key, ?1) > 0 OR "
                               "instr(username_key, ?1) > 0 OR instr(name_key, ?1) > 0 OR instr(phone, ?1) > 0) "
                               "ORDER BY created_at, rowid LIMIT ?2");
  st.bind(1, folded);
  st.bind(2, limit);
  return read_all(st);
}

std::vector<SubjectRow> list_subject_rows(SQLite::Database& db, std::optional<SubjectStatus> status, int limit,
                                         int offset) {
  std::string where = status ? " WHERE status = ?" : "";
  SQLite::Statement st(db, "SELECT " + select_cols() + " FROM subjects" + where +
                               " ORDER BY created_at, rowid LIMIT ? OFFSET ?");
  int i = 1;
  if (status) st.bind(i++, to_string(*status));
  st.bind(i++, limit);
  st.bind(i, offset);
  return read_all(st);
}

std::map<SubjectStatus, int64_t> count_by_status(SQLite::Database& db) {
  std::map<SubjectStatus, int64_t> out;
  SQLite::Statement q(db, "SELECT status, count(*) FROM subjects GROUP BY status");
  while (q.executeStep()) {
    SubjectStatus status{};
    detail::get(q.getColumn(0), status);
    out[status] = q.getColumn(1).getInt64();
  }
  return out;
}

std::vector<AttributeRow> attributes_of(SQLite::Database& db, int64_t rowid) {
  Cached cached(db,
                "SELECT category, key, value, source, collected_at, policy_version, typeof(value) = 'blob' "
                "FROM attributes WHERE subject_rowid = ? ORDER BY category, key");
  SQLite::Statement& st = *cached;
  st.bind(1, rowid);
  return read_rows<AttributeRow>(st, [&](AttributeRow& a) {
    a.category = st.getColumn(0).getString();
    a.key = st.getColumn(1).getString();
    a.value = *col_value(st, 2);
    a.source = st.getColumn(3).getString();
    a.collected_at = st.getColumn(4).getInt64();
    if (!st.getColumn(5).isNull()) a.policy_version = st.getColumn(5).getString();
    a.sealed = st.getColumn(6).getInt() != 0;
  });
}

void put_attribute(SQLite::Database& db, int64_t rowid, const AttributeRow& a) {
  Cached cached(db,
                "INSERT INTO attributes (subject_rowid, category, key, value, source, collected_at, "
                "policy_version) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (subject_rowid, category, key) DO "
                "UPDATE SET value = excluded.value, source = excluded.source, collected_at = "
                "excluded.collected_at, policy_version = excluded.policy_version");
  SQLite::Statement& st = *cached;
  bind_columns(st, 1, rowid, a.category, a.key);
  bind_text_or_null(st, 4, a.value, a.sealed);
  bind_columns(st, 5, a.source, a.collected_at, or_null(a.policy_version));
  st.exec();
}

bool delete_attribute(SQLite::Database& db, int64_t rowid, const std::string& category, const std::string& key) {
  SQLite::Statement st(db, "DELETE FROM attributes WHERE subject_rowid = ? AND category = ? AND key = ?");
  st.bind(1, rowid);
  st.bind(2, category);
  st.bind(3, key);
  return st.exec() > 0;
}

void add_suppression(SQLite::Database& db, const std::string& email_hash, const std::string& subject_id, int64_t at) {
  Cached cached(db,
                "INSERT INTO suppressions (email_hash, subject_id, erased_at) VALUES (?, ?, ?) "
                "ON CONFLICT (email_hash) DO UPDATE SET subject_id = excluded.subject_id, erased_at = "
                "excluded.erased_at");
  SQLite::Statement& st = *cached;
  st.bind(1, email_hash.data(), static_cast<int>(email_hash.size()));
  st.bind(2, subject_id);
  st.bind(3, at);
  st.exec();
}

std::optional<std::pair<std::string, int64_t>> find_suppression(SQLite::Database& db, const std::string& email_hash) {
  Cached cached(db, "SELECT subject_id, erased_at FROM suppressions WHERE email_hash = ?");
  SQLite::Statement& st = *cached;
  st.bind(1, email_hash.data(), static_cast<int>(email_hash.size()));
  if (!st.executeStep()) return std::nullopt;
  return std::make_pair(st.getColumn(0).getString(), st.getColumn(1).getInt64());
}

std::optional<int64_t> suppression_of_subject(SQLite::Database& db, const std::string& subject_id) {
  SQLite::Statement st(db, "SELECT erased_at FROM suppressions WHERE subject_id = ? LIMIT 1");
  st.bind(1, subject_id);
  if (!st.executeStep()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

std::vector<std::string> live_subjects_with_phone(SQLite::Database& db, const std::string& phone) {
  SQLite::Statement st(db, "SELECT id FROM subjects WHERE phone = ? AND status <> 'erased' ORDER BY rowid LIMIT 2");
  st.bind(1, phone);
  std::vector<std::string> out;
  while (st.executeStep()) out.push_back(st.getColumn(0).getString());
  return out;
}

bool any_suppression(SQLite::Database& db) {
  Cached cached(db, "SELECT EXISTS (SELECT 1 FROM suppressions)");
  cached->executeStep();
  return cached->getColumn(0).getInt() != 0;
}

}  // namespace dsr::store
