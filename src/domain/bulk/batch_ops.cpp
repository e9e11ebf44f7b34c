// One batch line to one domain call: each operation reads its keys strictly
// (an unknown key or a value of the wrong type is a usage error naming it)
// and returns the same JSON shapes the single commands print with --json.
#include <algorithm>
#include <functional>
#include <initializer_list>

#include "domain/bulk/batch_engine.hpp"
#include "domain/bulk/bulk_register.hpp"
#include "dsr/fields.hpp"
#include "dsr/batch.hpp"
#include "dsr/choices.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/requests.hpp"
#include "dsr/subjects.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"

namespace dsr {
namespace {

using nlohmann::json;

// The keys of one operation, read with type checks.
class Keys {
 public:
  Keys(const json& j, std::string_view op, const std::vector<std::string_view>& allowed) : j_(j) {
    std::string unknown;
    for (const auto& item : j.items()) {
      const std::string& k = item.key();  // (no structured binding: clang 14 cannot capture one in a lambda)
      if (k == "op") continue;
      if (std::none_of(allowed.begin(), allowed.end(), [&](std::string_view a) { return k == a; }))
        unknown += (unknown.empty() ? "" : ", ") + k;
    }
    if (!unknown.empty()) {
      std::string keys;
      for (std::string_view a : allowed) keys += (keys.empty() ? "" : ", ") + std::string(a);
      fail(ErrorKind::usage, std::string(op) + ": unknown key " + unknown + "; keys are " + keys);
    }
  }
  const json* get(const char* key) const {
    auto it = j_.find(key);
    return it == j_.end() || it->is_null() ? nullptr : &*it;
  }
  std::string str(const char* key, bool required = false) const {
    const json* v = get(key);
    if (!v) {
      if (required) fail(ErrorKind::usage, std::string(key) + ": required");
      return {};
    }
    if (!v->is_string()) fail(ErrorKind::usage, std::string(key) + ": must be a string");
    return v->get<std::string>();
  }
  bool flag(const char* key) const {
    const json* v = get(key);
    if (!v) return false;
    if (!v->is_boolean()) fail(ErrorKind::usage, std::string(key) + ": must be true or false");
    return v->get<bool>();
  }
  // An array of strings, or one string (which the caller may split).
  std::vector<std::string> list(const char* key) const {
    const json* v = get(key);
    if (!v) return {};
    if (v->is_string()) return {v->get<std::string>()};
    if (!v->is_array()) fail(ErrorKind::usage, std::string(key) + ": must be an array of strings");
    std::vector<std::string> out;
    for (const auto& e : *v) {
      if (!e.is_string()) fail(ErrorKind::usage, std::string(key) + ": must be an array of strings");
      out.push_back(e.get<std::string>());
    }
    return out;
  }
  // FIELD=VALUE pairs from an object of strings; an array value (interests) gives one pair per element.
  void pairs(const char* key, const char* each_name, std::vector<std::pair<std::string, std::string>>& out) const {
    const json* v = get(key);
    if (!v) return;
    if (!v->is_object()) fail(ErrorKind::usage, std::string(key) + ": must be an object of FIELD: VALUE");
    for (const auto& [field, value] : v->items()) {
      if (value.is_string()) {
        out.emplace_back(field, value.get<std::string>());
      } else if (value.is_array() && (field == "interests" || field == "interest")) {
        if (value.empty()) out.emplace_back("interests", "");
        for (const auto& e : value) {
          if (!e.is_string()) fail(ErrorKind::usage, field + ": must be an array of strings");
          out.emplace_back(each_name, e.get<std::string>());
        }
      } else {
        fail(ErrorKind::usage, field + ": must be a string");
      }
    }
  }

