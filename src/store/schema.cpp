#include "store/schema.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <array>

#include "dsr/error.hpp"

namespace dsr::store {
namespace {

// Append only: never edit a migration that has shipped.
constexpr std::array kMigrations = {
    // 1: subjects, their values with provenance, erasure tombstones.
    R"sql(
CREATE TABLE subjects (
  rowid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL CHECK (status IN ('active','deactivated','erased')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  status_changed_at INTEGER,
  status_reason TEXT,
  name TEXT, name_key TEXT,
  email TEXT, email_key TEXT,
  username TEXT, username_key TEXT,
  phone TEXT,
  address TEXT, zip TEXT,
  contact_preference TEXT, account_type TEXT,
  interests TEXT,            -- JSON array
  card_brand TEXT, card_last4 TEXT,
  card_expiry BLOB, card_token BLOB,   -- sealed under the category key (as is account_type)
  provenance TEXT NOT NULL DEFAULT '{}' -- JSON: field -> {source, collected_at, policy}
);
CREATE UNIQUE INDEX subjects_email ON subjects(email_key);
CREATE UNIQUE INDEX subjects_username ON subjects(username_key);
CREATE INDEX subjects_name ON subjects(name_key);
CREATE INDEX subjects_phone ON subjects(phone);
CREATE INDEX subjects_status ON subjects(status, created_at);

CREATE TABLE attributes (
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid) ON DELETE CASCADE,
  category TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,       -- text, or sealed for billing and payment
  source TEXT NOT NULL,
  collected_at INTEGER NOT NULL,
  policy_version TEXT,
  PRIMARY KEY (subject_rowid, category, key)
) WITHOUT ROWID;

CREATE TABLE suppressions (   -- keyed hashes of erased emails (still personal data: kept only as retention allows)
  email_hash BLOB PRIMARY KEY,
  subject_id TEXT NOT NULL,
  erased_at INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
    // 2: the accounting of disclosures and legal holds. Disclosure rows point at
    // the subject's row, which survives erasure as the tombstone; they hold no
    // personal values of the subject.
    R"sql(
CREATE TABLE recipients (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('processor','authority','partner','acquirer','other')),
  address TEXT,
  UNIQUE (name, type)
);
CREATE TABLE disclosures (
  id INTEGER PRIMARY KEY,
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid),
  recipient_id INTEGER NOT NULL REFERENCES recipients(id),
  disclosed_on TEXT NOT NULL,          -- YYYY-MM-DD
  categories TEXT NOT NULL,            -- comma-separated category names
  purpose TEXT NOT NULL,
  basis TEXT NOT NULL,
  reference TEXT,
  withhold_until TEXT,                 -- YYYY-MM-DD: kept out of the subject's export until then
  recorded_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL
);
CREATE INDEX disclosures_subject ON disclosures(subject_rowid, disclosed_on);
CREATE INDEX disclosures_date ON disclosures(disclosed_on);
CREATE TABLE holds (
  id INTEGER PRIMARY KEY,
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid),
  reason TEXT NOT NULL,
  reference TEXT,
  placed_at INTEGER NOT NULL,
  placed_by TEXT NOT NULL
);
CREATE INDEX holds_subject ON holds(subject_rowid);
)sql",
    // 3: data-subject requests with their history, policy versions, and each
    // subject's choice about new uses. Requests name the subject by
    // id, not by row, so their own retention (24 months after closing) does not
    // depend on the tombstone's. A choice is personal data: it goes when the
    // subject is erased (the trigger), like the subject's other values.
    R"sql(
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,              -- shown as req_<id>
  subject_id TEXT NOT NULL,
  type TEXT NOT NULL CHECK (type IN ('access','rectification','erasure','restriction','portability','objection','opt-out')),
  law TEXT NOT NULL CHECK (law IN ('gdpr','ccpa')),
  channel TEXT CHECK (channel IN ('email','phone','mail','web','in-person')),
  received TEXT NOT NULL,              -- YYYY-MM-DD
  status TEXT NOT NULL CHECK (status IN ('received','verified','in_progress','fulfilled','denied','cancelled')),
  due TEXT NOT NULL,                   -- the first statutory due date
  ack_due TEXT,                        -- CCPA: confirm receipt by then
  acknowledged_on TEXT,
  verified_on TEXT,
  extended_due TEXT,
  extended_on TEXT,
  extension_reason TEXT,
  closed_on TEXT,
  outcome TEXT CHECK (outcome IN ('fulfilled','denied','cancelled')),
  close_reason TEXT,
  opened_at INTEGER NOT NULL,
  opened_by TEXT NOT NULL
);
CREATE INDEX requests_status ON requests(status, due);
CREATE INDEX requests_received ON requests(received);
CREATE INDEX requests_subject ON requests(subject_id);
CREATE INDEX requests_closed ON requests(closed_on);
CREATE TABLE request_events (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL,                 -- opened, verified, acknowledged, started, extended, action, closed
  detail TEXT NOT NULL DEFAULT '{}'    -- JSON: ids, field names, dates, reasons; never personal values
);
CREATE INDEX request_events_request ON request_events(request_id, id);
CREATE TABLE policies (
  version TEXT PRIMARY KEY,
  effective TEXT NOT NULL UNIQUE,      -- YYYY-MM-DD
  material INTEGER NOT NULL,
  summary TEXT,
  purposes TEXT,                       -- JSON array; NULL: the catalog's purposes
  added_at INTEGER NOT NULL,
  added_by TEXT NOT NULL
);
CREATE TABLE choices (
  subject_rowid INTEGER PRIMARY KEY REFERENCES subjects(rowid) ON DELETE CASCADE,
  new_uses TEXT NOT NULL CHECK (new_uses IN ('accept','decline')),
  decided_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL,
  policy_version TEXT                  -- in force when the choice was recorded
);
CREATE TRIGGER choices_erased AFTER UPDATE OF status ON subjects WHEN NEW.status = 'erased'
BEGIN
  DELETE FROM choices WHERE subject_rowid = NEW.rowid;
