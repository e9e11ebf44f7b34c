// The record of processing activities (GDPR Art. 30(1)) built from live data:
// what is held and about how many people, why, who received it, how long it is
// kept, and the security measures actually in force in this vault.
#include <map>
#include <set>

#include "dsr/audit.hpp"
#include "dsr/breaches.hpp"
#include "dsr/catalog.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/fields.hpp"
#include "dsr/json_values.hpp"
#include "dsr/notices.hpp"
#include "dsr/policy.hpp"
#include "dsr/retention.hpp"
#include "dsr/roles.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "store/choice_store.hpp"
#include "store/policy_store.hpp"
#include "store/subject_store.hpp"

namespace dsr {

namespace {

// The value columns counted per category (the index columns beside them are not values).
const std::vector<std::pair<std::string, std::string>>& counted_columns() {
  static const std::vector<std::pair<std::string, std::string>> cols = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& c : fields::value_columns()) out.emplace_back(c, fields::category_of(c));
    return out;
  }();
  return cols;
}

nlohmann::json categories_json(Desk& desk) {
  auto counts = store::category_counts(desk.db(), counted_columns());
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : categories()) {
    store::CategoryCount n = counts.count(c.name) ? counts.at(c.name) : store::CategoryCount{};
    out.push_back({{"category", c.name},
                   {"description", c.description},
                   {"subjects", n.subjects},
                   {"values", n.values},
                   {"purposes", c.purposes},
                   {"retention", c.retention},
                   {"restricted", c.restricted}});
  }
  return out;
}

nlohmann::json recipients_json(Desk& desk) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : store::recipients_in_log(desk.db())) {
    // A subject's summary of a recipient (dsr recipients), over every subject.
    nlohmann::json j = recipient_summary_json({.recipient = r.name,
                                               .recipient_type = r.type,
                                               .recipient_address = r.address,
                                               .first_date = r.first_date,
                                               .last_date = r.last_date,
                                               .count = r.disclosures,
                                               .categories = r.categories});
    j["subjects"] = r.subjects;
    j["purposes"] = r.purposes;
    j["bases"] = r.bases;
    out.push_back(std::move(j));
  }
  return out;
}

// The rules in force in this vault (dsr retention show), and what the policy
// says of each category (GDPR Art. 30(1)(f): the time limits for erasure).
nlohmann::json retention_json(Desk& desk) {
  nlohmann::json rules = nlohmann::json::array(), cats = nlohmann::json::array();
  for (const auto& r : retention_rules(desk)) rules.push_back(retention_rule_json(r));
  for (const auto& c : categories()) cats.push_back({{"category", c.name}, {"retention", c.retention}});
  return {{"rules", rules}, {"categories", cats}};
}

nlohmann::json security_json(Desk& desk) {
  Vault& v = desk.vault();
  std::map<std::string, int> by_role, by_kind;
  nlohmann::json slots = nlohmann::json::array();
  std::set<std::string> kdfs;
  for (const auto& s : v.slots()) {
    ++by_role[role_name(s.role)];
    ++by_kind[slot_kind_name(s.kind)];
    nlohmann::json kdf = nullptr;
    if (s.kind == SlotKind::passphrase) {
      kdf = {{"algorithm", "Argon2id"}, {"passes", s.kdf_ops}, {"memory_mib", s.kdf_mem / (1024 * 1024)}};
      kdfs.insert("Argon2id");
    } else {
      kdfs.insert("none: a 256-bit random key file");
    }
    slots.push_back({{"name", s.name}, {"role", role_name(s.role)}, {"kind", slot_kind_name(s.kind)}, {"kdf", kdf}});
  }
  std::vector<std::string> sealed, readers;
  for (const auto& c : categories())
    if (c.restricted) sealed.push_back(c.name);
  for (Role r : {Role::admin, Role::support, Role::billing, Role::auditor})
    if (role_reads_restricted(r)) readers.push_back(role_name(r));
  auto pragma = [&](const char* name) { return store::pragma_value(desk.db(), name); };
  return {{"format_version", v.format_version()},
          {"encryption",
           "every SQLite page, the WAL and any rollback journal encrypted with XChaCha20-Poly1305 under a key derived "
           "from a random 256-bit master key; page number and vault id bound as associated data"},
          {"header", "two copies, checksummed and authenticated (BLAKE2b MAC under the master key)"},
          {"slot_count", v.slots().size()},
          {"slots_by_role", by_role},
          {"slots_by_kind", by_kind},
          {"kdf", std::vector<std::string>(kdfs.begin(), kdfs.end())},
          {"slots", slots},
          {"category_sealing", {{"categories", sealed}, {"readable_by_roles", readers}}},
          {"secure_delete", pragma("secure_delete") == "1"},
          {"journal_mode", pragma("journal_mode")},
          {"temp_store_in_memory", pragma("temp_store") == "2"},
          {"mmap_disabled", pragma("mmap_size") == "0"},
          {"foreign_keys", pragma("foreign_keys") == "1"},
          {"suppression_hashes", "erased emails kept only as keyed BLAKE2b hashes"}};
}

}  // namespace

nlohmann::json inventory(Desk& desk) {
  require_audited(desk, Action::read_requests, "inventory");  // a report without personal values: support and auditor
  VaultSummary summary = summarize(desk);
  std::string in_force = policy_in_force(desk);
  std::vector<std::string> purposes = policy_purposes(desk, in_force);
  std::set<std::string> seen(purposes.begin(), purposes.end());
  for (const auto& c : categories())
    for (const auto& p : c.purposes)
      if (seen.insert(p).second) purposes.push_back(p);
  return {{"generated_at", iso_time(cal::now_unix())},
          {"record", "GDPR Art. 30(1) record of processing activities"},
          {"policy", {{"in_force", text_or_null(in_force)}, {"versions", list_policies(desk).size()}}},
          {"data_subjects",
           {{"category", "customers: registered users of the services"},
            {"active", summary.subjects.active},
            {"deactivated", summary.subjects.deactivated},
            {"erased", summary.subjects.erased}}},
          {"categories", categories_json(desk)},
          {"purposes", purposes},
          {"recipients", recipients_json(desk)},
          {"retention", retention_json(desk)},
          {"choices", {{"opt_outs", store::opt_out_counts(desk.db())}, {"consents", store::consent_counts(desk.db())}}},
          {"breaches", breach_counts(desk)},
          {"security", security_json(desk)}};
}

}  // namespace dsr
