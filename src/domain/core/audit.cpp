#include "dsr/audit.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

#include "vault/seal.hpp"
#include "domain/subjects/subject_codec.hpp"
#include "dsr/calendar.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "store/audit_store.hpp"
#include "store/tx.hpp"
#include "util/strings.hpp"

namespace dsr {
namespace {

void put(std::string& out, const std::string& s) {
  out += std::to_string(s.size());
  out.push_back(':');
  out += s;
}

// The hash that chains entry r to its predecessor.
std::string chain_hash(Desk& desk, const store::AuditRow& r) {
  std::string id = std::to_string(r.id), at = std::to_string(r.at);
  std::string m;
  m.reserve(r.prev_hash.size() + id.size() + at.size() + r.actor.size() + r.command.size() + r.subjects.size() +
            r.fields.size() + r.request.size() + r.outcome.size() + 9 * 21);  // each with its length and ':'
  put(m, r.prev_hash);
  put(m, id);
  put(m, at);
  put(m, r.actor);
  put(m, r.command);
  put(m, r.subjects);
  put(m, r.fields);
  put(m, r.request);
  put(m, r.outcome);
  return vault::keyed_hash(desk.vault().index_key(), "audit-chain", m);
}

// The text nlohmann::json(v).dump() gives for an array of strings, without
// building the json value (a bulk entry names 1,000 subjects, a bulk
// disclosure 100,000). The names entries hold (subject ids, field names) are
// printable ASCII, which JSON takes as it is; any other string goes through
// nlohmann, so the text is the same byte for byte.
void add_json_string(std::string& out, const std::string& s) {
  if (!util::plain_json_text(s)) {
    out += nlohmann::json(s).dump();
    return;
  }
  out.push_back('"');
  out += s;
  out.push_back('"');
}
std::string json_array(const std::vector<std::string>& v) {
  size_t n = 2;
  for (const auto& s : v) n += s.size() + 3;
  std::string out;
  out.reserve(n);
  out.push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out.push_back(',');
    add_json_string(out, v[i]);
  }
  out.push_back(']');
  return out;
}

template <size_t N>
std::string as_bytes(const std::array<unsigned char, N>& a) { return {reinterpret_cast<const char*>(a.data()), N}; }
bool all_zero(const std::string& s) { return s.find_first_not_of('\0') == std::string::npos; }

// What each signature covers. An entry's signature covers its chain hash,
// which covers every column and the previous entry's hash: a slot cannot
// remove, alter or reorder another slot's entries and re-chain the rest
// without signatures it cannot make.
std::string entry_message(const std::string& hash) { return std::string("dsr-audit-entry", 16) + hash; }
std::string cert_message(const std::string& pk, const std::string& slot, const std::string& role) {
  std::string m("dsr-audit-signer", 17);
  put(m, pk);
  put(m, slot);
  put(m, role);
  return m;
}
// The prev_hash of an entry written after the trail's end was removed
// (store::AuditTail::Gap): no entry's hash, as hashes are 32 bytes.
const std::string kAfterCut = "entries before this one were removed";
std::string start_message(int64_t last_id) { return std::string("dsr-audit-signing-start", 24) + std::to_string(last_id); }
std::string prune_message(const store::AuditHead& a) {
  std::string m("dsr-audit-pruned", 17);
  put(m, std::to_string(a.last_id));
  put(m, a.hash);
  return m;
}

// subjects_json: the entry's subjects as JSON array text when the caller
// built it (BulkAudit); empty: made from e.subjects.
void append(Desk& desk, const AuditEntry& e, std::string subjects_json = {}) {
  store::AuditRow r;
  r.at = e.at;
  r.actor = e.actor;
  r.command = e.command;
  r.subjects = subjects_json.empty() ? json_array(e.subjects) : std::move(subjects_json);
  r.fields = json_array(e.fields);
  r.request = e.request;
  r.outcome = e.outcome;
  // Inside the operation's transaction (the usual case) the entry needs no
  // savepoint of its own: if it fails, the operation fails and rolls back
  // with it. A refusal is appended after the rollback, in its own transaction.
  std::optional<store::WriteTx> tx;
  if (!store::in_transaction(desk.db())) tx.emplace(desk.db());
  const store::AuditTail tail = store::audit_tail(desk.db());
  r.id = tail.head.last_id + 1;
  // After a cut end the entry does not follow the newest remaining one, which
  // would hide the cut: it names the cut, and `audit verify` reports it.
  r.prev_hash = tail.gap == store::AuditTail::Gap::none ? tail.head.hash : kAfterCut;
  r.hash = chain_hash(desk, r);
  std::string pk = as_bytes(desk.vault().signer_public_key());
  if (!all_zero(pk)) {  // a slot of format 2 has no signing key: its entries stay unsigned
    r.signer = pk;
    r.sig = as_bytes(desk.vault().sign(entry_message(r.hash)));
  }
  store::insert_audit(desk.db(), r, tail);
  if (!desk.audit_mark_signed && !r.signer.empty()) {
    // The first entry an admin writes signs the mark of where signing began
    // (the migration that added signing wrote it, unsigned).
    auto start = store::signing_start(desk.db());
    if (start && start->sig.empty() && desk.vault().role() == Role::admin)
      store::sign_signing_start(desk.db(), as_bytes(desk.vault().admin_public_key()),
                                as_bytes(desk.vault().admin_sign(start_message(start->last_id))));
    desk.audit_mark_signed = start && (!start->sig.empty() || desk.vault().role() == Role::admin);
  }
  if (tx) tx->commit();
}

AuditEntry from_row(const store::AuditRow& r) {
  auto names = [](const std::string& json_array) {
    return nlohmann::json::parse(json_array, nullptr, false).get<std::vector<std::string>>();
  };
  return {r.id, r.at, r.actor, r.command, names(r.subjects), names(r.fields), r.request, r.outcome};
}

}  // namespace

