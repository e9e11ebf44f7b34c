// Schema and migrations. Each migration runs once, in order, inside one
// transaction; PRAGMA user_version records how far a vault has come.
#pragma once

namespace SQLite { class Database; }

namespace dsr::store {

// Brings the schema up to date; returns the version now in force.
int migrate(SQLite::Database& db);
int schema_version(SQLite::Database& db);

}  // namespace dsr::store
