// Who may do what: the one table of the roles' permissions (dsr(1), ROLES).
// Billing and payment values are also sealed under a category key that only
// admin and billing slots carry, so the cryptography enforces that part too.
#pragma once
#include <string>
#include <string_view>

#include "dsr/desk.hpp"

namespace dsr {

enum class Action {
  read_subjects,     // show, find, list
  write_subjects,    // register, correct, deactivate, reactivate, import
  erase_subjects,    // delete, retention run
  export_subjects,   // export (every category the subject holds)
  disclose,          // disclose, hold place/release
  read_disclosures,  // disclosures, recipients, hold list (no personal values)
  manage_requests,   // request open/extend/close, policy, choice
  read_requests,     // request list/show, report
  notices,           // contacts, policy affected (personal values: contact data)
  read_audit,        // audit log/verify
  manage_keys,       // key add/remove/list, rekey, backup, restore, retention set
};

const char* action_name(Action a);
bool role_may(Role r, Action a);
// Throws Error(refused) naming the roles that may, unless the desk's role may.
void require(Desk& desk, Action a);

// Whether the role may read / write values of a category.
bool role_reads_category(Role r, std::string_view category);
bool role_writes_category(Role r, std::string_view category);
// "admin or support", "admin or billing": the roles that may read `category`.
std::string category_readers(std::string_view category);
// Payment values a support slot sees in masked form (brand, last 4 digits).
bool masked_field(std::string_view field);
// Throws Error(refused) when the desk's role may not write `category` (naming `field`).
void require_write(Desk& desk, std::string_view category, std::string_view field);

}  // namespace dsr
