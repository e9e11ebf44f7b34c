// A migrated, empty vault for the store tests: its connection, no domain.
#pragma once
#include "test_support.hpp"

namespace dsr::test {

struct StoreVault {
  TempVault tv;
  Desk desk = tv.desk();  // the schema migrated; the store functions take desk.db()
  SQLite::Database& db() { return desk.db(); }
};

}  // namespace dsr::test
