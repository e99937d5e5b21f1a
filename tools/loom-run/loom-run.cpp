//===- loom-run.cpp - run a model on ONNX tensor files ----------*- C++ -*-===//
//
// loom-run MODEL [--test-data DIR | INPUT.pb...] [-o DIR] [--rtol R] [--atol A]
//          [--threads N] [--repeat N]
// loom-run MODEL --generate --prompt-tokens "1 2 3" [--max-tokens N]
//          [--temperature T] [--top-k K] [--top-p P] [--min-p M] [--seed S] ...
// loom-run MODEL --generate --tokenizer FILE --prompt "Once upon a time" ...
// loom-run --tokenizer FILE (--encode --prompt TEXT | --decode "1 2 3")
//
// MODEL is a shared library from `loom-compile --emit=lib` or an .onnx file,
// which is compiled first into a cache (include/loom/Driver/CompileCache.h)
// so that the next run starts at once. Running, checking and comparing is
// loomrt's driver (include/loom-c/Driver.h).
//
// Exit status: 0 every output matches (or was written), 1 an output differs,
// 2 any error (bad model, bad inputs, compile failure).
//
//===----------------------------------------------------------------------===//

#include "loom-c/Driver.h"
#include "loom-c/Generate.h"
#include "loom-c/Runtime.h"
#include "loom/Driver/CompileCache.h"
#include "loom/Driver/Generate.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using llvm::StringRef;

