//===- CompileCache.cpp - compiled models kept between runs ---------------===//
//
// A tool given an .onnx (loom-run) compiles it once with loom-compile into a
// per-user cache and loads the library from there on later runs. The key
// covers everything the library depends on: the model's bytes, the contents
// of its external data files, the compiler binary, the compile options and
// the host CPU. Each library's hash is recorded beside it and checked before
// it is returned, and entries appear atomically (compiled to a private name,
// then renamed).
//
//===----------------------------------------------------------------------===//

#include "loom/Driver/CompileCache.h"
#include "loom/Support/RegularFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using llvm::StringRef;
using namespace loom::driver;

namespace {

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Libraries in the cache are loaded and run: a cache folder that another
/// user owns or can write to would let them run code as the caller. The
/// default folder, when it exists, must be the caller's and writable by
/// nobody else; an error message otherwise.
std::optional<std::string> unsafeCacheDir(StringRef dir) {
  struct stat st;
  if (::stat(dir.str().c_str(), &st) != 0)
    return std::nullopt; // created below, by us
  if (!S_ISDIR(st.st_mode))
    return "the cache folder '" + dir.str() + "' is not a folder";
  if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
    return "the cache folder '" + dir.str() + "' " +
           (st.st_uid != geteuid() ? "belongs to another user"
                                   : "can be written by other users") +
           ": a library placed there would run as you. Make it yours and private "
           "(chmod go-w), or give --cache-dir (or $LOOM_CACHE_DIR)";
  return std::nullopt;
}

/// The locations a model's external data entries name: in the protobuf, an
/// entry {key: "location", value: PATH} is the bytes 0x0a 0x08 "location"
/// 0x12, PATH's length as a varint, then PATH (how onnx and torch write it).
std::vector<std::string> externalDataLocations(StringRef bytes) {
  static const char tag[] = "\x0a\x08location\x12";
  std::vector<std::string> locations;
  for (size_t at = bytes.find(StringRef(tag, sizeof tag - 1)); at != StringRef::npos;
       at = bytes.find(StringRef(tag, sizeof tag - 1), at + 1)) {
    size_t pos = at + sizeof tag - 1;
    uint64_t length = 0;
    for (int shift = 0; pos < bytes.size() && shift < 64; shift += 7) {
      unsigned char c = bytes[pos++];
      length |= uint64_t(c & 0x7f) << shift;
      if (!(c & 0x80))
        break;
    }
    if (length <= bytes.size() - pos)
      locations.push_back(bytes.substr(pos, length).str());
  }
  return locations;
}

/// The identity (size and content hash) of every external data file the
/// model `onnx` can name: the compiled result depends on their contents, so
/// the cache key must too (a size and a modification time would miss a copy
/// that keeps both, as `cp -p` or a same-size rewrite with a restored time
/// does). The files are the locations the model's bytes hold, plus every file
/// beside the model (two levels down) whose relative path appears in them,
/// in case a writer ordered an entry's fields otherwise; a superset costs at
/// most a needless recompile. Locations that leave the folder, FIFOs and
/// devices are never read (the compiler refuses them anyway).
std::string externalDataIdentity(StringRef onnx, StringRef bytes) {
  llvm::SmallString<256> dir(llvm::sys::path::parent_path(onnx));
  if (dir.empty())
    dir = ".";
  std::set<std::string> names;
  for (std::string &location : externalDataLocations(bytes))
    names.insert(std::move(location));
  std::error_code ec;
  for (llvm::sys::fs::recursive_directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    if (it.level() > 1) {
      it.no_push();
      continue;
    }
    StringRef relative = StringRef(it->path()).drop_front(dir.size() + 1);
    if (!relative.empty() && bytes.contains(relative))
      names.insert(relative.str());
  }
  std::string identity;
  for (const std::string &name : names) {
    bool escapes = name.empty() || llvm::sys::path::is_absolute(name);
    for (StringRef part :
         llvm::make_range(llvm::sys::path::begin(name), llvm::sys::path::end(name)))
      escapes |= part == "..";
    if (escapes)
      continue;
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, name);
    identity += "external " + name + " ";
    auto file = loom::readRegularFile(path);
    if (!file) {
      identity += "unreadable\n";
      continue;
    }
    StringRef data = (*file)->getBuffer();
    identity += std::to_string(data.size()) + " " +
                llvm::utohexstr(llvm::xxh3_64bits(data), /*LowerCase=*/true) + "\n";
  }
  return identity;
}

/// What a cache entry's `.xxh3` file records of its library: the size and
/// content hash, or "" if `library` cannot be read.
std::string libraryFingerprint(StringRef library) {
  auto file = loom::readRegularFile(library);
  if (!file)
    return "";
  StringRef data = (*file)->getBuffer();
  return std::to_string(data.size()) + " " +
         llvm::utohexstr(llvm::xxh3_64bits(data), /*LowerCase=*/true) + "\n";
}

/// Whether the cached `library` is the one compiled into the cache: a file
/// damaged after it was written (a full disk, a crash, another program) could
/// fault inside dlopen or run as other code on every run, never recompiled.
bool cachedLibraryIntact(StringRef library, StringRef fingerprintFile) {
  auto recorded = loom::readRegularFile(fingerprintFile);
  return recorded && (*recorded)->getBuffer() == libraryFingerprint(library);
}

} // namespace

