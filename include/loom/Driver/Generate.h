//===- Generate.h - generation and text on the command line -----*- C++ -*-===//
//
// What loom-run does with --generate, --encode and --decode, over loomrt's C
// API (loom-c/Generate.h, loom-c/Tokenizer.h): the options checked, the
// prompt encoded, tokens or text streamed to stdout as they are made, the
// branches of --num-samples/--best-of/--beams printed one line each, the
// rates on stderr.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DRIVER_GENERATE_H
#define LOOM_DRIVER_GENERATE_H

#include "loom-c/Runtime.h"

#include <optional>
#include <string>

namespace loom::driver {

/// loom-run's generation and text options, by the same names. Numbers are
/// kept as given (doubles) and checked by checkGenerateRequest.
struct GenerateRequest {
  /// The model file, named in messages (empty with --encode and --decode).
  std::string model;
  bool generate = false;
  std::string promptTokens, stopTokens;
  /// --stop-tokens was given (even empty): the tokenizer's end tokens do not
  /// stop generation then.
  std::optional<std::string> stopTokensGiven;
  // Text in and out through a tokenizer.
  std::string tokenizer, promptFile, decodeTokens;
  std::optional<std::string> prompt;
  bool encode = false, decode = false, ignoreEos = false;
  /// Print ids even with a tokenizer (given or embedded in the library).
  bool printIds = false;
  /// Speculation's per-node acceptance, written for loom-compile --tree=search.
  std::string acceptanceProfile;
  double maxTokens = 128, temperature = 0, topK = 0, topP = 1, minP = 0,
         repetitionPenalty = 1, seed = 0, contextLength = 0;
  /// Any sampling option given.
  bool sampling = false;
  // Sampling branches: --num-samples N, --best-of N or --beams W.
  std::optional<double> numSamples, bestOf, beams;
  double lengthPenalty = 1;
  bool lengthPenaltyGiven = false, earlyStopping = false;
};

/// What is wrong with the combination of options (a message naming them),
/// or nothing. Checks everything that needs no model.
std::optional<std::string> checkGenerateRequest(const GenerateRequest &request);

/// --generate on a loaded model: prints the generated ids (or text, with a
/// tokenizer) on stdout as they come, the rates on stderr. Returns the exit
/// status: 0, or 2 after printing what went wrong.
int runGenerate(loom_model *model, const GenerateRequest &request);

/// --encode / --decode with the tokenizer alone; the exit status as above.
int runTokenizerCommand(const GenerateRequest &request);

} // namespace loom::driver

#endif // LOOM_DRIVER_GENERATE_H
