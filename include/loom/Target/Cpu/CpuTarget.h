//===- CpuTarget.h - compiled models for the CPU ----------------*- C++ -*-===//
//
// The last step of the flow: a module after the graph (and generate) stage
// becomes an LLVM IR file, an object, a shared library with its C header, or
// an executable, all carrying loomrt's view of the model (the signature text
// and the entry symbols, see loom-c/Abi.h).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_TARGET_CPU_CPUTARGET_H
#define LOOM_TARGET_CPU_CPUTARGET_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <string>

namespace loom::cpu {

/// What the CPU target writes.
enum class OutputKind { LlvmIr, Object, SharedLibrary, Executable };

struct CpuTargetOptions {
  OutputKind output = OutputKind::SharedLibrary;
  /// The file to write (for a shared library: the .so; the header goes next
  /// to it as NAME.h).
  std::string outputPath;
  /// The model's name in file and C symbol names (see modelName).
  std::string modelName;
  /// The file the model came from, named in the generated header.
  std::string sourceName;
  /// LLVM's target CPU and features; "host" for this machine's.
  std::string cpu = "host";
  std::string features = "host";
  unsigned optLevel = 3;
  /// Large constants go to NAME.weights next to the output, mapped by loomrt
  /// at load time, instead of into the binary.
  bool weightsInFile = false;
  /// With a generation loop: a tokenizer file's bytes and name to embed
  /// (loom-compile --tokenizer); the library then exports NAME_generate_text.
  std::string tokenizerBytes, tokenizerName;
  /// Where loomrt (libloomrt.so, libloomrt_main.a) is, for linking.
  std::string runtimeLibraryDir;
  /// Progress lines for a person watching a long compile.
  std::function<void(const llvm::Twine &)> progress = [](const llvm::Twine &) {};
};

/// The model's name for file names and C symbols: the file name without its
/// extension, with anything but [A-Za-z0-9_] replaced by '_'.
std::string modelName(llvm::StringRef path);

/// The signature text loomrt reads from a one-step model (`main_graph`): one
/// "in|out <dtype> <rank> <sizes...> <name>" line per input and output, then
/// the run-time "check" lines of sizes the lowering takes to agree. Fails
/// (with a diagnostic) for a type loomrt cannot pass.
mlir::FailureOr<std::string> makeStepSignature(mlir::func::FuncOp entry);

/// The signature of a generation loop: "generate <vocab> <context>", then
/// "branches" when its decode.loop forks; with a speculation tree, a line
/// "speculation <parent per node>".
std::string makeGenerateSignature(int64_t vocabSize, int64_t contextLength, bool branches,
                                  llvm::ArrayRef<int64_t> speculationTree = {});

/// The C header of a one-step model: MLIR's memref descriptors and the entry.
std::string makeStepHeader(llvm::StringRef name, llvm::StringRef sourceName,
                           mlir::func::FuncOp entry);

/// The C header of a generation loop: NAME_generate and its constants, and
/// NAME_generate_text `withTokenizer` (an embedded tokenizer).
std::string makeGenerateHeader(llvm::StringRef name, llvm::StringRef sourceName,
                               int64_t vocabSize, int64_t contextLength,
                               bool withTokenizer = false);

/// Lowers `module` (after the graph, and for a decoder the generate, stage)
/// with the CPU lowering pipeline and writes what `options` asks for. Errors
/// in MLIR passes are reported through the context's diagnostics and come
/// back as an llvm::Error saying which step failed.
llvm::Error emitCpuModel(mlir::ModuleOp module, const CpuTargetOptions &options);

} // namespace loom::cpu

#endif // LOOM_TARGET_CPU_CPUTARGET_H
