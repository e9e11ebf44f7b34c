// A VFS layered over another one (vault/vfs.cpp's encrypting VFS, and in test
// builds vault/fault.cpp's fault injector): the layer supplies the file
// methods it changes; every other method forwards to the VFS below, which
// is kept in pAppData.
#pragma once

#include <sqlite3.h>

namespace dsr::vault {

struct ShimMethods {
  int file_size;  // szOsFile of the layer's own file object (the base's is added)
  int (*open)(sqlite3_vfs*, const char*, sqlite3_file*, int, int*);
  int (*del)(sqlite3_vfs*, const char*, int);
  int (*access)(sqlite3_vfs*, const char*, int, int*);
  int (*full_pathname)(sqlite3_vfs*, const char*, int, char*);
};

// Fills vfs as a layer named name over base and registers it (not as the
// default). Not thread-safe: call it once (std::call_once).
void register_shim_vfs(sqlite3_vfs& vfs, sqlite3_vfs* base, const char* name, const ShimMethods& m);

}  // namespace dsr::vault