Audit::Audit(Desk& desk, std::string command) : desk_(desk) {
  e_.command = std::move(command);
  e_.actor = desk.actor();
  e_.request = desk.request();
}

void Audit::subject(const std::string& id) {
  if (seen_subjects_.insert(id).second) e_.subjects.push_back(id);
}

void Audit::field(const std::string& category, const std::string& field) {
  std::string f = field.find('.') != std::string::npos ? field : category + "." + field;
  if (seen_fields_.insert(f).second) e_.fields.push_back(std::move(f));
}

void Audit::ok() { ok(std::string()); }

void Audit::ok(std::string subjects_json) {
  if (!desk_.audit_enabled()) return;
  e_.at = cal::now_unix();
  e_.outcome = "ok";
  append(desk_, e_, std::move(subjects_json));
}

void Audit::failed(const std::exception& ex) {
  // Only refusals are recorded: they are the attempts worth knowing about, and
  // every other failure leaves the vault exactly as it was.
  auto* err = dynamic_cast<const Error*>(&ex);
  if (!desk_.audit_enabled() || !err || err->kind() != ErrorKind::refused) return;
  e_.at = cal::now_unix();
  e_.outcome = "refused";
  try {
    append(desk_, e_);
    if (desk_.kept_refusals && store::in_transaction(desk_.db())) desk_.kept_refusals->push_back(e_);
  } catch (...) {
    // The refusal itself is what the caller must see.
  }
}

void keep_refusals(Desk& desk, const std::function<void()>& work) {
  std::vector<AuditEntry> kept;
  std::vector<AuditEntry>* outer = std::exchange(desk.kept_refusals, &kept);
  try {
    work();
    desk.kept_refusals = outer;
  } catch (...) {
    // work's transaction has rolled back, and the entries with it.
    desk.kept_refusals = outer;
    for (const auto& e : kept) {
      try {
        append(desk, e);
        if (outer && store::in_transaction(desk.db())) outer->push_back(e);
      } catch (...) {
        // The refusal itself is what the caller must see.
      }
    }
    throw;
  }
}

void BulkAudit::add(const std::string& id, const std::vector<std::pair<std::string, std::string>>& fields) {
  if (!pending_) {
    pending_.emplace(desk_, command_);
    subjects_json_.reserve(kSubjectsPerEntry * (id.size() + 3) + 2);
    subjects_json_ = "[";
  } else {
    subjects_json_.push_back(',');
  }
  add_json_string(subjects_json_, id);  // a subject just written: named once, no check for repeats
  for (const auto& [category, field] : fields) {
    if (std::find(fields_.begin(), fields_.end(), field) != fields_.end()) continue;
    fields_.push_back(field);
    pending_->field(category, field);
  }
  if (++count_ >= kSubjectsPerEntry) flush();
}