END;
)sql",
    // 4: retention rules. A row overrides the built-in default of its
    // rule (the defaults live in the code, so new rules need no migration);
    // retention_runs keeps the counts of the last runs (never personal values).
    R"sql(
CREATE TABLE retention_rules (
  rule TEXT PRIMARY KEY,
  duration TEXT NOT NULL,              -- "24m", "6y", or "never"
  set_at INTEGER NOT NULL,
  set_by TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE retention_runs (
  id INTEGER PRIMARY KEY,
  ran_at INTEGER NOT NULL,
  ran_by TEXT NOT NULL,
  summary TEXT NOT NULL                -- JSON: counts per rule
);
)sql",
    // The audit trail (hash-chained; ids, names and outcomes only, never values)
    // and its anchors: k=1 the last pruned entry, k=2 the newest entry written
    // (until schema 16 marked the newest entry itself).
    R"sql(
CREATE TABLE audit (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  command TEXT NOT NULL,
  subjects TEXT NOT NULL,   -- JSON array of subject ids
  fields TEXT NOT NULL,     -- JSON array of category.field names
  request TEXT,
  outcome TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_actor ON audit(actor, at);
CREATE TABLE audit_anchor (
  k INTEGER PRIMARY KEY,
  last_id INTEGER NOT NULL,
  hash BLOB NOT NULL
);
)sql",
    // The audit trail's two indexes cost every audited command two more pages
    // written; `audit log` and pruning are rare and scan instead (entries are
    // appended in time order, so ids follow time).
    R"sql(
DROP INDEX IF EXISTS audit_at;
DROP INDEX IF EXISTS audit_actor;
)sql",
    // Registrations store one provenance entry under "*" for all their fields
    // (subject_codec.cpp): no table changes, but a dsr older than this reads
    // such rows without provenance, so the version moves on to keep it out.
    R"sql(
SELECT 1;
)sql",
    // Phone and username are optional: their indexes kept an entry for every
    // subject without one (NULL), which each registration paid to insert.
    // Lookups and prefix scans compare the column, which implies NOT NULL, so
    // they use the partial indexes as before.
    R"sql(
DROP INDEX subjects_phone;
CREATE INDEX subjects_phone ON subjects(phone) WHERE phone IS NOT NULL;
DROP INDEX subjects_username;
CREATE UNIQUE INDEX subjects_username ON subjects(username_key) WHERE username_key IS NOT NULL;
)sql",
    // 9: the status CHECK as comparisons (rewrite_status_check below does it).
    R"sql(
