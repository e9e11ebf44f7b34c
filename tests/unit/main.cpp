#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <sys/stat.h>

int main(int argc, char** argv) {
  // Secret files must be private (dsr refuses others): the files tests make are.
  ::umask(077);
  return doctest::Context(argc, argv).run();
}
