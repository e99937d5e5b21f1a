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
#include "loom-c/Tokenizer.h"
#include "loom/Driver/CompileCache.h"
#include "loom/Support/RegularFile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
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
struct Options {
  std::string model, testData, outputDir, cacheDir;
  std::vector<std::string> inputFiles;
  double rtol = 1e-4, atol = 1e-5;
  int threads = 0, repeat = 1;
  // --generate
  bool generate = false;
  std::string promptTokens, stopTokens;
  std::optional<std::string> stopTokensGiven;
  // Text in and out through a tokenizer.
  std::string tokenizer, promptFile, decodeTokens;
  // Speculation's per-node acceptance, written for loom-compile --tree=search.
  std::string acceptanceProfile;
  std::optional<std::string> prompt;
  bool encode = false, decode = false, ignoreEos = false;
  double maxTokens = 128, temperature = 0, topK = 0, topP = 1, minP = 0, repetitionPenalty = 1,
         seed = 0, contextLength = 0;
  bool sampling = false; // any sampling option given
  // Sampling branches: --num-samples N or --best-of N.
  std::optional<double> numSamples, bestOf, beams;
  double lengthPenalty = 1;
  bool lengthPenaltyGiven = false, earlyStopping = false;
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
    "Generation (a model compiled with --generate, or an .onnx decoder):\n"
    "  --generate               generate tokens; prints their ids on one line\n"
    "  --prompt-tokens \"1 2 3\"  the prompt's token ids (required)\n"
    "  --max-tokens N           tokens to generate at most (default 128)\n"
    "  --temperature T          0 = greedy (default)\n"
    "  --top-k K  --top-p P  --min-p M  --repetition-penalty R  --seed S\n"
    "  --stop-tokens \"2,7\"     ids that end generation (commas or spaces)\n"
    "  --context-length N       KV cache positions when compiling an .onnx (default 2048)\n"
    "  --acceptance-profile F   (--speculate models) write how often each speculation tree\n"
    "                           node was drafted and accepted to F, for loom-compile\n"
    "                           --tree=search:N:F\n"
    "Branches (one prompt, its prefill run once; branch i samples with seed S + i):\n"
    "  --num-samples N          N sampled continuations; one line per branch, in order,\n"
    "                           with its log-probability and score\n"
    "  --best-of N              the same, best score first (the first line is the answer);\n"
    "                           with --tokenizer, each line's text has \\n for line breaks\n"
    "  --beams W                beam search of width W (no sampling options): the W\n"
    "                           best finished hypotheses, best first\n"
    "  --early-stopping         --beams: end when W hypotheses are finished\n"
    "  --length-penalty L       score = log-probability / tokens^L (default 1)\n"
    "Text (llama2.c tokenizer.bin, Hugging Face tokenizer.json, SentencePiece .model):\n"
    "  --tokenizer FILE         print the prompt and the generated text, streamed as\n"
    "                           it is made; stop at the tokenizer's end of text (EOS;\n"
    "                           llama2.c: EOS or BOS) unless --stop-tokens or\n"
    "                           --ignore-eos is given\n"
    "  --prompt TEXT            the prompt as UTF-8 text (instead of --prompt-tokens)\n"
    "  --prompt-file FILE       the prompt as the text of FILE\n"
    "  --ignore-eos             do not stop at the tokenizer's end of text\n"
    "  --encode                 print the ids of --prompt/--prompt-file (no MODEL needed)\n"
    "  --decode \"1 2 3\"         print the text of these ids (no MODEL needed)\n"
    "Exit status: 0 outputs match (or were written), 1 an output differs, 2 an error.\n";

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
                       std::to_string(sizeof(T) * 8) + " bits, got '" + text + "'"),
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
    } else if (arg == "--num-samples" || arg == "--best-of" || arg == "--beams") {
      auto &slot = arg == "--num-samples" ? o.numSamples : arg == "--best-of" ? o.bestOf : o.beams;
      slot.emplace();
      ok = number(*slot);
    } else if (arg == "--length-penalty") {
      ok = number(o.lengthPenalty);
      o.lengthPenaltyGiven = true;
    } else if (arg == "--temperature" || arg == "--top-k" || arg == "--top-p" ||
               arg == "--min-p" || arg == "--repetition-penalty" || arg == "--seed") {
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
  bool textPrompt = o.prompt || !o.promptFile.empty();
  // With --generate, the library's embedded tokenizer (loom-compile
  // --tokenizer) may serve; runGenerate says so when it has none.
  if ((((textPrompt || o.ignoreEos) && !o.generate) || o.encode || o.decode) &&
      o.tokenizer.empty())
    return error("--prompt, --prompt-file, --encode, --decode and --ignore-eos need "
                 "--tokenizer FILE"),
           false;
  if (o.prompt && !o.promptFile.empty())
    return error("give either --prompt or --prompt-file, not both"), false;
  if (textPrompt && !o.promptTokens.empty())
    return error("give either a text prompt (--prompt, --prompt-file) or --prompt-tokens, "
                 "not both"),
           false;
  if (o.encode && o.decode)
    return error("give either --encode or --decode, not both"), false;
  if (o.encode && !textPrompt)
    return error("--encode needs --prompt TEXT or --prompt-file FILE"), false;
  if (o.encode || o.decode) {
    if (o.generate)
      return error("--encode and --decode do not generate: leave out --generate"), false;
    return true; // a model is not needed
  }
  if (o.model.empty())
    return error("no model given (see --help)"), false;
  if (!o.tokenizer.empty() && !o.generate)
    return error("--tokenizer needs --generate, --encode or --decode"), false;
  if (!o.testData.empty() && !o.inputFiles.empty())
    return error("give either --test-data or input files, not both"), false;
  if (!(o.rtol >= 0) || !(o.atol >= 0))
    return error("--rtol and --atol must be 0 or more"), false;
  // A repeat count of 0 or less once ran the model once and said nothing.
  if (o.repeat < 1)
    return error("--repeat must be 1 or more, got " + std::to_string(o.repeat)), false;
  if (o.threads < 0 || o.threads > LOOM_MAX_THREADS)
    return error("--threads must be 0 (one per core) to " + std::to_string(LOOM_MAX_THREADS)),
           false;
  if (!o.generate && (!o.promptTokens.empty() || o.sampling))
    return error("--prompt-tokens and the sampling options need --generate"), false;
  if (!o.generate && textPrompt)
    return error("--prompt and --prompt-file need --generate (or --encode)"), false;
  if (o.generate && o.promptTokens.empty() && !textPrompt)
    return error(o.tokenizer.empty()
                     ? "--generate needs --prompt-tokens \"ID ID ...\""
                     : "--generate needs --prompt TEXT, --prompt-file FILE or --prompt-tokens"),
           false;
  if (o.generate && (!o.testData.empty() || !o.inputFiles.empty()))
    return error("--generate takes no tensor files"), false;
  if (!o.generate && (o.numSamples || o.bestOf || o.beams || o.lengthPenaltyGiven ||
                      o.earlyStopping))
    return error("--num-samples, --best-of, --beams, --length-penalty and --early-stopping "
                 "need --generate"),
           false;
  if (int(o.numSamples.has_value()) + int(o.bestOf.has_value()) + int(o.beams.has_value()) > 1)
    return error("give one of --num-samples, --best-of and --beams"), false;
  if (o.beams && o.sampling)
    return error("beam search keeps the most likely beams: --beams takes no sampling options "
                 "(--temperature, --top-k, --top-p, --min-p, --repetition-penalty, --seed)"),
           false;
  if (o.earlyStopping && !o.beams)
    return error("--early-stopping applies to --beams"), false;
  if (!o.acceptanceProfile.empty() && (!o.generate || o.numSamples || o.bestOf || o.beams))
    return error("--acceptance-profile measures speculation in --generate (one sequence, not "
                 "--num-samples, --best-of or --beams)"),
           false;
  for (auto [name, value] : {std::pair{"--num-samples", o.numSamples}, {"--best-of", o.bestOf},
                             {"--beams", o.beams}})
    if (value && !(*value >= 1 && *value <= LOOM_MAX_BRANCHES && *value == std::floor(*value)))
      return error(llvm::Twine(name) + " must be a whole number from 1 to " +
                   llvm::Twine(LOOM_MAX_BRANCHES)),
             false;
  if (o.lengthPenaltyGiven && !o.bestOf && !o.beams)
    return error("--length-penalty scores the branches of --best-of and --beams"), false;
  if (!(o.lengthPenalty >= 0) || std::isinf(o.lengthPenalty))
    return error("--length-penalty must be 0 or more"), false;
  auto integral = [](double v) { return v == std::floor(v) && std::abs(v) < 9e15; };
  for (auto [name, v] : {std::pair<const char *, double>{"--max-tokens", o.maxTokens},
                         {"--top-k", o.topK}, {"--seed", o.seed},
                         {"--context-length", o.contextLength}})
    if (!integral(v) || v < 0)
      return error(llvm::Twine(name) + " must be a whole number >= 0"), false;
  return true;
}

