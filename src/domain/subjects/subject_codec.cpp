#include "domain/subjects/subject_codec.hpp"


#include <chrono>
#include <mutex>

#include "vault/seal.hpp"
#include "dsr/calendar.hpp"
#include "dsr/catalog.hpp"
#include "dsr/error.hpp"
#include "dsr/roles.hpp"
#include "dsr/policy.hpp"
#include "dsr/timefmt.hpp"
#include "store/subject_store.hpp"
#include "dsr/validate.hpp"
#include "dsr/fields.hpp"
#include "util/strings.hpp"

namespace dsr {
namespace {

using store::SubjectRow;

bool sealed_column(const std::string& col) { return fields::sealed_column(col); }

const Secret& need_category_key(Desk& desk, const std::string& field) {
  const Secret* k = desk.vault().category_key();
  if (!k)
    fail(ErrorKind::refused, field + ": writing billing or payment data needs the admin or billing role (this slot is " +
                                 role_name(desk.vault().role()) + ")");
  return *k;
}

void refuse_security_code(const std::string& field) {
  if (validate::is_security_code_key(field))
    fail(ErrorKind::refused, field + ": card security codes (CVV/CVC) must never be stored, not even encrypted "
                                     "(PCI DSS requirement 3.3.1)");
}

// A field's provenance: {"source", "collected_at", "policy"}. A registration
// stores one shared entry under "*" (every field it set was collected at once,
// from one source, under one policy): 200 bytes a subject fewer. Expanded here
// to one entry per field, so that a correction rewrites the row in full form.
nlohmann::json provenance_of(const SubjectRow& row) {
  auto j = nlohmann::json::parse(row.provenance, nullptr, false);
  if (!j.is_object()) return nlohmann::json::object();
  auto shared = j.find("*");
  if (shared == j.end()) return j;
  nlohmann::json all = *shared;
  j.erase(shared);
  for (const auto& [col, _] : row.cols)
    if (!col.ends_with("_key") && !j.contains(col)) j[col] = all;
  return j;
}

struct Writer {
  Desk& desk;
  SubjectRow& row;
  nlohmann::json prov;
  const SubjectInput& in;
  int64_t t;
  std::vector<std::string> changed;
  std::string policy;  // the policy version in force at collection (dsr/policy.hpp); empty: none recorded

  std::optional<std::string> current(const std::string& col) const {
    auto it = row.cols.find(col);
    if (it == row.cols.end()) return std::nullopt;
    if (sealed_column(col)) {
      const Secret* k = desk.vault().category_key();
      return k ? vault::unseal(*k, row.id, col, it->second) : std::nullopt;
    }
    return it->second;
  }

  bool registering;     // a new row: every field changes, and they share one provenance entry

  void put(const std::string& col, const std::string& value, const std::string& reported_as) {
    require_write(desk, field_category(col), reported_as);
    bool same = !registering && current(col) == value;
    row.cols[col] = sealed_column(col) ? vault::seal(need_category_key(desk, col), row.id, col, value) : value;
    if (!registering) prov[col] = entry();
    if (!same) changed.push_back(reported_as);
  }
  nlohmann::json entry() const {
    nlohmann::json e = {{"source", in.source}, {"collected_at", t}};
    if (!policy.empty()) e["policy"] = policy;
    return e;
  }
};

// A registration's provenance, {"*": Writer::entry()} as JSON text: written
// directly in the usual case (a bulk load registers one row after another),
// byte for byte what nlohmann writes (keys in order, no spaces).
std::string shared_provenance(const std::string& source, int64_t t, const std::string& policy) {
  if (!util::plain_json_text(source) || !util::plain_json_text(policy)) {
    nlohmann::json e = {{"source", source}, {"collected_at", t}};
    if (!policy.empty()) e["policy"] = policy;
    return nlohmann::json{{"*", std::move(e)}}.dump();
  }
  std::string out = "{\"*\":{\"collected_at\":";
  out += std::to_string(t);
  if (!policy.empty()) {
    out += ",\"policy\":\"";
    out += policy;
    out += '"';
  }
  out += ",\"source\":\"";
  out += source;
  out += "\"}}";
  return out;
}

// "news, sport": the parts that are not blank, as typed (validation trims them).
std::vector<std::string> split_interests(const std::string& v) { return util::split(v, ',', /*skip_blank=*/true); }

std::string unknown_field(const std::string& f) {
  std::string list;
  for (const auto& f : fields::table()) list += (list.empty() ? "" : ", ") + std::string(f.name);
  return f + ": unknown field; fields are " + list + ", or CATEGORY.KEY for an attribute";
}

cal::Date today() { return cal::today(); }

}  // namespace

std::string new_subject_id() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint32_t last_rand = 0;
  uint64_t ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  uint32_t r;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (ms <= last_ms) {  // the same millisecond (or the clock stepped back): one more than the last
      ms = last_ms;
      r = last_rand + 1;
      if (r == 0) ++ms;  // 2^32 ids in one millisecond: borrow the next one
    } else {
      r = vault::random_u32() & 0x7fffffffu;  // headroom for the increments
    }
    last_ms = ms;
    last_rand = r;
  }
  unsigned char b[10];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  for (int i = 0; i < 4; ++i) b[6 + i] = static_cast<unsigned char>(r >> (8 * (3 - i)));
  std::string id = "sub_";
  uint64_t acc = 0;
  int bits = 0;
  for (unsigned char c : b) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 5) {
      id.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  return id;
}