namespace {

// Options are parsed by hand: libLLVM registers a global "threads" option
// of its own, which llvm::cl would refuse to register twice.
struct Options : loom::driver::GenerateRequest {
  std::string testData, outputDir, cacheDir;
  /// loom-compile --partition for an .onnx model (mpirun -np N loom-run ...).
  std::string partition;
  std::vector<std::string> inputFiles;
  double rtol = 1e-4, atol = 1e-5;
  int threads = 0, repeat = 1;
};

constexpr const char *kUsage =
    "usage: loom-run MODEL [--test-data DIR | INPUT.pb...] [options]\n"
    "Runs a model (a .so from loom-compile, or an .onnx compiled on the fly "
    "into a\n"
    "cache) on ONNX TensorProto files.\n"
    "  --test-data DIR   inputs from DIR/input_N.pb; compare with "
    "DIR/output_N.pb\n"
    "  -o DIR            write the outputs as DIR/output_N.pb\n"
    "  --rtol R          relative tolerance for floating point (default 1e-4)\n"
    "  --atol A          absolute tolerance for floating point (default 1e-5)\n"
    "  --threads N       worker threads; 0 = one per core (default)\n"
    "  --repeat N        run N times and print the median time per run\n"
    "  --cache-dir DIR   compiled models (default $LOOM_CACHE_DIR, else "
    "~/.cache/loom)\n"
    "  --partition tp=N  compile an .onnx split across N processes; run as\n"
    "                    mpirun -np N loom-run ... (see docs/partition.md)\n"
    "Generation (a model compiled with --generate, or an .onnx decoder):\n"
    "  --generate               generate tokens; prints their ids on one line\n"
    "  --prompt-tokens \"1 2 3\"  the prompt's token ids (required)\n"
    "  --max-tokens N           tokens to generate at most (default 128)\n"
    "  --temperature T          0 = greedy (default)\n"
    "  --top-k K  --top-p P  --min-p M  --repetition-penalty R  --seed S\n"
    "  --stop-tokens \"2,7\"     ids that end generation (commas or spaces)\n"
    "  --context-length N       KV cache positions when compiling an .onnx "
    "(default 2048)\n"
    "  --acceptance-profile F   (--speculate models) write how often each "
    "speculation tree\n"
    "                           node was drafted and accepted to F, for "
    "loom-compile\n"
    "                           --tree=search:N:F\n"
    "Branches (one prompt, its prefill run once; branch i samples with seed S "
    "+ i):\n"
    "  --num-samples N          N sampled continuations; one line per branch, "
    "in order,\n"
    "                           with its log-probability and score\n"
    "  --best-of N              the same, best score first (the first line is "
    "the answer);\n"
    "                           with --tokenizer, each line's text has \\n for "
    "line breaks\n"
    "  --beams W                beam search of width W (no sampling options): "
    "the W\n"
    "                           best finished hypotheses, best first\n"
    "  --early-stopping         --beams: end when W hypotheses are finished\n"
    "  --length-penalty L       score = log-probability / tokens^L (default "
    "1)\n"
    "Text (llama2.c tokenizer.bin, Hugging Face tokenizer.json, SentencePiece "
    ".model):\n"
    "  --tokenizer FILE         print the prompt and the generated text, "
    "streamed as\n"
    "                           it is made; stop at the tokenizer's end of "
    "text (EOS;\n"
    "                           llama2.c: EOS or BOS) unless --stop-tokens or\n"
    "                           --ignore-eos is given\n"
    "  --prompt TEXT            the prompt as UTF-8 text (instead of "
    "--prompt-tokens)\n"
    "  --prompt-file FILE       the prompt as the text of FILE\n"
    "  --ignore-eos             do not stop at the tokenizer's end of text\n"
    "  --print-ids              print token ids, not text, even with a tokenizer\n"
    "                           (given, or embedded by loom-compile --tokenizer)\n"
    "  --encode                 print the ids of --prompt/--prompt-file (no "
    "MODEL needed)\n"
    "  --decode \"1 2 3\"         print the text of these ids (no MODEL "
    "needed)\n"
    "Exit status: 0 outputs match (or were written), 1 an output differs, 2 an "
    "error.\n";

int error(const llvm::Twine &message) {
  llvm::errs() << "loom-run: " << message << "\n";
  return 2;
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
      using T = std::remove_reference_t<decltype(out)>;
      char *end;
      double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end || !std::isfinite(v))
        return error(arg + " needs a number, got '" + text + "'"), false;
      if constexpr (std::is_integral_v<T>) {
        // Checked before the conversion, which is undefined out of range.
        if (v != std::floor(v) || v < double(std::numeric_limits<T>::min()) ||
            v >= -double(std::numeric_limits<T>::min()))
          return error(arg + " needs a whole number that fits " +
                       std::to_string(sizeof(T) * 8) + " bits, got '" + text +
                       "'"),
                 false;
      }
      out = static_cast<T>(v);
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
    } else if (arg == "--partition") {
      ok = value(o.partition);
    } else if (arg == "--rtol") {
      ok = number(o.rtol);
    } else if (arg == "--atol") {
      ok = number(o.atol);
    } else if (arg == "--threads") {
      ok = number(o.threads);
    } else if (arg == "--repeat") {
      ok = number(o.repeat);
    } else if (arg == "--generate") {
      o.generate = true;
    } else if (arg == "--prompt-tokens") {
      ok = value(o.promptTokens);
    } else if (arg == "--stop-tokens") {
      ok = value(o.stopTokens);
      o.stopTokensGiven = o.stopTokens;
    } else if (arg == "--tokenizer") {
      ok = value(o.tokenizer);
    } else if (arg == "--prompt") {
      o.prompt.emplace();
      ok = value(*o.prompt);
    } else if (arg == "--prompt-file") {
      ok = value(o.promptFile);
    } else if (arg == "--acceptance-profile") {
      ok = value(o.acceptanceProfile);
    } else if (arg == "--ignore-eos") {
      o.ignoreEos = true;
    } else if (arg == "--print-ids") {
      o.printIds = true;
    } else if (arg == "--encode") {
      o.encode = true;
    } else if (arg == "--decode") {
      o.decode = true;
      ok = value(o.decodeTokens);
    } else if (arg == "--max-tokens") {
      ok = number(o.maxTokens);
    } else if (arg == "--context-length") {
      ok = number(o.contextLength);
    } else if (arg == "--early-stopping") {
      o.earlyStopping = true;
    } else if (arg == "--num-samples" || arg == "--best-of" ||
               arg == "--beams") {
      auto &slot = arg == "--num-samples" ? o.numSamples
                   : arg == "--best-of"   ? o.bestOf
                                          : o.beams;
      slot.emplace();
      ok = number(*slot);
    } else if (arg == "--length-penalty") {
      ok = number(o.lengthPenalty);
      o.lengthPenaltyGiven = true;
    } else if (arg == "--temperature" || arg == "--top-k" || arg == "--top-p" ||
               arg == "--min-p" || arg == "--repetition-penalty" ||
               arg == "--seed") {
      double &slot = arg == "--temperature" ? o.temperature
                     : arg == "--top-k"     ? o.topK
                     : arg == "--top-p"     ? o.topP
                     : arg == "--min-p"     ? o.minP
                     : arg == "--seed"      ? o.seed
                                            : o.repetitionPenalty;
      ok = number(slot);
      o.sampling = true;
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
  if (std::optional<std::string> wrong = loom::driver::checkGenerateRequest(o))
    return error(*wrong), false;
  if (o.encode || o.decode)
    return true; // a model is not needed
  if (!o.partition.empty() && !StringRef(o.model).ends_with(".onnx"))
    return error("--partition compiles an .onnx model; " + o.model +
                 " is compiled already (loom-compile --partition makes a partitioned one)"),
           false;
  if (!o.testData.empty() && !o.inputFiles.empty())
    return error("give either --test-data or input files, not both"), false;
  if (!(o.rtol >= 0) || !(o.atol >= 0))
    return error("--rtol and --atol must be 0 or more"), false;
  // A repeat count of 0 or less once ran the model once and said nothing.
  if (o.repeat < 1)
    return error("--repeat must be 1 or more, got " + std::to_string(o.repeat)),
           false;
  if (o.threads < 0 || o.threads > LOOM_MAX_THREADS)
    return error("--threads must be 0 (one per core) to " +
                 std::to_string(LOOM_MAX_THREADS)),
           false;
  if (o.generate && (!o.testData.empty() || !o.inputFiles.empty()))
    return error("--generate takes no tensor files"), false;
  return true;
}