/// "1 2 3" or "1,2,3" -> {1, 2, 3} (loom-compile's --stop-tokens takes both
/// forms too); false after printing what is wrong.
bool parseTokens(StringRef option, StringRef text, std::vector<int64_t> &out) {
  llvm::SmallVector<StringRef> words;
  llvm::SplitString(text, words, " ,\t\n");
  for (StringRef w : words) {
    int64_t v;
    if (w.getAsInteger(10, v))
      return error(option + " takes integers separated by spaces or commas; '" + w +
                   "' is not one"),
             false;
    out.push_back(v);
  }
  return true;
}

int printToken(int64_t token, void *first) {
  bool &isFirst = *static_cast<bool *>(first);
  llvm::outs() << (isFirst ? "" : " ") << token;
  isFirst = false;
  llvm::outs().flush(); // stream tokens as they come
  return 0;
}

/// A loaded tokenizer, destroyed with its owner.
struct Tokenizer {
  loom_tokenizer *handle = nullptr;
  loom_detokenizer *stream = nullptr;
  ~Tokenizer() {
    loom_detokenizer_destroy(stream);
    loom_tokenizer_destroy(handle);
  }
};

/// Loads --tokenizer into `t`; false after printing why not.
bool loadTokenizer(const Options &o, Tokenizer &t) {
  if (loom_tokenizer_load(o.tokenizer.c_str(), &t.handle) != LOOM_OK ||
      loom_detokenizer_create(t.handle, &t.stream) != LOOM_OK)
    return error(loom_last_error()), false;
  return true;
}