SELECT 1;
)sql",
    // 10: choices that bind (issue 15). Standing opt-outs of sale or sharing
    // and limits on sensitive information (CCPA 1798.120, 1798.121; regs
    // 7025-7027), consents with their withdrawal (GDPR Art. 7), and the
    // register of personal-data breaches (GDPR Art. 33(5)). Opt-outs and
    // consents are personal data: they go when the subject is erased (the
    // trigger), like the choice about new uses. Breach rows hold no subject.
    // IF NOT EXISTS: a vault whose user_version was set back (the schema
    // tests make an older vault so) runs it again harmlessly.
    R"sql(
CREATE TABLE IF NOT EXISTS opt_outs (
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('sale-sharing','limit-sensitive')),
  source TEXT NOT NULL CHECK (source IN ('request','gpc','staff')),
  origin TEXT,                         -- the request (req_12), or where the GPC signal was seen
  received TEXT NOT NULL,              -- YYYY-MM-DD: the request or signal came in
  comply_by TEXT NOT NULL,             -- received + 15 business days (regs 7026(f), 7027(g))
  signal_at INTEGER,                   -- GPC: when the signal was seen
  recorded_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL,
  PRIMARY KEY (subject_rowid, kind)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS consents (
  id INTEGER PRIMARY KEY,
  subject_rowid INTEGER NOT NULL REFERENCES subjects(rowid) ON DELETE CASCADE,
  purpose TEXT NOT NULL,
  purpose_key TEXT NOT NULL,           -- lowercased, spaces folded: what a disclosure's purpose is compared with
  notice TEXT NOT NULL,                -- the version of the notice shown when consent was given
  method TEXT NOT NULL CHECK (method IN ('web','email','phone','paper','in-person')),
  evidence BLOB,                       -- the evidence file as given (inside the encrypted vault)
  evidence_name TEXT,
  given_at INTEGER NOT NULL,
  recorded_by TEXT NOT NULL,
  withdrawn_at INTEGER,
  withdrawn_by TEXT
);
CREATE INDEX IF NOT EXISTS consents_subject ON consents(subject_rowid, purpose_key);
CREATE TRIGGER IF NOT EXISTS opt_outs_consents_erased AFTER UPDATE OF status ON subjects WHEN NEW.status = 'erased'
BEGIN
  DELETE FROM opt_outs WHERE subject_rowid = NEW.rowid;
  DELETE FROM consents WHERE subject_rowid = NEW.rowid;
