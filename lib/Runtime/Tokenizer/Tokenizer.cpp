//===- Tokenizer.cpp - the C API of loomrt's tokenizers -------------------===//
//
// Checks what callers pass, recognizes a file's format, and streams decoded
// bytes through utf8::Stream so that text handed out is always whole UTF-8.
// The formats themselves are in Llama2c.cpp and HuggingFace.cpp.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Tokenizer.h"

#include "Files.h"
#include "Status.h"
#include "Tokenizer/Tokenizer.h"
#include "Tokenizer/Utf8.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <queue>
#include <unistd.h>

using namespace loomrt;
using namespace loomrt::tokenizer;

struct loom_tokenizer {
  std::unique_ptr<Tokenizer> impl;
};

struct loom_detokenizer {
  const Tokenizer *tokenizer;
  DecodeState state;
  utf8::Stream stream;
  std::string bytes, text; // scratch; `text` is what the last call returned
};

//===----------------------------------------------------------------------===//
// BPE merging
//===----------------------------------------------------------------------===//

void tokenizer::mergePairs(
    std::vector<int64_t> &symbols,
    const std::function<bool(int64_t, int64_t, double &, int64_t &)> &merge) {
  const int64_t n = int64_t(symbols.size());
  if (n < 2)
    return;
  // A doubly linked list over the initial symbols; a merge keeps the left
  // node (its position orders ties) and unlinks the right one.
  const size_t count = symbols.size();
  std::vector<int64_t> prev(count), next(count);
  std::vector<int64_t> &id = symbols;
  std::vector<bool> alive(count, true);
  for (int64_t i = 0; i < n; ++i) {
    prev[size_t(i)] = i - 1;
    next[size_t(i)] = i + 1 < n ? i + 1 : -1;
  }
  struct Candidate {
    double priority;
    int64_t left, right, leftId, rightId, merged;
  };
  auto lower = [](const Candidate &a, const Candidate &b) {
    if (a.priority != b.priority)
      return a.priority < b.priority;
    return a.left > b.left;
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(lower)> heap(lower);
  auto consider = [&](int64_t left, int64_t right) {
    if (left < 0 || right < 0)
      return;
    double priority;
    int64_t merged;
    if (merge(id[size_t(left)], id[size_t(right)], priority, merged))
      heap.push({priority, left, right, id[size_t(left)], id[size_t(right)], merged});
  };
  for (int64_t i = 0; i + 1 < n; ++i)
    consider(i, i + 1);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    // Entries are never removed: one whose pair has changed since is stale.
    // A node's id only ever names a longer piece, so an id seen again is the
    // same pair.
    size_t l = size_t(c.left), r = size_t(c.right);
    if (!alive[l] || !alive[r] || next[l] != c.right || id[l] != c.leftId ||
        id[r] != c.rightId)
      continue;
    id[l] = c.merged;
    alive[r] = false;
    next[l] = next[r];
    if (next[r] >= 0)
      prev[size_t(next[r])] = c.left;
    consider(prev[l], c.left);
    consider(c.left, next[l]);
  }
  size_t kept = 0;
  for (int64_t i = 0; i >= 0; i = next[size_t(i)])
    id[kept++] = id[size_t(i)];
  id.resize(kept);
}

//===----------------------------------------------------------------------===//
// Loading
//===----------------------------------------------------------------------===//

/// Tokenizer files are small (a few MB for a 128k vocabulary); anything
/// past this is not one, and is refused before allocating for it.
static constexpr size_t kMaxTokenizerFileBytes = size_t(1) << 30;

static loom_status loadTokenizer(const std::string &data, std::string_view name,
                                 const std::string &what, loom_tokenizer **out);