/// The text prompt's token ids (with the tokenizer's leading BOS or
/// template); false after printing what is wrong.
bool encodePrompt(const Options &o, const Tokenizer &t, std::vector<int64_t> &ids) {
  std::string text;
  if (o.prompt) {
    text = *o.prompt;
  } else {
    auto file = loom::readRegularFile(o.promptFile);
    if (!file)
      return error("cannot read the prompt file '" + o.promptFile +
                   "': " + loom::readErrorMessage(file.getError())),
             false;
    text = (*file)->getBuffer().str();
  }
  if (text.empty())
    return error("the prompt is empty: give some text, or --prompt-tokens with the "
                 "beginning-of-sequence id to start from nothing"),
           false;
  int64_t *tokens = nullptr;
  size_t count = 0;
  if (loom_tokenizer_encode(t.handle, text.data(), text.size(), /*add_bos=*/1, &tokens,
                            &count) != LOOM_OK)
    return error("the prompt: " + llvm::Twine(loom_last_error())), false;
  ids.assign(tokens, tokens + count);
  std::free(tokens);
  return true;
}

/// Prints the text `token` completes and flushes it, so that a reader sees
/// each token as it is made; nonzero (stop) when the token cannot be decoded.
int printText(int64_t token, void *stream) {
  const char *text;
  size_t length;
  if (loom_detokenizer_push(static_cast<loom_detokenizer *>(stream), token, &text, &length) !=
      LOOM_OK)
    return 1;
  llvm::outs().write(text, length);
  llvm::outs().flush();
  return 0;
}

