// The name tables of dsr/enums.hpp: every enumerator has exactly one row, in
// the enum's order, each name parses back to it, and unknown names are refused.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "dsr/enums.hpp"

using namespace dsr;

namespace {

// Each row i holds enumerator i (so every enumerator 0..N-1 has exactly one
// row), each name is unique and parses back, and to_string gives it.
template <class E, size_t N>
void check_enum_name_table(const std::array<EnumName<E>, N>& table) {
  std::set<std::string_view> names;
  for (size_t i = 0; i < N; ++i) {
    CAPTURE(table[i].name);
    CHECK(static_cast<size_t>(table[i].value) == i);
    CHECK(!table[i].name.empty());
    CHECK(names.insert(table[i].name).second);
    CHECK(dsr::to_string(table[i].value) == std::string(table[i].name));
    CHECK(dsr::name_of(table[i].value) == table[i].name);
    std::optional<E> back = dsr::parse<E>(table[i].name);
    REQUIRE(back.has_value());
    CHECK(*back == table[i].value);
  }
  CHECK(dsr::names_of<E>().size() == N);
}

template <class E>
void check_enum_names_refused(std::initializer_list<const char*> unknown) {
  for (const char* u : unknown) {
    CAPTURE(u);
    CHECK_FALSE(dsr::parse<E>(u).has_value());
  }
}

}  // namespace

TEST_CASE("enums: subject statuses round trip, other names are refused") {
  check_enum_name_table(kSubjectStatusNames);
  CHECK(dsr::to_string(SubjectStatus::active) == "active");
  CHECK(dsr::to_string(SubjectStatus::deactivated) == "deactivated");
  CHECK(dsr::to_string(SubjectStatus::erased) == "erased");
  check_enum_names_refused<SubjectStatus>({"", "all", "Erased", "erased ", "deleted", "restricted"});
}

TEST_CASE("enums: request statuses round trip, and open, closed and all are filters, not statuses") {
  check_enum_name_table(kRequestStatusNames);
  CHECK(dsr::to_string(RequestStatus::in_progress) == "in_progress");
  check_enum_names_refused<RequestStatus>({"", "open", "closed", "all", "in-progress", "Received", "paused"});
  CHECK(is_open(RequestStatus::received));
  CHECK(is_open(RequestStatus::verified));
  CHECK(is_open(RequestStatus::in_progress));
  CHECK_FALSE(is_open(RequestStatus::fulfilled));
  CHECK_FALSE(is_open(RequestStatus::denied));
  CHECK_FALSE(is_open(RequestStatus::cancelled));
}

TEST_CASE("enums: request types keep the names with a hyphen, the underscore spellings are refused") {
  check_enum_name_table(kRequestTypeNames);
  CHECK(dsr::to_string(RequestType::opt_out) == "opt-out");
  CHECK(dsr::to_string(RequestType::limit_sensitive) == "limit-sensitive");
  check_enum_names_refused<RequestType>({"", "opt_out", "limit_sensitive", "deletion", "Access", "sale:opt-out"});
}

TEST_CASE("enums: breach statuses round trip") {
  check_enum_name_table(kBreachStatusNames);
  check_enum_names_refused<BreachStatus>({"", "all", "Open", "notified"});
}

TEST_CASE("enums: appeal outcomes round trip, and an unset outcome reads as empty text") {
  check_enum_name_table(kAppealOutcomeNames);
  check_enum_names_refused<AppealOutcome>({"", "Granted", "upheld", "reversed"});
  CHECK(dsr::to_string(std::optional<AppealOutcome>()).empty());
  CHECK(dsr::to_string(std::optional<RequestStatus>(RequestStatus::denied)) == "denied");
}

TEST_CASE("enums: an option's choices are the table's names in order, then the extra ones") {
  CHECK(dsr::names_of<SubjectStatus>({"all"}) == std::vector<std::string>{"active", "deactivated", "erased", "all"});
  CHECK(dsr::names_of<RequestStatus>({"open", "closed", "all"}) ==
        std::vector<std::string>{"received", "verified", "in_progress", "fulfilled", "denied", "cancelled", "open",
                                 "closed", "all"});
  CHECK(dsr::names_of<BreachStatus>() == std::vector<std::string>{"open", "closed"});
}
