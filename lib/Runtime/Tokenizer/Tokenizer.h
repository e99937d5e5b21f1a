//===- Tokenizer.h - loomrt's tokenizers, the C++ side ----------*- C++ -*-===//
//
// Each file format is a subclass of Tokenizer: loading checks the whole file
// (every length against the bytes that are there) and builds the tables;
// encoding and decoding only read them. The C API (Tokenizer.cpp) checks the
// caller's arguments and text, so the formats see valid UTF-8 only.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_TOKENIZER_TOKENIZER_H
#define LOOM_LIB_RUNTIME_TOKENIZER_TOKENIZER_H

#include "loom-c/Tokenizer.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loomrt::tokenizer {

/// Where a decoder is in its sequence: what some formats' spacing rules look at.
struct DecodeState {
  int64_t previous = -1;   ///< the last token pushed; -1 at the start
  bool wroteText = false;  ///< whether any token has contributed bytes yet
  int64_t stripped = 0;    ///< leading characters dropped so far (tokenizer.json's Strip)
};

class Tokenizer {
public:
  virtual ~Tokenizer() = default;

  loom_tokenizer_kind kind;
  /// Every id's piece as the file spells it; the vocabulary size is its size.
  std::vector<std::string> pieces;
  int64_t bos = -1, eos = -1;
  /// What ends a text by default (loom_tokenizer_end_tokens).
  std::vector<int64_t> endTokens;

  int64_t vocabSize() const { return int64_t(pieces.size()); }

  /// Appends the ids of `text` (valid UTF-8); with `addSpecial`, with the
  /// format's leading/trailing special tokens (BOS and the like).
  virtual loom_status encode(std::string_view text, bool addSpecial,
                             std::vector<int64_t> &ids) const = 0;

  /// Appends to `bytes` what token `id` (in range) contributes to text after
  /// the tokens `state` describes, and updates `state`. The bytes need not be
  /// whole characters: byte-fallback tokens give one byte each.
  virtual void decode(int64_t id, DecodeState &state, std::string &bytes) const = 0;
};

/// Reads a llama2.c tokenizer.bin held in `data` into `out`; on failure
/// records the error (naming the file as `what`) and returns its status.
loom_status loadLlama2c(std::string_view data, const std::string &what,
                        std::unique_ptr<Tokenizer> &out);

/// Reads a Hugging Face tokenizer.json held in `data`, likewise.
loom_status loadHuggingFace(std::string_view data, const std::string &what,
                            std::unique_ptr<Tokenizer> &out);

/// Reads a SentencePiece .model held in `data`, likewise.
loom_status loadSentencePiece(std::string_view data, const std::string &what,
                              std::unique_ptr<Tokenizer> &out);

/// Merges adjacent symbols of `symbols` in place, as BPE does: while some
/// adjacent pair merges, replaces the pair with the highest priority (the
/// leftmost among equals) by its merged id. `merge(left, right, priority,
/// merged)` says whether the pair merges. O(n log n) with a heap, so long
/// prompts stay cheap.
void mergePairs(std::vector<int64_t> &symbols,
                const std::function<bool(int64_t, int64_t, double &, int64_t &)> &merge);

} // namespace loomrt::tokenizer

#endif // LOOM_LIB_RUNTIME_TOKENIZER_TOKENIZER_H
