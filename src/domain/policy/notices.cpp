// Who to tell of a service announcement, a policy change or a business transition.
#include "dsr/notices.hpp"

#include "domain/policy/contact_model.hpp"
#include "dsr/error.hpp"
#include "store/policy_store.hpp"

namespace dsr {

void for_each_contact(Desk& desk, const std::string& purpose, const std::function<void(const Contact&)>& f) {
  if (purpose != "service-announcement" && purpose != "policy-change" && purpose != "business-transition")
    fail(ErrorKind::usage, "--purpose: must be service-announcement, policy-change or business-transition");
  audit_contact_list(desk, "contacts");
  Reach reach = purpose == "service-announcement" ? Reach::by_preference : Reach::by_email;
  store::for_each_active_contact(desk.db(), /*with_versions=*/false,
                                 [&](const store::ContactRow& row) { f(to_contact(row, reach)); });
}

std::vector<Contact> contacts(Desk& desk, const std::string& purpose) {
  std::vector<Contact> out;
  for_each_contact(desk, purpose, [&](const Contact& c) { out.push_back(c); });
  return out;
}

nlohmann::json contact_json(const Contact& c) {
  return {{"subject", c.subject_id},
          {"name", c.name},
          {"method", c.method},
          {"address", c.address},
          {"new_uses", c.new_uses.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.new_uses)}};
}

}  // namespace dsr
