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
std::optional<AuditHead> anchor_row(SQLite::Database& db, int k) {
  Cached st(db, "SELECT last_id, hash, signer, sig FROM audit_anchor WHERE k = ?");
  st->bind(1, k);
  if (!st->executeStep()) return std::nullopt;
  return AuditHead{st->getColumn(0).getInt64(), blob(*st, 1), blob(*st, 2), blob(*st, 3)};
}
}  // namespace

AuditTail audit_tail(SQLite::Database& db) {
  AuditTail t;
  {
    Cached newest(db, "SELECT id, hash, head FROM audit ORDER BY id DESC LIMIT 1");
    if (newest->executeStep()) {
      t.head = {newest->getColumn(0).getInt64(), blob(*newest, 1), {}, {}};
      if (newest->getColumn(2).getInt() == 0) t.gap = AuditTail::Gap::end_cut;
      return t;
    }
  }
  // No entry left. Pruning keeps the newest entry, so that is a vault that
  // never wrote one, or one that dsr of schema <= 15 pruned to nothing (its
  // record of the newest entry, k = 2, then names the last pruned entry).
  auto pruned = anchor_row(db, 1), legacy = anchor_row(db, 2), start = anchor_row(db, 3);
  if (legacy) {
    t.head = {legacy->last_id, legacy->hash, {}, {}};
    t.legacy = true;
    if (!pruned || pruned->last_id != legacy->last_id || pruned->hash != legacy->hash) t.gap = AuditTail::Gap::emptied;
  } else if (pruned) {
    t.head = {pruned->last_id, pruned->hash, {}, {}};
    t.gap = AuditTail::Gap::emptied;
  } else if (start && (start->last_id > 0 || !start->sig.empty())) {
    t.head = {start->last_id, {}, {}, {}};  // entries were written (an admin signed the mark after its first)
    t.gap = AuditTail::Gap::emptied;
  }
  return t;
}

void insert_audit(SQLite::Database& db, const AuditRow& r, const AuditTail& after) {
  Cached insert(db,
      "INSERT INTO audit (id, at, actor, command, subjects, fields, request, outcome, prev_hash, hash, signer, sig, head) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)");
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
  // 1 -> 0 does not resize the record (neither value takes a byte), so the
  // entry before is rewritten in place, on the leaf the new entry was
  // appended to: no page more than the append's (ARCHITECTURE.md, "The audit trail").
  if (after.gap == AuditTail::Gap::none && after.head.last_id > 0 && !after.legacy) {
    Cached unmark(db, "UPDATE audit SET head = 0 WHERE id = ? AND head = 1");
    unmark->bind(1, after.head.last_id);
    unmark->exec();
  }
  if (after.legacy) db.exec("DELETE FROM audit_anchor WHERE k = 2");
}

void scan_audit(SQLite::Database& db, const std::string& subject, const std::string& actor, int64_t since,
                const std::function<bool(const AuditRow&)>& visit) {
  std::string sql =
      "SELECT id, at, actor, command, subjects, fields, request, outcome, prev_hash, hash, signer, sig, head FROM audit "
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
    r.head = st.getColumn(12).getInt() != 0;
    if (!visit(r)) break;
  }
}

namespace {
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
  // The newest entry stays, whatever its age: it carries the head mark, and a
  // trail with no entry shows that it was emptied (audit_tail).
  SQLite::Statement last(db, "SELECT id, hash FROM audit WHERE at < ? AND head = 0 ORDER BY id DESC LIMIT 1");
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
