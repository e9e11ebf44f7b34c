#include "dsr/vault.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "dsr/error.hpp"
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
  Keys keys;
  const SlotRecord* slot;
};

Unlocked unlock(const HeaderRead& hr, const Credential& cred, const OpenOptions& opts) {
  bool named_found = opts.slot.empty();
  for (const auto& s : hr.header.slots) {
    if (!opts.slot.empty()) {
      if (s.info.name != opts.slot) continue;
      named_found = true;
    }
    if (auto keys = unwrap_slot(s, cred, hr.header.id)) {
      verify_header_mac(hr, keys->master);
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
    Keys keys{Secret::random(32), Secret::random(32)};
    randombytes_buf(impl->header.id.data(), impl->header.id.size());
    set_data_key(impl->header, keys.master, Secret::random(32));
    impl->header.slots.push_back(make_slot(slot_name, Role::admin, cred, kdf, keys, impl->header.id));
    write_header(fd, impl->header, keys.master);
    ::close(fd);
    fd = -1;
    impl->master = std::move(keys.master);
    impl->category = std::move(keys.category);
    impl->index_key = derive(impl->master, Subkey::index);
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
  // A rekey in another process may replace the file (rename) between reading
  // its header here and SQLite opening it: then start again from the new header.
  for (int attempt = 1;; ++attempt) {
    int fd = open_existing(path, O_RDONLY);
    HeaderRead hr;
    struct stat read_from{};
    try {
      hr = read_header(fd);
      ::fstat(fd, &read_from);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
    Unlocked u = unlock(hr, cred, opts);
    auto impl = std::make_unique<Impl>();
    impl->path = path;
    impl->slot_name = u.slot->info.name;
    impl->role = u.slot->info.role;
    impl->header = std::move(hr.header);
    impl->master = std::move(u.keys.master);
    impl->category = std::move(u.keys.category);
    impl->index_key = derive(impl->master, Subkey::index);
    try {
      impl->connect(opts, /*fresh=*/false);
    } catch (...) {
      if (attempt < 3 && file_replaced(path, read_from)) continue;
      throw;
    }
    if (attempt < 3 && file_replaced(path, read_from)) continue;
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
std::vector<SlotInfo> Vault::slots() const {
  std::vector<SlotInfo> out;
  for (const auto& s : impl_->header.slots) out.push_back(s.info);
  return out;
}
const Secret& Vault::index_key() const { return impl_->index_key; }
const Secret* Vault::category_key() const { return impl_->category.empty() ? nullptr : &impl_->category; }
void Vault::checkpoint() { impl_->checkpoint(); }
void Vault::close() {
  if (impl_) impl_->close();
}

// ---- dsr check -----------------------------------------------------------
namespace {

uint32_t be32(const unsigned char* p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | uint32_t(p[3]);
}

// A WAL left by a crash. A torn frame at its end is normal (the transaction
// never committed), but a frame of the current generation (same salts as the
// WAL header) that fails authentication while a later commit frame is intact
// means damage: SQLite's recovery stops at the first bad frame and would
// silently drop every transaction committed after it.
void check_wal(const std::string& wal_path, const PageCipher& cipher, CheckReport& report) {
  int fd = ::open(wal_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  constexpr int64_t kFrame = 24 + kPageSize;
  std::vector<unsigned char> frame(kFrame);
  Secret plain(kPageSize);
  auto read_frame = [&](int64_t k) { return pread(fd, frame.data(), kFrame, off_t(32 + k * kFrame)) == ssize_t(kFrame); };
  auto authentic = [&] { return cipher.decrypt(be32(frame.data()), frame.data() + 24, plain.data()); };
  unsigned char hdr[32];
  // Another process may be appending while we read: a frame caught half
  // written looks bad, so a finding is confirmed by reading that frame again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (pread(fd, hdr, sizeof hdr, 0) != ssize_t(sizeof hdr) || (be32(hdr) & ~1u) != 0x377f0682u ||
        be32(hdr + 8) != kPageSize)
      break;  // no log SQLite would replay
    int64_t first_bad = -1;
    uint32_t bad_pgno = 0;
    bool commit_after_bad = false;
    for (int64_t k = 0; read_frame(k); ++k) {
      if (std::memcmp(frame.data() + 8, hdr + 16, 8) != 0) break;  // other salts: a stale frame, the log ends
      bool commit = be32(frame.data() + 4) != 0;
      if (!authentic()) {
        if (first_bad < 0) {
          first_bad = k;
          bad_pgno = be32(frame.data());
        }
      } else if (first_bad >= 0 && commit) {
        commit_after_bad = true;
        break;
      }
    }
    if (!commit_after_bad) break;
    if (read_frame(first_bad) && authentic()) continue;  // it was being written: look again
    report.problems.push_back("frame " + std::to_string(first_bad + 1) + " of the WAL (page " +
                              std::to_string(bad_pgno) +
                              ") fails authentication (tampered or corrupt); the transactions committed after it "
                              "would be lost");
    break;
  }
  ::close(fd);
}

}  // namespace

CheckReport check_vault(const std::string& path, const Credential& cred, const OpenOptions& opts) {
  crypto_init();
  register_vfs();
  CheckReport report;
  int fd = open_existing(path, O_RDONLY);
  HeaderRead hr;
  try {
    hr = read_header(fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  report.problems = hr.problems;
  Unlocked u = [&] {
    try {
      return unlock(hr, cred, opts);
    } catch (...) {
      ::close(fd);
      throw;
    }
  }();
  if (std::string twin = verify_twin_mac(hr, u.keys.master); !twin.empty()) report.problems.push_back(twin);
  PageCipher cipher(page_key(hr.header, u.keys.master), hr.header.id);

  struct stat st{};
  ::fstat(fd, &st);
  uint64_t data_bytes = st.st_size > off_t(kHeaderBytes) ? uint64_t(st.st_size) - kHeaderBytes : 0;
  if (data_bytes % kPageSize)
    report.problems.push_back("the file is truncated: it ends " + std::to_string(data_bytes % kPageSize) +
                              " bytes into page " + std::to_string(data_bytes / kPageSize + 1));
  report.pages = data_bytes / kPageSize;
  std::vector<unsigned char> raw(kPageSize);
  Secret plain(kPageSize);
  size_t bad = 0;
  uint32_t header_pages = 0;
  for (uint64_t p = 0; p < report.pages; ++p) {
    if (pread(fd, raw.data(), kPageSize, off_t(kHeaderBytes + p * kPageSize)) != ssize_t(kPageSize)) {
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
  ::close(fd);
  struct stat wst{};
  bool wal_empty = ::stat((path + "-wal").c_str(), &wst) != 0 || wst.st_size == 0;
  if (wal_empty && report.pages == 0 && data_bytes == 0)
    report.problems.push_back("the file is truncated: it holds no database pages");
  if (wal_empty && header_pages > report.pages)
    report.problems.push_back("the file is truncated: the database holds " + std::to_string(header_pages) +
                              " pages but the file only " + std::to_string(report.pages));
  if (!wal_empty) check_wal(path + "-wal", cipher, report);
  // Never open a damaged vault here: opening checkpoints, and SQLite's WAL
  // recovery would make the loss of frames after a bad one permanent.
  if (!report.ok()) return report;

  Vault v = Vault::open(path, cred, opts);
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
  return report;
}

}  // namespace dsr
