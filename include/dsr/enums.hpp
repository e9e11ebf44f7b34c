// The closed sets of names the contract uses: subject, request and breach
// statuses and request types. Each enum has ONE name table below: the exact
// text stored in the vault, printed in JSON and text, and accepted on the
// command line, in batch and in import. Code past those boundaries holds the
// enum; to_string() and parse() cross them. Laws are rows of their own table
// (dsr/laws.hpp: LawId).
//
// Thread safety: the tables are immutable; every function is pure.
#pragma once
#include <array>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsr {

// One row of a name table.
template <class E>
struct EnumName {
  E value;
  std::string_view name;
};

enum class SubjectStatus { active, deactivated, erased };
inline constexpr std::array<EnumName<SubjectStatus>, 3> kSubjectStatusNames{{
    {SubjectStatus::active, "active"},
    {SubjectStatus::deactivated, "deactivated"},
    {SubjectStatus::erased, "erased"},
}};
constexpr const auto& enum_names(SubjectStatus) { return kSubjectStatusNames; }

// received -> verified -> in_progress -> fulfilled | denied | cancelled (dsr/requests.hpp).
enum class RequestStatus { received, verified, in_progress, fulfilled, denied, cancelled };
inline constexpr std::array<EnumName<RequestStatus>, 6> kRequestStatusNames{{
    {RequestStatus::received, "received"},
    {RequestStatus::verified, "verified"},
    {RequestStatus::in_progress, "in_progress"},
    {RequestStatus::fulfilled, "fulfilled"},
    {RequestStatus::denied, "denied"},
    {RequestStatus::cancelled, "cancelled"},
}};
constexpr const auto& enum_names(RequestStatus) { return kRequestStatusNames; }
// received, verified and in_progress are open; the others are the outcomes of a close.
constexpr bool is_open(RequestStatus s) {
  return s == RequestStatus::received || s == RequestStatus::verified || s == RequestStatus::in_progress;
}

// Every request type, in the order reports list them; which law allows which
// is in each law's row (dsr/laws.hpp).
enum class RequestType { access, rectification, erasure, restriction, portability, objection, opt_out, limit_sensitive };
inline constexpr std::array<EnumName<RequestType>, 8> kRequestTypeNames{{
    {RequestType::access, "access"},
    {RequestType::rectification, "rectification"},
    {RequestType::erasure, "erasure"},
    {RequestType::restriction, "restriction"},
    {RequestType::portability, "portability"},
    {RequestType::objection, "objection"},
    {RequestType::opt_out, "opt-out"},
    {RequestType::limit_sensitive, "limit-sensitive"},
}};
constexpr const auto& enum_names(RequestType) { return kRequestTypeNames; }

// The decision on an appeal of a denial (dsr/requests.hpp: decide_appeal).
enum class AppealOutcome { granted, denied };
inline constexpr std::array<EnumName<AppealOutcome>, 2> kAppealOutcomeNames{{
    {AppealOutcome::granted, "granted"},
    {AppealOutcome::denied, "denied"},
}};
constexpr const auto& enum_names(AppealOutcome) { return kAppealOutcomeNames; }

enum class BreachStatus { open, closed };
inline constexpr std::array<EnumName<BreachStatus>, 2> kBreachStatusNames{{
    {BreachStatus::open, "open"},
    {BreachStatus::closed, "closed"},
}};
constexpr const auto& enum_names(BreachStatus) { return kBreachStatusNames; }

// An enum with a name table above.
template <class E>
concept NamedEnum = requires(E e) { enum_names(e); };

// The enumerator's name ("" is never returned: every enumerator has a row, tests/unit/util/enums_test.cpp).
template <NamedEnum E>
constexpr std::string_view name_of(E e) {
  for (const auto& n : enum_names(e))
    if (n.value == e) return n.name;
  return {};
}
template <NamedEnum E>
std::string to_string(E e) {
  return std::string(name_of(e));
}
// The name, or "" when not set (an open request's outcome).
template <NamedEnum E>
std::string to_string(const std::optional<E>& e) {
  return e ? to_string(*e) : std::string();
}
// The enumerator named `name`, or nullopt (the caller words the error for its boundary).
template <NamedEnum E>
constexpr std::optional<E> parse(std::string_view name) {
  for (const auto& n : enum_names(E{}))
    if (n.name == name) return n.value;
  return std::nullopt;
}

// Every name, in the table's order, then `more` ("all"): the choices of an option.
template <NamedEnum E>
std::vector<std::string> names_of(std::initializer_list<const char*> more = {}) {
  std::vector<std::string> out;
  for (const auto& n : enum_names(E{})) out.emplace_back(n.name);
  for (const char* m : more) out.emplace_back(m);
  return out;
}

}  // namespace dsr