void BulkAudit::flush() {
  if (!pending_) return;
  pending_->ok(subjects_json_ + "]");
  discard();
}

void BulkAudit::discard() {
  pending_.reset();
  subjects_json_.clear();
  count_ = 0;
  fields_.clear();
}

void require_audited(Desk& desk, Action a, const char* command) {
  audited(desk, command, [&](Audit&) { require(desk, a); });
}

std::vector<AuditEntry> audit_log(Desk& desk, const AuditQuery& q) {
  require_audited(desk, Action::read_audit, "audit log");
  int64_t since = 0;
  if (!q.since.empty()) {
    auto d = cal::parse_date("since", q.since);
    since = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::sys_days(d).time_since_epoch()).count();
  }
  std::string subject_id = q.subject.empty() ? "" : resolve_subject(desk, q.subject).id;
  std::vector<AuditEntry> out;
  store::scan_audit(desk.db(), subject_id, q.actor, since, [&](const store::AuditRow& r) {
    out.push_back(from_row(r));
    return true;
  });
  if (q.limit > 0 && out.size() > size_t(q.limit)) out.erase(out.begin(), out.end() - q.limit);  // the newest
  return out;
}

namespace {

struct Signer {
  std::string slot, role;
};

// The signing keys whose entries count: the slots in the header (which the
// admin key signs and every open verifies) and the keys an admin certified in
// audit_signers (slots since removed). A certificate that does not verify
// under the vault's admin key is ignored, so a slot cannot add a key of its own.
std::map<std::string, Signer> known_signers(Desk& desk) {
  std::map<std::string, Signer> out;
  std::string admin_pk = as_bytes(desk.vault().admin_public_key());
  for (const auto& s : store::audit_signers(desk.db()))
    if (vault::signature_valid(admin_pk, cert_message(s.pk, s.slot, s.role), s.cert)) out[s.pk] = {s.slot, s.role};
  for (const auto& s : desk.vault().slots()) {
    std::string pk = as_bytes(s.sign_pk);
    if (!all_zero(pk)) out[pk] = {s.name, role_name(s.role)};
  }
  return out;
}

bool is_legacy_slot(Desk& desk, const std::string& name) {
  for (const auto& s : desk.vault().slots())
    if (s.name == name) return s.legacy;
  return false;
}

std::string hex(const std::string& bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(d[c >> 4]);
    out.push_back(d[c & 15]);
  }
  return out;
}
std::optional<std::string> unhex(const std::string& text) {
  if (text.size() % 2) return std::nullopt;
  std::string out;
  auto v = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); i += 2) {
    int a = v(text[i]), b = v(text[i + 1]);
    if (a < 0 || b < 0) return std::nullopt;
    out.push_back(static_cast<char>(a * 16 + b));
  }
  return out;
}

}  // namespace

void certify_signers(Desk& desk) {
  Vault& v = desk.vault();
  if (v.role() != Role::admin || all_zero(as_bytes(v.signer_public_key())) || store::read_only(desk.db())) return;
  std::map<std::string, bool> have;
  for (const auto& s : store::audit_signers(desk.db())) have[s.pk] = true;
  std::vector<SlotInfo> todo;
  for (const auto& s : v.slots())
    if (!s.legacy && !have.count(as_bytes(s.sign_pk))) todo.push_back(s);
  if (todo.empty()) return;
  store::WriteTx tx(desk.db());
  for (const auto& s : todo) {
    std::string pk = as_bytes(s.sign_pk);
    std::string role = role_name(s.role);
    store::insert_audit_signer(desk.db(), {pk, s.name, role, cal::now_unix(),
                                           as_bytes(v.admin_sign(cert_message(pk, s.name, role)))});
  }
  tx.commit();
}

