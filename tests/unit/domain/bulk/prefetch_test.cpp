// The reading thread of batch and import: order, bounded memory, errors, stopping.
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>
#include <string>

#include "domain/bulk/prefetch.hpp"

using dsr::Prefetch;

TEST_CASE("prefetch: items come out in order, at most a bounded number ahead of the consumer") {
  constexpr size_t kBlock = 7, kBlocks = 3;
  std::atomic<int> produced = 0;
  int consumed = 0, most_ahead = 0;
  {
    Prefetch<std::string> p(kBlock, kBlocks, [&](Prefetch<std::string>::Sink& out) {
      for (int i = 0; i < 10000; ++i) {
        out.push(std::to_string(i));
        ++produced;
      }
    });
    while (std::string* s = p.next()) {
      CHECK(*s == std::to_string(consumed));
      ++consumed;
      most_ahead = std::max(most_ahead, produced.load() - consumed);
    }
  }
  CHECK(consumed == 10000);
  // The blocks waiting, the one being filled, and the consumer's own.
  CHECK(most_ahead <= int(kBlock * (kBlocks + 2)));
  CHECK(most_ahead > 0);
}

TEST_CASE("prefetch: what the producer throws comes out after the items it pushed before") {
  Prefetch<int> p(4, 2, [](Prefetch<int>::Sink& out) {
    for (int i = 0; i < 10; ++i) out.push(int(i));
    throw std::runtime_error("read error at item 10");
  });
  int n = 0;
  try {
    while (int* i = p.next()) CHECK(*i == n++);
    FAIL("the producer's error was lost");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()) == "read error at item 10");
  }
  CHECK(n == 10);
}

TEST_CASE("prefetch: a consumer that stops early stops the producer") {
  std::atomic<int> produced = 0;
  {
    Prefetch<int> p(8, 2, [&](Prefetch<int>::Sink& out) {
      for (int i = 0;; ++i) {  // endless: only the consumer's going stops it (or the test hangs)
        out.push(int(i));
        ++produced;
      }
    });
    for (int k = 0; k < 5; ++k) REQUIRE(p.next() != nullptr);
  }
  CHECK(produced <= 8 * (2 + 2));  // it stopped at its next hand-over, not later
}
