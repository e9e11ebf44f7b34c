// Verification with evidence, authorised agents and parents, reopening, the
// appeal's extension (dsr/requests.hpp). The evidence is sealed: the pages
// are encrypted already, and the seal binds each value to its request and
// kind (a value moved to another request does not open) under a key of its
// own, derived from the index key every slot holds, so that any role that
// manages requests can record it; who may read it back is the role table's
// business (Action::manage_requests), and the read is audited.
#include <algorithm>

#include "domain/requests/request_model.hpp"
#include "dsr/audit.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "dsr/json_values.hpp"
#include "dsr/laws.hpp"
#include "dsr/validate.hpp"
#include "store/request_store.hpp"
#include "util/strings.hpp"
#include "vault/seal.hpp"

namespace dsr {

namespace {

constexpr size_t kMaxEvidenceFile = 1 << 20;
const std::vector<std::string> kMethods = {"account", "data-points", "document", "in-person", "other"};
const std::vector<std::string> kLevels = {"reasonable", "high"};

bool in(const std::vector<std::string>& set, const std::string& v) {
  return std::find(set.begin(), set.end(), v) != set.end();
}
Secret evidence_key(Desk& desk) { return vault::derive_key(desk.vault().index_key(), "request evidence"); }

// The sealed value: the record as JSON, a NUL, the file's bytes.
std::string sealed_payload(const nlohmann::json& record, const std::string& file) {
  std::string p = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  p.push_back('\0');
  p += file;
  return p;
}

}  // namespace

EvidenceFile read_evidence_file(const char* option, const std::string& path) {
  EvidenceFile f;
  if (path.empty()) return f;
  auto bytes = read_at_most(*file_input(path), kMaxEvidenceFile);
  if (!bytes) fail(ErrorKind::usage, std::string(option) + ": the file is larger than 1 MiB");
  f.bytes = std::move(*bytes);
  if (f.bytes.empty()) fail(ErrorKind::usage, std::string(option) + ": the file is empty");
  f.name = validate::free_text(option, path.substr(path.find_last_of('/') + 1), 255);
  return f;
}

void seal_evidence(Desk& desk, int64_t request_id, const std::string& kind, nlohmann::json record,
                   const EvidenceFile& file) {
  if (!file.name.empty()) {
    record["file"] = file.name;
    record["file_bytes"] = file.bytes.size();
  }
  store::EvidenceRow e;
  e.request_id = request_id;
  e.kind = kind;
  e.at = cal::now_unix();
  e.actor = desk.actor();
  e.sealed = vault::seal(evidence_key(desk), request_label(request_id), kind, sealed_payload(record, file.bytes));
  store::insert_evidence(desk.db(), e);
}

bool agent_confirmation_needed(const store::RequestRow& r) {
  return (r.representative == "agent" || r.representative == "parent") && r.type != RequestType::opt_out &&
         !r.agent_confirmed_on;
}

void need_agent_confirmed(const store::RequestRow& r, const std::string& doing) {
  if (!agent_confirmation_needed(r)) return;
  std::string label = request_label(r.id);
  bool parent = r.representative == "parent";
  fail(ErrorKind::refused,
       label + " was made by " + (parent ? "a parent or guardian" : "an authorised agent") + ": before " + doing +
           ", record the confirmation " +
           (parent ? "CCPA regs 7070(c) requires (the parent or guardian relation): dsr request confirm-agent " + label +
                         " --method guardian"
                   : "CCPA regs 7063(a) allows (the consumer verified their identity directly, or confirmed the "
                     "agent's permission): dsr request confirm-agent " + label + " --method identity|permission"));
}

Request verify_request(Desk& desk, std::string_view id, const VerificationEvidence& ev) {
  if (!ev.given()) return verify_request(desk, id);
  if (ev.method.empty() || ev.level.empty())
    fail(ErrorKind::usage, "--method and --level: evidence needs both (or none of --method, --matched, --level, "
                           "--declaration, for a verification without evidence)");
  if (!in(kMethods, ev.method)) fail(ErrorKind::usage, "--method: must be " + util::join(kMethods));
  if (!in(kLevels, ev.level)) fail(ErrorKind::usage, "--level: must be reasonable or high");
  std::vector<std::string> matched;
  for (const auto& m : ev.matched) {
    std::string k = validate::text("--matched", m, 32);
    bool token = k[0] >= 'a' && k[0] <= 'z' && std::all_of(k.begin(), k.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
                 });
    if (!token)
      fail(ErrorKind::usage, "--matched: " + validate::quoted(k) +
                                 " is not a kind of data (email, phone, name, address, ...): name what matched, never "
                                 "the value");
    if (!in(matched, k)) matched.push_back(k);
  }
  if (matched.size() > 16) fail(ErrorKind::usage, "--matched: at most 16 kinds");
  bool account = ev.method == "account";
  size_t need = ev.level == "high" ? 3 : 2;
  if (!account && matched.size() < need)
    fail(ErrorKind::refused, "--level " + ev.level + ": " +
                                 (ev.level == "high" ? "a reasonably high degree of certainty needs at least three "
                                                       "data points matched (CCPA regs 7062(b))"
                                                     : "a reasonable degree of certainty needs at least two data "
                                                       "points matched (CCPA regs 7062(a))") +
                                 "; " + std::to_string(matched.size()) + " given with --matched");
  if (!account && ev.level == "high" && ev.declaration_file.empty())
    fail(ErrorKind::refused, "--level high: the requester's declaration signed under penalty of perjury is needed "
                             "too (CCPA regs 7062(b)): --declaration FILE");
  EvidenceFile declaration = read_evidence_file("--declaration", ev.declaration_file);
  nlohmann::json record = {{"method", ev.method}, {"matched", matched}, {"level", ev.level}};
  return transition(desk, id, "verify", "verified", [&](store::RequestRow& row, nlohmann::json& detail) {
    if (row.status != RequestStatus::received)
      fail(ErrorKind::conflict, request_label(row.id) + " is already verified (on " + row.verified_on.value_or("?") + ")");
    row.status = RequestStatus::verified;
    row.verified_on = cal::format(cal::today());
    if (!row.clock_start) {  // the clock starts now that identity is in (UK GDPR Art. 12A)
      row.clock_start = std::max(*row.verified_on, row.received);
      set_deadlines(desk, row, cal::today());
      detail["clock_start"] = *row.clock_start;
      detail["due"] = row.due;
    }
    seal_evidence(desk, row.id, "verification", record, declaration);
    // Named, never shown: the history and the audit trail say that evidence was sealed, not what it holds.
    detail["evidence"] = "verification";
    detail["sealed"] = true;
  });
}

