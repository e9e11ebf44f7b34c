// A Desk is an open vault with its schema brought up to date: the handle every
// domain operation takes. It also carries the actor (the slot's name).
//
// Thread safety: a Desk belongs to one thread at a time. The read-ahead thread
// of batch and import (domain/bulk/prefetch.hpp) reads only what never changes
// while a run lasts: the vault's keys and role, never the connection.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dsr/vault.hpp"

namespace dsr {

namespace store { class StatementCache; }
struct AuditEntry;

class Desk {
 public:
  explicit Desk(Vault vault);  // runs migrations
  Desk(Desk&&) noexcept;
  Desk& operator=(Desk&&) noexcept;
  ~Desk();
  Vault& vault() { return vault_; }
  SQLite::Database& db() { return vault_.db(); }
  const std::string& actor() const { return vault_.slot_name(); }

  // The request (`--request ID`) the current actions are made under, for the audit trail.
  void set_request(std::string id) { request_ = std::move(id); }
  const std::string& request() const { return request_; }
  // Benchmarks measure the audit trail's cost by turning it off; nothing else should.
  void set_audit_enabled(bool on) { audit_enabled_ = on; }
  bool audit_enabled() const { return audit_enabled_; }
  // Set once this desk has seen the audit trail's signing mark signed
  // (domain/core/audit.cpp), so that later entries skip the check.
  bool audit_mark_signed = false;
  // While set (keep_refusals(), dsr/audit.hpp): where a refusal appended
  // inside a transaction is also kept, to be appended again if that
  // transaction rolls back.
  std::vector<AuditEntry>* kept_refusals = nullptr;
  // After a committed erasure: checkpoint the WAL into the main file so the
  // pages that held the erased values are overwritten, waiting up to the lock
  // timeout for readers in other processes. False when one still holds it back.
  bool wipe_erased();

 private:
  Vault vault_;
  std::unique_ptr<store::StatementCache> statements_;  // destroyed before the vault closes
  std::string request_;
  bool audit_enabled_ = true;
};

struct StatusCounts {
  int64_t active = 0, deactivated = 0, erased = 0;
};

struct VaultSummary {
  std::string path;
  uint32_t format_version = 0;
  int schema_version = 0;
  uint64_t size_bytes = 0;
  std::vector<SlotInfo> slots;
  StatusCounts subjects;
};

VaultSummary summarize(Desk& desk);

}  // namespace dsr