/// --encode and --decode: the tokenizer alone.
int runTokenizer(const Options &o) {
  Tokenizer t;
  if (!loadTokenizer(o, t))
    return 2;
  if (o.encode) {
    std::vector<int64_t> ids;
    if (!encodePrompt(o, t, ids))
      return 2;
    for (size_t i = 0; i < ids.size(); ++i)
      llvm::outs() << (i ? " " : "") << ids[i];
    llvm::outs() << "\n";
    return 0;
  }
  std::vector<int64_t> ids;
  if (!parseTokens("--decode", o.decodeTokens, ids))
    return 2;
  char *text = nullptr;
  size_t length = 0;
  if (loom_tokenizer_decode(t.handle, ids.data(), ids.size(), &text, &length) != LOOM_OK)
    return error(loom_last_error());
  llvm::outs().write(text, length) << "\n";
  std::free(text);
  return 0;
}

/// --num-samples / --best-of: every branch's line after the run, "branch B
/// log-prob LP score S: " and its ids (or its text, with --tokenizer, line
/// breaks written \n).
int runBranches(loom_model *model, const Options &o, const Tokenizer &t,
                const std::vector<int64_t> &prompt, const loom_generate_options &options) {
  loom_branch_options branches;
  loom_branch_options_init(&branches);
  branches.num_branches =
      int64_t(o.numSamples ? *o.numSamples : o.bestOf ? *o.bestOf : *o.beams);
  branches.best_of = o.bestOf.has_value();
  branches.beam_search = o.beams.has_value();
  branches.early_stopping = o.earlyStopping;
  branches.length_penalty = float(o.lengthPenalty);
  // Room for every branch's tokens: no more than the context leaves.
  int64_t room = loom_model_context_length(model) - int64_t(prompt.size()) + 1;
  loom_generate_options capped = options;
  capped.max_new_tokens = std::max<int64_t>(1, std::min(options.max_new_tokens, room));
  std::vector<int64_t> tokens;
  std::vector<loom_branch_result> results(size_t(branches.num_branches));
  if (uint64_t(capped.max_new_tokens) * uint64_t(branches.num_branches) > (1ull << 28))
    return error("--max-tokens " + llvm::Twine(capped.max_new_tokens) + " for " +
                 llvm::Twine(branches.num_branches) + " branches needs too much memory");
  tokens.resize(size_t(capped.max_new_tokens * branches.num_branches));
  loom_generate_stats stats;
  if (loom_model_generate_branches(model, prompt.data(), prompt.size(), &capped, &branches,
                                   nullptr, nullptr, tokens.data(), results.data(),
                                   &stats) != LOOM_OK)
    return error(loom_last_error());
  // A beam search may finish fewer hypotheses than its width.
  if (o.beams)
    while (!results.empty() && results.back().num_tokens == 0 && results.back().tokens == nullptr)
      results.pop_back();
  for (const loom_branch_result &r : results) {
    llvm::outs() << llvm::format("branch %lld log-prob %.4f score %.4f:", (long long)r.branch,
                                 r.log_prob, r.score);
    if (t.handle) {
      char *text = nullptr;
      size_t length = 0;
      if (loom_tokenizer_decode(t.handle, r.tokens, r.num_tokens, &text, &length) != LOOM_OK)
        return error(loom_last_error());
      // One line per branch: the text's line breaks and backslashes escaped.
      llvm::outs() << " ";
      for (char ch : llvm::StringRef(text, length))
        llvm::outs() << (ch == '\n' ? "\\n" : ch == '\\' ? "\\\\" : llvm::StringRef(&ch, 1));
      std::free(text);
    } else {
      for (size_t i = 0; i < r.num_tokens; ++i)
        llvm::outs() << " " << r.tokens[i];
    }
    llvm::outs() << "\n";
  }
  llvm::outs().flush();
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  llvm::errs() << llvm::format("loom-run: %lld %s after one prefill of %lld tokens in "
                               "%.4f s; %lld %s in %.4f s (%.1f per s)\n",
                               (long long)branches.num_branches, o.beams ? "beams" : "branches",
                               (long long)stats.prompt_tokens, stats.prefill_seconds,
                               (long long)stats.generated_tokens,
                               o.beams ? "steps" : "tokens", stats.decode_seconds,
                               rate(double(stats.generated_tokens), stats.decode_seconds));
  return 0;
}

