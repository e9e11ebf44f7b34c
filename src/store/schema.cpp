#include "store/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>

#include <array>

#include "dsr/error.hpp"

namespace dsr::store {
namespace {

// Append only: never edit a migration that has shipped.
constexpr std::array kMigrations = {
    // 1: subjects, their values with provenance, erasure tombstones.
    R"sql(
CREATE TABLE subjects (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('active','deactivated','erased')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  status_changed_at INTEGER,
  status_reason TEXT,
  name TEXT, name_key TEXT,
  email TEXT, email_key TEXT,
  username TEXT, username_key TEXT,
  phone TEXT,
  address TEXT, zip TEXT,
  contact_preference TEXT, account_type TEXT,
  interests TEXT,            -- JSON array
  card_brand TEXT, card_last4 TEXT,
  card_expiry BLOB, card_token BLOB,   -- sealed under the category key (as is account_type)
  provenance TEXT NOT NULL DEFAULT '{}' -- JSON: field -> {source, collected_at, policy}
);
CREATE UNIQUE INDEX subjects_email ON subjects(email_key);
CREATE UNIQUE INDEX subjects_username ON subjects(username_key);
CREATE INDEX subjects_name ON subjects(name_key);
CREATE INDEX subjects_phone ON subjects(phone);
CREATE INDEX subjects_status ON subjects(status, created_at);

CREATE TABLE attributes (
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid) ON DELETE CASCADE,
  category TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,       -- text, or sealed for billing and payment
  source TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  policy_version TEXT,
  PRIMARY KEY (subject_rowid, category, key)
) WITHOUT ROWID;

CREATE TABLE suppressions (   -- keyed hashes of erased emails (still personal data: kept only as retention allows)
  email_hash BLOB PRIMARY KEY,
  subject_id TEXT NOT NULL,
  erased_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};

}  // namespace

int schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

int migrate(SQLite::Database& db) {
  int have = schema_version(db);
  int want = static_cast<int>(kMigrations.size());
  if (have > want)
    fail(ErrorKind::failure, "this vault was written by a newer dsr (schema " + std::to_string(have) +
                                 "); upgrade dsr to use it");
  if (have == want) return have;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  have = schema_version(db);  // another process may have migrated while we waited
  for (int v = have; v < want; ++v) {
    db.exec(kMigrations[static_cast<size_t>(v)]);
    db.exec("PRAGMA user_version=" + std::to_string(v + 1));
  }
  tx.commit();
  return want;
}

}  // namespace dsr::store
