// Between what a user types and the row the store keeps: validation,
// normalisation, sealing of restricted values, provenance, and the way back.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "dsr/subjects.hpp"
#include "store/subject_store.hpp"

namespace dsr {

// SUBJECT (an id, email or username) to its row; not_found errors say when an
// email belonged to an erased subject. The _live variant refuses erased subjects.
store::SubjectRow resolve_subject(Desk& desk, std::string_view ref);
store::SubjectRow resolve_live_subject(Desk& desk, std::string_view ref);
// The keyed hash kept for an erased email (suppression list).
std::string email_hash(Desk& desk, const std::string& email_key);

// Applies FIELD=VALUE pairs to the row (and collects attribute rows); returns
// the fields whose value changed. Throws usage/refused errors naming the field.
std::vector<std::string> apply_input(Desk& desk, store::SubjectRow& row, std::vector<store::AttributeRow>& attrs,
                                     const SubjectInput& in, bool registering);
// The same with the policy version in force and the collection time given
// (bulk registration looks them up once, not once a row).
std::vector<std::string> apply_input(Desk& desk, store::SubjectRow& row, std::vector<store::AttributeRow>& attrs,
                                     const SubjectInput& in, bool registering, const std::string& policy, int64_t at);
// A new subject id: sub_ and 16 Crockford base32 characters, 48 bits of
// milliseconds then 32 random bits, increasing within a process: ids of one
// batch land at the end of the id index instead of all over it.
std::string new_subject_id();
// Removes a field; true if it held a value.
bool unset_field(Desk& desk, store::SubjectRow& row, const std::string& field);
// The fields a subject holds, as (category, field), in the order they are shown.
std::vector<std::pair<std::string, std::string>> fields_of(Desk& desk, const store::SubjectRow& row);
// Erases a resolved subject's values (the row stays as the tombstone) and
// keeps the keyed hash of its email on the suppression list.
void erase_row(Desk& desk, const store::SubjectRow& row, int64_t at, const std::string& reason);
// Usage error naming the first required field (fields::Field::required) the row lacks.
void require_registration_fields(const store::SubjectRow& row);
// Conflict error naming the other subject when the email or username is taken.
void check_unique(Desk& desk, const store::SubjectRow& row);
// The row as the domain shows it; attributes are read from the store unless given.
Subject decode_subject(Desk& desk, const store::SubjectRow& row,
                       const std::optional<std::vector<store::AttributeRow>>& attrs = std::nullopt);

}  // namespace dsr