std::string loom::driver::defaultCacheDir() {
  if (const char *env = std::getenv("LOOM_CACHE_DIR"))
    return env;
  llvm::SmallString<256> dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"))
    dir = xdg;
  else if (llvm::sys::path::home_directory(dir))
    llvm::sys::path::append(dir, ".cache");
  else // no home: a folder of this user's own, not one every user shares
    return "/tmp/loom-cache-" + std::to_string(geteuid());
  llvm::sys::path::append(dir, "loom");
  return dir.str().str();
}

llvm::Expected<std::string> loom::driver::compileCached(const CompileCacheRequest &request) {
  StringRef onnx = request.onnx, compiler = request.compiler, cacheDir = request.cacheDir;
  const std::vector<std::string> &compileArgs = request.compileArgs;
  auto model = loom::readRegularFile(onnx);
  if (!model)
    return fail("cannot read '" + onnx + "': " + loom::readErrorMessage(model.getError()));
  // A new compiler may generate different code: its identity is in the key.
  llvm::sys::fs::file_status compilerStatus;
  if (llvm::sys::fs::status(compiler, compilerStatus))
    return fail("cannot find loom-compile at '" + compiler + "'");
  // Everything the library depends on, one line each; its hash names the
  // entry and key.txt in the entry says what it was compiled from.
  StringRef bytes = (*model)->getBuffer();
  std::string identity =
      "model " + std::to_string(bytes.size()) + " " +
      llvm::utohexstr(llvm::xxh3_64bits(bytes), /*LowerCase=*/true) + "\ncompiler " +
      compiler.str() + " " +
      std::to_string(compilerStatus.getLastModificationTime().time_since_epoch().count()) +
      " " + std::to_string(compilerStatus.getSize()) + "\noptions";
  for (const std::string &a : compileArgs)
    identity += " " + a;
  // loom-compile generates code for this machine's CPU: a cache shared with
  // another machine (a network home, a CI cache) must not run it there.
  identity += "\ncpu " + llvm::sys::getHostCPUName().str() + "\nfeatures";
  std::vector<std::string> features;
  for (const auto &feature : llvm::sys::getHostCPUFeatures())
    if (feature.second)
      features.push_back(feature.first().str());
  llvm::sort(features);
  for (const std::string &feature : features)
    identity += " +" + feature;
  identity += "\n" + externalDataIdentity(onnx, bytes);
  uint64_t key = llvm::xxh3_64bits(llvm::StringRef(identity));
  llvm::SmallString<256> dir(cacheDir.empty() ? defaultCacheDir() : cacheDir.str());
  if (cacheDir.empty() && !std::getenv("LOOM_CACHE_DIR"))
    if (std::optional<std::string> unsafe = unsafeCacheDir(dir))
      return fail(*unsafe);
  std::string stem = llvm::sys::path::stem(onnx).str();
  llvm::sys::path::append(dir, stem + "-" + llvm::utohexstr(key, /*LowerCase=*/true));
  llvm::SmallString<256> lib(dir);
  llvm::sys::path::append(lib, "libmodel.so");
  std::string fingerprintFile = (lib + ".xxh3").str();
  if (llvm::sys::fs::exists(lib)) {
    if (cachedLibraryIntact(lib, fingerprintFile))
      return lib.str().str();
    llvm::errs() << request.tool << ": the cached " << lib
                 << " is not the library compiled there (damaged, or cached by an "
                    "older loom-run); compiling again\n";
    llvm::sys::fs::remove(lib);
  }
  if (std::error_code ec = llvm::sys::fs::create_directories(dir))
    return fail("cannot create the cache directory '" + dir + "': " + ec.message());
  // Compile to a private name, then rename: concurrent runs never see half a file.
  llvm::SmallString<256> partial(dir);
  llvm::sys::path::append(partial, "libmodel.so.partial-" +
                                       std::to_string(llvm::sys::Process::getProcessId()));
  llvm::errs() << request.tool << ": compiling " << onnx << " into " << dir << "\n";
  // --quiet: loom-compile's stages would name the private file.
  llvm::SmallVector<StringRef> args = {compiler, onnx, "--emit=lib", "--quiet", "-o", partial};
  for (const std::string &a : compileArgs)
    args.push_back(a);
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(compiler, args, std::nullopt, {}, 0, 0, &execError);
  if (status != 0) {
    llvm::sys::fs::remove(partial);
    return fail("compiling '" + onnx + "' failed" +
                (execError.empty() ? std::string(" (see above)") : ": " + execError));
  }
  // The fingerprint goes first: a reader that finds the library finds it too
  // (a concurrent compile's fingerprint at worst costs one more compile).
  std::string fingerprint = libraryFingerprint(partial);
  std::string partialFingerprint = (partial + ".xxh3").str();
  std::error_code ec;
  {
    llvm::raw_fd_ostream os(partialFingerprint, ec);
    if (!ec) {
      os << fingerprint;
      os.close();
      if (os.has_error()) {
        ec = os.error();
        os.clear_error(); // reported below, not by the stream's destructor
      }
    }
  }
  if (!ec)
    ec = llvm::sys::fs::rename(partialFingerprint, fingerprintFile);
  if (!ec)
    ec = llvm::sys::fs::rename(partial, lib);
  if (!ec) {
    // Only for people reading the cache: losing it loses nothing.
    llvm::SmallString<256> keyFile(dir);
    llvm::sys::path::append(keyFile, "key.txt");
    std::error_code keyError;
    llvm::raw_fd_ostream os(keyFile, keyError);
    if (!keyError) {
      os << identity;
      os.close();
    }
    os.clear_error();
  }
  if (ec) {
    llvm::sys::fs::remove(partial);
    llvm::sys::fs::remove(partialFingerprint);
    return fail("cannot move the compiled model into the cache: " + ec.message());
  }
  return lib.str().str();
}

