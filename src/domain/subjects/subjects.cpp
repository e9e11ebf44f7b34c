#include "dsr/subjects.hpp"


#include <algorithm>
#include <limits>
#include <set>

#include "dsr/fields.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/audit.hpp"
#include "dsr/catalog.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/roles.hpp"
#include "dsr/validate.hpp"
#include "store/disclosure_store.hpp"
#include "store/subject_store.hpp"
#include "store/tx.hpp"
#include "domain/core/audited_write.hpp"

namespace dsr {

using store::SubjectRow;

const FieldValue* Subject::get(std::string_view field) const {
  for (const auto& v : values)
    if (v.field == field) return &v;
  return nullptr;
}

std::string Subject::text(std::string_view field) const {
  const FieldValue* v = get(field);
  return v && v->value.is_string() ? v->value.get<std::string>() : std::string();
}

const std::vector<std::pair<std::string, std::string>>& subject_fields() {
  static const std::vector<std::pair<std::string, std::string>> all = [] {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& f : fields::table()) out.emplace_back(f.name, f.category);
    return out;
  }();
  return all;
}

namespace {

int64_t now() { return cal::now_unix(); }



// What a read or a change touched, for the audit trail: the subject and its field names.
void note(Audit& a, const Subject& s) {
  a.subject(s.id);
  for (const auto& v : s.values) a.field(v.category, v.field);
}

ChangeResult finish_change(Desk& desk, const SubjectRow& row, std::vector<std::string> changed) {
  ChangeResult r;
  r.subject = decode_subject(desk, row);
  r.changed = std::move(changed);
  if (!r.changed.empty()) r.notify = notify_list(desk, row.id);
  return r;
}

}  // namespace

RegisterResult register_subject(Desk& desk, const SubjectInput& in) {
  return audited_write(desk, "register", Action::write_subjects, [&](Audit& audit) {
  SubjectRow row;
  row.id = new_subject_id();
  row.created_at = row.updated_at = now();
  SubjectInput with_source = in;
  if (with_source.source.empty()) with_source.source = "subject";
  std::vector<store::AttributeRow> attrs;
  apply_input(desk, row, attrs, with_source, /*registering=*/true);
  require_registration_fields(row);
  check_unique(desk, row);
  row.rowid = store::insert_subject(desk.db(), row);
  for (const auto& a : attrs) store::put_attribute(desk.db(), row.rowid, a);
  RegisterResult result;
  if (auto s = store::find_suppression(desk.db(), email_hash(desk, row.cols.at("email_key"))))
    result.previously_erased = *s;
  result.subject = decode_subject(desk, row, attrs);
  note(audit, result.subject);
  return result;
  });
}

Subject find_subject(Desk& desk, std::string_view ref) {
  return audited_read(desk, "show", Action::read_subjects, [&](Audit& audit) {
    Subject s = decode_subject(desk, resolve_subject(desk, ref));
    note(audit, s);
    return s;
  });
}

std::vector<Subject> search_subjects(Desk& desk, std::string_view text_in, int limit) {
  return audited_read(desk, "find", Action::read_subjects, [&](Audit& audit) {
  std::string text = validate::text("TEXT", text_in, validate::Limits::free_text);
  store::SearchKeys k;
  k.email_key = validate::email_key(text);
  k.username_key = validate::username_key(text);
  k.name_key = k.email_key;  // names are folded the same way as emails
  std::string digits;
  for (char c : text)
    if (c >= '0' && c <= '9') digits.push_back(c);
    else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') { digits.clear(); break; }
  if (digits.size() >= 3) k.phone_prefix = "+" + digits;
  auto rows = store::subjects_by_prefix(desk.db(), k, limit);
  if (rows.empty()) rows = store::subjects_containing(desk.db(), k.email_key, limit);
  std::vector<Subject> out;
  for (const auto& r : rows)
    if (r.status != SubjectStatus::erased) out.push_back(decode_subject(desk, r));
  for (const auto& x : out) note(audit, x);  // the search text itself is personal data: it is not recorded
  return out;
  });
}

std::vector<Subject> list_subjects(Desk& desk, const ListQuery& q, bool* more) {
  return audited_read(desk, "list", Action::read_subjects, [&](Audit& audit) {
  if (q.limit < 1 || q.offset < 0) fail(ErrorKind::usage, "--limit must be at least 1 and --offset at least 0");
  std::vector<Subject> out;
  // One more row than the page: is there a next page?
  int ask = q.limit < std::numeric_limits<int>::max() ? q.limit + 1 : q.limit;
  auto rows = store::list_subject_rows(desk.db(), q.status, ask, q.offset);
  if (more) *more = rows.size() > size_t(q.limit);
  if (rows.size() > size_t(q.limit)) rows.pop_back();
  for (const auto& r : rows) out.push_back(decode_subject(desk, r));
  for (const auto& x : out) note(audit, x);
  return out;
  });
}