END;
CREATE TABLE IF NOT EXISTS breaches (
  id INTEGER PRIMARY KEY,              -- shown as brc_<id>
  detected_at INTEGER NOT NULL,        -- the controller became aware: the 72 hours of Art. 33(1) run from here
  started_at INTEGER,                  -- the window in which data was exposed (affected subjects)
  ended_at INTEGER,
  categories TEXT NOT NULL,            -- comma-separated category names
  description TEXT NOT NULL,
  consequences TEXT,
  measures TEXT,
  status TEXT NOT NULL CHECK (status IN ('open','closed')),
  authority_notified_at INTEGER,
  authority_reference TEXT,
  delay_reason TEXT,                   -- Art. 33(1): reasons when the authority is told after 72 hours
  subjects_notified_at INTEGER,
  closed_at INTEGER,
  close_reason TEXT,                   -- why the authority was not told (unlikely to result in a risk)
  opened_at INTEGER NOT NULL,
  opened_by TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS breach_events (
  id INTEGER PRIMARY KEY,
  breach_id INTEGER NOT NULL REFERENCES breaches(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  event TEXT NOT NULL,                 -- opened, updated, authority-notified, subjects-notified, closed
  detail TEXT NOT NULL DEFAULT '{}'    -- JSON: field names, times, references; never personal values
);
CREATE INDEX IF NOT EXISTS breach_events_breach ON breach_events(breach_id, id);
CREATE TABLE IF NOT EXISTS statements (              -- texts the desk gives out (the access package's Art. 15(1)(h) statement)
  name TEXT PRIMARY KEY,
  text TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  set_by TEXT NOT NULL
) WITHOUT ROWID;
)sql",
    // 11: signed audit entries (domain/core/audit.cpp). Each entry carries the
    // acting slot's signing key and its Ed25519 signature (columns signer and
    // sig, added by add_signature_columns below); the admin certifies every
    // slot's key in audit_signers before a slot is removed, so its entries
    // still verify; the pruning anchor (k = 1) is signed by the slot that
    // pruned. Row k = 3 marks where signing began (entries up to last_id were
    // written before, unsigned); the first entry an admin writes signs it.
    // Safe to run again on a vault that has it (tests do).
    R"sql(
CREATE TABLE IF NOT EXISTS audit_signers (
  pk BLOB PRIMARY KEY,
  slot TEXT NOT NULL,
  role TEXT NOT NULL,
  certified_at INTEGER NOT NULL,
  cert BLOB NOT NULL
);
INSERT OR IGNORE INTO audit_anchor (k, last_id, hash)
  VALUES (3, coalesce((SELECT max(id) FROM audit), (SELECT last_id FROM audit_anchor WHERE k = 1), 0), x'');
)sql",
    // 12: requests from anyone, under every law of the law table (issue 14).
    // The law CHECK goes (the domain checks --law against dsr/laws.hpp, so a
    // new law is a row there, not a migration: relax_request_law below).
    // subject_id is '' while a request stands on a claimed identity alone;
    // its claims (email, phone, name) are kept beside it until it is linked
    // to a subject, and go with an erasure like the subject's other values.
    // Holidays are public holidays by jurisdiction (dsr holidays import).
    R"sql(
ALTER TABLE requests ADD COLUMN jurisdiction TEXT;
ALTER TABLE requests ADD COLUMN clock_start TEXT;          -- YYYY-MM-DD; NULL while the clock waits (uk-gdpr)
ALTER TABLE requests ADD COLUMN paused_on TEXT;            -- the clock stopped on (clarification asked)
ALTER TABLE requests ADD COLUMN paused_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN weekends_only INTEGER NOT NULL DEFAULT 1;  -- no holiday calendar was known
ALTER TABLE requests ADD COLUMN denial_code TEXT;
ALTER TABLE requests ADD COLUMN duplicate_of INTEGER;
ALTER TABLE requests ADD COLUMN appeal_received TEXT;       -- an appeal of a denial (the VCDPA model)
ALTER TABLE requests ADD COLUMN appeal_due TEXT;
ALTER TABLE requests ADD COLUMN appeal_extendable_to TEXT;
ALTER TABLE requests ADD COLUMN appeal_decided_on TEXT;
ALTER TABLE requests ADD COLUMN appeal_outcome TEXT CHECK (appeal_outcome IN ('granted','denied'));
ALTER TABLE requests ADD COLUMN appeal_reason TEXT;
UPDATE requests SET clock_start = received;  -- gdpr and ccpa clocks start at receipt
CREATE TABLE request_claims (
  request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('email','phone','name')),
  key TEXT NOT NULL,                   -- the lookup form (email_key, E.164, folded name)
  value TEXT NOT NULL,                 -- as given (validated)
  PRIMARY KEY (request_id, kind, key)
) WITHOUT ROWID;
CREATE INDEX request_claims_key ON request_claims(kind, key);
CREATE TRIGGER request_claims_erased AFTER UPDATE OF status ON subjects WHEN NEW.status = 'erased'
BEGIN
  DELETE FROM request_claims WHERE request_id IN (SELECT id FROM requests WHERE subject_id = NEW.id);
END;
CREATE TABLE holidays (
  jurisdiction TEXT NOT NULL,
  day TEXT NOT NULL,                   -- YYYY-MM-DD
  name TEXT,
  imported_at INTEGER NOT NULL,
  imported_by TEXT NOT NULL,
  PRIMARY KEY (jurisdiction, day)
) WITHOUT ROWID;
)sql",
    // 13: an opt-out is complied with once the third parties that got the
    // person's data were told (CCPA regs 7026(f), 7027(g)): the day and who
    // recorded it. The request type CHECK goes, as the law CHECK did (12):
    // the domain checks --type against the law table (dsr/laws.hpp), which
    // now has the CCPA request to limit the use of sensitive information
    // (limit-sensitive, regs 7027); relax_request_type below.
    R"sql(
ALTER TABLE opt_outs ADD COLUMN complied_on TEXT;   -- YYYY-MM-DD; NULL while the third parties are still to be told
ALTER TABLE opt_outs ADD COLUMN complied_by TEXT;
)sql",
    // 14: verification with evidence, authorised agents, appeal extensions
    // (issue 14; domain/requests/requests_verify.cpp). The evidence (how the
    // requester was verified, what matched, the declaration; an agent's
    // proof) is sealed (vault::seal under a key derived from the index key,
    // bound to the request and the evidence's kind) and goes with an erasure
    // like the claims. representative: who asked for the consumer (an
    // authorised agent, one holding a power of attorney, a parent or guardian
    // of a minor); agent_confirmed_on: the confirmation CCPA regs 7063(a)
    // allows a business to require (or 7070(c) for a parent) was recorded.
    // Self-contained: a table and columns of its own, no other migration's.
    R"sql(
