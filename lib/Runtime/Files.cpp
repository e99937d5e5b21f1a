//===- Files.cpp - reading files from outside safely ------------*- C++ -*-===//

#include "Files.h"

#include "Status.h"

#include <cerrno>
#include <cstring>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace loomrt;

loom_status loomrt::openRegularFile(const std::string &path, const std::string &what, int &fd,
                                    size_t &size) {
  // O_NONBLOCK: opening a FIFO for reading would wait for a writer.
  fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return fail(LOOM_ERROR_IO, "cannot open " + what + ": " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    fd = -1;
    return fail(LOOM_ERROR_IO, "cannot read " + what + ": " + std::strerror(error));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    fd = -1;
    return fail(LOOM_ERROR_IO, what + " is not a regular file (a FIFO, device or directory "
                                      "would block or never end)");
  }
  size = size_t(st.st_size);
  return LOOM_OK;
}

/// Reads exactly `count` bytes at `offset`.
static bool readAt(int fd, void *buffer, size_t count, size_t offset) {
  auto *bytes = static_cast<char *>(buffer);
  while (count) {
    ssize_t n = pread(fd, bytes, count, off_t(offset));
    if (n <= 0)
      return false;
    bytes += n;
    count -= size_t(n);
    offset += size_t(n);
  }
  return true;
}

/// Whether [offset, offset + count * each) lies inside a file of `size` bytes
/// (without overflowing).
static bool inside(uint64_t offset, uint64_t count, uint64_t each, uint64_t size) {
  return offset <= size && (each == 0 || count <= (size - offset) / each);
}

std::string loomrt::checkSharedObject(int fd, size_t size) {
  Elf64_Ehdr header;
  if (size < sizeof header || !readAt(fd, &header, sizeof header, 0) ||
      std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
    return "it is not an ELF file";
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_type != ET_DYN)
    return "it is not a 64-bit shared library";
  if (header.e_phentsize != sizeof(Elf64_Phdr) ||
      !inside(header.e_phoff, header.e_phnum, sizeof(Elf64_Phdr), size))
    return "its program headers lie outside the file (truncated?)";
  if (header.e_shoff && !inside(header.e_shoff, header.e_shnum, header.e_shentsize, size))
    return "its section headers lie outside the file (truncated?)";
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr segment;
    if (!readAt(fd, &segment, sizeof segment, header.e_phoff + uint64_t(i) * sizeof segment))
      return "its program headers cannot be read";
    if (segment.p_type == PT_LOAD && !inside(segment.p_offset, 1, segment.p_filesz, size))
      return "a loadable segment ends past the end of the file (truncated?)";
  }
  return "";
}

loom_status loomrt::makeDirectories(const std::string &path) {
  if (path.empty())
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "the output folder's name is empty");
  // Each prefix ending before a '/', then the whole path.
  for (size_t end = path.find('/', 1);; end = path.find('/', end + 1)) {
    std::string part = path.substr(0, end);
    struct stat info;
    if (stat(part.c_str(), &info) == 0) {
      if (!S_ISDIR(info.st_mode))
        return fail(LOOM_ERROR_IO, "cannot create the folder '" + path + "': '" + part +
                                       "' is not a folder");
    } else if (mkdir(part.c_str(), 0777) != 0 && errno != EEXIST) {
      return fail(LOOM_ERROR_IO,
                  "cannot create the folder '" + part + "': " + std::strerror(errno));
    }
    if (end == std::string::npos)
      return LOOM_OK;
  }
}
