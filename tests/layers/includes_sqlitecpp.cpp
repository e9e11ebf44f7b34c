// A layer above the store reaching for SQLiteCpp: must not build.
#include "dsr/subjects.hpp"
#include <SQLiteCpp/Statement.h>
int probe() { return 0; }
