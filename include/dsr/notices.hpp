// Who to tell, and the record of processing. contacts() lists the active
// subjects to notify (Service Announcements, Notification of Changes, Business
// Transitions); inventory() builds the GDPR Art. 30 record from live data.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dsr/desk.hpp"
#include "dsr/policy.hpp"

namespace dsr {

// purpose: service-announcement, policy-change, business-transition or
// breach-notice (else a usage error). Every active subject, oldest first, with
// their preferred contact (phone when preferred and present, else email).
// Deactivated and erased subjects never appear, except in a breach notice
// (GDPR Art. 34): the live subjects a breach affects (dsr/breaches.hpp), of
// `breach` (an id), or of every open breach when it is empty. Streams: memory
// stays flat (a breach notice for every open breach keeps the ids seen).
void for_each_contact(Desk& desk, const std::string& purpose, const std::function<void(const Contact&)>& f,
                      const std::string& breach = "");
std::vector<Contact> contacts(Desk& desk, const std::string& purpose, const std::string& breach = "");
// The stable record for contacts and policy affected: subject, name, method,
// address, new_uses (null when no choice was recorded).
nlohmann::json contact_json(const Contact& c);

// The record of processing (GDPR Art. 30(1)): categories of subjects and of
// data with counts, purposes, recipients from the disclosure log, retention,
// and the security measures read from the vault. See dsr(1), inventory.
nlohmann::json inventory(Desk& desk);

}  // namespace dsr
