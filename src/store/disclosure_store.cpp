#include "store/disclosure_store.hpp"

#include "store/cached.hpp"
#include "store/columns.hpp"

#include <SQLiteCpp/Database.h>

namespace dsr::store {
int64_t upsert_recipient(SQLite::Database& db, const std::string& name, const std::string& type,
                         const std::string& address) {
  SQLite::Statement st(db,
                       "INSERT INTO recipients (name, type, address) VALUES (?, ?, ?) ON CONFLICT (name, type) DO "
                       "UPDATE SET address = coalesce(excluded.address, recipients.address) RETURNING id");
  bind_columns(st, 1, name, type, or_null(address));
  st.executeStep();
  return st.getColumn(0).getInt64();
}

int64_t insert_disclosure(SQLite::Database& db, const DisclosureRow& r, int64_t recipient_id) {
  Cached st(
      db,
      "INSERT INTO disclosures (subject_rowid, recipient_id, disclosed_on, categories, purpose, basis, reference, "
      "withhold_until, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  bind_columns(*st, 1, r.subject_rowid, recipient_id, r.date, r.categories, r.purpose, r.basis, or_null(r.reference),
               or_null(r.withhold_until), r.recorded_at, r.recorded_by);
  st->exec();
  return db.getLastInsertRowid();
}

std::vector<DisclosureRow> disclosures_for(SQLite::Database& db, int64_t subject_rowid, const std::string& since) {
  Cached cached(db,
                "SELECT d.id, s.id, d.disclosed_on, r.name, r.type, r.address, d.categories, d.purpose, "
                "d.basis, d.reference, d.withhold_until, d.recorded_at, d.recorded_by "
                "FROM disclosures d JOIN recipients r ON r.id = d.recipient_id "
                "JOIN subjects s ON s.rowid = d.subject_rowid "
                "WHERE d.subject_rowid = ? AND d.disclosed_on >= ? ORDER BY d.disclosed_on DESC, d.id DESC");
  SQLite::Statement& st = *cached;
  bind_columns(st, 1, subject_rowid, since);
  return read_rows<DisclosureRow>(st, [&](DisclosureRow& r) {
    r.subject_rowid = subject_rowid;
    read_columns(st, r.id, r.subject_id, r.date, r.recipient, r.recipient_type, r.recipient_address, r.categories,
                 r.purpose, r.basis, r.reference, r.withhold_until, r.recorded_at);
    r.recorded_by = st.getColumn(12).getString();
  });
}

int64_t insert_hold(SQLite::Database& db, const HoldRow& h) {
  return insert_row(db, "holds", "subject_rowid, reason, reference, placed_at, placed_by", h.subject_rowid, h.reason,
                    or_null(h.reference), h.placed_at, h.placed_by);
}

int delete_holds(SQLite::Database& db, int64_t subject_rowid, const std::optional<std::string>& reference) {
  SQLite::Statement st(db, reference ? "DELETE FROM holds WHERE subject_rowid = ? AND reference = ?"
                                     : "DELETE FROM holds WHERE subject_rowid = ?");
  st.bind(1, subject_rowid);
  if (reference) st.bind(2, *reference);
  return st.exec();
}

std::vector<HoldRow> holds_for(SQLite::Database& db, std::optional<int64_t> subject_rowid) {
  Cached cached(db, std::string("SELECT h.id, h.subject_rowid, s.id, h.reason, h.reference, h.placed_at, "
                                "h.placed_by FROM holds h JOIN subjects s ON s.rowid = h.subject_rowid") +
                        (subject_rowid ? " WHERE h.subject_rowid = ?" : "") + " ORDER BY h.placed_at, h.id");
  SQLite::Statement& st = *cached;
  if (subject_rowid) st.bind(1, *subject_rowid);
  return read_rows<HoldRow>(st, [&](HoldRow& h) {
    read_columns(st, h.id, h.subject_rowid, h.subject_id, h.reason, h.reference, h.placed_at, h.placed_by);
  });
}

}  // namespace dsr::store
