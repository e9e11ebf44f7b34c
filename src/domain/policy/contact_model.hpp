// A subject's row as a Contact: who to tell and how (shared by policy affected
// and contacts).
#pragma once
#include "dsr/policy.hpp"
#include "store/policy_store.hpp"

namespace dsr {

// How a notice reaches the subject. Service announcements follow the
// subject's contact preference (phone when they prefer it and have a number);
// the policy promises notice of a change of use, and so of a business
// transition, by email.
enum class Reach { by_preference, by_email };
Contact to_contact(const store::ContactRow& row, Reach reach);
// Appends the audit entry of a contact list (command: "contacts", "policy affected").
void audit_contact_list(Desk& desk, const char* command);

}  // namespace dsr
