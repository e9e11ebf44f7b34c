// dsr's own file I/O, outside SQLite (the vault header, copies, renames): one
// thin wrapper per system call so that test builds can fail any of them
// (vault/fault.hpp). Without DSR_FAULT_INJECTION each is the system call.
#pragma once
#include <fcntl.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

#ifdef DSR_FAULT_INJECTION
#include "vault/fault.hpp"
#endif

namespace dsr::sysio {

#ifdef DSR_FAULT_INJECTION
#define DSR_SYSIO_POINT(op) DSR_SYSIO_TORN_POINT(op, (void)0)
// A failed write may first write half its bytes (DSR_FAULT=...:torn).
#define DSR_SYSIO_TORN_POINT(op, tear)                                           \
  if (int dsr_fault_errno = ::dsr::fault::at(::dsr::fault::Op::op, "dsr")) {     \
    if (::dsr::fault::torn()) tear;                                              \
    errno = dsr_fault_errno;                                                     \
    return -1;                                                                   \
  }
#else
#define DSR_SYSIO_POINT(op)
#define DSR_SYSIO_TORN_POINT(op, tear)
#endif

inline int open(const char* path, int flags, mode_t mode = 0) {
  DSR_SYSIO_POINT(open)
  return ::open(path, flags, mode);
}
inline ssize_t read(int fd, void* buf, size_t n) {
  DSR_SYSIO_POINT(read)
  return ::read(fd, buf, n);
}
inline ssize_t pread(int fd, void* buf, size_t n, off_t at) {
  DSR_SYSIO_POINT(read)
  return ::pread(fd, buf, n, at);
}
inline ssize_t write(int fd, const void* buf, size_t n) {
  DSR_SYSIO_TORN_POINT(write, (void)!::write(fd, buf, n / 2))
  return ::write(fd, buf, n);
}
inline ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  DSR_SYSIO_TORN_POINT(write, (void)!::pwrite(fd, buf, n / 2, at))
  return ::pwrite(fd, buf, n, at);
}
inline int ftruncate(int fd, off_t size) {
  DSR_SYSIO_POINT(truncate)
  return ::ftruncate(fd, size);
}
inline int fsync(int fd) {
  DSR_SYSIO_POINT(sync)
  return ::fsync(fd);
}
inline int rename(const char* from, const char* to) {
  DSR_SYSIO_POINT(rename)
  return ::rename(from, to);
}
inline int renameat2(int from_dir, const char* from, int to_dir, const char* to, unsigned flags) {
  DSR_SYSIO_POINT(rename)
  return ::renameat2(from_dir, from, to_dir, to, flags);
}
inline int link(const char* from, const char* to) {
  DSR_SYSIO_POINT(rename)
  return ::link(from, to);
}
inline int unlink(const char* path) {
  DSR_SYSIO_POINT(unlink)
  return ::unlink(path);
}

#undef DSR_SYSIO_POINT
#undef DSR_SYSIO_TORN_POINT

}  // namespace dsr::sysio
