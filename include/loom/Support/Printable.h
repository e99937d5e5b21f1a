//===- Printable.h - names from a model, made safe to print -----*- C++ -*-===//
//
// Node, tensor and file names come from the model: a terminal escape in one
// must not reach the user's terminal, and a line break must not split a
// signature line or a header comment. Every place that prints or embeds such
// a name writes its control characters as \xNN through these. Standard C++
// only: loomrt uses it too.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_SUPPORT_PRINTABLE_H
#define LOOM_SUPPORT_PRINTABLE_H

#include <string>
#include <string_view>

namespace loom {

/// A C0 control character or DEL.
inline bool isControlCharacter(unsigned char c) { return c < 0x20 || c == 0x7f; }

/// Appends `c` as \xNN (two lower-case hex digits).
inline void appendHexEscape(std::string &out, unsigned char c) {
  static const char digits[] = "0123456789abcdef";
  out += "\\x";
  out += digits[c >> 4];
  out += digits[c & 15];
}

/// `text` with every control character written as \xNN.
inline std::string escapeControlCharacters(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (isControlCharacter(c))
      appendHexEscape(out, c);
    else
      out += char(c);
  }
  return out;
}

} // namespace loom

#endif // LOOM_SUPPORT_PRINTABLE_H
