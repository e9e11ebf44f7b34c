#include "domain/bulk_erase.hpp"

#include <algorithm>

#include "domain/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

BulkEraser::BulkEraser(Desk& desk, std::string reason) : desk_(desk), reason_(std::move(reason)) {}

nlohmann::json BulkEraser::erase(const std::string& id) {
  store::WriteTx sp(desk_.db());  // a savepoint: the subject is erased whole or not at all
  auto row = store::subject_by_id(desk_.db(), id);
  if (!row) fail(ErrorKind::not_found, "subject " + id + " is gone");
  if (row->status == "erased") fail(ErrorKind::conflict, "subject " + id + " is already erased");
  auto fields = fields_of(desk_, *row);
  nlohmann::json notify = notify_list(desk_, row->rowid);
  erase_row(desk_, *row, cal::now_unix(), reason_);
  sp.commit();
  if (!pending_) pending_.emplace(desk_, "delete");
  pending_->new_subject(id);
  for (const auto& [category, field] : fields) {
    if (std::find(pending_fields_.begin(), pending_fields_.end(), field) != pending_fields_.end()) continue;
    pending_fields_.push_back(field);
    pending_->field(category, field);
  }
  if (++pending_count_ >= kSubjectsPerEntry) flush();
  return notify;
}

void BulkEraser::flush() {
  if (!pending_) return;
  pending_->ok();
  discard();
}

void BulkEraser::discard() {
  pending_.reset();
  pending_count_ = 0;
  pending_fields_.clear();
}

}  // namespace dsr
