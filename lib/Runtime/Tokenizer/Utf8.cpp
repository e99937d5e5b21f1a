//===- Utf8.cpp - checking and streaming UTF-8 ----------------------------===//

#include "Tokenizer/Utf8.h"

using namespace loomrt;

utf8::Sequence utf8::classify(const uint8_t *text, size_t size, size_t &length) {
  uint8_t lead = text[0];
  if (lead < 0x80) {
    length = 1;
    return Sequence::Complete;
  }
  // The range of the second byte depends on the lead (Unicode 15, table 3-7);
  // later bytes are always 80..BF.
  size_t need;
  uint8_t low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 3;
    if (lead == 0xE0)
      low = 0xA0; // no overlong forms
    else if (lead == 0xED)
      high = 0x9F; // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 4;
    if (lead == 0xF0)
      low = 0x90;
    else if (lead == 0xF4)
      high = 0x8F; // nothing past U+10FFFF
  } else {
    length = 1;
    return Sequence::Invalid;
  }
  for (size_t i = 1; i < need; ++i) {
    if (i == size) {
      length = i;
      return Sequence::Incomplete;
    }
    uint8_t b = text[i];
    bool ok = i == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xBF);
    if (!ok) {
      length = i;
      return Sequence::Invalid;
    }
  }
  length = need;
  return Sequence::Complete;
}

size_t utf8::firstInvalid(std::string_view text) {
  auto *bytes = reinterpret_cast<const uint8_t *>(text.data());
  for (size_t at = 0, length; at < text.size(); at += length)
    if (classify(bytes + at, text.size() - at, length) != Sequence::Complete)
      return at;
  return std::string_view::npos;
}

static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

void utf8::appendValid(std::string_view bytes, std::string &out) {
  auto *data = reinterpret_cast<const uint8_t *>(bytes.data());
  for (size_t at = 0, length; at < bytes.size(); at += length) {
    if (classify(data + at, bytes.size() - at, length) == Sequence::Complete)
      out.append(bytes.data() + at, length);
    else
      out += kReplacement;
  }
}

uint32_t utf8::codePoint(const uint8_t *text, size_t length) {
  if (length == 1)
    return text[0];
  uint32_t value = text[0] & (0x7F >> length);
  for (size_t i = 1; i < length; ++i)
    value = (value << 6) | (text[i] & 0x3F);
  return value;
}

void utf8::appendCodePoint(uint32_t c, std::string &out) {
  if (c < 0x80) {
    out += char(c);
  } else if (c < 0x800) {
    out += char(0xC0 | (c >> 6));
    out += char(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += char(0xE0 | (c >> 12));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  } else {
    out += char(0xF0 | (c >> 18));
    out += char(0x80 | ((c >> 12) & 0x3F));
    out += char(0x80 | ((c >> 6) & 0x3F));
    out += char(0x80 | (c & 0x3F));
  }
}

void utf8::Stream::push(std::string_view bytes, std::string &out) {
  pending.append(bytes);
  auto *data = reinterpret_cast<const uint8_t *>(pending.data());
  size_t at = 0;
  for (size_t length; at < pending.size(); at += length) {
    Sequence kind = classify(data + at, pending.size() - at, length);
    if (kind == Sequence::Incomplete)
      break; // the next token may complete it
    if (kind == Sequence::Complete)
      out.append(pending, at, length);
    else
      out += kReplacement;
  }
  pending.erase(0, at);
}

void utf8::Stream::flush(std::string &out) {
  // What is held is a valid beginning that never ended: one subpart.
  if (!pending.empty())
    out += kReplacement;
  pending.clear();
}