ChangeResult correct_subject(Desk& desk, std::string_view ref, const SubjectInput& in) {
  if (in.set.empty() && in.unset.empty()) fail(ErrorKind::usage, "nothing to correct: give --set FIELD=VALUE or --unset FIELD");
  return audited_write(desk, "correct", Action::write_subjects, [&](Audit& audit) {
  SubjectRow row = resolve_live_subject(desk, ref);
  audit.subject(row.id);
  std::vector<store::AttributeRow> attrs;
  SubjectInput with_source = in;
  if (with_source.source.empty()) with_source.source = "subject";
  std::vector<std::string> changed = apply_input(desk, row, attrs, with_source, /*registering=*/false);
  for (const auto& f : in.unset) {
    if (unset_field(desk, row, f)) changed.push_back(f);
  }
  check_unique(desk, row);
  row.updated_at = now();
  store::update_subject(desk.db(), row);
  for (const auto& a : attrs) store::put_attribute(desk.db(), row.rowid, a);
  // Report a field only once, and only when something really changed.
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (const auto& f : changed) audit.field(field_category(f), f);
  ChangeResult result = finish_change(desk, row, std::move(changed));
  return result;
  });
}

namespace {

// Puts a live subject into `to` (deactivated from now, with `reason`, or
// active again); a subject already there is left as it is.
ChangeResult change_status(Desk& desk, const char* operation, std::string_view ref, SubjectStatus to,
                           const std::string& reason) {
  return audited_write(desk, operation, Action::write_subjects, [&](Audit& audit) {
    SubjectRow row = resolve_live_subject(desk, ref);
    audit.subject(row.id);
    std::vector<std::string> changed;
    if (row.status != to) {
      int64_t t = now();
      std::optional<int64_t> since = to == SubjectStatus::deactivated ? std::optional(t) : std::nullopt;
      std::optional<std::string> why = reason.empty() ? std::nullopt : std::optional(reason);
      store::set_status(desk.db(), row.rowid, to, since, why, t);
      row.status = to;
      row.status_changed_at = since;
      row.status_reason = why;
      changed.push_back("status");
    }
    return finish_change(desk, row, std::move(changed));
  });
}

}  // namespace

ChangeResult deactivate_subject(Desk& desk, std::string_view ref, const std::string& reason_in) {
  std::string reason = reason_in.empty() ? "" : validate::free_text("reason", reason_in, validate::Limits::reason);
  return change_status(desk, "deactivate", ref, SubjectStatus::deactivated, reason);
}

ChangeResult reactivate_subject(Desk& desk, std::string_view ref) {
  return change_status(desk, "reactivate", ref, SubjectStatus::active, "");
}

EraseResult erase_subject(Desk& desk, std::string_view ref, const std::string& reason_in, bool dry_run) {
  std::string reason = reason_in.empty() ? "erasure request" : validate::free_text("reason", reason_in, validate::Limits::reason);
  return audited_write(desk, dry_run ? "delete --dry-run" : "delete", Action::erase_subjects, [&](Audit& audit) {
  SubjectRow row = resolve_subject(desk, ref);
  audit.subject(row.id);
  EraseResult r;
  r.id = row.id;
  r.dry_run = dry_run;
  if (row.status == SubjectStatus::erased) {
    r.erased_at = row.status_changed_at.value_or(0);
    return r;  // already gone: nothing to do, nothing to say but when
  }
  // Art. 17(3)(e): a legal hold keeps the record while the proceeding runs.
  auto holds = store::holds_for(desk.db(), row.rowid);
  if (!holds.empty()) {
    const auto& h = holds.front();
    fail(ErrorKind::refused, "subject " + row.id + " is under legal hold (" + h.reason +
                                 (h.reference.empty() ? "" : ", reference " + h.reference) + ", placed " +
                                 iso_date(h.placed_at) + " by " + h.placed_by +
                                 "); release it with `dsr hold release " + row.id + "` when the proceeding ends");
  }
  for (const auto& [category, field] : fields_of(desk, row)) {
    r.fields.push_back(field);
    audit.field(category, field);
  }
  r.erased_at = now();
  r.notify = notify_list(desk, row.rowid);
  if (!dry_run) {
    erase_row(desk, row, r.erased_at, reason);
    r.erased_now = true;
  }
  return r;
  });
}

}  // namespace dsr