std::string email_hash(Desk& desk, const std::string& email_key) {
  return vault::keyed_hash(desk.vault().index_key(), "suppression:email", email_key);
}

// Resolves SUBJECT (id, email or username) to its row.
SubjectRow resolve_subject(Desk& desk, std::string_view ref_in) {
  std::string ref(ref_in);
  if (ref.empty()) fail(ErrorKind::usage, "SUBJECT: give a subject id, email or username");
  std::optional<SubjectRow> row;
  if (ref.rfind("sub_", 0) == 0) row = store::subject_by_id(desk.db(), ref);
  if (!row && ref.find('@') != std::string::npos) {
    std::string key = validate::email_key(ref);
    row = store::subject_by_email_key(desk.db(), key);
    if (!row) {
      if (auto s = store::find_suppression(desk.db(), email_hash(desk, key)))
        fail(ErrorKind::not_found, "that email belonged to subject " + s->first + ", erased on " + iso_date(s->second));
    }
  }
  if (!row) row = store::subject_by_username_key(desk.db(), validate::username_key(ref));
  if (!row)
    fail(ErrorKind::not_found, "no subject matches " + validate::quoted(ref) + "; try `dsr find " +
                                   std::string(ref.substr(0, std::min<size_t>(ref.size(), 20))) + "`");
  return *row;
}

SubjectRow resolve_live_subject(Desk& desk, std::string_view ref) {
  SubjectRow r = resolve_subject(desk, ref);
  if (r.status == SubjectStatus::erased)
    fail(ErrorKind::not_found, "subject " + r.id + " was erased on " + iso_date(r.status_changed_at.value_or(0)));
  return r;
}

std::vector<std::string> apply_input(Desk& desk, SubjectRow& row, std::vector<store::AttributeRow>& attrs,
                                     const SubjectInput& in, bool registering) {
  return apply_input(desk, row, attrs, in, registering, policy_in_force(desk), cal::now_unix());
}

