// A Desk is an open vault with its schema brought up to date: the handle every
// domain operation takes. It also carries the actor (the slot's name).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dsr/vault.hpp"

namespace dsr {

class Desk {
 public:
  explicit Desk(Vault vault);  // runs migrations
  Vault& vault() { return vault_; }
  SQLite::Database& db() { return vault_.db(); }
  const std::string& actor() const { return vault_.slot_name(); }

 private:
  Vault vault_;
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
