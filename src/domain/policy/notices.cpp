// Who to tell of a service announcement, a policy change or a business transition.
#include "dsr/notices.hpp"

#include "domain/policy/contact_model.hpp"
#include <set>

#include "dsr/audit.hpp"
#include "dsr/breaches.hpp"
#include "dsr/error.hpp"
#include "dsr/json_values.hpp"
#include "dsr/roles.hpp"
#include "store/policy_store.hpp"

namespace dsr {

void for_each_contact(Desk& desk, const std::string& purpose, const std::function<void(const Contact&)>& f,
                      const std::string& breach) {
  if (purpose == "breach-notice") {
    require_audited(desk, Action::notices, "contacts");
    if (!breach.empty()) return for_each_breach_contact(desk, breach, f);
    std::set<std::string> seen;
    for (const auto& b : list_breaches(desk, BreachStatus::open))
      for_each_breach_contact(desk, b.id, [&](const Contact& c) {
        if (seen.insert(c.subject_id).second) f(c);
      });
    return;
  }
  if (!breach.empty()) fail(ErrorKind::usage, "--breach: only with --purpose breach-notice");
  if (purpose != "service-announcement" && purpose != "policy-change" && purpose != "business-transition")
    fail(ErrorKind::usage,
         "--purpose: must be service-announcement, policy-change, business-transition or breach-notice");
  audit_contact_list(desk, "contacts");
  Reach reach = purpose == "service-announcement" ? Reach::by_preference : Reach::by_email;
  store::for_each_active_contact(desk.db(), /*with_versions=*/false,
                                 [&](const store::ContactRow& row) { f(to_contact(row, reach)); });
}

std::vector<Contact> contacts(Desk& desk, const std::string& purpose, const std::string& breach) {
  std::vector<Contact> out;
  for_each_contact(desk, purpose, [&](const Contact& c) { out.push_back(c); }, breach);
  return out;
}

nlohmann::json contact_json(const Contact& c) {
  return {{"subject", c.subject_id},
          {"name", c.name},
          {"method", c.method},
          {"address", c.address},
          {"new_uses", text_or_null(c.new_uses)},
          {"opt_outs", c.opt_outs}};
}

}  // namespace dsr