ALTER TABLE requests ADD COLUMN representative TEXT CHECK (representative IN ('agent','power_of_attorney','parent'));
ALTER TABLE requests ADD COLUMN agent_name TEXT;
ALTER TABLE requests ADD COLUMN agent_confirmed_on TEXT;
ALTER TABLE requests ADD COLUMN appeal_extended_on TEXT;
ALTER TABLE requests ADD COLUMN appeal_extension_reason TEXT;
CREATE TABLE request_evidence (
  id INTEGER PRIMARY KEY,
  request_id INTEGER NOT NULL REFERENCES requests(id) ON DELETE CASCADE,
  kind TEXT NOT NULL CHECK (kind IN ('verification','agent_proof')),
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  sealed BLOB NOT NULL
);
CREATE INDEX request_evidence_request ON request_evidence(request_id);
CREATE TRIGGER request_evidence_erased AFTER UPDATE OF status ON subjects WHEN NEW.status = 'erased'
BEGIN
  DELETE FROM request_evidence WHERE request_id IN (SELECT id FROM requests WHERE subject_id = NEW.id);
END;
)sql",
    // 15: letters and intake (issue 14). Letter templates the desk set in
    // place of the defaults shipped in the binary (domain/requests/letters.cpp),
    // one per kind and format; and where a request came from when it was read
    // from another system's document (domain/requests/intake.cpp): the format,
    // the sender's ids, never the requester's identity (that is a claim or the
    // subject's record). Self-contained (IF NOT EXISTS), so it may run after
    // another migration of the same release.
    R"sql(
CREATE TABLE IF NOT EXISTS letter_templates (
  kind TEXT NOT NULL,                  -- ack, extend, deny, complete, appeal-decision
  format TEXT NOT NULL CHECK (format IN ('text','html')),
  body TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  set_by TEXT NOT NULL,
  PRIMARY KEY (kind, format)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS request_sources (
  request_id INTEGER PRIMARY KEY REFERENCES requests(id) ON DELETE CASCADE,
  format TEXT NOT NULL CHECK (format IN ('drp','opendsr')),
  sender TEXT NOT NULL,                -- DRP agent-id; OpenDSR controller id
  external_id TEXT,                    -- DRP agent-request-id (optional: NULL); OpenDSR subject_request_id
  business TEXT,                       -- DRP business-id (ours)
  exercise TEXT NOT NULL,              -- the document's own name of the right (exercise, subject_request_type)
  issued_at INTEGER,                   -- DRP issued-at; OpenDSR submitted_time
  expires_at INTEGER,                  -- DRP expires-at
  received_at INTEGER NOT NULL,
  signature TEXT NOT NULL CHECK (signature IN ('verified','unverified','unsigned')),
  callbacks TEXT NOT NULL DEFAULT '[]', -- JSON array of status callback URLs
  api_version TEXT,
  UNIQUE (format, sender, external_id)
);
)sql",
    // 16: the trail's head is a mark on its newest entry (store/audit_store.cpp).
    // It was recorded beside the table (audit_anchor k = 2), so that a cut tail
    // shows; that cost every audited commit a page of that table besides the
    // trail's last leaf. Column `head` (added by add_head_column below) is 1 on
    // the newest entry only. The record's entry takes the mark if it is still
    // the newest (else the cut shows as an unmarked end), and the record goes,
    // but in a trail pruned to nothing, where it stays until the next entry
    // (audit_tail). Safe to run again on a vault that has it (tests do).
    R"sql(
UPDATE audit SET head = 1
  WHERE id = (SELECT max(id) FROM audit)
    AND EXISTS (SELECT 1 FROM audit_anchor a WHERE a.k = 2 AND a.last_id = audit.id AND a.hash = audit.hash);
DELETE FROM audit_anchor WHERE k = 2 AND EXISTS (SELECT 1 FROM audit);
)sql",
};

