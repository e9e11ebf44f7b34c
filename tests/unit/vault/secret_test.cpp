// Secret: guarded bytes that compare in constant time, shrink by wiping, and
// move (copying is deleted at compile time).
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <type_traits>
#include <utility>

#include "dsr/secret.hpp"

using dsr::Secret;

namespace {
Secret of(const std::string& s) { return Secret::copy_of(reinterpret_cast<const unsigned char*>(s.data()), s.size()); }
}  // namespace

static_assert(!std::is_copy_constructible_v<Secret> && !std::is_copy_assignable_v<Secret>);
static_assert(std::is_nothrow_move_constructible_v<Secret> && std::is_nothrow_move_assignable_v<Secret>);

TEST_CASE("vault: Secret holds a copy of its bytes, zero-filled when sized") {
  Secret z(16);
  CHECK(z.size() == 16);
  CHECK_FALSE(z.empty());
  for (size_t i = 0; i < z.size(); ++i) CHECK(z.data()[i] == 0);

  std::string src = "hunter2";
  Secret s = of(src);
  src[0] = 'X';  // a copy, not a view of the caller's buffer
  CHECK(s.view() == "hunter2");

  Secret empty;
  CHECK(empty.empty());
  CHECK(empty.size() == 0);
  Secret zero(0);
  CHECK(zero.empty());
  CHECK(zero.data() != nullptr);  // a real allocation even at size 0
}

TEST_CASE("vault: Secret::equals compares size and content") {
  CHECK(of("same bytes").equals(of("same bytes")));
  CHECK_FALSE(of("same bytes").equals(of("same bytez")));
  CHECK_FALSE(of("same bytes").equals(of("same byte")));  // a prefix is not equal
  CHECK_FALSE(of("").equals(of("x")));
  CHECK(of("").equals(Secret()));
  CHECK(Secret().equals(Secret()));
  Secret a = Secret::random(32);
  CHECK(a.equals(a.clone()));
  CHECK_FALSE(a.equals(Secret::random(32)));  // 2^-256 chance of a false failure
}

TEST_CASE("vault: Secret::truncate shrinks and wipes the tail, it never grows") {
  Secret s = of("passphrase\r\n");
  unsigned char* p = s.data();
  s.truncate(10);
  CHECK(s.view() == "passphrase");
  CHECK(s.data() == p);           // same guarded memory
  CHECK(p[10] == 0);              // the cut-off bytes are wiped
  CHECK(p[11] == 0);
  s.truncate(50);                 // larger than the size: no change
  CHECK(s.size() == 10);
  s.truncate(0);
  CHECK(s.empty());
  CHECK(p[0] == 0);
}

TEST_CASE("vault: Secret moves leave the source empty, clone is an independent copy") {
  Secret a = of("key material");
  const unsigned char* p = a.data();
  Secret b = std::move(a);
  CHECK(b.data() == p);
  CHECK(b.view() == "key material");
  CHECK(a.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  CHECK(a.data() == nullptr);

  Secret c = of("other");
  c = std::move(b);
  CHECK(c.view() == "key material");
  CHECK(b.empty());  // NOLINT(bugprone-use-after-move)

  Secret d = c.clone();
  CHECK(d.data() != c.data());
  d.data()[0] = 'K';
  CHECK(c.view() == "key material");
  CHECK(d.view() == "Key material");

  Secret r1 = Secret::random(32), r2 = Secret::random(32);
  CHECK(r1.size() == 32);
  CHECK_FALSE(r1.equals(r2));
}
