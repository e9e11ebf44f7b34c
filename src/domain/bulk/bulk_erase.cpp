#include "domain/bulk/bulk_erase.hpp"

#include "domain/subjects/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

BulkEraser::BulkEraser(Desk& desk, std::string reason)
    : desk_(desk), reason_(std::move(reason)), audit_(desk, "delete") {}

nlohmann::json BulkEraser::erase(const std::string& id) {
  store::WriteTx sp(desk_.db());  // a savepoint: the subject is erased whole or not at all
  auto row = store::subject_by_id(desk_.db(), id);
  if (!row) fail(ErrorKind::not_found, "subject " + id + " is gone");
  if (row->status == SubjectStatus::erased) fail(ErrorKind::conflict, "subject " + id + " is already erased");
  auto fields = fields_of(desk_, *row);
  nlohmann::json notify = notify_list(desk_, row->rowid);
  erase_row(desk_, *row, cal::now_unix(), reason_);
  sp.commit();
  audit_.add(id, fields);
  return notify;
}

}  // namespace dsr
