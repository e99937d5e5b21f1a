//===- Utf8.h - checking and streaming UTF-8 --------------------*- C++ -*-===//
//
// Text comes from users (prompts) and from models (bytes of byte-fallback
// tokens, one token at a time): the first must be checked, the second must
// be held back until a character is whole, and neither may ever be printed
// as invalid UTF-8.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_RUNTIME_TOKENIZER_UTF8_H
#define LOOM_LIB_RUNTIME_TOKENIZER_UTF8_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace loomrt::utf8 {

/// What the bytes at the start of a buffer hold.
enum class Sequence {
  Complete,   ///< a whole character of `length` bytes
  Incomplete, ///< the buffer ends inside a character that could still be valid
  Invalid,    ///< `length` bytes (at least 1) that no character starts with
};

/// Classifies the bytes at `text[0..size)` (size >= 1) by Unicode's table of
/// well-formed sequences (no overlong forms, surrogates or values past
/// U+10FFFF). For Invalid, `length` is the maximal subpart: the bytes to
/// replace with one U+FFFD, as Python and ICU do.
Sequence classify(const uint8_t *text, size_t size, size_t &length);

/// The offset of the first byte of `text` that is not part of valid UTF-8,
/// or std::string_view::npos when all of it is valid.
size_t firstInvalid(std::string_view text);

/// Appends `bytes` to `out`, each ill-formed subpart replaced by U+FFFD.
void appendValid(std::string_view bytes, std::string &out);

/// The code point of the Complete sequence at `text` of `length` bytes.
uint32_t codePoint(const uint8_t *text, size_t length);

/// Appends the UTF-8 encoding of `codePoint` (< 0x110000) to `out`.
void appendCodePoint(uint32_t codePoint, std::string &out);

/// Passes bytes through as whole characters: bytes that end inside a
/// character are kept until the bytes that complete it arrive.
class Stream {
public:
  /// Appends to `out` the characters `bytes` completes.
  void push(std::string_view bytes, std::string &out);
  /// Appends what is still held (as U+FFFD) and forgets it.
  void flush(std::string &out);

private:
  std::string pending;
};

} // namespace loomrt::utf8

#endif // LOOM_LIB_RUNTIME_TOKENIZER_UTF8_H
