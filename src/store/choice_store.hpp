// Rows of the opt_outs and consents tables (schema migration 10).
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace SQLite { class Database; }

namespace dsr::store {

struct OptOutRow {
  int64_t subject_rowid = 0;
  std::string kind;    // sale-sharing, limit-sensitive
  std::string source;  // request, gpc, staff
  std::string origin;  // req_12, or where a GPC signal was seen; may be empty
  std::string received, comply_by;  // YYYY-MM-DD
  std::optional<int64_t> signal_at;
  int64_t recorded_at = 0;
  std::string recorded_by;
  std::optional<std::string> complied_on;  // YYYY-MM-DD: the third parties were told (migration 13)
  std::string complied_by;
};
// Inserts the opt-out unless the subject already has one of that kind;
// returns whether it was inserted (a standing opt-out keeps its first record).
bool insert_opt_out(SQLite::Database& db, const OptOutRow& r);
// Removes a standing opt-out (the person opted back in); returns whether one was there.
bool delete_opt_out(SQLite::Database& db, int64_t subject_rowid, const std::string& kind);
std::vector<OptOutRow> opt_outs_for(SQLite::Database& db, int64_t subject_rowid);
// Records that a standing opt-out was complied with; returns whether there was one.
bool mark_opt_out_complied(SQLite::Database& db, int64_t subject_rowid, const std::string& kind,
                           const std::string& on, const std::string& by);
// Live subjects' standing opt-outs with the subject id, soonest comply_by
// first; only those not complied with when `open_only`.
std::vector<std::pair<std::string, OptOutRow>> all_opt_outs(SQLite::Database& db, bool open_only);
// Live subjects with a standing opt-out, by kind.
std::map<std::string, int64_t> opt_out_counts(SQLite::Database& db);

struct ConsentRow {
  int64_t id = 0;
  int64_t subject_rowid = 0;
  std::string purpose, purpose_key, notice, method;
  std::string evidence, evidence_name;  // empty when none was given
  int64_t given_at = 0;
  std::string recorded_by;
  std::optional<int64_t> withdrawn_at;
  std::string withdrawn_by;
};
int64_t insert_consent(SQLite::Database& db, const ConsentRow& r);
// Withdraws every current consent of the subject for the purpose; returns how many.
int withdraw_consents(SQLite::Database& db, int64_t subject_rowid, const std::string& purpose_key, int64_t at,
                      const std::string& by);
// Oldest first; the evidence itself is not read (evidence_name says whether there is some).
std::vector<ConsentRow> consents_for(SQLite::Database& db, int64_t subject_rowid);
// Whether the subject has a current (not withdrawn) consent for the purpose.
bool has_current_consent(SQLite::Database& db, int64_t subject_rowid, const std::string& purpose_key);
// Live subjects' consents: {"current": n, "withdrawn": m}.
std::map<std::string, int64_t> consent_counts(SQLite::Database& db);

// A statement the desk gives out (statements table); nullopt when not set.
std::optional<std::string> statement(SQLite::Database& db, const std::string& name);
void put_statement(SQLite::Database& db, const std::string& name, const std::string& text, int64_t at,
                   const std::string& by);
void delete_statement(SQLite::Database& db, const std::string& name);

}  // namespace dsr::store
