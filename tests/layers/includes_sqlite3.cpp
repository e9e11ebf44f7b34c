// A layer above the store reaching for SQLite's C API: must not build.
#include "dsr/subjects.hpp"
#include <sqlite3.h>
int probe() { return sqlite3_libversion_number(); }
