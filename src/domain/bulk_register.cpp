#include "domain/bulk_register.hpp"

#include <sqlite3.h>

#include "domain/subject_codec.hpp"
#include "dsr/catalog.hpp"
#include "dsr/error.hpp"
#include "dsr/policy.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"

namespace dsr {

nlohmann::json registered_json(const Registered& r) {
  nlohmann::json out = {{"id", r.id}};
  if (r.previously_erased)
    out["previously_erased"] = {{"id", r.previously_erased->first}, {"erased_at", iso_time(r.previously_erased->second)}};
  return out;
}

BulkRegistrar::BulkRegistrar(Desk& desk) : desk_(desk) {}

Registered BulkRegistrar::add(const SubjectInput& in) {
  Audit refusal(desk_, "register");  // only a refusal is recorded one line at a time
  try {
    require(desk_, Action::write_subjects);
    if (sqlite3_get_autocommit(desk_.db().getHandle()))
      fail(ErrorKind::failure, "internal: a bulk registration outside a transaction would go unaudited");
    cal::Date today = cal::today();
    if (policy_day_ != today) {
      policy_ = policy_in_force(desk_, today);
      policy_day_ = today;
    }
    store::SubjectRow row;
    row.id = new_subject_id();
    row.created_at = row.updated_at = cal::now_unix();
    SubjectInput with_source = in;
    if (with_source.source.empty()) with_source.source = "subject";
    std::vector<store::AttributeRow> attrs;
    apply_input(desk_, row, attrs, with_source, /*registering=*/true, policy_, row.created_at);
    for (const char* required : {"name", "email"})
      if (!row.cols.count(required))
        fail(ErrorKind::usage, std::string(required) + ": required to register (--" + required + ")");
    // One INSERT undoes itself when it fails; with attribute rows too, the
    // line needs a savepoint to leave nothing behind.
    std::optional<store::WriteTx> sp;
    if (!attrs.empty()) sp.emplace(desk_.db());
    try {
      row.rowid = store::insert_subject(desk_.db(), row);
    } catch (const SQLite::Exception& e) {
      // Name the subject that holds the email or username.
      if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_UNIQUE) check_unique(desk_, row);
      throw;
    }
    for (const auto& a : attrs) store::put_attribute(desk_.db(), row.rowid, a);
    if (sp) sp->commit();
    Registered r;
    r.id = row.id;
    r.previously_erased = store::find_suppression(desk_.db(), email_hash(desk_, row.cols.at("email_key")));
    if (!pending_) pending_.emplace(desk_, "register");
    pending_->subject(row.id);
    for (const auto& [col, _] : row.cols)
      if (!col.ends_with("_key")) pending_->field(field_category(col), col);
    for (const auto& a : attrs) pending_->field(a.category, a.category + "." + a.key);
    if (++pending_count_ >= kSubjectsPerEntry) flush();
    return r;
  } catch (const std::exception& e) {
    auto* err = dynamic_cast<const Error*>(&e);
    if (err && err->kind() == ErrorKind::refused) {
      flush();  // the registrations before it come first in the trail
      refusal.failed(e);
    }
    throw;
  }
}

void BulkRegistrar::flush() {
  if (!pending_) return;
  pending_->ok();
  discard();
}

void BulkRegistrar::discard() {
  pending_.reset();
  pending_count_ = 0;
}

}  // namespace dsr