Request confirm_agent(Desk& desk, std::string_view id, const std::string& method) {
  if (!in(kAgentMethods, method)) fail(ErrorKind::usage, "--method: must be " + util::join(kAgentMethods));
  return transition(desk, id, "confirm-agent", "agent confirmed", [&](store::RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    if (!row.representative)
      fail(ErrorKind::refused, label + " was made by the consumer, not by an agent: there is nothing to confirm");
    if (*row.representative == "power_of_attorney")
      fail(ErrorKind::refused, label + "'s agent holds a power of attorney: no confirmation is needed "
                                       "(CCPA regs 7063(b))");
    if (row.agent_confirmed_on)
      fail(ErrorKind::conflict, label + "'s agent was already confirmed on " + *row.agent_confirmed_on);
    if (row.type == RequestType::opt_out)
      fail(ErrorKind::refused, label + " is an opt-out: the agent's signed permission suffices (CCPA regs 7026(d))");
    bool parent = *row.representative == "parent";
    if (parent != (method == "guardian"))
      fail(ErrorKind::usage, "--method: " + std::string(parent ? "a parent's request is confirmed with guardian "
                                                                 "(CCPA regs 7070(c))"
                                                               : "an agent's request is confirmed with identity "
                                                                 "(7063(a)(1)) or permission (7063(a)(2))"));
    row.agent_confirmed_on = cal::format(cal::today());
    detail = {{"method", method},
              {"citation", parent ? "CCPA regs 7070(c)" : method == "identity" ? "CCPA regs 7063(a)(1)"
                                                                                : "CCPA regs 7063(a)(2)"}};
  });
}

