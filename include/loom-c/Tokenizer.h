/*===- loom-c/Tokenizer.h - text to token ids and back -----------*- C -*-===*\
|*                                                                            *|
|* loomrt reads the tokenizer files that decoders ship with and turns UTF-8   *|
|* text into token ids (to prompt loom_model_generate) and generated ids back *|
|* into text, one token at a time, so that text can be streamed as it is      *|
|* generated. Formats:                                                        *|
|*  - llama2.c's tokenizer.bin (tok512.bin, tokenizer.bin): scored pieces,    *|
|*    byte fallback <0xNN> as ids 3..258, BOS 1, EOS 2, unk 0;                *|
|*  - Hugging Face tokenizer.json with a BPE model: byte-level BPE as GPT-2   *|
|*    and LLaMA 3 use it, and SentencePiece-style BPE with byte fallback as   *|
|*    LLaMA 2 uses it;                                                        *|
|*  - SentencePiece .model files (through Debian's libsentencepiece).        *|
|*                                                                            *|
|* Conventions are those of loom-c/Runtime.h: every fallible function returns *|
|* a loom_status with a message in loom_last_error(); loomrt never aborts on  *|
|* a bad file or bad text.                                                    *|
|*                                                                            *|
|* Ownership: loom_tokenizer_load returns a tokenizer the caller destroys     *|
|* with loom_tokenizer_destroy. A loom_detokenizer borrows its tokenizer,     *|
|* which must outlive it. Arrays and strings that functions return through    *|
|* `char **` / `int64_t **` are malloc'ed: free() them.                       *|
|* A tokenizer is immutable once loaded: encode and decode may be called from *|
|* several threads at once; a detokenizer belongs to one thread at a time.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef LOOM_C_TOKENIZER_H
#define LOOM_C_TOKENIZER_H

#include "loom-c/Runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct loom_tokenizer loom_tokenizer;

typedef enum loom_tokenizer_kind {
  LOOM_TOKENIZER_LLAMA2C = 1,        /* llama2.c tokenizer.bin */
  LOOM_TOKENIZER_HF_BYTE_LEVEL = 2,  /* tokenizer.json, byte-level BPE (GPT-2, LLaMA 3) */
  LOOM_TOKENIZER_HF_BYTE_FALLBACK = 3, /* tokenizer.json, SentencePiece-style BPE (LLaMA 2) */
  LOOM_TOKENIZER_SENTENCEPIECE = 4,  /* SentencePiece .model (LLaMA 2, T5, Gemma) */
} loom_tokenizer_kind;

/* Loads a tokenizer file; its format is recognized from its contents and name
   (a JSON object is a tokenizer.json, a name ending in .model a SentencePiece
   model; anything else must be a llama2.c tokenizer.bin).
   Fails with LOOM_ERROR_IO (missing or unreadable), LOOM_ERROR_FORMAT
   (malformed or truncated; the message says where) or LOOM_ERROR_UNSUPPORTED
   (a valid file using a feature loomrt lacks, named in the message). */
loom_status loom_tokenizer_load(const char *path, loom_tokenizer **out);
/* The same from the file's `size` bytes in memory; `name` (the file's name)
   tells a SentencePiece .model apart and names it in messages. */
loom_status loom_tokenizer_load_bytes(const void *data, size_t size, const char *name,
                                      loom_tokenizer **out);
/* Frees the tokenizer. NULL is ignored. */
void loom_tokenizer_destroy(loom_tokenizer *tokenizer);

loom_tokenizer_kind loom_tokenizer_get_kind(const loom_tokenizer *tokenizer);
/* Token ids are in [0, vocab size): the size a model's logits must have. */
int64_t loom_tokenizer_vocab_size(const loom_tokenizer *tokenizer);
/* The beginning- and end-of-sequence ids, or -1 when the tokenizer has none. */
int64_t loom_tokenizer_bos(const loom_tokenizer *tokenizer);
int64_t loom_tokenizer_eos(const loom_tokenizer *tokenizer);
/* The tokens that end a text by default, for generation's stop tokens: EOS,
   and for llama2.c files BOS as well (llama2.c's models start the next story
   with BOS, and its run.c stops there). Writes up to `capacity` of them to
   `out` (may be NULL when capacity is 0) and returns how many there are
   (at most 2). */
size_t loom_tokenizer_end_tokens(const loom_tokenizer *tokenizer, int64_t *out,
                                 size_t capacity);
/* The piece of `token` as the file spells it (e.g. " Once", "Ġthe", "<0x0A>"),
   NUL-terminated, owned by the tokenizer; NULL for an id out of range. */
const char *loom_tokenizer_piece(const loom_tokenizer *tokenizer, int64_t token);

/* Encodes `text_len` bytes of UTF-8 `text` (NUL bytes allowed). With
   `add_bos` nonzero the ids start as the format's own encoder starts them
   (llama2.c: BOS; tokenizer.json: its post-processor's template, e.g. LLaMA's
   <s>); with zero, without those. On LOOM_OK `*tokens` receives a malloc'ed
   array of `*num_tokens` ids (NULL when there are none): free() it. Text that
   is not valid UTF-8 fails with LOOM_ERROR_INVALID_ARGUMENT, naming the byte. */
loom_status loom_tokenizer_encode(const loom_tokenizer *tokenizer, const char *text,
                                  size_t text_len, int add_bos, int64_t **tokens,
                                  size_t *num_tokens);

/* Decodes a whole sequence: `*text` receives malloc'ed, NUL-terminated UTF-8
   (free() it) and `*text_len` its length (may be NULL). Special tokens (BOS,
   EOS, unk, tokenizer.json's special added tokens) print nothing; byte
   fallbacks are raw bytes; bytes that do not form UTF-8 become U+FFFD. */
loom_status loom_tokenizer_decode(const loom_tokenizer *tokenizer, const int64_t *tokens,
                                  size_t num_tokens, char **text, size_t *text_len);

/*===-- Streaming ---------------------------------------------------------===*/

/* Decodes a sequence token by token, as it is generated: each push returns
   the text that token completes. A character whose bytes come from several
   byte-fallback tokens is returned whole, by the push that completes it, so
   the text returned is always valid UTF-8. Concatenating every push and the
   final flush gives what loom_tokenizer_decode gives for the whole sequence. */
typedef struct loom_detokenizer loom_detokenizer;

/* A detokenizer at the start of a sequence; borrows `tokenizer`. */
loom_status loom_detokenizer_create(const loom_tokenizer *tokenizer, loom_detokenizer **out);
void loom_detokenizer_destroy(loom_detokenizer *detokenizer);

/* Adds `token`; `*text` and `*text_len` receive the text it completes
   (possibly empty), owned by the detokenizer and valid until its next call.
   An id outside the vocabulary fails with LOOM_ERROR_INVALID_ARGUMENT. */
loom_status loom_detokenizer_push(loom_detokenizer *detokenizer, int64_t token,
                                  const char **text, size_t *text_len);
/* Ends the sequence: returns the bytes still waiting for the rest of a
   character (as U+FFFD) and resets the detokenizer to the start. */
loom_status loom_detokenizer_flush(loom_detokenizer *detokenizer, const char **text,
                                   size_t *text_len);

#ifdef __cplusplus
}
#endif

#endif /* LOOM_C_TOKENIZER_H */
