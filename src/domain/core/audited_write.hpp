// One audited write (ARCHITECTURE.md, "Invariants"): the role check, one
// write transaction, the body, then the entry "ok" and the commit, in that
// order, so that no operation commits without its audit entry. A failure
// appends the entry with its kind (audited()) and rolls the work back.
#pragma once

#include <type_traits>
#include <utility>

#include "dsr/audit.hpp"
#include "dsr/desk.hpp"
#include "dsr/roles.hpp"
#include "store/tx.hpp"

namespace dsr {

// body(Audit&) records what it touches (audit.subject, audit.field) and does
// the work; it neither commits nor calls audit.ok().
template <class F>
auto audited_write(Desk& desk, const char* command, Action action, F&& body,
                   store::Durability durability = store::Durability::full) -> decltype(body(std::declval<Audit&>())) {
  return audited(desk, command, [&](Audit& audit) -> decltype(body(std::declval<Audit&>())) {
    require(desk, action);
    store::WriteTx tx(desk.db(), durability);
    if constexpr (std::is_void_v<decltype(body(audit))>) {
      body(audit);
      audit.ok();
      tx.commit();
    } else {
      auto result = body(audit);
      audit.ok();
      tx.commit();
      return result;
    }
  });
}

}  // namespace dsr
