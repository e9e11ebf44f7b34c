#include "dsr/vault.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "dsr/error.hpp"
#include "util/fd.hpp"
#include "vault/header.hpp"
#include "vault/vault_impl.hpp"
#include "vault/vfs.hpp"
#include "vault/sysio.hpp"  // fault-injection points in test builds

namespace dsr {

using namespace dsr::vault;

const char* role_name(Role r) {
  switch (r) {
    case Role::admin: return "admin";
    case Role::support: return "support";
    case Role::billing: return "billing";
    case Role::auditor: return "auditor";
  }
  return "unknown";
}

std::optional<Role> parse_role(std::string_view s) {
  for (Role r : {Role::admin, Role::support, Role::billing, Role::auditor})
    if (s == role_name(r)) return r;
  return std::nullopt;
}

const char* slot_kind_name(SlotKind k) { return k == SlotKind::passphrase ? "passphrase" : "key-file"; }

bool role_reads_restricted(Role r) { return r == Role::admin || r == Role::billing; }

namespace {

int open_existing(const std::string& path, int flags) {
  int fd = sysio::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT)
      fail(ErrorKind::not_found, "no vault at " + path + "; create one with `dsr init` or pass --db");
    fail(ErrorKind::failure, "cannot open " + path + ": " + std::strerror(errno));
  }
  return fd;
}

struct Unlocked {
  VaultKeys keys;
  const SlotRecord* slot;
};

Unlocked unlock(const HeaderRead& hr, const Credential& cred, const OpenOptions& opts) {
  bool named_found = opts.slot.empty();
  for (const auto& s : hr.header.slots) {
    if (!opts.slot.empty()) {
      if (s.info.name != opts.slot) continue;
      named_found = true;
    }
    if (auto keys = unlock_slot(hr.header, s, cred)) {
      verify_header(hr, *keys);
      return {std::move(*keys), &s};
    }
  }
  if (!named_found) fail(ErrorKind::not_found, "the vault has no key slot named '" + opts.slot + "'");
  fail(ErrorKind::wrong_key, cred.kind == SlotKind::passphrase
                                 ? "wrong passphrase: it opens no key slot of this vault"
                                 : "wrong key file: it opens no key slot of this vault");
}

}  // namespace

Vault::Vault(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vault::Vault(Vault&&) noexcept = default;
Vault& Vault::operator=(Vault&&) noexcept = default;
Vault::~Vault() = default;

Vault Vault::create(const std::string& path, const std::string& slot_name, const Credential& cred, KdfStrength kdf,
                    const OpenOptions& opts) {
  crypto_init();
  register_vfs();
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    std::filesystem::create_directories(parent, ec);
    if (ec) fail(ErrorKind::failure, "cannot create directory " + parent.string() + ": " + ec.message());
    ::chmod(parent.c_str(), 0700);
  }
  int fd = sysio::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) fail(ErrorKind::conflict, path + " already exists; it was left untouched");
    fail(ErrorKind::failure, "cannot create " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  try {
    // A new vault: its own keys, an admin signing key, the first (admin) slot.
    VaultKeys keys;
    keys.epoch = 1;
    keys.data = Secret::random(32);
    keys.index = Secret::random(32);
    keys.category = Secret::random(32);
    keys.admin_sk = Secret(crypto_sign_SECRETKEYBYTES);
    Header& h = impl->header;
    randombytes_buf(h.id.data(), h.id.size());
    h.epoch = keys.epoch;
    crypto_sign_keypair(h.admin_pk.data(), keys.admin_sk.data());
    h.slots.push_back(make_slot(h, slot_name, Role::admin, cred, kdf, keys));
    write_header(fd, h, authority_of(keys));
    if (sysio::ftruncate(fd, kHeaderBytes) != 0 || sysio::fsync(fd) != 0)
      fail(ErrorKind::failure, "cannot write " + path + ": " + std::strerror(errno));
    ::close(fd);
    fd = -1;
    // The slot's own keys, as an open would find them.
    impl->keys = std::move(*unlock_slot(h, h.slots.back(), cred));
    impl->slot_name = slot_name;
    impl->role = Role::admin;
    impl->connect(opts, /*fresh=*/true);
  } catch (...) {
    if (fd >= 0) ::close(fd);
    impl->close();
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path + suffix).c_str());
    throw;
  }
  return Vault(std::move(impl));
}