std::vector<std::string> apply_input(Desk& desk, SubjectRow& row, std::vector<store::AttributeRow>& attrs,
                                     const SubjectInput& in, bool registering, const std::string& policy, int64_t at) {
  std::string source = validate::free_text("source", in.source, validate::Limits::source);
  SubjectInput src = in;
  src.source = source;
  Writer w{desk, row, registering ? nlohmann::json::object() : provenance_of(row), src, at, {}, policy, registering};
  std::optional<std::vector<std::string>> interests;
  bool card_number_given = false, card_expiry_given = false;
  for (const auto& [field, value] : in.set) {
    const fields::Field* f = fields::find(field);
    if (!f) {
      refuse_security_code(field);
      if (field == "card_brand" || field == "card_last4")
        fail(ErrorKind::usage, field + ": derived from the card number; set card_number instead");
      if (field.find('.') == std::string::npos) fail(ErrorKind::usage, unknown_field(field));
      validate::AttrName a = validate::attr_name(field);
      refuse_security_code(a.key);
      std::string label = a.category + "." + a.key;
      // Like every free text: a card number is refused (usage, naming the field).
      std::string v = validate::free_text(label, value, validate::Limits::attr_value, /*multiline=*/true);
      require_write(desk, a.category, label);
      const CategoryInfo* ci = category_info(a.category);
      store::AttributeRow ar;
      ar.category = a.category;
      ar.key = a.key;
      ar.sealed = ci && ci->restricted;
      ar.value = ar.sealed ? vault::seal(need_category_key(desk, label), row.id, label, v) : v;
      ar.source = source;
      ar.collected_at = w.t;
      ar.policy_version = w.policy;
      attrs.push_back(std::move(ar));
      w.changed.push_back(label);  // correct compares attributes below
      continue;
    }
    switch (f->kind) {
      case fields::Kind::name: {
        std::string v = validate::name(value);  // no card number in it (validate::free_text)
        w.put("name", v, "name");
        row.cols["name_key"] = validate::email_key(v);
        break;
      }
      case fields::Kind::email: {
        std::string v = validate::email(value);
        w.put("email", v, "email");
        row.cols["email_key"] = validate::email_key(v);
        break;
      }
      case fields::Kind::username: {
        std::string v = validate::username(value);
        w.put("username", v, "username");
        row.cols["username_key"] = validate::username_key(v);
        break;
      }
      case fields::Kind::phone: w.put("phone", validate::phone(value), "phone"); break;
      case fields::Kind::address: {
        std::string v = validate::address(value);  // no card number in it (validate::free_text)
        w.put("address", v, "address");
        break;
      }
      case fields::Kind::zip: w.put("zip", validate::zip(value), "zip"); break;
      case fields::Kind::contact_preference:
        w.put("contact_preference", validate::contact_preference(value), "contact_preference");
        break;
      case fields::Kind::account_type: w.put("account_type", validate::account_type(value), "account_type"); break;
      case fields::Kind::interests:
        // "interests" replaces the list (comma-separated); "interest" adds one, repeatable.
        if (!interests || field == "interests") interests.emplace();
        for (const auto& part : field == "interests" ? split_interests(value) : std::vector<std::string>{value}) {
          std::string v = validate::interest(part);
          interests->push_back(v);
        }
        break;
      case fields::Kind::card_number: {
        validate::Card c = validate::card_number(value);
        need_category_key(desk, field);
        w.put("card_brand", c.brand, "card_number");
        w.put("card_last4", c.last4, "card_number");
        card_number_given = true;
        break;
      }
      case fields::Kind::card_expiry: {
        auto ymd = today();
        w.put("card_expiry", validate::card_expiry(value, {int(ymd.year()), int(unsigned(ymd.month()))}),
              "card_expiry");
        card_expiry_given = true;
        break;
      }
      case fields::Kind::card_token: w.put("card_token", validate::card_token(value), "card_token"); break;
    }
  }
  if (card_number_given && !card_expiry_given && (registering || !row.cols.count("card_expiry")))
    fail(ErrorKind::usage, "card_expiry: required with card_number (MM/YY)");
  if (interests) {
    if (interests->size() > validate::Limits::interests_max)
      fail(ErrorKind::usage, "interests: at most " + std::to_string(validate::Limits::interests_max));
    w.put("interests", nlohmann::json(*interests).dump(), "interests");
  }
  // An attribute that is set to the value it already had is not a change.
  if (!registering && !attrs.empty()) {
    auto old = store::attributes_of(desk.db(), row.rowid);
    for (const auto& a : attrs) {
      std::string label = a.category + "." + a.key;
      for (const auto& o : old) {
        if (o.category != a.category || o.key != a.key) continue;
        std::optional<std::string> ov = o.value, nv = a.value;
        if (a.sealed) {
          const Secret* k = desk.vault().category_key();
          ov = vault::unseal(*k, row.id, label, o.value);
          nv = vault::unseal(*k, row.id, label, a.value);
        }
        if (ov == nv && o.source == a.source) std::erase(w.changed, label);
      }
    }
  }
  row.provenance = registering ? shared_provenance(w.in.source, w.t, w.policy) : w.prov.dump();
  return w.changed;
}

bool unset_field(Desk& desk, SubjectRow& row, const std::string& field) {
  if (const fields::Field* f = fields::find(field)) {
    if (f->required) fail(ErrorKind::usage, field + ": required; it can be corrected but not unset");
    require_write(desk, f->category, field);  // removing a value is writing it
    bool any = false;
    auto prov = provenance_of(row);
    for (auto c : f->unset) {
      any |= row.cols.erase(std::string(c)) > 0;
      prov.erase(std::string(c));
    }
    row.provenance = prov.dump();
    return any;
  }
  if (field.find('.') != std::string::npos) {
    validate::AttrName a = validate::attr_name(field);
    require_write(desk, a.category, field);
    return store::delete_attribute(desk.db(), row.rowid, a.category, a.key);
  }
  fail(ErrorKind::usage, unknown_field(field));
}

