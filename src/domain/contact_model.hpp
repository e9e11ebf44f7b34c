// A subject's row as a Contact: who to tell and how (shared by policy affected
// and contacts).
#pragma once
#include "dsr/policy.hpp"
#include "store/policy_store.hpp"

namespace dsr {

// Phone when the subject prefers phone and has a number, else email.
Contact to_contact(const store::ContactRow& row);
// Appends the audit entry of a contact list (command: "contacts", "policy affected").
void audit_contact_list(Desk& desk, const char* command);

}  // namespace dsr
