#include "domain/bulk/bulk_register.hpp"

#include "dsr/fields.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/catalog.hpp"
#include "dsr/error.hpp"
#include "dsr/policy.hpp"
#include "dsr/requests.hpp"
#include "store/request_store.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "store/tx.hpp"

namespace dsr {

PreparedRegistration prepare_registration(Desk& desk, const SubjectInput& in, const std::string& policy, int64_t at,
                                          bool hash_email) {
  PreparedRegistration p;
  store::SubjectRow& row = p.row;
  row.id = new_subject_id();
  row.created_at = row.updated_at = at;
  SubjectInput with_source = in;
  if (with_source.source.empty()) with_source.source = "subject";
  apply_input(desk, row, p.attrs, with_source, /*registering=*/true, policy, at);
  require_registration_fields(row);
  if (hash_email) p.email_hash = email_hash(desk, row.cols.at("email_key"));
  p.packed = store::pack_subject(row);  // last: the row is complete
  return p;
}

nlohmann::json registered_json(const Registered& r) {
  nlohmann::json out = {{"id", r.id}};
  if (r.previously_erased)
    out["previously_erased"] = {{"id", r.previously_erased->first}, {"erased_at", iso_time(r.previously_erased->second)}};
  if (!r.linked_requests.empty()) out["linked_requests"] = r.linked_requests;
  return out;
}

std::string registered_text(const Registered& r) {
  if (!r.previously_erased && r.linked_requests.empty()) return "{\"id\":\"" + r.id + "\"}";  // the usual case, without a JSON tree (ids need no escaping)
  return registered_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

BulkRegistrar::BulkRegistrar(Desk& desk) : desk_(desk), audit_(desk, "register") {}

const std::string& BulkRegistrar::policy() {
  cal::Date today = cal::today();
  if (policy_day_ != today) {
    policy_ = policy_in_force(desk_, today);
    policy_day_ = today;
  }
  return policy_;
}

Registered BulkRegistrar::add(const std::function<PreparedRegistration&()>& make) {
  Audit refusal(desk_, "register");  // only a refusal is recorded one line at a time
  try {
    require(desk_, Action::write_subjects);
    if (!store::in_transaction(desk_.db()))
      fail(ErrorKind::failure, "internal: a bulk registration outside a transaction would go unaudited");
    PreparedRegistration& p = make();
    store::SubjectRow& row = p.row;
    Registered r;
    r.id.assign(p.packed.bytes.data(), p.packed.id_len);  // row.id, from the lines the INSERT reads anyway
    // Most vaults erase nobody during a bulk load: ask once whether there is
    // any suppression at all (again after every other operation, which may
    // erase). Asked before the INSERT, so that nothing can fail after it.
    if (!any_suppression_) any_suppression_ = store::any_suppression(desk_.db());
    if (*any_suppression_) {
      if (p.email_hash.empty()) p.email_hash = email_hash(desk_, row.cols.at("email_key"));
      r.previously_erased = store::find_suppression(desk_.db(), p.email_hash);
    }
    // A request opened on a claimed identity is linked when its email or
    // phone arrives, as register_under links it (dsr/requests.hpp). Most runs
    // have none waiting: asked once, like the suppressions.
    if (!any_claims_) any_claims_ = store::any_unlinked_claims(desk_.db());
    bool link = false;
    if (*any_claims_)
      for (auto [kind, col] : {std::pair{"email", "email_key"}, std::pair{"phone", "phone"}})
        if (auto it = row.cols.find(col); it != row.cols.end())
          link = link || !store::unlinked_requests_claiming(desk_.db(), kind, it->second).empty();
    // One INSERT undoes itself when it fails; with attribute rows or links
    // too, the line needs a savepoint to leave nothing behind.
    std::optional<store::WriteTx> sp;
    if (!p.attrs.empty() || link) sp.emplace(desk_.db());
    try {
      if (!inserter_) inserter_.emplace(desk_.db());
      row.rowid = inserter_->insert(row, p.packed);
    } catch (const std::exception& e) {
      // Name the subject that holds the email or username.
      if (store::is_unique_violation(e)) check_unique(desk_, row);
      throw;
    }
    for (const auto& a : p.attrs) store::put_attribute(desk_.db(), row.rowid, a);
    audit_.add(r.id, fields_of_row(p));
    if (link) {
      flush();  // the registration's entry first, then the links' own
      r.linked_requests = link_claimed_requests(desk_, row.id);
    }
    if (sp) sp->commit();
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

// The (category, field) pairs the audit entry names for a registration. Rows
// of a bulk run mostly set the same fields: the last row's list is kept and
// used again while the next row has the same columns (and no attributes).
const std::vector<std::pair<std::string, std::string>>& BulkRegistrar::fields_of_row(const PreparedRegistration& p) {
  if (p.attrs.empty() && fields_columns_ == p.packed.present) return fields_;
  fields_.clear();
  for (const auto& [col, _] : p.row.cols)
    if (!col.ends_with("_key")) fields_.emplace_back(fields::category_of(col), col);
  for (const auto& a : p.attrs) fields_.emplace_back(a.category, a.category + "." + a.key);
  fields_columns_.reset();
  if (p.attrs.empty()) fields_columns_ = p.packed.present;
  return fields_;
}

void BulkRegistrar::flush() {
  any_suppression_.reset();
  any_claims_.reset();
  inserter_.reset();  // its statement lives no longer than the transaction
  audit_.flush();
}

void BulkRegistrar::discard() {
  any_suppression_.reset();
  any_claims_.reset();
  inserter_.reset();
  audit_.discard();
}

AheadContext BulkRegistrar::ahead_context() {
  AheadContext ctx;
  ctx.policy = policy();
  ctx.day = *policy_day_;
  ctx.hash_email = store::any_suppression(desk_.db());
  return ctx;
}

Ahead::Ahead(SubjectInput in, Desk& desk, const AheadContext& ctx)
    : in_(std::move(in)), day_(ctx.day), hash_email_(ctx.hash_email) {
  try {
    prepared_ = prepare_registration(desk, in_, ctx.policy, cal::now_unix(), hash_email_);
  } catch (...) {
    error_ = std::current_exception();
  }
}

void Ahead::prefetch() const {
  if (!prepared_) return;
  const PreparedRegistration& p = *prepared_;
  __builtin_prefetch(&p.row);
  __builtin_prefetch(&p.packed);
  __builtin_prefetch(reinterpret_cast<const char*>(&p.packed) + 64);
  const char* bytes = p.packed.bytes.data();
  for (size_t i = 0; i < p.packed.bytes.size(); i += 64) __builtin_prefetch(bytes + i);
}

PreparedRegistration& Ahead::take(Desk& desk, BulkRegistrar& bulk) {
  const std::string& policy = bulk.policy();
  if (bulk.policy_day() != day_) {
    error_ = nullptr;
    prepared_.reset();
    day_ = bulk.policy_day();
    prepared_ = prepare_registration(desk, in_, policy, cal::now_unix(), hash_email_);
  }
  if (error_) std::rethrow_exception(error_);
  return *prepared_;
}

}  // namespace dsr
