#include "dsr/roles.hpp"

#include <vector>

#include "dsr/error.hpp"

namespace dsr {
namespace {

struct Grant {
  Action action;
  std::vector<Role> roles;  // admin may always
};

// THE table. Admin may everything; the others only what is listed.
const std::vector<Grant>& grants() {
  static const std::vector<Grant> g = {
      {Action::read_subjects, {Role::support, Role::billing}},
      {Action::write_subjects, {Role::support, Role::billing}},
      {Action::erase_subjects, {Role::support}},
      {Action::export_subjects, {Role::support, Role::billing}},
      {Action::disclose, {Role::support}},
      {Action::read_disclosures, {Role::support, Role::auditor}},
      {Action::manage_requests, {Role::support}},
      {Action::read_requests, {Role::support, Role::auditor}},
      {Action::notices, {Role::support}},
      {Action::read_audit, {Role::auditor}},
      {Action::manage_keys, {}},
  };
  return g;
}

}  // namespace

const char* action_name(Action a) {
  switch (a) {
    case Action::read_subjects: return "reading subjects";
    case Action::write_subjects: return "changing subjects";
    case Action::erase_subjects: return "erasing subjects";
    case Action::export_subjects: return "exporting access packages";
    case Action::disclose: return "disclosures and legal holds";
    case Action::read_disclosures: return "reading the accounting of disclosures";
    case Action::manage_requests: return "managing requests and policy versions";
    case Action::read_requests: return "reading requests and reports";
    case Action::notices: return "contact lists for notices";
    case Action::read_audit: return "the audit trail";
    case Action::manage_keys: return "managing keys, backups and retention rules";
  }
  return "this";
}

bool role_may(Role r, Action a) {
  if (r == Role::admin) return true;
  for (const auto& g : grants())
    if (g.action == a)
      for (Role x : g.roles)
        if (x == r) return true;
  return false;
}

void require(Desk& desk, Action a) {
  Role r = desk.vault().role();
  if (role_may(r, a)) return;
  std::string who = "admin";
  for (const auto& g : grants())
    if (g.action == a)
      for (Role x : g.roles) who += std::string(" or ") + role_name(x);
  fail(ErrorKind::refused, std::string(action_name(a)) + " needs the " + who + " role; slot '" + desk.actor() +
                               "' is " + role_name(r));
}

bool role_reads_category(Role r, std::string_view c) {
  switch (r) {
    case Role::admin: return true;
    case Role::support: return c != "billing" && c != "payment";
    case Role::billing: return c == "identity" || c == "contact" || c == "billing" || c == "payment";
    case Role::auditor: return false;
  }
  return false;
}

bool role_writes_category(Role r, std::string_view c) { return role_reads_category(r, c); }

std::string category_readers(std::string_view c) {
  std::string who = "admin";
  for (Role r : {Role::support, Role::billing, Role::auditor})
    if (role_reads_category(r, c)) who += std::string(" or ") + role_name(r);
  return who;
}

bool masked_field(std::string_view f) { return f == "card_brand" || f == "card_last4"; }

void require_write(Desk& desk, std::string_view category, std::string_view field) {
  Role r = desk.vault().role();
  if (role_writes_category(r, category)) return;
  std::string who = category_readers(category);
  fail(ErrorKind::refused, std::string(field) + ": writing " + std::string(category) + " data needs the " + who +
                               " role; slot '" + desk.actor() + "' is " + role_name(r));
}

}  // namespace dsr