extern "C" loom_status loom_tokenizer_load(const char *path, loom_tokenizer **out) {
  if (!path || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tokenizer_load: null argument");
  *out = nullptr;
  std::string what = "the tokenizer '" + std::string(path) + "'";
  int fd;
  size_t size;
  if (loom_status status = openRegularFile(path, what, fd, size))
    return status;
  if (size > kMaxTokenizerFileBytes) {
    close(fd);
    return fail(LOOM_ERROR_FORMAT, what + " is " + std::to_string(size) +
                                       " bytes, too large for a tokenizer file");
  }
  std::string data(size, '\0');
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, data.data() + done, size - done, off_t(done));
    if (n <= 0) {
      close(fd);
      return fail(LOOM_ERROR_IO, "cannot read " + what + ": " +
                                     (n < 0 ? std::strerror(errno) : "it became shorter"));
    }
    done += size_t(n);
  }
  close(fd);
  return loadTokenizer(data, path, what, out);
}

/// The tokenizer in `data`, its format told by the contents and `name`.
static loom_status loadTokenizer(const std::string &data, std::string_view name,
                                 const std::string &what, loom_tokenizer **out) {
  size_t first = data.find_first_not_of(" \t\r\n");
  std::unique_ptr<Tokenizer> impl;
  loom_status status;
  if (first != std::string::npos && data[first] == '{')
    status = loadHuggingFace(data, what, impl);
  else if (name.size() >= 6 && name.substr(name.size() - 6) == ".model")
    status = loadSentencePiece(data, what, impl);
  else
    status = loadLlama2c(data, what, impl);
  if (status != LOOM_OK)
    return status;
  auto *t = new (std::nothrow) loom_tokenizer{std::move(impl)};
  if (!t)
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "out of memory loading " + what);
  *out = t;
  return ok();
}

extern "C" loom_status loom_tokenizer_load_bytes(const void *data, size_t size,
                                                 const char *name, loom_tokenizer **out) {
  if (!data || !name || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tokenizer_load_bytes: null argument");
  *out = nullptr;
  std::string what = "the tokenizer '" + std::string(name) + "'";
  if (size > kMaxTokenizerFileBytes)
    return fail(LOOM_ERROR_FORMAT, what + " is " + std::to_string(size) +
                                       " bytes, too large for a tokenizer file");
  return loadTokenizer(std::string(static_cast<const char *>(data), size), name, what, out);
}

extern "C" void loom_tokenizer_destroy(loom_tokenizer *t) { delete t; }

extern "C" loom_tokenizer_kind loom_tokenizer_get_kind(const loom_tokenizer *t) {
  return t ? t->impl->kind : loom_tokenizer_kind(0);
}
extern "C" int64_t loom_tokenizer_vocab_size(const loom_tokenizer *t) {
  return t ? t->impl->vocabSize() : 0;
}
extern "C" int64_t loom_tokenizer_bos(const loom_tokenizer *t) { return t ? t->impl->bos : -1; }
extern "C" int64_t loom_tokenizer_eos(const loom_tokenizer *t) { return t ? t->impl->eos : -1; }
extern "C" size_t loom_tokenizer_end_tokens(const loom_tokenizer *t, int64_t *out,
                                            size_t capacity) {
  if (!t)
    return 0;
  const std::vector<int64_t> &ends = t->impl->endTokens;
  for (size_t i = 0; i < ends.size() && i < capacity && out; ++i)
    out[i] = ends[i];
  return ends.size();
}
extern "C" const char *loom_tokenizer_piece(const loom_tokenizer *t, int64_t token) {
  if (!t || token < 0 || token >= t->impl->vocabSize())
    return nullptr;
  return t->impl->pieces[size_t(token)].c_str();
}

//===----------------------------------------------------------------------===//
// Encoding and decoding
//===----------------------------------------------------------------------===//

/// A malloc'ed copy of `v` for the caller to free() (NULL when empty).
template <typename T>
static loom_status copyOut(const T *data, size_t count, size_t extra, T **out) {
  *out = nullptr;
  if (count + extra == 0)
    return LOOM_OK;
  auto *copy = static_cast<T *>(std::malloc((count + extra) * sizeof(T)));
  if (!copy)
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "out of memory for the tokenizer's result");
  if (count)
    std::memcpy(copy, data, count * sizeof(T));
  *out = copy;
  return LOOM_OK;
}

