// When each key slot was last used, as the audit trail shows it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace SQLite { class Database; }

namespace dsr::store {

// The time of the newest audit entry made by `actor` at or after `since`.
std::optional<int64_t> last_activity(SQLite::Database& db, const std::string& actor, int64_t since);

}  // namespace dsr::store
