// Policy versions and the version in force.
#include "dsr/policy.hpp"
#include "dsr/audit.hpp"
#include "dsr/json_values.hpp"

#include <set>

#include "dsr/catalog.hpp"
#include "dsr/disclosures.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/timefmt.hpp"
#include "dsr/validate.hpp"
#include "store/policy_store.hpp"
#include "store/tx.hpp"

namespace dsr {

namespace {

std::string valid_version(std::string_view v) {
  bool ok = !v.empty() && v.size() <= 32 && std::isalnum(static_cast<unsigned char>(v[0]));
  for (char c : v) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
  if (!ok)
    fail(ErrorKind::usage, "VERSION: 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit; got " +
                               validate::quoted(v));
  return std::string(v);
}

PolicyVersion from_row(const store::PolicyRow& r) {
  PolicyVersion v;
  v.version = r.version;
  v.effective = r.effective;
  v.material = r.material;
  v.summary = r.summary.value_or("");
  if (r.purposes) {
    auto j = nlohmann::json::parse(*r.purposes, nullptr, false);
    if (j.is_array())
      for (const auto& p : j)
        if (p.is_string()) v.purposes.push_back(p.get<std::string>());
  }
  v.added_at = r.added_at;
  v.added_by = r.added_by;
  return v;
}

// What the built-in policy states: the catalog's purposes, and the purposes
// processors may be engaged for (Third Party Intermediaries).
std::vector<std::string> catalog_purposes() {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& c : categories())
    for (const auto& p : c.purposes)
      if (seen.insert(p).second) out.push_back(p);
  for (const auto& [p, _] : processor_purposes())
    if (seen.insert(p).second) out.push_back(p);
  return out;
}

}  // namespace

PolicyVersion add_policy(Desk& desk, const PolicyVersion& in) {
  require_audited(desk, Action::manage_requests, "policy add");
  PolicyVersion v;
  v.version = valid_version(in.version);
  v.effective = cal::format(cal::parse_date("--effective", in.effective));
  v.material = in.material;
  if (!in.summary.empty()) v.summary = validate::free_text("--summary", in.summary, validate::Limits::free_text, true);
  std::set<std::string> seen;
  for (const auto& p : in.purposes) {
    std::string t = validate::free_text("--purpose", p, validate::Limits::reason);
    if (seen.insert(t).second) v.purposes.push_back(t);
  }
  v.added_at = cal::now_unix();
  v.added_by = desk.actor();
  store::WriteTx tx(desk.db());
  if (store::policy_by_version(desk.db(), v.version))
    fail(ErrorKind::conflict, "policy version " + v.version + " already exists (`dsr policy list`)");
  if (auto same = store::policy_effective_on(desk.db(), v.effective))
    fail(ErrorKind::conflict, "policy version " + same->version + " already takes effect on " + v.effective);
  auto all = store::list_policies(desk.db());
  if (!all.empty() && all.back().effective > v.effective)
    fail(ErrorKind::usage, "--effective: versions follow each other; the latest, " + all.back().version +
                               ", takes effect on " + all.back().effective);
  store::PolicyRow row{v.version, v.effective, v.material, std::nullopt, std::nullopt, v.added_at, v.added_by};
  if (!v.summary.empty()) row.summary = v.summary;
  if (!v.purposes.empty()) row.purposes = nlohmann::json(v.purposes).dump();
  store::insert_policy(desk.db(), row);
  tx.commit();
  return v;
}

std::vector<PolicyVersion> list_policies(Desk& desk) {
  std::vector<PolicyVersion> out;
  for (const auto& r : store::list_policies(desk.db())) out.push_back(from_row(r));
  return out;
}

PolicyVersion find_policy(Desk& desk, std::string_view version) {
  auto r = store::policy_by_version(desk.db(), std::string(version));
  if (!r) fail(ErrorKind::not_found, "no policy version " + validate::quoted(version) + "; `dsr policy list` shows them");
  return from_row(*r);
}

std::string policy_in_force(Desk& desk) { return policy_in_force(desk, cal::today()); }

std::string policy_in_force(Desk& desk, cal::Date on) {
  return store::policy_in_force(desk.db(), cal::format(on)).value_or("");
}

std::vector<std::string> policy_purposes(Desk& desk, const std::string& version) {
  if (!version.empty())
    if (auto r = store::policy_by_version(desk.db(), version)) {
      PolicyVersion v = from_row(*r);
      if (!v.purposes.empty()) return v.purposes;
    }
  return catalog_purposes();
}

nlohmann::json policy_json(const PolicyVersion& v) {
  return {{"version", v.version},
          {"effective", v.effective},
          {"material", v.material},
          {"summary", text_or_null(v.summary)},
          {"purposes", v.purposes.empty() ? catalog_purposes() : v.purposes},
          {"purposes_from", v.purposes.empty() ? "catalog" : "version"},
          {"added_at", iso_time(v.added_at)},
          {"added_by", v.added_by}};
}

}  // namespace dsr
