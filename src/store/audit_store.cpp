#include "store/audit_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "store/cached.hpp"
#include "store/columns.hpp"

namespace dsr::store {
namespace {
std::string blob(SQLite::Statement& st, int i) {
  auto c = st.getColumn(i);
  return c.isNull() ? std::string() : std::string(static_cast<const char*>(c.getBlob()), size_t(c.getBytes()));
}
// The first row of `sql` (an id and a hash) as a head, if any.
std::optional<AuditHead> head_of(SQLite::Database& db, const char* sql) {
  Cached query(db, sql);
  SQLite::Statement& st = *query;
  if (!st.executeStep()) return std::nullopt;
  return AuditHead{st.getColumn(0).getInt64(), blob(st, 1), {}, {}};
}
}  // namespace

AuditHead audit_head(SQLite::Database& db) {
  // The head recorded by the last append first, not the newest row: after a
  // cut at the end, the next entry follows the entry that was cut, and the
  // gap stays for `audit verify` to find. Then the newest row, then the
  // prune anchor (a trail pruned to nothing).
  for (const char* sql : {"SELECT last_id, hash FROM audit_anchor WHERE k = 2",
                          "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
                          "SELECT last_id, hash FROM audit_anchor WHERE k = 1"})
    if (auto h = head_of(db, sql)) return *h;
  return {};
}

std::optional<AuditHead> recorded_head(SQLite::Database& db) {
  return head_of(db, "SELECT last_id, hash FROM audit_anchor WHERE k = 2");
}

void insert_audit(SQLite::Database& db, const AuditRow& r) {
  Cached insert(db,
      "INSERT INTO audit (id, at, actor, command, subjects, fields, request, outcome, prev_hash, hash, signer, sig) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  SQLite::Statement& st = *insert;
  bind_columns(st, 1, r.id, r.at, r.actor, r.command, r.subjects, r.fields, or_null(r.request), r.outcome,
               Blob{r.prev_hash}, Blob{r.hash});
  if (r.signer.empty()) {
    st.bind(11);
    st.bind(12);
  } else {
    st.bind(11, r.signer.data(), int(r.signer.size()));
    st.bind(12, r.sig.data(), int(r.sig.size()));
  }
  st.exec();
  Cached recorded(db, "INSERT INTO audit_anchor (k, last_id, hash) VALUES (2, ?, ?) "
                      "ON CONFLICT (k) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash");
  SQLite::Statement& head = *recorded;
  head.bind(1, r.id);
  head.bind(2, r.hash.data(), int(r.hash.size()));
  head.exec();
}

void scan_audit(SQLite::Database& db, const std::string& subject, const std::string& actor, int64_t since,
                const std::function<bool(const AuditRow&)>& visit) {
  std::string sql =
      "SELECT id, at, actor, command, subjects, fields, request, outcome, prev_hash, hash, signer, sig FROM audit "
      "WHERE at >= ?";
  if (!actor.empty()) sql += " AND actor = ?";
  if (!subject.empty()) sql += " AND EXISTS (SELECT 1 FROM json_each(audit.subjects) WHERE value = ?)";
  SQLite::Statement st(db, sql + " ORDER BY id");
  int i = 1;
  st.bind(i++, since);
  if (!actor.empty()) st.bind(i++, actor);
  if (!subject.empty()) st.bind(i++, subject);
  while (st.executeStep()) {
    AuditRow r;
    read_columns(st, r.id, r.at, r.actor, r.command, r.subjects, r.fields, r.request, r.outcome, r.prev_hash, r.hash);
    r.signer = blob(st, 10);
    r.sig = blob(st, 11);
    if (!visit(r)) break;
  }
}

namespace {
std::optional<AuditHead> anchor_row(SQLite::Database& db, int k) {
  SQLite::Statement st(db, "SELECT last_id, hash, signer, sig FROM audit_anchor WHERE k = ?");
  st.bind(1, k);
  if (!st.executeStep()) return std::nullopt;
  return AuditHead{st.getColumn(0).getInt64(), blob(st, 1), blob(st, 2), blob(st, 3)};
}
void sign_anchor_row(SQLite::Database& db, int k, const std::string& signer, const std::string& sig) {
  SQLite::Statement st(db, "UPDATE audit_anchor SET signer = ?, sig = ? WHERE k = ?");
  st.bind(1, signer.data(), int(signer.size()));
  st.bind(2, sig.data(), int(sig.size()));
  st.bind(3, k);
  st.exec();
}
}  // namespace

std::optional<AuditHead> pruned_anchor(SQLite::Database& db) { return anchor_row(db, 1); }
std::optional<AuditHead> signing_start(SQLite::Database& db) { return anchor_row(db, 3); }
void sign_signing_start(SQLite::Database& db, const std::string& signer, const std::string& sig) {
  sign_anchor_row(db, 3, signer, sig);
}
void sign_pruned_anchor(SQLite::Database& db, const std::string& signer, const std::string& sig) {
  sign_anchor_row(db, 1, signer, sig);
}

std::vector<AuditSigner> audit_signers(SQLite::Database& db) {
  SQLite::Statement st(db, "SELECT pk, slot, role, certified_at, cert FROM audit_signers ORDER BY certified_at, slot");
  std::vector<AuditSigner> out;
  while (st.executeStep()) out.push_back({blob(st, 0), st.getColumn(1).getString(), st.getColumn(2).getString(),
                                          st.getColumn(3).getInt64(), blob(st, 4)});
  return out;
}

void insert_audit_signer(SQLite::Database& db, const AuditSigner& s) {
  SQLite::Statement st(db, "INSERT OR IGNORE INTO audit_signers (pk, slot, role, certified_at, cert) VALUES (?, ?, ?, ?, ?)");
  st.bind(1, s.pk.data(), int(s.pk.size()));
  st.bind(2, s.slot);
  st.bind(3, s.role);
  st.bind(4, s.certified_at);
  st.bind(5, s.cert.data(), int(s.cert.size()));
  st.exec();
}

int64_t delete_audit_before(SQLite::Database& db, int64_t before) {
  // The last entry that goes becomes the anchor for the first that stays.
  SQLite::Statement last(db, "SELECT id, hash FROM audit WHERE at < ? ORDER BY id DESC LIMIT 1");
  last.bind(1, before);
  if (!last.executeStep()) return 0;
  int64_t upto = last.getColumn(0).getInt64();
  std::string anchor = blob(last, 1);
  SQLite::Statement del(db, "DELETE FROM audit WHERE id <= ?");
  del.bind(1, upto);
  int64_t n = del.exec();
  SQLite::Statement up(db, "INSERT INTO audit_anchor (k, last_id, hash) VALUES (1, ?, ?) ON CONFLICT (k) DO UPDATE SET "
                           "last_id = excluded.last_id, hash = excluded.hash, signer = NULL, sig = NULL");
  up.bind(1, upto);
  up.bind(2, anchor.data(), int(anchor.size()));
  up.exec();
  return n;
}

}  // namespace dsr::store
