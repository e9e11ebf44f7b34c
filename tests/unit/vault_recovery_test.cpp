// What WAL recovery replays (vault/vfs.hpp scan_wal): every frame is bound to
// its WAL generation and position, so a frame moved, copied from another
// generation or altered never replays, and damage before a later commit is
// reported instead of silently dropping the commits after it. No checksum of
// plaintext is stored in the WAL.
#include <SQLiteCpp/Database.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "dsr/vault.hpp"
#include "test_support.hpp"
#include "vault/header.hpp"
#include "vault/vfs.hpp"

using namespace dsr;
using namespace dsr::vault;

namespace {

constexpr size_t kFrame = 24 + kPageSize;

ReadAt reader_of(const std::string& bytes) {
  return [&bytes](unsigned char* buf, long n, int64_t off) -> long {
    if (off >= int64_t(bytes.size())) return 0;
    long got = long(std::min<int64_t>(n, int64_t(bytes.size()) - off));
    std::memcpy(buf, bytes.data() + off, size_t(got));
    return got;
  };
}

// The vault's page cipher, as the key file unlocks it.
PageCipher cipher_of(const test::TempVault& tv) {
  int fd = ::open(tv.db.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  HeaderRead hr = read_header(fd);
  ::close(fd);
  std::optional<VaultKeys> keys;
  for (const auto& s : hr.header.slots)
    if ((keys = unlock_slot(hr.header, s, tv.cred()))) break;
  REQUIRE(keys);
  return PageCipher(page_key(keys->data), hr.header.id);
}

// A WAL holding `commits` commits that no checkpoint has copied: a second
// connection keeps a read snapshot open while the first writes and closes.
struct HeldWal {
  std::string wal, main;
};
HeldWal held_wal(const test::TempVault& tv, int commits) {
  Vault reader = Vault::open(tv.db, tv.cred());
  reader.db().exec("BEGIN");
  reader.db().execAndGet("SELECT count(*) FROM sqlite_schema");
  {
    Vault writer = Vault::open(tv.db, tv.cred());
    writer.db().exec("CREATE TABLE IF NOT EXISTS t(x)");
    for (int i = 0; i < commits; ++i) writer.db().exec("INSERT INTO t VALUES (randomblob(300))");
  }
  HeldWal h{test::slurp(tv.db + "-wal"), test::slurp(tv.db)};
  reader.db().exec("COMMIT");
  return h;
}

}  // namespace

TEST_CASE("vault: recovery replays every authentic commit of the current generation, checksums recomputed") {
  test::TempVault tv;
  HeldWal h = held_wal(tv, 3);
  PageCipher c = cipher_of(tv);
  auto marker = read_wal_marker(reader_of(h.main), c);
  REQUIRE(marker);
  WalScan s = scan_wal(reader_of(h.wal), c, marker);
  CHECK(s.state == WalScan::State::ok);
  CHECK(s.commits >= 4);  // the table, then three rows
  CHECK(s.frames * kFrame + 32 <= h.wal.size());
  CHECK(s.checksums.size() == 2 * s.frames);
  // The checksums SQLite computes over plaintext are not on disk: zeros in every frame header.
  for (size_t k = 0; 32 + (k + 1) * kFrame <= h.wal.size(); ++k)
    CHECK(h.wal.substr(32 + k * kFrame + 16, 8) == std::string(8, '\0'));
}

TEST_CASE("vault: a WAL frame moved, altered or from another generation never replays") {
  test::TempVault tv;
  HeldWal h = held_wal(tv, 3);
  PageCipher c = cipher_of(tv);
  auto marker = read_wal_marker(reader_of(h.main), c);
  REQUIRE(marker);
  const size_t frames = (h.wal.size() - 32) / kFrame;
  REQUIRE(frames >= 4);

  SUBCASE("frame 1 copied over frame 2: damage before later commits") {
    std::string w = h.wal;
    w.replace(32 + kFrame, kFrame, h.wal.substr(32, kFrame));
    WalScan s = scan_wal(reader_of(w), c, marker);
    CHECK(s.state == WalScan::State::damaged);
    CHECK(s.bad_frame == 2);
    CHECK(s.commits_after >= 1);
    CHECK(s.problem().find("frame 2 of the WAL") != std::string::npos);
  }
  SUBCASE("a page number changed in a frame header") {
    std::string w = h.wal;
    w[32 + 3] = char(w[32 + 3] ^ 1);
    CHECK(scan_wal(reader_of(w), c, marker).state == WalScan::State::damaged);
  }
  SUBCASE("the commit field of the last commit cleared: only that commit is lost, as a cut tail") {
    std::string w = h.wal;
    WalScan whole = scan_wal(reader_of(w), c, marker);
    size_t last = whole.frames - 1;
    w.replace(32 + last * kFrame + 4, 4, std::string(4, '\0'));
    WalScan s = scan_wal(reader_of(w), c, marker);
    CHECK(s.state == WalScan::State::ok);
    CHECK(s.commits == whole.commits - 1);
  }
  SUBCASE("the same WAL under another generation id replays nothing") {
    WalMarker other = *marker;
    other.id[0] ^= 1;
    WalScan s = scan_wal(reader_of(h.wal), c, other);
    CHECK(s.state == WalScan::State::ok);
    CHECK(s.frames == 0);
  }
  SUBCASE("a WAL whose salts the marker does not name is stale") {
    WalMarker other = *marker;
    other.salts[7] ^= 1;
    CHECK(scan_wal(reader_of(h.wal), c, other).state == WalScan::State::stale);
    CHECK(scan_wal(reader_of(h.wal), c, std::nullopt).state == WalScan::State::stale);
  }
  SUBCASE("another vault's key authenticates nothing") {
    test::TempVault other;
    PageCipher oc = cipher_of(other);
    CHECK_FALSE(read_wal_marker(reader_of(h.main), oc));
    WalScan s = scan_wal(reader_of(h.wal), oc, marker);
    CHECK(s.frames == 0);
  }
}

TEST_CASE("vault: the generation marker is authenticated, and the newer of its two slots wins") {
  test::TempVault tv;
  HeldWal first = held_wal(tv, 1);
  PageCipher c = cipher_of(tv);
  auto m1 = read_wal_marker(reader_of(first.main), c);
  REQUIRE(m1);
  HeldWal second = held_wal(tv, 1);
  auto m2 = read_wal_marker(reader_of(second.main), c);
  REQUIRE(m2);
  CHECK(m2->seq > m1->seq);
  CHECK(m2->id != m1->id);
  std::string forged = second.main;
  forged[kMarkerAt + (m2->seq % 2) * kMarkerSlotBytes + 20] ^= 1;  // the newer slot's salts
  auto back = read_wal_marker(reader_of(forged), c);
  REQUIRE(back);
  CHECK(back->seq < m2->seq);  // the damaged slot is not believed
}