void require_registration_fields(const SubjectRow& row) {
  for (const auto& f : fields::table())
    if (f.required && !row.cols.count(std::string(f.columns.front())))
      fail(ErrorKind::usage, std::string(f.name) + ": required to register (" + std::string(f.flag) + ")");
}

void check_unique(Desk& desk, const SubjectRow& row) {
  if (auto it = row.cols.find("email_key"); it != row.cols.end()) {
    auto other = store::subject_by_email_key(desk.db(), it->second);
    if (other && other->rowid != row.rowid)
      fail(ErrorKind::conflict, "email: already registered to subject " + other->id);
  }
  if (auto it = row.cols.find("username_key"); it != row.cols.end()) {
    auto other = store::subject_by_username_key(desk.db(), it->second);
    if (other && other->rowid != row.rowid)
      fail(ErrorKind::conflict, "username: already taken by subject " + other->id);
  }
}

std::vector<std::pair<std::string, std::string>> fields_of(Desk& desk, const SubjectRow& row) {
  std::vector<std::pair<std::string, std::string>> out;
  if (row.status == SubjectStatus::erased) return out;
  for (const auto& f : fields::value_columns())
    if (row.cols.count(f)) out.emplace_back(fields::category_of(f), f);
  for (const auto& a : store::attributes_of(desk.db(), row.rowid)) out.emplace_back(a.category, a.category + "." + a.key);
  return out;
}

void erase_row(Desk& desk, const SubjectRow& row, int64_t at, const std::string& reason) {
  store::add_suppression(desk.db(), email_hash(desk, row.cols.at("email_key")), row.id, at);
  store::erase_subject_row(desk.db(), row.rowid, at, reason);
}

Subject decode_subject(Desk& desk, const SubjectRow& row, const std::optional<std::vector<store::AttributeRow>>& given) {
  Subject s{.id = row.id, .status = row.status, .created_at = row.created_at, .updated_at = row.updated_at,
            .status_changed_at = row.status_changed_at, .status_reason = row.status_reason.value_or(""), .values = {}};
  if (row.status == SubjectStatus::erased) return s;
  auto prov = provenance_of(row);
  const Secret* key = desk.vault().category_key();
  Role role = desk.vault().role();
  // A role sees only the categories it may read; support sees payment only masked (brand, last 4).
  auto readable = [&](const FieldValue& v) {
    return role_reads_category(role, v.category) || (role == Role::support && masked_field(v.field));
  };
  auto mask = [](FieldValue& v) {
    v.value = nullptr;
    v.restricted = true;
  };
  for (const auto& f : fields::value_columns()) {
    auto it = row.cols.find(f);
    if (it == row.cols.end()) continue;
    FieldValue v;
    v.field = f;
    v.category = fields::category_of(f);
    if (auto p = prov.find(f); p != prov.end()) {
      v.provenance.source = p->value("source", "");
      v.provenance.collected_at = p->value("collected_at", int64_t{0});
      v.provenance.policy_version = p->value("policy", "");
    }
    if (sealed_column(f)) {
      auto plain = key ? vault::unseal(*key, row.id, f, it->second) : std::nullopt;
      if (plain) v.value = *plain;
      else v.restricted = true;  // value stays null
    } else if (v.field == "interests") {
      v.value = nlohmann::json::parse(it->second, nullptr, false);
    } else {
      v.value = it->second;
    }
    if (!readable(v)) mask(v);
    s.values.push_back(std::move(v));
  }
  auto attrs = given ? *given : store::attributes_of(desk.db(), row.rowid);
  for (const auto& a : attrs) {
    FieldValue v;
    v.field = a.category + "." + a.key;
    v.category = a.category;
    v.provenance = {a.source, a.collected_at, a.policy_version};
    if (a.sealed) {
      auto plain = key ? vault::unseal(*key, row.id, v.field, a.value) : std::nullopt;
      if (plain) v.value = *plain;
      else v.restricted = true;
    } else {
      v.value = a.value;
    }
    if (!readable(v)) mask(v);
    s.values.push_back(std::move(v));
  }
  return s;
}

}  // namespace dsr
