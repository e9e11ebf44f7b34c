#include "dsr/desk.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sys/stat.h>

#include "store/schema.hpp"

namespace dsr {

Desk::Desk(Vault vault) : vault_(std::move(vault)) { store::migrate(vault_.db()); }

VaultSummary summarize(Desk& desk) {
  VaultSummary s;
  s.path = desk.vault().path();
  s.format_version = desk.vault().format_version();
  s.schema_version = store::schema_version(desk.db());
  s.slots = desk.vault().slots();
  struct stat st{};
  if (::stat(s.path.c_str(), &st) == 0) s.size_bytes = static_cast<uint64_t>(st.st_size);
  SQLite::Statement q(desk.db(), "SELECT status, count(*) FROM subjects GROUP BY status");
  while (q.executeStep()) {
    std::string status = q.getColumn(0).getString();
    int64_t n = q.getColumn(1).getInt64();
    if (status == "active") s.subjects.active = n;
    else if (status == "deactivated") s.subjects.deactivated = n;
    else if (status == "erased") s.subjects.erased = n;
  }
  return s;
}

}  // namespace dsr
