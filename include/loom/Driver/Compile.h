//===- Compile.h - one compile, from the .onnx to the output ----*- C++ -*-===//
//
// The whole flow loom-compile runs, as a library call: import, the graph
// stage (with partitioning), the generate stage (with a draft model and
// speculation), then the CPU target. Its options are values, as a user
// writes them (`int4:g64`, `tp=2`, `ngram:3`), parsed and checked here so
// that every front end refuses the same requests with the same messages.
// The stages themselves are defined in lib/Pipelines and lib/Target; this
// only strings them together.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DRIVER_COMPILE_H
#define LOOM_DRIVER_COMPILE_H

#include "llvm/ADT/Twine.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace loom::driver {

/// What a compile produces.
enum class EmitKind { Mlir, LlvmIr, Object, SharedLibrary, Executable };

/// One compile's options (loom-compile's, by the same names).
struct CompileRequest {
  /// The .onnx model.
  std::string input;
  /// The file to write; empty: the default for `emit` (NAME.ll, NAME.o,
  /// libNAME.so, NAME; stdout for MLIR). Missing folders are created.
  std::string output;
  EmitKind emit = EmitKind::SharedLibrary;

  // The graph stage.
  bool fuseTransformerOps = true;
  bool fuseAttention = true;
  std::string softmax = "auto";
  /// --quantize: int8|int4|ternary[:gN][:zp]; empty: not quantized.
  std::string quantize;
  std::vector<std::string> quantizeKeep;
  std::string quantizeLmHead = "auto";
  /// --partition: tp=N; empty: one process.
  std::string partition;

  // The generate stage.
  bool generate = false;
  /// Unset: 2048, or the size of the model's position table when smaller.
  std::optional<int64_t> contextLength;
  /// Each "2,7" or "2 7".
  std::vector<std::string> stopTokens;
  /// The step's input and output names; empty: loom-decode-wrap-step's
  /// defaults (input_ids, past_key_values.{}.key, ...).
  std::string inputIds, positionIds, attentionMask, pastKey, pastValue, logits,
      presentKey, presentValue;
  /// --speculate: ngram[:N]|self:LAYERS|draft=FILE.onnx, and --tree.
  std::string speculate, tree;
  /// A tokenizer file to embed in the library.
  std::string tokenizer;

  // The CPU target.
  std::string cpu = "host", features = "host";
  unsigned optLevel = 3;
  bool weightsInFile = false;
  /// Where loomrt is, for linking.
  std::string runtimeLibraryDir;

  /// Progress lines (stages and their times) for a person watching a long
  /// compile; unset: quiet.
  std::function<void(const llvm::Twine &)> progress;
};

/// Exit statuses of compileModel, as loom-compile returns them.
enum CompileStatus : int {
  Compiled = 0,
  /// The model cannot be compiled (or an output cannot be written).
  ModelFailed = 1,
  /// The request cannot be served: options that do not parse, a partition or
  /// speculation the model cannot take as asked.
  RequestRefused = 2,
};

/// Runs the flow for `request`. Diagnostics (naming ONNX nodes, never
/// internal IR) and errors go to stderr, each error line starting with
/// "loom-compile: ".
CompileStatus compileModel(CompileRequest request);

} // namespace loom::driver

#endif // LOOM_DRIVER_COMPILE_H