Request reopen_request(Desk& desk, std::string_view id, const std::string& reason_in) {
  std::string reason = required_reason(reason_in, "say why the request is reopened");
  return request_step(desk, id, "reopen", "reopened", Need::any, [&](store::RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    if (!row.closed_on) fail(ErrorKind::conflict, label + " is open (" + to_string(row.status) + ")");
    if (row.appeal_received && !row.appeal_decided_on)
      fail(ErrorKind::refused, label + "'s appeal waits for its decision: `dsr request appeal-decision " + label +
                                   " --outcome granted` reverses the denial");
    detail = {{"reason", reason},
              {"was", to_string(row.outcome)},
              {"closed_on", *row.closed_on},
              {"due", row.extended_due.value_or(row.due)}};
    if (row.denial_code) detail["code"] = *row.denial_code;
    row.status = row.verified_on ? RequestStatus::verified : RequestStatus::received;
    row.closed_on.reset();
    row.outcome.reset();
    row.close_reason.reset();
    row.denial_code.reset();
  });
}

Request extend_appeal(Desk& desk, std::string_view id, const std::string& reason_in) {
  std::string reason = required_reason(reason_in, "an extension needs a reason (it is told to the requester)");
  return request_step(desk, id, "extend", "appeal extended", Need::any, [&](store::RequestRow& row, nlohmann::json& detail) {
    std::string label = request_label(row.id);
    const laws::Law& law = laws::get(row.law);
    if (!row.appeal_received || row.appeal_decided_on)
      fail(ErrorKind::conflict, label + " has no appeal waiting for a decision");
    if (law.appeal_extension.none())
      fail(ErrorKind::refused, label + ": a " + row.law + " appeal cannot be extended (" +
                                   std::string(law.appeal_citation) + ")");
    if (row.appeal_extended_on)
      fail(ErrorKind::refused, label + "'s appeal was already extended on " + *row.appeal_extended_on);
    std::string today = cal::format(cal::today());
    if (today > *row.appeal_due)
      fail(ErrorKind::refused, label + ": an appeal's extension must be given by its due date, " + *row.appeal_due +
                                   "; it is now " + today);
    detail = {{"from", *row.appeal_due}, {"to", row.appeal_extendable_to.value_or("")}, {"reason", reason}};
    row.appeal_due = row.appeal_extendable_to;
    row.appeal_extended_on = today;
    row.appeal_extension_reason = reason;
  });
}

std::vector<RequestEvidence> request_evidence(Desk& desk, std::string_view id) {
  // A read of personal data, audited as a write is (ARCHITECTURE.md, "Locks").
  return audited_write(desk, "request evidence", Action::manage_requests, [&](Audit& audit) {
    store::RequestRow row = load_request(desk, id);
    if (!row.subject_id.empty()) audit.subject(row.subject_id);
    Secret key = evidence_key(desk);
    std::vector<RequestEvidence> out;
    for (const auto& e : store::evidence_of(desk.db(), row.id)) {
      auto plain = vault::unseal(key, request_label(row.id), e.kind, e.sealed);
      if (!plain)
        fail(ErrorKind::integrity, request_label(row.id) + ": its " + e.kind +
                                       " evidence does not open (altered, or moved from another request)");
      RequestEvidence r;
      r.kind = e.kind;
      r.at = e.at;
      r.actor = e.actor;
      size_t nul = plain->find('\0');
      r.record = stored_object(plain->substr(0, nul));
      if (nul != std::string::npos) r.file = plain->substr(nul + 1);
      r.file_name = r.record.value("file", std::string());
      vault::wipe(plain->data(), plain->size());
      out.push_back(std::move(r));
    }
    return out;
  });
}

}  // namespace dsr
