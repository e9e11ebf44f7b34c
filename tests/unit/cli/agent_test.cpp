// The unlock agent's pieces (src/cli/agent.hpp): durations, socket names, the
// trust checks, and the protocol served by a real agent loop in a child.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "cli/agent.hpp"
#include "test_support.hpp"

namespace dsr::test {

using namespace dsr::cli;

TEST_CASE("agent: --for takes 30s, 15m, 2h or seconds, from 1 second to 24 hours") {
  CHECK(agent::parse_duration("30s") == 30u);
  CHECK(agent::parse_duration("15m") == 900u);
  CHECK(agent::parse_duration("2h") == 7200u);
  CHECK(agent::parse_duration("45") == 45u);
  CHECK(agent::parse_duration("24h") == 86400u);
  CHECK_FALSE(agent::parse_duration("25h"));
  CHECK_FALSE(agent::parse_duration("0s"));
  CHECK_FALSE(agent::parse_duration(""));
  CHECK_FALSE(agent::parse_duration("m"));
  CHECK_FALSE(agent::parse_duration("1d"));
  CHECK_FALSE(agent::parse_duration("-5s"));
  CHECK_FALSE(agent::parse_duration("99999999999h"));
}

TEST_CASE("agent: one socket name per vault path, under the runtime directory") {
  std::string a = agent::socket_name("/run/user/1/dsr", "/srv/a.dsr");
  CHECK(a.rfind("/run/user/1/dsr/agent-", 0) == 0);
  CHECK(a.size() == std::string("/run/user/1/dsr/agent-").size() + 16 + 5);
  CHECK(a == agent::socket_name("/run/user/1/dsr", "/srv/a.dsr"));
  CHECK(a != agent::socket_name("/run/user/1/dsr", "/srv/b.dsr"));
}

TEST_CASE("agent: only a private directory and socket of one's own uid are trusted") {
  struct stat st {};
  st.st_uid = 1000;
  st.st_mode = S_IFDIR | 0700;
  CHECK(agent::trust_problem(st, 1000, true).empty());
  CHECK(agent::trust_problem(st, 1001, true).find("belongs to uid 1000") != std::string::npos);
  st.st_mode = S_IFDIR | 0711;
  CHECK(agent::trust_problem(st, 1000, true).find("mode 0711") != std::string::npos);
  CHECK(agent::trust_problem(st, 1000, false) == "not a socket");
  st.st_mode = S_IFSOCK | 0600;
  CHECK(agent::trust_problem(st, 1000, false).empty());
  CHECK(agent::trust_problem(st, 1000, true) == "not a directory");
  st.st_mode = S_IFSOCK | 0660;
  CHECK(agent::trust_problem(st, 1000, false).find("mode 0660") != std::string::npos);
}

namespace {
// An agent loop in a child process, serving `key` for "/v.dsr" to `uid`.
pid_t serve_in_child(const std::string& sock, const Secret& key, uid_t uid, uint64_t seconds = 30) {
  int fd = agent::listen_at(sock);
  pid_t pid = ::fork();
  if (pid == 0) {
    agent::Material m{Credential{SlotKind::passphrase, key.clone(), true}, "pia"};
    agent::serve(fd, "/v.dsr", m, seconds, uid);
    ::_exit(0);
  }
  ::close(fd);
  return pid;
}
int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

TEST_CASE("agent: the protocol: the key to its own uid for its own vault, NO otherwise, Q ends it") {
  TempDir dir;
  std::string sock = dir / "a.sock";
  Secret key = Secret::random(32);
  pid_t pid = serve_in_child(sock, key, ::geteuid());
  struct stat st {};
  REQUIRE(::stat(sock.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  Secret got;
  std::string line = agent::request(sock, 'K', "/v.dsr", &got);
  CHECK(line.rfind("OK 1 " + std::to_string(pid) + " ", 0) == 0);
  CHECK(line.substr(line.size() - 4) == " pia");
  CHECK(got.equals(key));

  Secret none;
  line = agent::request(sock, 'K', "/other.dsr", &none);
  CHECK(line == "NO this agent holds the key of another vault");
  CHECK(none.empty());
  CHECK(agent::request(sock, 'Q', "/other.dsr", nullptr).rfind("NO ", 0) == 0);  // no stopping another vault's agent
  CHECK(agent::request(sock, 'X', "/v.dsr", nullptr) == "NO an unknown request");

  CHECK(agent::request(sock, 'Q', "/v.dsr", nullptr) == "OK " + std::to_string(pid));
  CHECK(wait_exit(pid) == 0);
  CHECK(agent::request(sock, 'K', "/v.dsr", &none).empty());  // nobody listens any more
}

TEST_CASE("agent: a peer of another uid gets no key (SO_PEERCRED)") {
  TempDir dir;
  std::string sock = dir / "b.sock";
  Secret key = Secret::random(32);
  pid_t pid = serve_in_child(sock, key, ::geteuid() + 1);  // the agent of someone else
  Secret got;
  CHECK(agent::request(sock, 'K', "/v.dsr", &got) == "NO this agent answers only its own user");
  CHECK(got.empty());
  CHECK(agent::request(sock, 'Q', "/v.dsr", nullptr).rfind("NO ", 0) == 0);  // nor may it stop the agent
  ::kill(pid, SIGTERM);
  CHECK(wait_exit(pid) == 0);  // SIGTERM ends the loop, and the child exits normally
}

TEST_CASE("agent: the loop ends by itself when its time is up") {
  TempDir dir;
  std::string sock = dir / "c.sock";
  Secret key = Secret::random(32);
  pid_t pid = serve_in_child(sock, key, ::geteuid(), 1);
  CHECK(wait_exit(pid) == 0);  // waitpid returns: the one second passed
}

}  // namespace dsr::test
