#include "dsr/audit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <optional>

#include "vault/seal.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "store/audit_store.hpp"
#include "store/tx.hpp"

namespace dsr {
namespace {

void put(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out.push_back(':');
  out += s;
}

// The hash that chains entry r to its predecessor.
std::string chain_hash(Desk& desk, const store::AuditRow& r) {
  std::string m;
  put(m, r.prev_hash);
  put(m, std::to_string(r.id));
  put(m, std::to_string(r.at));
  put(m, r.actor);
  put(m, r.command);
  put(m, r.subjects);
  put(m, r.fields);
  put(m, r.request);
  put(m, r.outcome);
  return vault::keyed_hash(desk.vault().index_key(), "audit-chain", m);
}

void append(Desk& desk, const AuditEntry& e) {
  store::AuditRow r;
  r.at = e.at;
  r.actor = e.actor;
  r.command = e.command;
  r.subjects = nlohmann::json(e.subjects).dump();
  r.fields = nlohmann::json(e.fields).dump();
  r.request = e.request;
  r.outcome = e.outcome;
  // Inside the operation's transaction (the usual case) the entry needs no
  // savepoint of its own: if it fails, the operation fails and rolls back
  // with it. A refusal is appended after the rollback, in its own transaction.
  std::optional<store::WriteTx> tx;
  if (!store::in_transaction(desk.db())) tx.emplace(desk.db());
  store::AuditHead head = store::audit_head(desk.db());
  r.id = head.last_id + 1;
  r.prev_hash = head.hash;
  r.hash = chain_hash(desk, r);
  store::insert_audit(desk.db(), r);
  if (tx) tx->commit();
}

AuditEntry from_row(const store::AuditRow& r) {
  auto names = [](const std::string& json_array) {
    return nlohmann::json::parse(json_array, nullptr, false).get<std::vector<std::string>>();
  };
  return {r.id, r.at, r.actor, r.command, names(r.subjects), names(r.fields), r.request, r.outcome};
}

}  // namespace

Audit::Audit(Desk& desk, std::string command) : desk_(desk) {
  e_.command = std::move(command);
  e_.actor = desk.actor();
  e_.request = desk.request();
}

void Audit::subject(const std::string& id) {
  if (seen_subjects_.insert(id).second) e_.subjects.push_back(id);
}

void Audit::field(const std::string& category, const std::string& field) {
  std::string f = field.find('.') != std::string::npos ? field : category + "." + field;
  if (seen_fields_.insert(f).second) e_.fields.push_back(std::move(f));
}

void Audit::ok() {
  if (!desk_.audit_enabled()) return;
  e_.at = cal::now_unix();
  e_.outcome = "ok";
  append(desk_, e_);
}

void Audit::failed(const std::exception& ex) {
  // Only refusals are recorded: they are the attempts worth knowing about, and
  // every other failure leaves the vault exactly as it was.
  auto* err = dynamic_cast<const Error*>(&ex);
  if (!desk_.audit_enabled() || !err || err->kind() != ErrorKind::refused) return;
  e_.at = cal::now_unix();
  e_.outcome = "refused";
  try {
    append(desk_, e_);
  } catch (...) {
    // The refusal itself is what the caller must see.
  }
}

void BulkAudit::add(const std::string& id, const std::vector<std::pair<std::string, std::string>>& fields) {
  if (!pending_) pending_.emplace(desk_, command_);
  pending_->new_subject(id);
  for (const auto& [category, field] : fields) {
    if (std::find(fields_.begin(), fields_.end(), field) != fields_.end()) continue;
    fields_.push_back(field);
    pending_->field(category, field);
  }
  if (++count_ >= kSubjectsPerEntry) flush();
}

void BulkAudit::flush() {
  if (!pending_) return;
  pending_->ok();
  discard();
}

void BulkAudit::discard() {
  pending_.reset();
  count_ = 0;
  fields_.clear();
}

void require_audited(Desk& desk, Action a, const char* command) {
  audited(desk, command, [&](Audit&) { require(desk, a); });
}

std::vector<AuditEntry> audit_log(Desk& desk, const AuditQuery& q) {
  require_audited(desk, Action::read_audit, "audit log");
  int64_t since = 0;
  if (!q.since.empty()) {
    auto d = cal::parse_date("since", q.since);
    since = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::sys_days(d).time_since_epoch()).count();
  }
  std::string subject_id = q.subject.empty() ? "" : resolve_subject(desk, q.subject).id;
  std::vector<AuditEntry> out;
  store::scan_audit(desk.db(), subject_id, q.actor, since, [&](const store::AuditRow& r) {
    out.push_back(from_row(r));
    return true;
  });
  if (q.limit > 0 && out.size() > size_t(q.limit)) out.erase(out.begin(), out.end() - q.limit);  // the newest
  return out;
}

AuditVerify verify_audit(Desk& desk) {
  require_audited(desk, Action::read_audit, "audit verify");
  AuditVerify v;
  // After pruning, the chain starts from the anchor: the last entry that went.
  auto anchor = store::pruned_anchor(desk.db());
  std::string prev = anchor ? anchor->hash : "";
  int64_t last_id = anchor ? anchor->last_id : 0;
  int64_t expected_id = last_id + 1;
  store::scan_audit(desk.db(), "", "", INT64_MIN, [&](const store::AuditRow& r) {
    auto bad = [&](std::string why) {
      v.ok = false;
      v.first_bad = r.id;
      v.problem = "entry " + std::to_string(r.id) + " " + why;
      return false;
    };
    if (r.id != expected_id)
      return bad("follows entry " + std::to_string(expected_id - 1) + ": the entries between were removed");
    if (r.prev_hash != prev) return bad("does not follow the entry before it (entries removed or reordered)");
    if (chain_hash(desk, r) != r.hash) return bad("was altered after it was written");
    prev = r.hash;
    expected_id = r.id + 1;
    last_id = r.id;
    ++v.checked;
    return true;
  });
  if (v.ok) {
    auto head = store::recorded_head(desk.db());
    if (head && (head->last_id != last_id || head->hash != prev)) {
      v.ok = false;
      v.first_bad = last_id + 1;
      v.problem = "the trail ends at entry " + std::to_string(last_id) + " but entry " +
                  std::to_string(head->last_id) + " was written: entries at the end were removed";
    }
  }
  return v;
}

int64_t prune_audit(Desk& desk, int64_t before) {
  store::WriteTx tx(desk.db());
  int64_t n = store::delete_audit_before(desk.db(), before);
  tx.commit();
  return n;
}

}  // namespace dsr
