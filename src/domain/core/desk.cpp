#include "dsr/desk.hpp"

#include <sys/stat.h>

#include "store/schema.hpp"
#include "store/statement_cache.hpp"
#include "store/subject_store.hpp"

namespace dsr {

Desk::Desk(Vault vault) : vault_(std::move(vault)) {
  store::migrate(vault_.db());
  statements_ = std::make_unique<store::StatementCache>(vault_.db());
}
Desk::Desk(Desk&&) noexcept = default;
Desk& Desk::operator=(Desk&&) noexcept = default;
Desk::~Desk() = default;
bool Desk::wipe_erased() { return vault_.checkpoint_for_erasure(); }

VaultSummary summarize(Desk& desk) {
  VaultSummary s;
  s.path = desk.vault().path();
  s.format_version = desk.vault().format_version();
  s.schema_version = store::schema_version(desk.db());
  s.slots = desk.vault().slots();
  struct stat st{};
  if (::stat(s.path.c_str(), &st) == 0) s.size_bytes = static_cast<uint64_t>(st.st_size);
  auto counts = store::count_by_status(desk.db());
  s.subjects.active = counts[SubjectStatus::active];
  s.subjects.deactivated = counts[SubjectStatus::deactivated];
  s.subjects.erased = counts[SubjectStatus::erased];
  return s;
}

}  // namespace dsr
