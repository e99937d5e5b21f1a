//===- CompileCache.h - compiled models kept between runs -------*- C++ -*-===//
//
// What a tool that runs .onnx files (loom-run) needs to compile one once and
// load it from a per-user cache on every later run.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DRIVER_COMPILECACHE_H
#define LOOM_DRIVER_COMPILECACHE_H

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace loom::driver {

struct CompileCacheRequest {
  /// The .onnx model.
  std::string onnx;
  /// The loom-compile binary that compiles it.
  std::string compiler;
  /// The cache folder; empty: $LOOM_CACHE_DIR, else defaultCacheDir() (which
  /// must then belong to the caller and be writable by nobody else).
  std::string cacheDir;
  /// loom-compile's options besides the model, --emit=lib and -o.
  std::vector<std::string> compileArgs;
  /// The name progress and recompile messages on stderr start with.
  std::string tool = "loom";
};

/// $LOOM_CACHE_DIR, else $XDG_CACHE_HOME/loom or ~/.cache/loom.
std::string defaultCacheDir();

/// The path of the shared library compiled from `request.onnx` with those
/// options: the cached one if it is there and intact, else compiled now
/// (reported on stderr); an error saying why not otherwise.
llvm::Expected<std::string> compileCached(const CompileCacheRequest &request);

} // namespace loom::driver

#endif // LOOM_DRIVER_COMPILECACHE_H
