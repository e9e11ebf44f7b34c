// The whole-input reader with a size limit (include/dsr/input.hpp).
#include <doctest/doctest.h>

#include <string>

#include "dsr/input.hpp"

TEST_CASE("input: read_at_most reads all up to the limit and stops past it") {
  auto all = dsr::read_at_most(*dsr::string_input("abcdef", 2), 6);
  REQUIRE(all.has_value());
  CHECK(*all == "abcdef");
  CHECK_FALSE(dsr::read_at_most(*dsr::string_input("abcdefg", 2), 6).has_value());
  CHECK(dsr::read_at_most(*dsr::string_input(""), 0) == std::string());
}
