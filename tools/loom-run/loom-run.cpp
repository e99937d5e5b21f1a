//===- loom-run.cpp - run a model on ONNX tensor files ----------*- C++ -*-===//
//
// loom-run MODEL [--test-data DIR | INPUT.pb...] [-o DIR] [--rtol R] [--atol A]
//          [--threads N] [--repeat N]
//
// MODEL is a shared library from `loom-compile --emit=lib` or an .onnx file,
// which is compiled first into a cache (keyed by the model's bytes and the
// compiler binary) so that the next run starts at once. Running, checking
// and comparing is loomrt's driver (include/loom-c/Driver.h).
//
// Exit status: 0 every output matches (or was written), 1 an output differs,
// 2 any error (bad model, bad inputs, compile failure).
//
//===----------------------------------------------------------------------===//

#include "loom-c/Driver.h"
#include "loom-c/Runtime.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <cstdlib>
#include <string>
#include <vector>

using llvm::StringRef;

namespace {

// Options are parsed by hand: libLLVM registers a global "threads" option
// of its own, which llvm::cl would refuse to register twice.
struct Options {
  std::string model, testData, outputDir, cacheDir;
  std::vector<std::string> inputFiles;
  double rtol = 1e-4, atol = 1e-5;
  int threads = 0, repeat = 1;
};

constexpr const char *kUsage =
    "usage: loom-run MODEL [--test-data DIR | INPUT.pb...] [options]\n"
    "Runs a model (a .so from loom-compile, or an .onnx compiled on the fly into a\n"
    "cache) on ONNX TensorProto files.\n"
    "  --test-data DIR   inputs from DIR/input_N.pb; compare with DIR/output_N.pb\n"
    "  -o DIR            write the outputs as DIR/output_N.pb\n"
    "  --rtol R          relative tolerance for floating point (default 1e-4)\n"
    "  --atol A          absolute tolerance for floating point (default 1e-5)\n"
    "  --threads N       worker threads; 0 = one per core (default)\n"
    "  --repeat N        run N times and print the time per run\n"
    "  --cache-dir DIR   compiled models (default $LOOM_CACHE_DIR, else ~/.cache/loom)\n"
    "Exit status: 0 outputs match (or were written), 1 an output differs, 2 an error.\n";

int error(const llvm::Twine &message) {
  llvm::errs() << "loom-run: " << message << "\n";
  return 2;
}

std::string defaultCacheDir() {
  if (const char *env = std::getenv("LOOM_CACHE_DIR"))
    return env;
  llvm::SmallString<256> dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"))
    dir = xdg;
  else if (llvm::sys::path::home_directory(dir))
    llvm::sys::path::append(dir, ".cache");
  else
    return "/tmp/loom-cache";
  llvm::sys::path::append(dir, "loom");
  return dir.str().str();
}

/// Compiles `onnx` with the loom-compile next to this tool unless the cache
/// already has it; returns the library's path, or "" after printing why not.
std::string compileCached(const char *argv0, StringRef onnx, StringRef cacheDir) {
  std::string self = llvm::sys::fs::getMainExecutable(argv0, (void *)&compileCached);
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "loom-compile");
  auto model = llvm::MemoryBuffer::getFile(onnx, /*IsText=*/false);
  if (!model) {
    error("cannot read '" + onnx + "': " + model.getError().message());
    return "";
  }
  // A new compiler may generate different code: its identity is in the key.
  llvm::sys::fs::file_status compilerStatus;
  if (llvm::sys::fs::status(compiler, compilerStatus)) {
    error("cannot find loom-compile at '" + compiler + "'");
    return "";
  }
  std::string identity =
      std::to_string(compilerStatus.getLastModificationTime().time_since_epoch().count()) +
      ":" + std::to_string(compilerStatus.getSize());
  uint64_t key = llvm::xxh3_64bits((*model)->getBuffer()) ^
                 llvm::xxh3_64bits(llvm::StringRef(identity));
  llvm::SmallString<256> dir(cacheDir.empty() ? defaultCacheDir() : cacheDir.str());
  std::string stem = llvm::sys::path::stem(onnx).str();
  llvm::sys::path::append(dir, stem + "-" + llvm::utohexstr(key, /*LowerCase=*/true));
  llvm::SmallString<256> lib(dir);
  llvm::sys::path::append(lib, "libmodel.so");
  if (llvm::sys::fs::exists(lib))
    return lib.str().str();
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error("cannot create the cache directory '" + dir + "': " + ec.message());
    return "";
  }
  // Compile to a private name, then rename: concurrent runs never see half a file.
  llvm::SmallString<256> partial(dir);
  llvm::sys::path::append(partial, "libmodel.so.partial-" +
                                       std::to_string(llvm::sys::Process::getProcessId()));
  llvm::errs() << "loom-run: compiling " << onnx << " into " << dir << "\n";
  llvm::SmallVector<StringRef> args = {compiler, onnx, "--emit=lib", "-o", partial};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(compiler, args, std::nullopt, {}, 0, 0, &execError);
  if (status != 0) {
    llvm::sys::fs::remove(partial);
    error("compiling '" + onnx + "' failed" +
          (execError.empty() ? std::string(" (see above)") : ": " + execError));
    return "";
  }
  if (std::error_code ec = llvm::sys::fs::rename(partial, lib)) {
    error("cannot move the compiled model into the cache: " + ec.message());
    return "";
  }
  return lib.str().str();
}

} // namespace

