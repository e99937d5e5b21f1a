//===- GenerateText.cpp - generation with the embedded tokenizer ----------===//
//
// loom-compile --tokenizer embeds the tokenizer file in the library; these
// entry points take the prompt as text and give the generated text back, so
// that a program linking the library never handles token ids.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Generate.h"
#include "loom-c/Tokenizer.h"

#include "Model.h"
#include "Status.h"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace loomrt;

namespace {
struct DestroyTokenizer {
  void operator()(loom_tokenizer *t) const { loom_tokenizer_destroy(t); }
};
struct DestroyDetokenizer {
  void operator()(loom_detokenizer *d) const { loom_detokenizer_destroy(d); }
};

/// The embedded tokenizer of `model`, parsed by the first call and kept with
/// the model (a tokenizer.json can take a while to parse).
loom_status embeddedTokenizer(loom_model *model, const loom_tokenizer **out) {
  std::lock_guard<std::mutex> lock(model->tokenizerMutex);
  if (!model->tokenizer) {
    loom_tokenizer *fresh = nullptr;
    if (loom_status status = loom_tokenizer_load_bytes(
            model->tokenizerData, model->tokenizerSize, model->tokenizerName.c_str(), &fresh))
      return status;
    model->tokenizer = std::shared_ptr<loom_tokenizer>(fresh, DestroyTokenizer());
  }
  *out = model->tokenizer.get();
  return ok();
}

struct TextStream {
  loom_detokenizer *detokenizer;
  loom_text_callback callback;
  void *userData;
  loom_status error = LOOM_OK;
};

int emitText(int64_t token, void *user) {
  auto *stream = static_cast<TextStream *>(user);
  const char *text = nullptr;
  size_t length = 0;
  if ((stream->error = loom_detokenizer_push(stream->detokenizer, token, &text, &length)))
    return 1;
  return length && stream->callback ? stream->callback(text, length, stream->userData) : 0;
}
} // namespace

extern "C" loom_status loom_model_tokenizer(const loom_model *model, loom_tokenizer **out) {
  if (!model || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_tokenizer: null argument");
  *out = nullptr;
  if (!model->tokenizerData)
    return fail(LOOM_ERROR_UNSUPPORTED, "the model has no embedded tokenizer (loom-compile "
                                        "--generate --tokenizer FILE embeds one)");
  return loom_tokenizer_load_bytes(model->tokenizerData, model->tokenizerSize,
                                   model->tokenizerName.c_str(), out);
}

extern "C" loom_status loom_model_generate_text(loom_model *model, const char *prompt,
                                                const loom_generate_options *options,
                                                loom_text_callback callback, void *userData,
                                                loom_generate_stats *stats) {
  if (!model || !prompt)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_generate_text: null argument");
  if (!model->tokenizerData)
    return fail(LOOM_ERROR_UNSUPPORTED,
                "loom_model_generate_text: the model has no embedded tokenizer (loom-compile "
                "--generate --tokenizer FILE embeds one)");
  if (!*prompt)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_model_generate_text: the prompt is empty");
  const loom_tokenizer *tokenizer = nullptr;
  if (loom_status status = embeddedTokenizer(model, &tokenizer))
    return status;
  int64_t *ids = nullptr;
  size_t count = 0;
  if (loom_status status =
          loom_tokenizer_encode(tokenizer, prompt, std::strlen(prompt), 1, &ids, &count))
    return status;
  std::unique_ptr<int64_t, decltype(&std::free)> prompt_ids(ids, &std::free);
  // Without stop tokens of the caller's, generation ends at the tokenizer's
  // end of text.
  loom_generate_options o;
  loom_generate_options_init(&o);
  if (options)
    o = *options;
  int64_t ends[16];
  if (o.num_stop_tokens == 0) {
    o.num_stop_tokens = std::min<size_t>(loom_tokenizer_end_tokens(tokenizer, ends, 16), 16);
    o.stop_tokens = ends;
  }
  loom_detokenizer *detokenizer = nullptr;
  if (loom_status status = loom_detokenizer_create(tokenizer, &detokenizer))
    return status;
  std::unique_ptr<loom_detokenizer, DestroyDetokenizer> owned(detokenizer);
  // The prompt goes through the stream first: the first generated token's
  // spacing is the one it has after the prompt.
  const char *text;
  size_t length;
  for (size_t i = 0; i < count; ++i)
    if (loom_status status = loom_detokenizer_push(detokenizer, ids[i], &text, &length))
      return status;
  TextStream stream{detokenizer, callback, userData};
  loom_status status = loom_model_generate(model, ids, count, &o, emitText, &stream, nullptr,
                                           nullptr, stats);
  if (status != LOOM_OK)
    return status;
  if (stream.error != LOOM_OK)
    return stream.error;
  if (loom_status flushed = loom_detokenizer_flush(detokenizer, &text, &length))
    return flushed;
  if (length && callback)
    callback(text, length, userData);
  return ok();
}

/// NAME_generate_text of a library compiled with --tokenizer, linked into a
/// program: its model opened from the library's own symbols.
extern "C" loom_status loom_generate_text_linked(const char *signature, void (*entry)(void **),
                                                 const char *tokenizer, const char *prompt,
                                                 const loom_generate_options *options,
                                                 loom_text_callback callback, void *userData,
                                                 loom_generate_stats *stats) {
  loom_model *model = nullptr;
  if (loom_status status = linkedModel(signature, entry, tokenizer, &model))
    return status;
  return loom_model_generate_text(model, prompt, options, callback, userData, stats);
}
