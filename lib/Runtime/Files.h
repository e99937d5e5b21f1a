//===- Files.h - reading files from outside safely --------------*- C++ -*-===//
//
// Every file loomrt reads comes from the user: a FIFO or a device would block
// or never end, and a truncated shared library makes dlopen fault. These
// helpers check before anything is read or mapped.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_FILES_H
#define LOOM_LIB_RUNTIME_FILES_H

#include "loom-c/Runtime.h"

#include <cstddef>
#include <string>

namespace loomrt {

/// Opens `path` read-only if it is a regular file (never blocking on a FIFO)
/// and sets `fd` and `size`; otherwise fails (loom_last_error names `what`
/// and the reason) and leaves `fd` at -1.
loom_status openRegularFile(const std::string &path, const std::string &what, int &fd,
                            size_t &size);

/// Why the open file `fd` of `size` bytes is not a complete 64-bit ELF shared
/// object for this machine (every loadable segment and the section table inside
/// the file), or "".
std::string checkSharedObject(int fd, size_t size);

/// Creates the folder `path` and its missing parents (as mkdir -p); fails
/// naming the part that could not be made (a file in the way, no
/// permission).
loom_status makeDirectories(const std::string &path);

} // namespace loomrt

#endif // LOOM_LIB_RUNTIME_FILES_H
