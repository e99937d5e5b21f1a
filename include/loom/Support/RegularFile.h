//===- RegularFile.h - reading a file from outside safely -------*- C++ -*-===//
//
// Models, their external data and prompts come from the user: a FIFO would
// block the reader forever and a device such as /dev/zero never ends. The
// compiler side reads them through readRegularFile, which opens without
// blocking and refuses anything but a regular file before reading a byte
// (loomrt has the same check in lib/Runtime/Files.cpp, without LLVM).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_SUPPORT_REGULARFILE_H
#define LOOM_SUPPORT_REGULARFILE_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorOr.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cerrno>
#include <memory>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace loom {

/// The error readRegularFile gives for a FIFO, device, socket or directory.
inline const char *notRegularFileMessage() {
  return "not a regular file (a FIFO, device or directory would block or never end)";
}

/// The contents of `path` if it is a regular file (after following links);
/// std::errc::invalid_argument for anything else (notRegularFileMessage says
/// why), or the error of opening or reading it.
inline llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
readRegularFile(const llvm::Twine &path) {
  llvm::SmallString<256> storage;
  llvm::StringRef name = path.toNullTerminatedStringRef(storage);
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  int fd = ::open(name.data(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return std::error_code(errno, std::generic_category());
  struct stat st;
  std::error_code ec;
  if (::fstat(fd, &st) != 0)
    ec = std::error_code(errno, std::generic_category());
  else if (!S_ISREG(st.st_mode))
    ec = std::make_error_code(std::errc::invalid_argument);
  if (ec) {
    ::close(fd);
    return ec;
  }
  auto buffer = llvm::MemoryBuffer::getOpenFile(fd, name, uint64_t(st.st_size),
                                                /*RequiresNullTerminator=*/false);
  ::close(fd); // the buffer holds its own mapping or copy
  return buffer;
}

/// The message for an error of readRegularFile.
inline std::string readErrorMessage(std::error_code ec) {
  if (ec == std::errc::invalid_argument)
    return notRegularFileMessage();
  return ec.message();
}

} // namespace loom

#endif // LOOM_SUPPORT_REGULARFILE_H