Vault Vault::open(const std::string& path, const Credential& cred, const OpenOptions& opts) {
  crypto_init();
  register_vfs();
  bool upgraded = false;
  // A rekey in another process may replace the file (rename) between reading
  // its header here and SQLite opening it: then start again from the new header.
  for (int attempt = 1;; ++attempt) {
    util::UniqueFd fd(open_existing(path, O_RDONLY));
    HeaderRead hr = read_header(fd.get());
    struct stat read_from{};
    ::fstat(fd.get(), &read_from);
    fd.reset();
    Unlocked u = unlock(hr, cred, opts);
    const bool establish = hr.header.version == kFormatVersion && !hr.header.has_admin_key() &&
                           u.slot->info.role == Role::admin && u.slot->scheme == Scheme::legacy;
    if (hr.header.version == kFormatVersion2 && opts.upgrade && !opts.read_only && !upgraded) {
      upgrade_format2(path, hr, u.slot->info.name, cred, u.keys, opts);
      upgraded = true;
      --attempt;
      continue;
    }
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->slot_name = u.slot->info.name;
    impl->role = u.slot->info.role;
    impl->header = std::move(hr.header);
    impl->keys = std::move(u.keys);
    try {
      impl->connect(opts, /*fresh=*/false);
      // The first statement ran SQLite's recovery: what it met is in the notices.
      for (auto& n : take_vfs_notices()) impl->notices.push_back(std::move(n));
    } catch (...) {
      if (attempt < 3 && file_replaced(path, read_from)) continue;
      throw;
    }
    if (attempt < 3 && file_replaced(path, read_from)) continue;
    if (upgraded)
      impl->notices.push_back("upgraded the vault to format " + std::to_string(kFormatVersion) +
                              " (authenticated WAL generations); older releases of dsr cannot open it");
    if (establish && opts.upgrade && !opts.read_only) establish_admin_key(*impl, cred);
    clear_leftovers(*impl);
    if ((read_from.st_mode & 077) != 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", unsigned(read_from.st_mode & 07777));
      impl->notices.push_back("warning: the vault " + path + " may be read by other users (mode " + mode +
                              "); it is encrypted, but copies of it outlive the keys. Run `chmod 600 " + path + "`");
    }
    return Vault(std::move(impl));
  }
}

SQLite::Database& Vault::db() {
  if (!impl_ || !impl_->db) fail(ErrorKind::failure, "the vault is closed");
  return *impl_->db;
}
const std::string& Vault::path() const { return impl_->path; }
uint32_t Vault::format_version() const { return impl_->header.version; }
const std::string& Vault::slot_name() const { return impl_->slot_name; }
Role Vault::role() const { return impl_->role; }
Credential Vault::slot_credential() const {
  const Secret& seed = impl_->keys.seed;
  if (seed.size() != 32) fail(ErrorKind::failure, "the vault was not opened by a key slot's credential in this process");
  auto it = std::find_if(impl_->header.slots.begin(), impl_->header.slots.end(),
                         [&](const SlotRecord& s) { return s.info.name == impl_->slot_name; });
  if (it == impl_->header.slots.end()) fail(ErrorKind::not_found, "slot '" + impl_->slot_name + "' has been removed");
  return Credential{it->info.kind, seed.clone(), true};
}
std::vector<SlotInfo> Vault::slots() const {
  std::vector<SlotInfo> out;
  for (const auto& s : impl_->header.slots) {
    out.push_back(s.info);
    out.back().sign_pk = s.sign_pk;
  }
  return out;
}
const Secret& Vault::index_key() const { return impl_->keys.index; }
const Secret* Vault::category_key() const { return impl_->keys.category.empty() ? nullptr : &impl_->keys.category; }
void Vault::checkpoint() { impl_->checkpoint(); }
std::shared_ptr<SQLite::Database> Vault::connect_again() const {
  if (!impl_ || !impl_->db) fail(ErrorKind::failure, "the vault is closed");
  // The path is bound to this vault's cipher until it closes (vfs.cpp), so
  // the new connection reads and writes the same pages.
  auto db = std::make_shared<SQLite::Database>(
      impl_->path.c_str(), impl_->options.read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE,
      impl_->options.lock_timeout_ms, kVfsName);
  configure_connection(*db);
  db->exec("PRAGMA wal_autocheckpoint=0");
  return db;
}
std::array<unsigned char, 32> Vault::signer_public_key() const { return impl_->keys.sign_pk; }
std::array<unsigned char, 64> Vault::sign(const std::string& msg) const {
  if (impl_->keys.sign_sk.empty())
    fail(ErrorKind::refused, "slot '" + impl_->slot_name + "' is a slot of format 2 and has no signing key");
  std::array<unsigned char, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       impl_->keys.sign_sk.data());
  return sig;
}
std::array<unsigned char, 64> Vault::admin_sign(const std::string& msg) const {
  if (impl_->keys.admin_sk.empty()) fail(ErrorKind::refused, "only an admin slot holds the admin signing key");
  std::array<unsigned char, 64> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(msg.data()), msg.size(),
                       impl_->keys.admin_sk.data());
  return sig;
}
std::array<unsigned char, 32> Vault::admin_public_key() const { return impl_->header.admin_pk; }
uint64_t Vault::key_epoch() const { return impl_->header.epoch; }
bool Vault::checkpoint_for_erasure() {
  if (!impl_->db) return false;
  // Waits (the busy handler, up to the lock timeout) for readers to move on.
  vault::wait_in_turn(impl_->db->getHandle(), impl_->options.lock_timeout_ms);
  return impl_->checkpoint();
}
const std::vector<std::string>& Vault::notices() const { return impl_->notices; }
void Vault::close() {
  if (impl_) impl_->close();
}

