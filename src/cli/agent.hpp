// The unlock agent (`dsr unlock`, `dsr lock`): a small per-user process that
// keeps the key derived from one slot's credential for one vault, so that
// commands run without a key source skip the passphrase's Argon2id
// (ARCHITECTURE.md, "The unlock agent"; dsr(1), UNLOCK AGENT).
//
// What it holds is Vault::slot_credential(): the slot's derived key (32
// bytes, sodium_malloc'd through Secret: guarded, mlocked, MADV_DONTDUMP) and
// the slot's name. A command still reads and authenticates the header and
// unwraps the slot with it, so a slot removed (`key remove`) or re-wrapped
// (`key passwd`) no longer opens with what the agent holds.
//
// Protocol (one request per connection, a Unix stream socket):
//   request   "DSRA1 K <canonical vault path>\n"   the key
//             "DSRA1 Q <canonical vault path>\n"   forget it and exit
//   reply     "OK <kind> <pid> <seconds left> <slot>\n" then 32 raw bytes (K)
//             "OK <pid>\n" (Q)
//             "NO <reason>\n" (another vault, another uid, a bad request)
// The agent answers only a peer of its own uid (SO_PEERCRED), and only for
// the vault it was started for; a client talks only to a socket in a 0700
// directory of its own, mode 0600, served by a process of its own uid.
#pragma once
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dsr/vault.hpp"

namespace dsr::cli::agent {

struct Material {
  Credential cred;  // derived: true (Vault::slot_credential)
  std::string slot;
};

// "30s", "15m", "2h" (or a plain number of seconds) -> seconds; nullopt when
// not a duration from 1 second to 24 hours.
std::optional<uint64_t> parse_duration(std::string_view s);

// The vault's path as the agent knows it (realpath; the path itself when the
// file does not exist).
std::string canonical_vault(const std::string& path);
// $XDG_RUNTIME_DIR/dsr, or empty when XDG_RUNTIME_DIR is unset or relative.
std::string runtime_dir();
// runtime_dir()/agent-<16 hex digits of FNV-1a of the canonical path>.sock.
std::string socket_name(const std::string& dir, const std::string& canonical);
// Why a directory (or socket) is not to be trusted by `uid`: not ours, open
// to others, not a directory (socket). Empty when it is fine.
std::string trust_problem(const struct stat& st, uid_t uid, bool directory);

// The agent's answer for this vault: nullopt when none answers (no
// XDG_RUNTIME_DIR, no socket, a stale socket: silently), or when the socket
// or its directory is not to be trusted or the agent refused (then `warning`
// says why).
struct Answer {
  Material material;
  pid_t pid = 0;
  uint64_t seconds_left = 0;
};
std::optional<Answer> fetch(const std::string& canonical, std::string& warning);

// Tells the agent of this vault to forget its key and exit: its pid, or 0
// when none answered.
pid_t stop(const std::string& canonical);

struct Started {
  pid_t pid = 0;
  std::string socket;
};
// Starts an agent for the vault holding `m` for `seconds` (daemonised: fork,
// setsid, fork, stdio on /dev/null, no core dumps) and returns once its
// socket listens; an agent already running for the vault must have been
// stopped first (the new socket is renamed over the old name).
// usage: XDG_RUNTIME_DIR is unset, or its dsr directory is not private.
Started start(const std::string& canonical, Material m, uint64_t seconds);

// The agent's loop (in the agent process; the unit tests run it in a child):
// answers on listen_fd until `seconds` passed, a Q request, or SIGTERM,
// SIGINT or SIGHUP. Peers whose uid is not `allowed_uid` get "NO".
void serve(int listen_fd, const std::string& canonical, const Material& m, uint64_t seconds, uid_t allowed_uid);

// A listening socket at `path` (mode 0600); failure with a message.
int listen_at(const std::string& path);

// One request to the socket at `path` (no trust checks: the unit tests);
// the reply's first line, and the 32 bytes after an "OK" to K in `key`.
std::string request(const std::string& path, char op, const std::string& canonical, Secret* key);

}  // namespace dsr::cli::agent
