#include "store/slot_activity.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace dsr::store {

std::optional<int64_t> last_activity(SQLite::Database& db, const std::string& actor, int64_t since) {
  SQLite::Statement st(db, "SELECT max(at) FROM audit WHERE actor = ? AND at >= ?");  // index audit_actor
  st.bind(1, actor);
  st.bind(2, since);
  if (!st.executeStep() || st.getColumn(0).isNull()) return std::nullopt;
  return st.getColumn(0).getInt64();
}

}  // namespace dsr::store