AuditVerify verify_audit(Desk& desk, const std::string* anchor_text) {
  require_audited(desk, Action::read_audit, "audit verify");
  AuditVerify v;
  const auto signers = known_signers(desk);
  const std::string admin_pk = as_bytes(desk.vault().admin_public_key());
  // Where signing began: entries after it must be signed (but those of a slot
  // of format 2, which has no signing key). Only an admin's signature makes
  // the mark count; until one has opened the vault it is reported, not used.
  auto start = store::signing_start(desk.db());
  if (!start) {
    v.ok = false;
    v.problem = "the mark where signing began was removed";
    return v;
  }
  if (start->sig.empty()) {
    v.notes.push_back("no admin has written an audit entry since signing began: the mark of where it began (entry " +
                      std::to_string(start->last_id) + ") is not signed yet");
  } else if (!vault::signature_valid(admin_pk, start_message(start->last_id), start->sig)) {
    v.ok = false;
    v.problem = "the mark where signing began is not the admin's (altered)";
    return v;
  }
  const int64_t unsigned_upto = start->last_id;
  // After pruning, the chain starts from the anchor: the last entry that went.
  auto anchor = store::pruned_anchor(desk.db());
  if (anchor && !anchor->sig.empty()) {
    auto it = signers.find(anchor->signer);
    if (it == signers.end() || !vault::signature_valid(anchor->signer, prune_message(*anchor), anchor->sig)) {
      v.ok = false;
      v.problem = "the pruning checkpoint is not signed by a slot's key (altered)";
      return v;
    }
  } else if (anchor && anchor->last_id > unsigned_upto) {
    v.ok = false;
    v.problem = "the pruning checkpoint is unsigned, though it follows the start of signing (altered)";
    return v;
  }
  std::string prev = anchor ? anchor->hash : "";
  int64_t last_id = anchor ? anchor->last_id : 0;
  int64_t expected_id = last_id + 1;
  bool marked_before = false;               // the entry before carries the head mark
  std::map<int64_t, std::string> hash_at;  // for the anchor check: only the id it names
  int64_t anchor_id = -1;
  nlohmann::json anchor_doc;
  if (anchor_text) {
    std::string text = *anchor_text;
    size_t brace = text.rfind("{\"");
    auto marker = text.rfind("dsr_audit_anchor");
    if (marker != std::string::npos) brace = text.rfind('{', marker);
    anchor_doc = brace == std::string::npos ? nlohmann::json() : nlohmann::json::parse(text.substr(brace), nullptr, false);
    if (!anchor_doc.is_object() || !anchor_doc.contains("dsr_audit_anchor"))
      fail(ErrorKind::usage, "the anchor file holds no anchor that `dsr audit anchor` printed");
    anchor_id = anchor_doc.value("entries", int64_t(-1));
  }
  store::scan_audit(desk.db(), "", "", INT64_MIN, [&](const store::AuditRow& r) {
    auto bad = [&](std::string why) {
      v.ok = false;
      v.first_bad = r.id;
      v.problem = "entry " + std::to_string(r.id) + " " + why;
      return false;
    };
    if (r.id != expected_id)
      return bad("follows entry " + std::to_string(expected_id - 1) + ": the entries between were removed");
    if (r.prev_hash == kAfterCut)
      return bad("was written after entries at the end of the trail were removed (outside dsr)");
    if (r.prev_hash != prev) return bad("does not follow the entry before it (entries removed or reordered)");
    if (marked_before)
      return bad("follows entry " + std::to_string(r.id - 1) + ", which is marked as the newest: entries were added outside dsr");
    if (chain_hash(desk, r) != r.hash) return bad("was altered after it was written");
    if (r.signer.empty()) {
      if (r.id > unsigned_upto && !is_legacy_slot(desk, r.actor))
        return bad("is not signed, though it was written after signing began (forged or altered)");
      ++v.unsigned_entries;
    } else {
      auto it = signers.find(r.signer);
      if (it == signers.end()) return bad("is signed by a key no admin certified (forged)");
      if (it->second.slot != r.actor)
        return bad("names " + r.actor + " as its actor but is signed by slot " + it->second.slot + "'s key (forged)");
      if (!vault::signature_valid(r.signer, entry_message(r.hash), r.sig))
        return bad("has a signature that does not match it (altered or forged)");
    }
    if (r.id == anchor_id) hash_at[r.id] = r.hash;
    marked_before = r.head;
    prev = r.hash;
    expected_id = r.id + 1;
    last_id = r.id;
    ++v.checked;
    return true;
  });
  if (v.ok) {
    const auto tail = store::audit_tail(desk.db());
    if (tail.gap == store::AuditTail::Gap::end_cut) {
      v.ok = false;
      v.first_bad = last_id + 1;
      v.problem = "the trail ends at entry " + std::to_string(last_id) +
                  ", which is not the newest entry written: entries at the end were removed";
    } else if (tail.gap == store::AuditTail::Gap::emptied) {
      v.ok = false;
      v.first_bad = tail.head.last_id + 1;
      v.problem = "no entry is left after entry " + std::to_string(tail.head.last_id) +
                  ", though pruning keeps the newest: the trail was emptied outside dsr";
    }
  }
  if (v.ok && anchor_text) {
    // The anchor, kept outside the vault, proves the chain extends it: the
    // entry it names is still there with the hash it recorded.
    std::string sig = unhex(anchor_doc.value("sig", std::string())).value_or("");
    std::string signer_pk = unhex(anchor_doc.value("signer_pk", std::string())).value_or("");
    nlohmann::json body = anchor_doc;
    body.erase("sig");
    v.anchor_checked = true;
    if (unhex(anchor_doc.value("admin_pk", std::string())).value_or("") != admin_pk) {
      v.ok = false;
      v.problem = "the anchor is of another vault (its admin key differs)";
    } else if (!signers.count(signer_pk) || !vault::signature_valid(signer_pk, body.dump(), sig)) {
      v.ok = false;
      v.problem = "the anchor's signature does not verify under a slot's key (altered or forged)";
    } else if (anchor && anchor_id < anchor->last_id) {
      v.notes.push_back("the anchor names entry " + std::to_string(anchor_id) +
                        ", since pruned: it proves nothing about the entries that remain");
    } else if (anchor && anchor_id == anchor->last_id) {
      if (unhex(anchor_doc.value("head", std::string())).value_or("") != anchor->hash) {
        v.ok = false;
        v.problem = "the trail was rewritten since the anchor: entry " + std::to_string(anchor_id) + " differs";
      }
    } else if (anchor_id > last_id) {
      v.ok = false;
      v.first_bad = last_id + 1;
      v.problem = "the anchor names entry " + std::to_string(anchor_id) + " but the trail ends at entry " +
                  std::to_string(last_id) + ": entries were removed since the anchor";
    } else if (anchor_id > 0 &&
               (!hash_at.count(anchor_id) ||
                unhex(anchor_doc.value("head", std::string())).value_or("") != hash_at[anchor_id])) {
      v.ok = false;
      v.first_bad = anchor_id;
      v.problem = "the trail was rewritten since the anchor: entry " + std::to_string(anchor_id) + " differs from it";
    }
  }
  return v;
}