// SQLite codes `status IN ('active','deactivated','erased')` (three values)
// with a temporary b-tree built for every row written: a fifth of a bulk
// registration's time. The same check as three comparisons builds nothing.
// A CHECK constraint cannot be altered, and rebuilding the table would copy
// every subject, so the schema text is edited in place as SQLite documents
// for such changes (ALTER TABLE, "other kinds of table schema changes"):
// every row already satisfies the new text, and the schema version moves on
// so that every connection reads it again.
constexpr int kStatusCheckVersion = 9;
constexpr int kSignedAuditVersion = 11;
constexpr int kAuditHeadVersion = 16;

bool has_column(SQLite::Database& db, const std::string& table, const std::string& column) {
  SQLite::Statement st(db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
  st.bind(1, table);
  st.bind(2, column);
  return st.executeStep();
}
void add_signature_columns(SQLite::Database& db) {
  for (const char* table : {"audit", "audit_anchor"})
    for (const char* column : {"signer", "sig"})
      if (!has_column(db, table, column))
        db.exec(std::string("ALTER TABLE ") + table + " ADD COLUMN " + column + " BLOB");
}
// 0 and 1 take no byte in a record, so moving the mark never resizes a row.
void add_head_column(SQLite::Database& db) {
  if (!has_column(db, "audit", "head")) db.exec("ALTER TABLE audit ADD COLUMN head INTEGER NOT NULL DEFAULT 0");
}
// Replaces `from` by `to` in a table's CREATE text, as described above; the
// schema version moves on so that every connection reads the new text.
void rewrite_table_sql(SQLite::Database& db, const std::string& table, const std::string& from, const std::string& to) {
  int schema_version = db.execAndGet("PRAGMA schema_version").getInt();
  db.exec("PRAGMA writable_schema=ON");
  SQLite::Statement st(db, "UPDATE sqlite_schema SET sql = replace(sql, ?, ?) WHERE type = 'table' AND name = ?");
  st.bind(1, from);
  st.bind(2, to);
  st.bind(3, table);
  st.exec();
  db.exec("PRAGMA schema_version=" + std::to_string(schema_version + 1));
  db.exec("PRAGMA writable_schema=OFF");
}

void rewrite_status_check(SQLite::Database& db) {
  rewrite_table_sql(db, "subjects", "CHECK (status IN ('active','deactivated','erased'))",
                    "CHECK (status = 'active' OR status = 'deactivated' OR status = 'erased')");
}

// Migration 12 drops the CHECK on requests.law the same way: removing a
// CHECK constraint is one of the schema edits SQLite documents as safe, every
// row already satisfies what is left.
constexpr int kRequestLawVersion = 12;
void relax_request_law(SQLite::Database& db) {
  rewrite_table_sql(db, "requests", "law TEXT NOT NULL CHECK (law IN ('gdpr','ccpa'))", "law TEXT NOT NULL");
}

// Migration 13 drops the CHECK on requests.type the same way.
constexpr int kRequestTypeVersion = 13;
void relax_request_type(SQLite::Database& db) {
  rewrite_table_sql(db, "requests",
                    "type TEXT NOT NULL CHECK (type IN ('access','rectification','erasure','restriction',"
                    "'portability','objection','opt-out'))",
                    "type TEXT NOT NULL");
}

}  // namespace

int schema_version(SQLite::Database& db) { return db.execAndGet("PRAGMA user_version").getInt(); }

int migrate(SQLite::Database& db) {
  int have = schema_version(db);
  int want = static_cast<int>(kMigrations.size());
  if (have > want)
    fail(ErrorKind::failure, "this vault was written by a newer dsr (schema " + std::to_string(have) +
                                 "); upgrade dsr to use it");
  if (have == want) return have;
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  have = schema_version(db);  // another process may have migrated while we waited
  for (int v = have; v < want; ++v) {
    if (v + 1 == kSignedAuditVersion) add_signature_columns(db);  // before the SQL, which reads audit_anchor
    if (v + 1 == kAuditHeadVersion) add_head_column(db);          // before the SQL, which sets it
    db.exec(kMigrations[static_cast<size_t>(v)]);
    if (v + 1 == kStatusCheckVersion) rewrite_status_check(db);
    if (v + 1 == kRequestLawVersion) relax_request_law(db);
    if (v + 1 == kRequestTypeVersion) relax_request_type(db);
    db.exec("PRAGMA user_version=" + std::to_string(v + 1));
  }
  tx.commit();
  return want;
}

}  // namespace dsr::store