// ---- dsr check -----------------------------------------------------------
namespace {

ReadAt fd_reader(int fd) {
  return [fd](unsigned char* buf, long n, int64_t off) -> long {
    long got = 0;
    while (got < n) {
      ssize_t r = pread(fd, buf + got, size_t(n - got), off_t(off + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return -1;
      if (r == 0) break;
      got += r;
    }
    return got;
  };
}

int64_t file_size(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 ? int64_t(st.st_size) : -1;
}

// What SQLite's recovery would find beside the vault: a WAL of the current
// generation (replayed frames; damage before a later commit), a WAL of
// another generation (ignored), a rollback journal (played back only when all
// of it authenticates). Nothing is opened through SQLite here.
void check_recovery_files(const std::string& path, int main_fd, const Layout& layout, const PageCipher& cipher,
                          CheckReport& report) {
  const std::string wal = path + "-wal", journal = path + "-journal";
  if (file_size(wal) > 0) {
    if (layout.legacy) {
      report.problems.push_back(wal + " holds changes written under format 2, which cannot be authenticated");
    } else if (int fd = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      WalScan scan = scan_wal(fd_reader(fd), cipher, read_wal_marker(fd_reader(main_fd), cipher));
      ::close(fd);
      switch (scan.state) {
        case WalScan::State::damaged:
          report.problems.push_back(scan.problem());
          break;
        case WalScan::State::stale:
          report.notes.push_back(wal + " does not belong to the vault's current state (left at the start of a "
                                 "write that crashed, or put back from earlier): it is ignored, nothing in it is "
                                 "applied, and the next command that writes discards it");
          break;
        case WalScan::State::ok:
          if (scan.commits > 0)
            report.notes.push_back("the WAL holds " + std::to_string(scan.commits) +
                                   " commit(s) not yet copied into the main file (a crash, or a reader that held "
                                   "the checkpoint back): until they are, values they changed or erased remain in "
                                   "the main file's older pages");
          break;
        case WalScan::State::none:
          break;
      }
    }
  }
  if (int64_t size = file_size(journal); size > 0) {
    if (layout.legacy) {
      report.problems.push_back(journal + " exists beside a vault of format 2; it cannot be authenticated");
    } else if (int fd = ::open(journal.c_str(), O_RDONLY | O_CLOEXEC); fd >= 0) {
      std::string problem = journal_problem(fd_reader(fd), size, cipher);
      ::close(fd);
      if (!problem.empty())
        report.problems.push_back(problem + " (" + journal +
                                  "): nothing in it was applied. dsr never leaves a journal beside a vault in normal "
                                  "use: move it away");
    }
  }
}

}  // namespace

CheckReport check_vault(const std::string& path, const Credential& cred, const OpenOptions& opts) {
  crypto_init();
  register_vfs();
  CheckReport report;
  util::UniqueFd owned(open_existing(path, O_RDONLY));
  const int fd = owned.get();
  HeaderRead hr = read_header(fd);
  report.problems = hr.problems;
  Unlocked u = unlock(hr, cred, opts);
  if (std::string twin = verify_twin(hr, u.keys); !twin.empty()) report.problems.push_back(twin);
  const Layout layout = layout_for_format(hr.header.version);
  if (layout.legacy)
    report.notes.push_back("the vault is of format 2: the next command that writes upgrades it to format " +
                           std::to_string(kFormatVersion));
  PageCipher cipher(page_key(u.keys.data), hr.header.id);

  struct stat st{};
  ::fstat(fd, &st);
  const uint64_t data_offset = layout.data_offset;
  uint64_t data_bytes = st.st_size > off_t(data_offset) ? uint64_t(st.st_size) - data_offset : 0;
  if (data_bytes % kPageSize)
    report.problems.push_back("the file is truncated: it ends " + std::to_string(data_bytes % kPageSize) +
                              " bytes into page " + std::to_string(data_bytes / kPageSize + 1));
  report.pages = data_bytes / kPageSize;
  std::vector<unsigned char> raw(kPageSize);
  Secret plain(kPageSize);
  size_t bad = 0;
  uint32_t header_pages = 0;
  for (uint64_t p = 0; p < report.pages; ++p) {
    if (pread(fd, raw.data(), kPageSize, off_t(data_offset + p * kPageSize)) != ssize_t(kPageSize)) {
      report.problems.push_back("cannot read page " + std::to_string(p + 1));
      break;
    }
    if (p + 1 == kLockBytePage) continue;
    if (!cipher.decrypt(uint32_t(p + 1), raw.data(), plain.data())) {
      if (++bad <= 20)
        report.problems.push_back("page " + std::to_string(p + 1) +
                                  " fails authentication (tampered, swapped or corrupt)");
      continue;
    }
    if (p == 0) {
      const unsigned char* h = plain.data();
      auto be = [](const unsigned char* q) { return uint32_t(q[0]) << 24 | uint32_t(q[1]) << 16 | uint32_t(q[2]) << 8 | q[3]; };
      if (be(h + 24) == be(h + 92)) header_pages = be(h + 28);  // in-header size is valid
    }
  }
  if (bad > 20) report.problems.push_back("... and " + std::to_string(bad - 20) + " more pages fail authentication");
  check_recovery_files(path, fd, layout, cipher, report);
  bool wal_empty = file_size(path + "-wal") <= 0;
  if (wal_empty && report.pages == 0 && data_bytes == 0)
    report.problems.push_back("the file is truncated: it holds no database pages");
  if (wal_empty && header_pages > report.pages)
    report.problems.push_back("the file is truncated: the database holds " + std::to_string(header_pages) +
                              " pages but the file only " + std::to_string(report.pages));
  // Never open a damaged vault here: nothing damaged is replayed.
  if (!report.ok()) return report;

  OpenOptions o = opts;
  o.upgrade = false;
  Vault v = Vault::open(path, cred, o);
  try {
    SQLite::Statement q(v.db(), "PRAGMA integrity_check");
    while (q.executeStep()) {
      std::string line = q.getColumn(0).getString();
      if (line != "ok") report.problems.push_back("SQLite integrity check: " + line);
    }
  } catch (const SQLite::Exception& e) {
    std::string detail = take_last_vfs_error();
    report.problems.push_back(detail.empty() ? std::string("SQLite integrity check failed: ") + e.what() : detail);
  }
  for (const auto& n : v.notices()) report.notes.push_back(n);
  if (!wal_empty && !v.checkpoint_for_erasure())
    report.notes.push_back("another process holds the WAL: values changed or erased by its commits remain in the "
                           "main file's older pages until a later command completes the checkpoint");
  return report;
}

}  // namespace dsr
