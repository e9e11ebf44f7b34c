// One audited write (ARCHITECTURE.md, "Invariants"): the role check, one
// write transaction, the body, then the entry "ok" and the commit, in that
// order, so that no operation commits without its audit entry. A refusal is
// appended after the rollback (audited()); any other failure rolls the work
// back and leaves no entry. Operations never call audit.ok() themselves: they
// use one of the helpers below (bulk runs that commit many times: BulkAudit).
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <utility>

#include "dsr/audit.hpp"
#include "dsr/desk.hpp"
#include "dsr/error.hpp"
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

// An audited read of personal data (show, find, list, export, reports): the
// same sequence as audited_write, the read and its entry committing together;
// the commit skips the WAL fsync (store::Durability::relaxed).
template <class F>
auto audited_read(Desk& desk, const char* command, Action action, F&& body) -> decltype(body(std::declval<Audit&>())) {
  return audited_write(desk, command, action, std::forward<F>(body), store::Durability::relaxed);
}

// An entry of its own inside a transaction the caller holds and commits (the
// requests a registration links, one entry each, before the registration
// commits). No role check: the caller's operation made it. The entry is
// appended after body(Audit&), before the caller can commit.
template <class F>
void audited_step(Desk& desk, const char* command, F&& body) {
  if (!store::in_transaction(desk.db()))
    fail(ErrorKind::failure, std::string(command) + ": an audited step runs inside its caller's transaction");
  audited(desk, command, [&](Audit& audit) {
    body(audit);
    audit.ok();
  });
}

// The entry of an operation done outside the database (rekey, key remove,
// backup, restore), appended once the operation succeeded, in a transaction
// of its own.
inline void audit_completed(Desk& desk, const char* command) {
  audited(desk, command, [](Audit& audit) { audit.ok(); });
}

// An operation the vault carries out in a write transaction of its own (key
// slot changes, src/vault/keyring.cpp): op(record) hands record to the vault,
// which calls it inside that transaction, so that the entry commits with the
// change or not at all. A refusal is recorded as in audited().
template <class F>
void audited_in_vault(Desk& desk, const char* command, F&& op) {
  audited(desk, command, [&](Audit& audit) {
    const std::function<void()> record = [&audit] { audit.ok(); };
    op(record);
  });
}

}  // namespace dsr