 private:
  const json& j_;
};

}  // namespace

SubjectInput register_input(const json& j, std::string& request) {
  // The keys: every field of the table (fields.hpp), then attrs, source and request.
  static const std::vector<std::string_view> kKeys = [] {
    std::vector<std::string_view> out;
    for (const auto& f : fields::table()) out.push_back(f.name);
    for (std::string_view k : {"attrs", "source", "request"}) out.push_back(k);
    return out;
  }();
  Keys k(j, "register", kKeys);
  SubjectInput in;
  for (const auto& f : fields::table()) {
    if (f.kind == fields::Kind::interests) continue;  // a string or a list: below
    std::string name(f.name);
    std::string v = k.str(name.c_str());
    if (!v.empty()) in.set.emplace_back(std::move(name), std::move(v));
  }
  if (const json* i = k.get("interests")) {
    if (i->is_string()) in.set.emplace_back("interests", i->get<std::string>());
    else
      for (auto& s : k.list("interests")) in.set.emplace_back("interest", std::move(s));
  }
  std::vector<std::pair<std::string, std::string>> attrs;
  k.pairs("attrs", "attrs", attrs);
  for (auto& a : attrs) {
    if (a.first.find('.') == std::string::npos)
      fail(ErrorKind::usage, "attrs: " + validate::quoted(a.first) + " is not CATEGORY.KEY");
    in.set.push_back(std::move(a));
  }
  in.source = k.str("source");
  request = k.str("request");
  return in;
}

namespace {

json op_register(Desk& desk, const json& j) {
  std::string request;
  SubjectInput in = register_input(j, request);
  // A registration made under a data-subject request ("request": "req_12", as
  // the CLI's --request): checked, run and recorded in its history together.
  RegisterResult r = register_under(desk, request, in);
  return registered_json({r.subject.id, r.previously_erased, r.linked_requests});
}

json op_correct(Desk& desk, const json& j) {
  Keys k(j, "correct", {"subject", "set", "unset", "source", "request"});
  SubjectInput in;
  k.pairs("set", "interest", in.set);
  in.unset = k.list("unset");
  in.source = k.str("source");
  std::string ref = k.str("subject", true);
  return change_json(correct_under(desk, k.str("request"), ref, in));
}

json op_delete(Desk& desk, const json& j, const BatchOptions& opts) {
  Keys k(j, "delete", {"subject", "reason", "dry_run", "request"});
  std::string ref = k.str("subject", true);
  bool dry = k.flag("dry_run");
  if (!dry && !opts.allow_delete)
    fail(ErrorKind::usage, "delete: erasing needs --yes on the batch command (or \"dry_run\": true to see what would go)");
  Subject s = find_subject(desk, ref);
  bool already = s.status == SubjectStatus::erased;
  return erase_json(erase_under(desk, k.str("request"), s.id, k.str("reason"), dry), already);
}

json op_disclose(Desk& desk, const json& j) {
  Keys k(j, "disclose", {"subject", "subjects", "recipient", "recipient_type", "recipient_address", "categories",
                         "purpose", "basis", "reference", "date", "withhold_until"});
  DisclosureRequest req;
  req.subjects = k.list("subjects");
  if (std::string one = k.str("subject"); !one.empty()) req.subjects.insert(req.subjects.begin(), one);
  req.recipient = k.str("recipient", true);
  req.recipient_type = k.str("recipient_type", true);
  req.recipient_address = k.str("recipient_address");
  req.categories = k.list("categories");
  req.purpose = k.str("purpose", true);
  req.basis = k.str("basis", true);
  req.reference = k.str("reference");
  req.date = k.str("date");
  req.withhold_until = k.str("withhold_until");
  DisclosureResult r = disclose(desk, req);
  return {{"subject_ids", r.subject_ids}, {"first_id", r.first_id}, {"date", r.date}};
}

json op_hold(Desk& desk, const json& j) {
  Keys k(j, "hold", {"action", "subject", "reason", "reference"});
  std::string action = k.str("action", true);
  std::string ref = k.str("subject", true);
  if (action == "place") return hold_json(place_hold(desk, ref, k.str("reason", true), k.str("reference")));
  if (action == "release") {
    if (k.get("reason")) fail(ErrorKind::usage, "hold: \"reason\" belongs to action place");
    std::string id = find_subject(desk, ref).id;
    return {{"subject", id}, {"released", release_holds(desk, id, k.str("reference"))}};
  }
  fail(ErrorKind::usage, "action: must be place or release");
}

// Consent as `dsr consent record|withdraw` (the same validation, the same
// audited writes); the result is what those commands print with --json.
json op_consent(Desk& desk, const json& j) {
  Keys k(j, "consent", {"action", "subject", "purpose", "notice", "method", "evidence", "given_at"});
  std::string action = k.str("action", true);
  if (action == "record") {
    ConsentInput in;
    in.subject = k.str("subject", true);
    in.purpose = k.str("purpose", true);
    in.notice = k.str("notice", true);
    in.method = k.str("method", true);
    in.evidence_file = k.str("evidence");
    in.given_at = k.str("given_at");
    Consent c = record_consent(desk, in);
    json out = consent_json(c);
    out["subject"] = c.subject_id;
    return out;
  }
  if (action == "withdraw") {
    for (const char* only : {"notice", "method", "evidence", "given_at"})
      if (k.get(only)) fail(ErrorKind::usage, std::string("consent: \"") + only + "\" belongs to action record");
    std::string ref = k.str("subject", true);
    std::string purpose = k.str("purpose", true);
    int n = withdraw_consent(desk, ref, purpose);
    return {{"subject", ref}, {"purpose", purpose}, {"withdrawn", n}};  // as `consent withdraw --json`
  }
  fail(ErrorKind::usage, "action: must be record or withdraw");
}

// A subject's choices as `dsr choice` (apply_choice): new uses, opt-outs
// (staff or a GPC signal), opting back in, an opt-out complied with.
json op_choice(Desk& desk, const json& j) {
  Keys k(j, "choice", {"subject", "new_uses", "opt_out", "opt_in", "gpc", "signal_at", "signal_source", "received",
                       "complied", "complied_on"});
  ChoiceInput in;
  in.subject = k.str("subject", true);
  in.new_uses = k.str("new_uses");
  in.opt_out = k.str("opt_out");
  in.opt_in = k.str("opt_in");
  in.gpc = k.flag("gpc");
  in.signal_at = k.str("signal_at");
  in.signal_source = k.str("signal_source");
  in.received = k.str("received");
  in.complied = k.str("complied");
  in.complied_on = k.str("complied_on");
  return choice_result_json(apply_choice(desk, in));
}

}  // namespace

const std::vector<std::string>& batch_operations() {
  static const std::vector<std::string> ops = {"register", "correct", "deactivate", "reactivate", "delete",
                                               "disclose", "hold",    "consent",    "choice",     "export"};
  return ops;
}

json run_operation(Desk& desk, const json& j, const BatchOptions& opts) {
  if (!j.is_object()) fail(ErrorKind::usage, "each line must be a JSON object with an \"op\"");
  auto it = j.find("op");
  if (it == j.end() || !it->is_string()) fail(ErrorKind::usage, "op: required (a string)");
  const std::string& op = it->get_ref<const std::string&>();
  if (op == "register") return op_register(desk, j);
  if (op == "correct") return op_correct(desk, j);
  if (op == "deactivate") {
    Keys k(j, op, {"subject", "reason", "request"});
    std::string ref = k.str("subject", true);
    return change_json(deactivate_under(desk, k.str("request"), ref, k.str("reason")));
  }
  if (op == "reactivate") {
    Keys k(j, op, {"subject", "request"});
    std::string ref = k.str("subject", true);
    return change_json(reactivate_under(desk, k.str("request"), ref));
  }
  if (op == "delete") return op_delete(desk, j, opts);
  if (op == "disclose") return op_disclose(desk, j);
  if (op == "hold") return op_hold(desk, j);
  if (op == "consent") return op_consent(desk, j);
  if (op == "choice") return op_choice(desk, j);
  if (op == "export") {
    Keys k(j, op, {"subject", "request"});
    std::string ref = k.str("subject", true);
    return export_under(desk, k.str("request"), ref);
  }
  std::string names;
  for (const auto& n : batch_operations()) names += (names.empty() ? "" : ", ") + n;
  fail(ErrorKind::usage, "op: unknown operation " + validate::quoted(op) + "; operations are " + names);
}

}  // namespace dsr
