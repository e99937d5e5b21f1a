//===- Generate.cpp - generation and text on the command line ------------===//
//
// loom-run's --generate, --encode and --decode
// (include/loom/Driver/Generate.h).
//
//===----------------------------------------------------------------------===//

#include "loom/Driver/Generate.h"

#include "loom-c/Generate.h"
#include "loom-c/Tokenizer.h"
#include "loom/Support/RegularFile.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

using llvm::StringRef;
using loom::driver::GenerateRequest;

namespace {

int error(const llvm::Twine &message) {
  llvm::errs() << "loom-run: " << message << "\n";
  return 2;
}

/// "1 2 3" or "1,2,3" -> {1, 2, 3} (loom-compile's --stop-tokens takes both
/// forms too); false after printing what is wrong.
bool parseTokens(StringRef option, StringRef text, std::vector<int64_t> &out) {
  llvm::SmallVector<StringRef> words;
  llvm::SplitString(text, words, " ,\t\n");
  for (StringRef w : words) {
    int64_t v;
    if (w.getAsInteger(10, v))
      return error(option + " takes integers separated by spaces or commas; '" +
                   w + "' is not one"),
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
bool loadTokenizer(const GenerateRequest &o, Tokenizer &t) {
  if (loom_tokenizer_load(o.tokenizer.c_str(), &t.handle) != LOOM_OK ||
      loom_detokenizer_create(t.handle, &t.stream) != LOOM_OK)
    return error(loom_last_error()), false;
  return true;
}

/// The text prompt's token ids (with the tokenizer's leading BOS or
/// template); false after printing what is wrong.
bool encodePrompt(const GenerateRequest &o, const Tokenizer &t,
                  std::vector<int64_t> &ids) {
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
    return error("the prompt is empty: give some text, or --prompt-tokens with "
                 "the "
                 "beginning-of-sequence id to start from nothing"),
           false;
  int64_t *tokens = nullptr;
  size_t count = 0;
  if (loom_tokenizer_encode(t.handle, text.data(), text.size(), /*add_bos=*/1,
                            &tokens, &count) != LOOM_OK)
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
  if (loom_detokenizer_push(static_cast<loom_detokenizer *>(stream), token,
                            &text, &length) != LOOM_OK)
    return 1;
  llvm::outs().write(text, length);
  llvm::outs().flush();
  return 0;
}

/// --num-samples / --best-of: every branch's line after the run, "branch B
/// log-prob LP score S: " and its ids (or its text, with --tokenizer, line
/// breaks written \n).
int runBranches(loom_model *model, const GenerateRequest &o, const Tokenizer &t,
                const std::vector<int64_t> &prompt,
                const loom_generate_options &options) {
  loom_branch_options branches;
  loom_branch_options_init(&branches);
  branches.num_branches = int64_t(o.numSamples ? *o.numSamples
                                  : o.bestOf   ? *o.bestOf
                                               : *o.beams);
  branches.best_of = o.bestOf.has_value();
  branches.beam_search = o.beams.has_value();
  branches.early_stopping = o.earlyStopping;
  branches.length_penalty = float(o.lengthPenalty);
  // Room for every branch's tokens: no more than the context leaves.
  int64_t room = loom_model_context_length(model) - int64_t(prompt.size()) + 1;
  loom_generate_options capped = options;
  capped.max_new_tokens =
      std::max<int64_t>(1, std::min(options.max_new_tokens, room));
  std::vector<int64_t> tokens;
  std::vector<loom_branch_result> results(size_t(branches.num_branches));
  if (uint64_t(capped.max_new_tokens) * uint64_t(branches.num_branches) >
      (1ull << 28))
    return error("--max-tokens " + llvm::Twine(capped.max_new_tokens) +
                 " for " + llvm::Twine(branches.num_branches) +
                 " branches needs too much memory");
  tokens.resize(size_t(capped.max_new_tokens * branches.num_branches));
  loom_generate_stats stats;
  if (loom_model_generate_branches(model, prompt.data(), prompt.size(), &capped,
                                   &branches, nullptr, nullptr, tokens.data(),
                                   results.data(), &stats) != LOOM_OK)
    return error(loom_last_error());
  // A beam search may finish fewer hypotheses than its width.
  if (o.beams)
    while (!results.empty() && results.back().num_tokens == 0 &&
           results.back().tokens == nullptr)
      results.pop_back();
  for (const loom_branch_result &r : results) {
    llvm::outs() << llvm::format("branch %lld log-prob %.4f score %.4f:",
                                 (long long)r.branch, r.log_prob, r.score);
    if (t.handle && !o.printIds) {
      char *text = nullptr;
      size_t length = 0;
      if (loom_tokenizer_decode(t.handle, r.tokens, r.num_tokens, &text,
                                &length) != LOOM_OK)
        return error(loom_last_error());
      // One line per branch: the text's line breaks and backslashes escaped.
      llvm::outs() << " ";
      for (char ch : llvm::StringRef(text, length))
        llvm::outs() << (ch == '\n'   ? "\\n"
                         : ch == '\\' ? "\\\\"
                                      : llvm::StringRef(&ch, 1));
      std::free(text);
    } else {
      for (size_t i = 0; i < r.num_tokens; ++i)
        llvm::outs() << " " << r.tokens[i];
    }
    llvm::outs() << "\n";
  }
  llvm::outs().flush();
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  llvm::errs() << llvm::format(
      "loom-run: %lld %s after %lld %s of %lld tokens in "
      "%.4f s; %lld %s in %.4f s (%.1f per s)\n",
      (long long)branches.num_branches, o.beams ? "beams" : "branches",
      (long long)stats.prefill_runs, stats.prefill_runs == 1 ? "prefill" : "prefills",
      (long long)stats.prompt_tokens, stats.prefill_seconds,
      (long long)stats.generated_tokens, o.beams ? "steps" : "tokens",
      stats.decode_seconds,
      rate(double(stats.generated_tokens), stats.decode_seconds));
  return 0;
}

} // namespace

std::optional<std::string>
loom::driver::checkGenerateRequest(const GenerateRequest &o) {
  auto wrong = [](const llvm::Twine &message) {
    return std::optional<std::string>(message.str());
  };
  bool textPrompt = o.prompt || !o.promptFile.empty();
  // With --generate, the library's embedded tokenizer (loom-compile
  // --tokenizer) may serve; runGenerate says so when it has none.
  if ((((textPrompt || o.ignoreEos) && !o.generate) || o.encode || o.decode) &&
      o.tokenizer.empty())
    return wrong(
        "--prompt, --prompt-file, --encode, --decode and --ignore-eos need "
        "--tokenizer FILE");
  if (o.prompt && !o.promptFile.empty())
    return wrong("give either --prompt or --prompt-file, not both");
  if (textPrompt && !o.promptTokens.empty())
    return wrong("give either a text prompt (--prompt, --prompt-file) or "
                 "--prompt-tokens, "
                 "not both");
  if (o.encode && o.decode)
    return wrong("give either --encode or --decode, not both");
  if (o.encode && !textPrompt)
    return wrong("--encode needs --prompt TEXT or --prompt-file FILE");
  if (o.encode || o.decode) {
    if (o.generate)
      return wrong(
          "--encode and --decode do not generate: leave out --generate");
    return std::nullopt; // a model is not needed
  }
  if (o.model.empty())
    return wrong("no model given (see --help)");
  if (!o.tokenizer.empty() && !o.generate)
    return wrong("--tokenizer needs --generate, --encode or --decode");
  if (!o.generate && (!o.promptTokens.empty() || o.sampling))
    return wrong("--prompt-tokens and the sampling options need --generate");
  if (!o.generate && o.printIds)
    return wrong("--print-ids needs --generate");
  if (!o.generate && textPrompt)
    return wrong("--prompt and --prompt-file need --generate (or --encode)");
  if (o.generate && o.promptTokens.empty() && !textPrompt)
    return wrong(o.tokenizer.empty()
                     ? "--generate needs --prompt-tokens \"ID ID ...\""
                     : "--generate needs --prompt TEXT, --prompt-file FILE or "
                       "--prompt-tokens");
  if (!o.generate && (o.numSamples || o.bestOf || o.beams ||
                      o.lengthPenaltyGiven || o.earlyStopping))
    return wrong("--num-samples, --best-of, --beams, --length-penalty and "
                 "--early-stopping "
                 "need --generate");
  if (int(o.numSamples.has_value()) + int(o.bestOf.has_value()) +
          int(o.beams.has_value()) >
      1)
    return wrong("give one of --num-samples, --best-of and --beams");
  if (o.beams && o.sampling)
    return wrong("beam search keeps the most likely beams: --beams takes no "
                 "sampling options "
                 "(--temperature, --top-k, --top-p, --min-p, "
                 "--repetition-penalty, --seed)");
  if (o.earlyStopping && !o.beams)
    return wrong("--early-stopping applies to --beams");
  if (!o.acceptanceProfile.empty() &&
      (!o.generate || o.numSamples || o.bestOf || o.beams))
    return wrong("--acceptance-profile measures speculation in --generate (one "
                 "sequence, not "
                 "--num-samples, --best-of or --beams)");
  for (auto [name, value] : {std::pair{"--num-samples", o.numSamples},
                             {"--best-of", o.bestOf},
                             {"--beams", o.beams}})
    if (value && !(*value >= 1 && *value <= LOOM_MAX_BRANCHES &&
                   *value == std::floor(*value)))
      return wrong(llvm::Twine(name) + " must be a whole number from 1 to " +
                   llvm::Twine(LOOM_MAX_BRANCHES));
  if (o.lengthPenaltyGiven && !o.bestOf && !o.beams)
    return wrong(
        "--length-penalty scores the branches of --best-of and --beams");
  if (!(o.lengthPenalty >= 0) || std::isinf(o.lengthPenalty))
    return wrong("--length-penalty must be 0 or more");
  auto integral = [](double v) {
    return v == std::floor(v) && std::abs(v) < 9e15;
  };
  for (auto [name, v] :
       {std::pair<const char *, double>{"--max-tokens", o.maxTokens},
        {"--top-k", o.topK},
        {"--seed", o.seed},
        {"--context-length", o.contextLength}})
    if (!integral(v) || v < 0)
      return wrong(llvm::Twine(name) + " must be a whole number >= 0");
  return std::nullopt;
}

/// --encode and --decode: the tokenizer alone.
int loom::driver::runTokenizerCommand(const GenerateRequest &o) {
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
  if (loom_tokenizer_decode(t.handle, ids.data(), ids.size(), &text, &length) !=
      LOOM_OK)
    return error(loom_last_error());
  llvm::outs().write(text, length) << "\n";
  std::free(text);
  return 0;
}

int loom::driver::runGenerate(loom_model *model, const GenerateRequest &o) {
  if (!loom_model_is_generator(model))
    return error("the model computes one step, not generation: compile it with "
                 "loom-compile --generate (or give loom-run the .onnx)");
  Tokenizer t;
  bool textPrompt = o.prompt || !o.promptFile.empty();
  if (o.tokenizer.empty()) {
    // The tokenizer loom-compile --tokenizer embedded in the library serves
    // as --tokenizer FILE would (text out, its end tokens stop), as it does
    // in Python; --print-ids keeps the ids.
    if (loom_model_tokenizer(model, &t.handle) == LOOM_OK) {
      if (loom_detokenizer_create(t.handle, &t.stream) != LOOM_OK)
        return error(loom_last_error());
    } else if (textPrompt || o.ignoreEos) {
      return error(
          llvm::Twine(textPrompt ? "--prompt and --prompt-file"
                                 : "--ignore-eos") +
          " need --tokenizer FILE: " + o.model +
          " has no embedded tokenizer (loom-compile --tokenizer embeds one)");
    }
  } else if (!o.tokenizer.empty()) {
    if (!loadTokenizer(o, t))
      return 2;
    // Ids index the logits: a tokenizer of another size belongs to another
    // model, and its text would be garbage.
    int64_t tokens = loom_tokenizer_vocab_size(t.handle),
            logits = loom_model_vocab_size(model);
    if (tokens != logits)
      return error(
          "the tokenizer '" + o.tokenizer + "' has " + llvm::Twine(tokens) +
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
    llvm::errs() << "loom-run: warning: the context of " << context
                 << " positions leaves room "
                 << "for " << room << " of the " << options.max_new_tokens
                 << " --max-tokens after the " << prompt.size()
                 << "-token prompt (loom-compile --context-length sets it)\n";
  loom_generate_stats stats;
  bool first = true;
  loom_status status;
  if (o.numSamples || o.bestOf || o.beams)
    return runBranches(model, o, t, prompt, options);
  std::vector<int64_t> tree(
      size_t(loom_model_speculation_tree(model, nullptr, 0)));
  loom_model_speculation_tree(model, tree.data(), tree.size());
  std::vector<int64_t> drafted(tree.size()), accepted(tree.size());
  if (!o.acceptanceProfile.empty()) {
    if (tree.empty())
      return error(
          "--acceptance-profile: " + o.model +
          " was not compiled with speculation (loom-compile --speculate)");
    options.node_drafted = drafted.data();
    options.node_accepted = accepted.data();
  }
  if (t.handle && !o.printIds) {
    // Said before any text is printed (loom_model_generate would say it
    // after the prompt's text).
    if (int64_t(prompt.size()) > context)
      return error("the prompt has " + llvm::Twine(prompt.size()) +
                   " tokens, more than the model's context of " +
                   llvm::Twine(context) +
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
    status = loom_model_generate(model, prompt.data(), prompt.size(), &options,
                                 printText, t.stream, nullptr, nullptr, &stats);
    const char *rest;
    size_t length;
    loom_detokenizer_flush(t.stream, &rest, &length);
    llvm::outs().write(rest, length);
  } else {
    status = loom_model_generate(model, prompt.data(), prompt.size(), &options,
                                 printToken, &first, nullptr, nullptr, &stats);
  }
  if (status != LOOM_OK)
    return llvm::outs().flush(), error(loom_last_error());
  llvm::outs() << "\n";
  llvm::outs().flush(); // the text's last line before the statistics on stderr
  auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
  llvm::errs() << llvm::format(
      "loom-run: prefill %lld tokens in %.4f s (%.1f tokens/s); "
      "decode %lld tokens in %.4f s (%.1f tokens/s)\n",
      (long long)stats.prompt_tokens, stats.prefill_seconds,
      rate(double(stats.prompt_tokens), stats.prefill_seconds),
      (long long)(stats.generated_tokens - 1), stats.decode_seconds,
      rate(double(stats.generated_tokens - 1), stats.decode_seconds));
  if (stats.verify_steps > 0)
    llvm::errs() << llvm::format(
        "loom-run: speculation: %lld verify steps, %.2f tokens per step (%lld "
        "of %lld drafted "
        "tokens accepted)\n",
        (long long)stats.verify_steps,
        double(stats.accepted_tokens + stats.verify_steps) /
            double(stats.verify_steps),
        (long long)stats.accepted_tokens, (long long)stats.drafted_tokens);
  if (!o.acceptanceProfile.empty()) {
    std::error_code ec;
    llvm::raw_fd_ostream out(o.acceptanceProfile, ec);
    if (ec)
      return error("--acceptance-profile: cannot write '" +
                   o.acceptanceProfile + "': " + ec.message());
    out << "# loom acceptance profile (loom-run --acceptance-profile): the "
           "speculation tree,\n"
           "# then per node how often it was drafted and accepted (node 0, the "
           "fed token:\n"
           "# verify steps). loom-compile --tree=search:N:FILE reads it.\n";
    out << "tree";
    for (size_t i = 0; i < tree.size(); ++i)
      out << (i ? "," : " ") << tree[i];
    out << "\n";
    for (size_t i = 0; i < tree.size(); ++i)
      out << "node " << i << " drafted " << drafted[i] << " accepted "
          << accepted[i] << "\n";
    llvm::errs() << "loom-run: wrote the acceptance profile "
                 << o.acceptanceProfile << "\n";
  }
  return 0;
}
