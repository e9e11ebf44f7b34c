// Rows of the breaches and breach_events tables (schema migration 10), and the
// query behind a breach's affected subjects.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "dsr/enums.hpp"

#include "store/policy_store.hpp"

namespace SQLite { class Database; }

namespace dsr::store {

struct BreachRow {
  int64_t id = 0;
  int64_t detected_at = 0;
  std::optional<int64_t> started_at, ended_at;
  std::string categories;  // comma-separated
  std::string description;
  std::optional<std::string> consequences, measures;
  BreachStatus status = BreachStatus::open;
  std::optional<int64_t> authority_notified_at;
  std::optional<std::string> authority_reference, delay_reason;
  std::optional<int64_t> subjects_notified_at, closed_at;
  std::optional<std::string> close_reason;
  int64_t opened_at = 0;
  std::string opened_by;
};
int64_t insert_breach(SQLite::Database& db, const BreachRow& b);
void update_breach(SQLite::Database& db, const BreachRow& b);
std::optional<BreachRow> breach_by_id(SQLite::Database& db, int64_t id);
// Oldest first (by detection).
std::vector<BreachRow> list_breaches(SQLite::Database& db);

struct BreachEventRow {
  int64_t at = 0;
  std::string actor, event, detail;  // detail: JSON
};
void add_breach_event(SQLite::Database& db, int64_t breach_id, const BreachEventRow& e);
std::vector<BreachEventRow> breach_events(SQLite::Database& db, int64_t breach_id);

// Live (active or deactivated) subjects registered at or before `until`
// (unix seconds) who hold a value in one of `categories`: in one of
// `columns` (subjects columns, already restricted to those categories), an
// attribute of the category, or (preferences) a choice. Oldest first.
void for_each_breach_subject(SQLite::Database& db, const std::vector<std::string>& columns,
                             const std::vector<std::string>& categories, int64_t until,
                             const std::function<void(const ContactRow&)>& f);

}  // namespace dsr::store