int runGenerate(loom_model *model, const Options &o) {
  if (!loom_model_is_generator(model))
    return error("the model computes one step, not generation: compile it with "
                 "loom-compile --generate (or give loom-run the .onnx)");
  Tokenizer t;
  bool textPrompt = o.prompt || !o.promptFile.empty();
  if (o.tokenizer.empty() && (textPrompt || o.ignoreEos)) {
    // The tokenizer loom-compile --tokenizer embedded in the library.
    if (loom_model_tokenizer(model, &t.handle) != LOOM_OK)
      return error(llvm::Twine(textPrompt ? "--prompt and --prompt-file" : "--ignore-eos") +
                   " need --tokenizer FILE: " + o.model +
                   " has no embedded tokenizer (loom-compile --tokenizer embeds one)");
    if (loom_detokenizer_create(t.handle, &t.stream) != LOOM_OK)
      return error(loom_last_error());
  } else if (!o.tokenizer.empty()) {
    if (!loadTokenizer(o, t))
      return 2;
    // Ids index the logits: a tokenizer of another size belongs to another
    // model, and its text would be garbage.
    int64_t tokens = loom_tokenizer_vocab_size(t.handle), logits = loom_model_vocab_size(model);
    if (tokens != logits)
      return error("the tokenizer '" + o.tokenizer + "' has " + llvm::Twine(tokens) +
                   " tokens but the model's logits have " + llvm::Twine(logits) +
                   ": the tokenizer belongs to another model");
  }
  std::vector<int64_t> prompt, stops;
  if (o.promptTokens.empty() && !encodePrompt(o, t, prompt))
    return 2;
  if (!parseTokens("--prompt-tokens", o.promptTokens, prompt) ||
      !parseTokens("--stop-tokens", o.stopTokens, stops))
    return 2;
  // The tokenizer's end tokens end the text unless the user chose the stops.
  if (t.handle && !o.stopTokensGiven && !o.ignoreEos) {
    stops.resize(loom_tokenizer_end_tokens(t.handle, nullptr, 0));
    loom_tokenizer_end_tokens(t.handle, stops.data(), stops.size());
  }
  loom_generate_options options;
  loom_generate_options_init(&options);
  options.max_new_tokens = int64_t(o.maxTokens);
  options.temperature = float(o.temperature);
  options.top_k = int64_t(o.topK);
  options.top_p = float(o.topP);
  options.min_p = float(o.minP);
  options.repetition_penalty = float(o.repetitionPenalty);
  options.seed = uint64_t(o.seed);
  options.stop_tokens = stops.data();
  options.num_stop_tokens = stops.size();
  // The cache holds the prompt and the generated tokens but the last (which
  // is never fed back): say so when it will end generation before
  // --max-tokens does.
  int64_t context = loom_model_context_length(model);
  int64_t room = context - int64_t(prompt.size()) + 1;
  if (room >= 0 && room < options.max_new_tokens)
    llvm::errs() << "loom-run: warning: the context of " << context << " positions leaves room "
                 << "for " << room << " of the " << options.max_new_tokens
                 << " --max-tokens after the " << prompt.size()
                 << "-token prompt (loom-compile --context-length sets it)\n";
  loom_generate_stats stats;
  bool first = true;
  loom_status status;
  if (o.numSamples || o.bestOf || o.beams)
    return runBranches(model, o, t, prompt, options);
  std::vector<int64_t> tree(size_t(loom_model_speculation_tree(model, nullptr, 0)));
  loom_model_speculation_tree(model, tree.data(), tree.size());
  std::vector<int64_t> drafted(tree.size()), accepted(tree.size());
  if (!o.acceptanceProfile.empty()) {
    if (tree.empty())
      return error("--acceptance-profile: " + o.model +
                   " was not compiled with speculation (loom-compile --speculate)");
    options.node_drafted = drafted.data();
    options.node_accepted = accepted.data();
  }
  if (t.handle) {
    // Said before any text is printed (loom_model_generate would say it
    // after the prompt's text).
    if (int64_t(prompt.size()) > context)
      return error("the prompt has " + llvm::Twine(prompt.size()) +
                   " tokens, more than the model's context of " + llvm::Twine(context) +
                   " (loom-compile --context-length sets it)");
    // The prompt's text first, decoded by the same stream, so the spacing
    // of the first generated token is the one it has after the prompt.
    std::string echo;
    for (int64_t id : prompt) {
      const char *text;
      size_t length;
      if (loom_detokenizer_push(t.stream, id, &text, &length) != LOOM_OK)
        return error("the prompt: " + llvm::Twine(loom_last_error()));
      echo.append(text, length);
    }
    llvm::outs() << echo;
    llvm::outs().flush();
    status = loom_model_generate(model, prompt.data(), prompt.size(), &options, printText,
                                 t.stream, nullptr, nullptr, &stats);
    const char *rest;
    size_t length;
    loom_detokenizer_flush(t.stream, &rest, &length);
    llvm::outs().write(rest, length);
  } else {
    status = loom_model_generate(model, prompt.data(), prompt.size(), &options, printToken,
                                 &first, nullptr, nullptr, &stats);
  }
  if (status != LOOM_OK)
    return llvm::outs().flush(), error(loom_last_error());
  llvm::outs() << "\n";
  llvm::outs().flush(); // the text's last line before the statistics on stderr
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  llvm::errs() << llvm::format("loom-run: prefill %lld tokens in %.4f s (%.1f tokens/s); "
                               "decode %lld tokens in %.4f s (%.1f tokens/s)\n",
                               (long long)stats.prompt_tokens, stats.prefill_seconds,
                               rate(double(stats.prompt_tokens), stats.prefill_seconds),
                               (long long)(stats.generated_tokens - 1), stats.decode_seconds,
                               rate(double(stats.generated_tokens - 1), stats.decode_seconds));
  if (stats.verify_steps > 0)
    llvm::errs() << llvm::format(
        "loom-run: speculation: %lld verify steps, %.2f tokens per step (%lld of %lld drafted "
        "tokens accepted)\n",
        (long long)stats.verify_steps,
        double(stats.accepted_tokens + stats.verify_steps) / double(stats.verify_steps),
        (long long)stats.accepted_tokens, (long long)stats.drafted_tokens);
  if (!o.acceptanceProfile.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream out(o.acceptanceProfile, ec);
    if (ec)
      return error("--acceptance-profile: cannot write '" + o.acceptanceProfile +
                   "': " + ec.message());
    out << "# loom acceptance profile (loom-run --acceptance-profile): the speculation tree,\n"
           "# then per node how often it was drafted and accepted (node 0, the fed token:\n"
           "# verify steps). loom-compile --tree=search:N:FILE reads it.\n";
    out << "tree";
    for (size_t i = 0; i < tree.size(); ++i)
      out << (i ? "," : " ") << tree[i];
    out << "\n";
    for (size_t i = 0; i < tree.size(); ++i)
      out << "node " << i << " drafted " << drafted[i] << " accepted " << accepted[i] << "\n";
    llvm::errs() << "loom-run: wrote the acceptance profile " << o.acceptanceProfile << "\n";
  }
  return 0;
}

/// The library compiled from `o.model` by the loom-compile next to this
/// tool, through the cache; "" after printing why not.
std::string compileCached(const char *argv0, const Options &o,
                          const std::vector<std::string> &compileArgs) {
  loom::driver::CompileCacheRequest request;
  std::string self = llvm::sys::fs::getMainExecutable(argv0, (void *)&compileCached);
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
    return runTokenizer(o);
  if (loom_set_num_threads(o.threads) != LOOM_OK)
    return error(loom_last_error());

  std::string library = o.model;
  std::vector<std::string> compileArgs;
  if (StringRef(o.model).ends_with(".onnx")) {
    if (o.generate) {
      compileArgs.push_back("--generate");
      if (o.contextLength > 0)
        compileArgs.push_back("--context-length=" + std::to_string(int64_t(o.contextLength)));
    }
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
    return error("cannot silence the output of rank " + std::to_string(loom_model_rank(model)));
  }
  if (!o.generate && loom_model_is_generator(model)) {
    loom_model_unload(model);
    return error("the model was compiled with --generate: run it with --generate "
                 "--prompt-tokens \"ID ...\"");
  }
  if (o.generate) {
    int status = runGenerate(model, o);
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
