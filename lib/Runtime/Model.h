//===- Model.h - loomrt's view of a compiled model --------------*- C++ -*-===//
//
// Shared by Model.cpp (loading, running) and Generate.cpp (generation).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_MODEL_H
#define LOOM_LIB_RUNTIME_MODEL_H

#include "loom-c/Runtime.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace loomrt {
struct ValueInfo {
  std::string name;
  loom_dtype dtype = LOOM_DTYPE_UNDEFINED;
  int rank = 0;
  int64_t shape[LOOM_MAX_RANK] = {};
};

/// An input size the generated code relies on (a "check" line of the
/// signature): input `input`'s dimension `dim` equals input `otherInput`'s
/// dimension `otherDim`, or `size` when otherInput is -1. `needer` names the
/// op that relies on it.
struct SizeCondition {
  int64_t input = 0, dim = 0, otherInput = -1, otherDim = 0, size = 0;
  std::string needer;
};

/// The model of a library linked into the program (NAME_generate and
/// NAME_generate_text): opened from its symbols once per process, with
/// `tokenizer` as its embedded tokenizer's bytes (null: none).
loom_status linkedModel(const char *signature, void (*entry)(void **), const char *tokenizer,
                        loom_model **out);

/// MLIR's marker for the `allocated` field of a descriptor built from a
/// global (constant) buffer: it must not be freed.
constexpr uintptr_t kGlobalMarker = 0xdeadbeef;
} // namespace loomrt

struct loom_tokenizer;

struct loom_model {
  void *handle = nullptr; // from dlopen; null for loom_model_from_symbols
  void (*entry)(void **) = nullptr;
  std::vector<loomrt::ValueInfo> inputs, outputs;
  std::vector<loomrt::SizeCondition> sizeConditions;
  // `loom-compile --generate`: the entry generates tokens (see Generate.cpp).
  bool generator = false;
  /// Its decode.loop forks into sampling branches (signature "branches").
  bool branches = false;
  int64_t vocabSize = 0, contextLength = 0;
  /// The tokenizer loom-compile --tokenizer embedded (signature "tokenizer"):
  /// its bytes in the library and the file's name; null without.
  const char *tokenizerData = nullptr;
  size_t tokenizerSize = 0;
  std::string tokenizerName;
  /// ... parsed once, by the first loom_model_generate_text (GenerateText.cpp).
  std::shared_ptr<loom_tokenizer> tokenizer;
  std::mutex tokenizerMutex;
  /// The processes it is partitioned across (signature "partition"); 0: not
  /// partitioned.
  int64_t partitionRanks = 0;
  /// Its speculation tree (signature "speculation"), empty without.
  std::vector<int64_t> speculationTree;
  /// Where the generated code reports run-time errors (signature "site"
  /// lines): the text naming each site's node, by index.
  std::vector<std::string> errorSites;
  // `loom-compile --weights=file`: the side file, mapped read-only.
  std::string weightsFile;
  size_t weightsSize = 0;
  uint64_t weightsHash = 0; // loom_abi_weights_hash of the file's bytes
  void *weights = nullptr;
  // libomp's, as the model's code sees it (its library scope or the program).
  void (*ompSetNumThreads)(int) = nullptr;
  /// omp_get_level, when the model's code uses OpenMP: an allocation failing
  /// inside a parallel region (even a one-thread one) cannot end the run
  /// (BufferCache.h).
  int (*ompGetLevel)() = nullptr;
};

#endif // LOOM_LIB_RUNTIME_MODEL_H