std::string audit_anchor(Desk& desk) {
  require_audited(desk, Action::read_audit, "audit anchor");
  Vault& v = desk.vault();
  std::string pk = as_bytes(v.signer_public_key());
  if (all_zero(pk)) fail(ErrorKind::refused, "slot '" + v.slot_name() + "' is a slot of format 2 and cannot sign; use another slot");
  const store::AuditTail tail = store::audit_tail(desk.db());
  if (tail.gap != store::AuditTail::Gap::none)
    fail(ErrorKind::integrity, "the audit trail's end was removed; `dsr audit verify` says where. No anchor was printed");
  const store::AuditHead& head = tail.head;
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& s : v.slots())
    slots.push_back({{"name", s.name}, {"role", role_name(s.role)}, {"sign_pk", hex(as_bytes(s.sign_pk))}});
  nlohmann::json a = {{"dsr_audit_anchor", 1},
                      {"entries", head.last_id},
                      {"head", hex(head.hash)},
                      {"at", iso_time(cal::now_unix())},
                      {"admin_pk", hex(as_bytes(v.admin_public_key()))},
                      {"slots", slots},
                      {"signer", v.slot_name()},
                      {"signer_pk", hex(pk)}};
  a["sig"] = hex(as_bytes(v.sign(a.dump())));
  return a.dump();
}

int64_t prune_audit(Desk& desk, int64_t before) {
  store::WriteTx tx(desk.db());
  int64_t n = store::delete_audit_before(desk.db(), before);
  // The anchor left behind is signed by the slot that pruned, so that a slot
  // cannot cut the trail's beginning and re-anchor what remains.
  std::string pk = as_bytes(desk.vault().signer_public_key());
  auto anchor = store::pruned_anchor(desk.db());
  if (n > 0 && anchor && !all_zero(pk))
    store::sign_pruned_anchor(desk.db(), pk, as_bytes(desk.vault().sign(prune_message(*anchor))));
  tx.commit();
  return n;
}

}  // namespace dsr
