// A layer above the vault calling libsodium itself: must not build.
#include "dsr/secret.hpp"
#include <sodium.h>
int probe() { return sodium_init(); }