/// The library compiled from `o.model` by the loom-compile next to this
/// tool, through the cache; "" after printing why not.
std::string compileCached(const char *argv0, const Options &o,
                          const std::vector<std::string> &compileArgs) {
  loom::driver::CompileCacheRequest request;
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&compileCached);
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "loom-compile");
  request.onnx = o.model;
  request.compiler = compiler.str().str();
  request.cacheDir = o.cacheDir;
  request.compileArgs = compileArgs;
  request.tool = "loom-run";
  llvm::Expected<std::string> library = loom::driver::compileCached(request);
  if (!library) {
    error(llvm::toString(library.takeError()));
    return "";
  }
  return *library;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  Options o;
  if (!parseArgs(argc, argv, o))
    return 2;
  if (o.encode || o.decode)
    return loom::driver::runTokenizerCommand(o);
  if (loom_set_num_threads(o.threads) != LOOM_OK)
    return error(loom_last_error());

  std::string library = o.model;
  std::vector<std::string> compileArgs;
  if (StringRef(o.model).ends_with(".onnx")) {
    if (o.generate) {
      compileArgs.push_back("--generate");
      if (o.contextLength > 0)
        compileArgs.push_back("--context-length=" +
                              std::to_string(int64_t(o.contextLength)));
    }
    if (!o.partition.empty())
      compileArgs.push_back("--partition=" + o.partition);
    library = compileCached(argv[0], o, compileArgs);
    if (library.empty())
      return 2;
  }
  loom_model *model = nullptr;
  if (loom_model_load(library.c_str(), &model) != LOOM_OK) {
    if (library == o.model)
      return error(loom_last_error());
    // A cache entry damaged after it was written (a full disk, a crash, a
    // hand edit) is compiled again rather than failing on every run.
    llvm::errs() << "loom-run: the cached " << library << " does not load ("
                 << loom_last_error() << "); compiling again\n";
    llvm::sys::fs::remove(library);
    library = compileCached(argv[0], o, compileArgs);
    if (library.empty())
      return 2;
    if (loom_model_load(library.c_str(), &model) != LOOM_OK)
      return error(loom_last_error());
  }

  // A partitioned model runs as several processes (mpirun -np N) that all
  // compute the same tokens and outputs: rank 0 prints them.
  if (loom_model_rank(model) != 0 && !std::freopen("/dev/null", "w", stdout)) {
    loom_model_unload(model);
    return error("cannot silence the output of rank " +
                 std::to_string(loom_model_rank(model)));
  }
  if (!o.generate && loom_model_is_generator(model)) {
    loom_model_unload(model);
    return error(
        "the model was compiled with --generate: run it with --generate "
        "--prompt-tokens \"ID ...\"");
  }
  if (o.generate) {
    int status = loom::driver::runGenerate(model, o);
    loom_model_unload(model);
    return status;
  }
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