extern "C" loom_status loom_tokenizer_encode(const loom_tokenizer *t, const char *text,
                                             size_t textLength, int addBos, int64_t **tokens,
                                             size_t *numTokens) {
  if (tokens)
    *tokens = nullptr;
  if (numTokens)
    *numTokens = 0;
  if (!t || !tokens || !numTokens || (!text && textLength))
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tokenizer_encode: null argument");
  std::string_view view(text ? text : "", textLength);
  size_t bad = utf8::firstInvalid(view);
  if (bad != std::string_view::npos) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", unsigned(uint8_t(view[bad])));
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                "the text is not valid UTF-8: byte " + std::to_string(bad) + " (" + hex +
                    ") does not begin a complete character");
  }
  std::vector<int64_t> ids;
  if (loom_status status = t->impl->encode(view, addBos != 0, ids))
    return status;
  if (loom_status status = copyOut(ids.data(), ids.size(), 0, tokens))
    return status;
  *numTokens = ids.size();
  return ok();
}

extern "C" loom_status loom_detokenizer_create(const loom_tokenizer *t, loom_detokenizer **out) {
  if (!t || !out)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_detokenizer_create: null argument");
  *out = new (std::nothrow) loom_detokenizer{t->impl.get(), {}, {}, {}, {}};
  if (!*out)
    return fail(LOOM_ERROR_OUT_OF_MEMORY, "out of memory for a detokenizer");
  return ok();
}

extern "C" void loom_detokenizer_destroy(loom_detokenizer *d) { delete d; }

/// Appends the text `token` completes to `d->text` (not cleared first).
static loom_status pushToken(loom_detokenizer *d, int64_t token) {
  const Tokenizer &t = *d->tokenizer;
  if (token < 0 || token >= t.vocabSize())
    return fail(LOOM_ERROR_INVALID_ARGUMENT,
                "token " + std::to_string(token) + " is outside the tokenizer's vocabulary [0, " +
                    std::to_string(t.vocabSize()) + ")");
  d->bytes.clear();
  t.decode(token, d->state, d->bytes);
  d->state.previous = token;
  d->state.wroteText |= !d->bytes.empty();
  d->stream.push(d->bytes, d->text);
  return LOOM_OK;
}

extern "C" loom_status loom_detokenizer_push(loom_detokenizer *d, int64_t token,
                                             const char **text, size_t *textLength) {
  if (!d || !text)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_detokenizer_push: null argument");
  d->text.clear();
  loom_status status = pushToken(d, token);
  *text = d->text.c_str();
  if (textLength)
    *textLength = d->text.size();
  return status == LOOM_OK ? ok() : status;
}

extern "C" loom_status loom_detokenizer_flush(loom_detokenizer *d, const char **text,
                                              size_t *textLength) {
  if (!d || !text)
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_detokenizer_flush: null argument");
  d->text.clear();
  d->stream.flush(d->text);
  d->state = DecodeState();
  *text = d->text.c_str();
  if (textLength)
    *textLength = d->text.size();
  return ok();
}

extern "C" loom_status loom_tokenizer_decode(const loom_tokenizer *t, const int64_t *tokens,
                                             size_t numTokens, char **text,
                                             size_t *textLength) {
  if (text)
    *text = nullptr;
  if (textLength)
    *textLength = 0;
  if (!t || !text || (!tokens && numTokens))
    return fail(LOOM_ERROR_INVALID_ARGUMENT, "loom_tokenizer_decode: null argument");
  loom_detokenizer d{t->impl.get(), {}, {}, {}, {}};
  for (size_t i = 0; i < numTokens; ++i)
    if (loom_status status = pushToken(&d, tokens[i]))
      return status;
  d.stream.flush(d.text);
  // One more byte for the terminator.
  if (loom_status status = copyOut(d.text.data(), d.text.size(), 1, text))
    return status;
  (*text)[d.text.size()] = '\0';
  if (textLength)
    *textLength = d.text.size();
  return ok();
}
