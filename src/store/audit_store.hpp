// Rows of the audit table and the chain's anchor.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

struct AuditRow {
  int64_t id = 0;
  int64_t at = 0;
  std::string actor, command;
  std::string subjects;  // JSON array text
  std::string fields;    // JSON array text
  std::string request, outcome;
  std::string prev_hash, hash;  // 32 bytes each
  std::string signer, sig;      // the acting slot's Ed25519 key (32) and signature (64); empty: unsigned
  bool head = false;            // marked as the newest entry written (column `head`, schema 16)
};

struct AuditHead {
  int64_t last_id = 0;   // 0: no entry
  std::string hash;      // the newest entry's hash (or the pruning anchor); "" if none
  std::string signer, sig;  // the pruning anchor's and the signing start's signature (else empty)
};

// A slot's signing key as an admin certified it (the certificate is the admin
// key's signature; domain/core/audit.cpp says over what).
struct AuditSigner {
  std::string pk, slot, role;
  int64_t certified_at = 0;
  std::string cert;
};
std::vector<AuditSigner> audit_signers(SQLite::Database& db);
void insert_audit_signer(SQLite::Database& db, const AuditSigner& s);  // a key already there is kept
// Where signing began (entries up to last_id are unsigned), with the admin's
// signature once one has given it; nothing in a vault that never had the row.
std::optional<AuditHead> signing_start(SQLite::Database& db);
void sign_signing_start(SQLite::Database& db, const std::string& signer, const std::string& sig);
void sign_pruned_anchor(SQLite::Database& db, const std::string& signer, const std::string& sig);
// The end of the trail, where the next entry follows. The newest entry
// written carries the head mark; the mark is cleared on the entry before it
// in the same commit (ARCHITECTURE.md, "The audit trail").
struct AuditTail {
  AuditHead head;  // the newest entry (else the pruning anchor, else where signing began); 0/"" for none
  enum class Gap {
    none,
    end_cut,   // the newest remaining entry is not marked: entries at the end were removed
    emptied,   // no entry is left, though entries were written and pruning always keeps the newest
  } gap = Gap::none;
  bool legacy = false;  // head read from the record a vault of schema <= 15 kept (audit_anchor k = 2)
};
AuditTail audit_tail(SQLite::Database& db);
// Inserts the entry, marked as the head, and moves the mark off `after`'s
// entry (a legacy record goes too).
void insert_audit(SQLite::Database& db, const AuditRow& r, const AuditTail& after);
// Entries in id order; filters may be empty. `subject` matches an id inside the subjects array.
void scan_audit(SQLite::Database& db, const std::string& subject, const std::string& actor, int64_t since,
                const std::function<bool(const AuditRow&)>& visit);
// The anchor left by pruning: the last entry that went, which the first remaining entry must follow.
std::optional<AuditHead> pruned_anchor(SQLite::Database& db);
int64_t delete_audit_before(SQLite::Database& db, int64_t before);

}  // namespace dsr::store
