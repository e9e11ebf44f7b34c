#include "vault/shim_vfs.hpp"

#include <cstring>

namespace dsr::vault {
namespace {

sqlite3_vfs* below(sqlite3_vfs* v) { return static_cast<sqlite3_vfs*>(v->pAppData); }

void* x_dl_open(sqlite3_vfs* v, const char* n) { return below(v)->xDlOpen(below(v), n); }
void x_dl_error(sqlite3_vfs* v, int n, char* msg) { below(v)->xDlError(below(v), n, msg); }
void (*x_dl_sym(sqlite3_vfs* v, void* h, const char* s))(void) { return below(v)->xDlSym(below(v), h, s); }
void x_dl_close(sqlite3_vfs* v, void* h) { below(v)->xDlClose(below(v), h); }
int x_randomness(sqlite3_vfs* v, int n, char* out) { return below(v)->xRandomness(below(v), n, out); }
int x_sleep(sqlite3_vfs* v, int us) { return below(v)->xSleep(below(v), us); }
int x_current_time(sqlite3_vfs* v, double* t) { return below(v)->xCurrentTime(below(v), t); }
int x_get_last_error(sqlite3_vfs* v, int n, char* msg) { return below(v)->xGetLastError(below(v), n, msg); }
int x_current_time_int64(sqlite3_vfs* v, sqlite3_int64* t) { return below(v)->xCurrentTimeInt64(below(v), t); }

}  // namespace

void register_shim_vfs(sqlite3_vfs& vfs, sqlite3_vfs* base, const char* name, const ShimMethods& m) {
  std::memset(&vfs, 0, sizeof vfs);
  vfs.iVersion = 2;
  vfs.szOsFile = m.file_size + base->szOsFile;
  vfs.mxPathname = base->mxPathname;
  vfs.zName = name;
  vfs.pAppData = base;
  vfs.xOpen = m.open;
  vfs.xDelete = m.del;
  vfs.xAccess = m.access;
  vfs.xFullPathname = m.full_pathname;
  vfs.xDlOpen = x_dl_open;
  vfs.xDlError = x_dl_error;
  vfs.xDlSym = x_dl_sym;
  vfs.xDlClose = x_dl_close;
  vfs.xRandomness = x_randomness;
  vfs.xSleep = x_sleep;
  vfs.xCurrentTime = x_current_time;
  vfs.xGetLastError = x_get_last_error;
  vfs.xCurrentTimeInt64 = x_current_time_int64;
  sqlite3_vfs_register(&vfs, 0);
}

}  // namespace dsr::vault
