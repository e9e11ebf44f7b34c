// request open --from-file FILE --format drp|opendsr, request show ID --format
// drp|opendsr (dsr/intake.hpp). Added to the request group by cmd_requests.cpp.
#include <iostream>

#include "cli/context.hpp"
#include "dsr/error.hpp"
#include "dsr/input.hpp"
#include "dsr/intake.hpp"
#include "dsr/requests.hpp"

namespace dsr::cli {

struct IntakeArgs {
  std::string file, format, agent_key_file, business_id, controller_id;
};

namespace {

std::string read_limited(const std::string& path, size_t limit, const char* what) {
  auto in = path == "-" ? fd_input(0) : file_input(path);
  auto text = read_at_most(*in, limit);
  if (!text) fail(ErrorKind::usage, path + ": larger than " + std::to_string(limit / 1024) + " KiB; is it " + what + "?");
  return *text;
}

}  // namespace

std::shared_ptr<IntakeArgs> add_intake_options(CLI::App* open) {
  auto a = std::make_shared<IntakeArgs>();
  open->add_option("--from-file", a->file,
                   "Read the request from another system's document (- for stdin); needs --format");
  open->add_option("--format", a->format, "The document's format: drp (Data Rights Protocol 1.0) or opendsr")
      ->check(CLI::IsMember(kIntakeFormats));
  open->add_option("--agent-key", a->agent_key_file,
                   "drp: FILE with the agent's Ed25519 verify key (hex or base64); the signature is then checked");
  open->add_option("--business-id", a->business_id, "drp: our business id (the request must name it)");
  open->add_option("--controller-id", a->controller_id, "opendsr: the controller that sent the request");
  return a;
}

bool run_intake(Context& ctx, const IntakeArgs& a, const RequestInput& in) {
  if (a.file.empty()) {
    for (const auto& [given, flag] : {std::pair{!a.format.empty(), "--format"}, {!a.agent_key_file.empty(), "--agent-key"},
                                      {!a.business_id.empty(), "--business-id"}, {!a.controller_id.empty(), "--controller-id"}})
      if (given) fail(ErrorKind::usage, std::string(flag) + ": only with --from-file");
    return false;
  }
  if (a.format.empty()) fail(ErrorKind::usage, "--format: say what --from-file holds: drp or opendsr");
  for (const auto& [given, flag] :
       {std::pair{!in.subject.empty(), "SUBJECT"}, {!in.type.empty(), "--type"}, {!in.email.empty(), "--email"},
        {!in.phone.empty(), "--phone"}, {!in.name.empty(), "--name"}, {!in.received.empty(), "--received"},
        {in.verified, "--verified"}, {!in.duplicate_of.empty(), "--duplicate-of"}})
    if (given) fail(ErrorKind::usage, std::string(flag) + ": not with --from-file (the document says it)");
  if (a.format != "drp" && (!a.agent_key_file.empty() || !a.business_id.empty()))
    fail(ErrorKind::usage, "--agent-key and --business-id are for --format drp");
  if (a.format != "opendsr" && !a.controller_id.empty()) fail(ErrorKind::usage, "--controller-id is for --format opendsr");
  IntakeOptions o{.format = a.format,
                  .business_id = a.business_id,
                  .controller_id = a.controller_id,
                  .law = in.law,
                  .jurisdiction = in.jurisdiction,
                  .channel = in.channel};
  if (!a.agent_key_file.empty()) o.agent_key = parse_agent_key(read_limited(a.agent_key_file, 4096, "a verify key"));
  std::string text = read_limited(a.file, kMaxIntakeBytes, "a request document");
  Desk desk = ctx.open_desk();
  Request r = open_from_document(desk, text, o);
  for (const auto& e : r.history)  // said with --json too: who sent it is not proven
    if (e.event == "intake" && e.detail.value("signature", "") == "unverified")
      ctx.note("the agent's signature was not checked: give --agent-key to check it");
  if (ctx.g.json) {
    ctx.emit_json(request_json(r));
    return true;
  }
  std::cout << r.id << "\n";
  ctx.note("opened " + r.id + " from the " + a.format + " document (" + to_string(r.type) + ", " + to_string(r.law) + ", " + to_string(r.status) +
           "): due " + r.due + (r.ack_due.empty() ? "" : ", acknowledge by " + r.ack_due));
  if (!r.linked()) ctx.note(r.id + " matches no subject: it stands on the claimed identity until one matches");
  return true;
}

bool show_status(Context& ctx, const std::string& id, const std::string& format) {
  if (format.empty()) return false;
  Desk desk = ctx.open_desk();
  ctx.emit_json(request_status(desk, id, format));
  return true;
}

}  // namespace dsr::cli