/// Parses argv into `o`; returns false after printing what is wrong.
bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return error(arg + " needs a value"), false;
      out = argv[++i];
      return true;
    };
    auto number = [&](auto &out) {
      std::string text;
      if (!value(text))
        return false;
      char *end;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end)
        return error(arg + " needs a number, got '" + text + "'"), false;
      out = static_cast<std::remove_reference_t<decltype(out)>>(v);
      return true;
    };
    bool ok = true;
    if (arg == "--help" || arg == "-h") {
      llvm::outs() << kUsage;
      std::exit(0);
    } else if (arg == "--test-data") {
      ok = value(o.testData);
    } else if (arg == "-o") {
      ok = value(o.outputDir);
    } else if (arg == "--cache-dir") {
      ok = value(o.cacheDir);
    } else if (arg == "--rtol") {
      ok = number(o.rtol);
    } else if (arg == "--atol") {
      ok = number(o.atol);
    } else if (arg == "--threads") {
      ok = number(o.threads);
    } else if (arg == "--repeat") {
      ok = number(o.repeat);
    } else if (arg.starts_with("-")) {
      error("unknown option '" + arg + "' (see --help)");
      ok = false;
    } else if (o.model.empty()) {
      o.model = arg.str();
    } else {
      o.inputFiles.push_back(arg.str());
    }
    if (!ok)
      return false;
  }
  if (o.model.empty())
    return error("no model given (see --help)"), false;
  if (!o.testData.empty() && !o.inputFiles.empty())
    return error("give either --test-data or input files, not both"), false;
  if (o.threads < 0)
    return error("--threads must be 0 (one per core) or more"), false;
  return true;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  Options o;
  if (!parseArgs(argc, argv, o))
    return 2;
  if (loom_set_num_threads(o.threads) != LOOM_OK)
    return error(loom_last_error());

  std::string library = o.model;
  if (StringRef(o.model).ends_with(".onnx")) {
    library = compileCached(argv[0], o.model, o.cacheDir);
    if (library.empty())
      return 2;
  }
  loom_model *model = nullptr;
  if (loom_model_load(library.c_str(), &model) != LOOM_OK)
    return error(loom_last_error());

  std::vector<const char *> inputs;
  for (const std::string &f : o.inputFiles)
    inputs.push_back(f.c_str());
  loom_driver_options options;
  loom_driver_default_options(&options);
  options.test_data = o.testData.empty() ? nullptr : o.testData.c_str();
  options.input_files = inputs.data();
  options.num_input_files = int(inputs.size());
  options.output_dir = o.outputDir.empty() ? nullptr : o.outputDir.c_str();
  options.rtol = o.rtol;
  options.atol = o.atol;
  options.repeat = o.repeat;
  int status = loom_driver_run(model, &options);
  loom_model_unload(model);
  return status;
}
