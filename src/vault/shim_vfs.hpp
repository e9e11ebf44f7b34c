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

// The file methods of a layer whose file object File starts with its
// sqlite3_file and gives the file below as real(): each passes the call down.
// A layer derives from it and hides the methods it changes, then builds its
// table with io_methods:
//   struct Methods : ForwardFile<File> {
//     static int read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off);
//   };
//   constexpr sqlite3_io_methods kMethods = io_methods<Methods>();
template <class File>
struct ForwardFile {
  static sqlite3_file* below(sqlite3_file* p) { return reinterpret_cast<File*>(p)->real(); }
  static int close(sqlite3_file* p) { return below(p)->pMethods->xClose(below(p)); }
  static int read(sqlite3_file* p, void* buf, int n, sqlite3_int64 off) {
    return below(p)->pMethods->xRead(below(p), buf, n, off);
  }
  static int write(sqlite3_file* p, const void* buf, int n, sqlite3_int64 off) {
    return below(p)->pMethods->xWrite(below(p), buf, n, off);
  }
  static int truncate(sqlite3_file* p, sqlite3_int64 size) { return below(p)->pMethods->xTruncate(below(p), size); }
  static int sync(sqlite3_file* p, int flags) { return below(p)->pMethods->xSync(below(p), flags); }
  static int file_size(sqlite3_file* p, sqlite3_int64* size) { return below(p)->pMethods->xFileSize(below(p), size); }
  static int lock(sqlite3_file* p, int l) { return below(p)->pMethods->xLock(below(p), l); }
  static int unlock(sqlite3_file* p, int l) { return below(p)->pMethods->xUnlock(below(p), l); }
  static int check_reserved(sqlite3_file* p, int* out) { return below(p)->pMethods->xCheckReservedLock(below(p), out); }
  static int file_control(sqlite3_file* p, int op, void* arg) {
    return below(p)->pMethods->xFileControl(below(p), op, arg);
  }
  static int sector_size(sqlite3_file* p) { return below(p)->pMethods->xSectorSize(below(p)); }
  static int device_characteristics(sqlite3_file* p) { return below(p)->pMethods->xDeviceCharacteristics(below(p)); }
  static int shm_map(sqlite3_file* p, int pg, int sz, int extend, void volatile** pp) {
    return below(p)->pMethods->xShmMap(below(p), pg, sz, extend, pp);
  }
  static int shm_lock(sqlite3_file* p, int offset, int n, int flags) {
    return below(p)->pMethods->xShmLock(below(p), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* p) { below(p)->pMethods->xShmBarrier(below(p)); }
  static int shm_unmap(sqlite3_file* p, int del) { return below(p)->pMethods->xShmUnmap(below(p), del); }
  static int fetch(sqlite3_file* p, sqlite3_int64 off, int n, void** pp) {
    return below(p)->pMethods->xFetch(below(p), off, n, pp);
  }
  static int unfetch(sqlite3_file* p, sqlite3_int64 off, void* q) {
    return below(p)->pMethods->xUnfetch(below(p), off, q);
  }
};

// The method table (version 3) of a layer's methods M (a ForwardFile).
template <class M>
constexpr sqlite3_io_methods io_methods() {
  return {3,
          M::close,
          M::read,
          M::write,
          M::truncate,
          M::sync,
          M::file_size,
          M::lock,
          M::unlock,
          M::check_reserved,
          M::file_control,
          M::sector_size,
          M::device_characteristics,
          M::shm_map,
          M::shm_lock,
          M::shm_barrier,
          M::shm_unmap,
          M::fetch,
          M::unfetch};
}

}  // namespace dsr::vault
