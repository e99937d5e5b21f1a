//===- Llama2c.cpp - llama2.c's tokenizer.bin -----------------------------===//
//
// The format (../shared/models/stories260K/README.md): an int32 maximum
// piece length, then for each token a float32 merge score, an int32 byte
// length and the piece's bytes. The vocabulary size is not stored: it is
// however many tokens the file holds. Ids 0, 1, 2 are <unk>, BOS and EOS;
// 3..258 are the byte fallbacks <0x00>..<0xFF>.
//
// Encoding follows llama2.c: BOS, a space in front of the text (the dummy
// prefix), one token per UTF-8 character (its bytes' fallback tokens if the
// character is not a piece), then merging the adjacent pair whose
// concatenation is the piece with the highest score, until none is.
//
//===----------------------------------------------------------------------===//

#include "Status.h"
#include "Tokenizer/Tokenizer.h"
#include "Tokenizer/Utf8.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_map>

using namespace loomrt;
using namespace loomrt::tokenizer;

namespace {

constexpr int64_t kUnk = 0, kBos = 1, kEos = 2, kFirstByte = 3;
constexpr int64_t kFirstMerged = kFirstByte + 256;

class Llama2cTokenizer final : public Tokenizer {
public:
  std::vector<float> scores;
  /// Piece -> id; a piece that appears twice maps to its last id, as a
  /// dictionary filled in file order does.
  std::unordered_map<std::string, int64_t> ids;

  loom_status encode(std::string_view text, bool addSpecial,
                     std::vector<int64_t> &out) const override {
    std::vector<int64_t> symbols;
    std::string input = " ";
    input.append(text);
    auto *bytes = reinterpret_cast<const uint8_t *>(input.data());
    std::string character;
    for (size_t at = 0, length; at < input.size(); at += length) {
      // The caller checked the text: every sequence is complete.
      utf8::classify(bytes + at, input.size() - at, length);
      character.assign(input, at, length);
      auto it = ids.find(character);
      if (it != ids.end()) {
        symbols.push_back(it->second);
      } else {
        for (size_t i = 0; i < length; ++i)
          symbols.push_back(kFirstByte + bytes[at + i]);
      }
    }
    std::string joined;
    mergePairs(symbols, [&](int64_t left, int64_t right, double &priority, int64_t &merged) {
      // Pieces as the file spells them, "<0xNN>" for bytes: llama2.c's rule.
      joined = pieces[size_t(left)];
      joined += pieces[size_t(right)];
      auto it = ids.find(joined);
      if (it == ids.end())
        return false;
      merged = it->second;
      priority = scores[size_t(merged)];
      return true;
    });
    if (addSpecial)
      out.push_back(kBos);
    out.insert(out.end(), symbols.begin(), symbols.end());
    return LOOM_OK;
  }

  void decode(int64_t id, DecodeState &state, std::string &bytes) const override {
    if (id == kUnk || id == kBos || id == kEos)
      return;
    size_t start = bytes.size();
    if (id >= kFirstByte && id < kFirstMerged)
      bytes += char(id - kFirstByte);
    else
      bytes += pieces[size_t(id)];
    // The dummy prefix's space: the text after BOS starts without it.
    if (state.previous == kBos && bytes.size() > start && bytes[start] == ' ')
      bytes.erase(start, 1);
  }
};

/// Reads little-endian values from a buffer, checking every read against its
/// end.
struct Reader {
  std::string_view data;
  size_t at = 0;

  bool has(size_t n) const { return n <= data.size() - at; }
  bool readInt32(int32_t &v) {
    if (!has(4))
      return false;
    uint8_t b[4];
    std::memcpy(b, data.data() + at, 4);
    v = int32_t(uint32_t(b[0]) | uint32_t(b[1]) << 8 | uint32_t(b[2]) << 16 |
                uint32_t(b[3]) << 24);
    at += 4;
    return true;
  }
  bool readFloat32(float &v) {
    int32_t bits;
    if (!readInt32(bits))
      return false;
    std::memcpy(&v, &bits, 4);
    return true;
  }
};

} // namespace

loom_status tokenizer::loadLlama2c(std::string_view data, const std::string &what,
                                   std::unique_ptr<Tokenizer> &out) {
  auto bad = [&](const std::string &why) {
    return fail(LOOM_ERROR_FORMAT, what + " is not a llama2.c tokenizer.bin: " + why);
  };
  Reader reader{data};
  int32_t maxLength;
  if (!reader.readInt32(maxLength))
    return bad("it is " + std::to_string(data.size()) +
               " bytes, too short for the header (the int32 maximum piece length)");
  if (maxLength <= 0)
    return bad("the maximum piece length is " + std::to_string(maxLength) + ", not positive");
  auto t = std::make_unique<Llama2cTokenizer>();
  t->kind = LOOM_TOKENIZER_LLAMA2C;
  while (reader.at < data.size()) {
    std::string token = std::to_string(t->pieces.size());
    size_t offset = reader.at;
    float score;
    int32_t length;
    if (!reader.readFloat32(score) || !reader.readInt32(length))
      return bad("token " + token + " at byte " + std::to_string(offset) +
                 " is cut off in its score and length (the file is truncated)");
    if (!std::isfinite(score))
      return bad("token " + token + " has a score that is not a finite number");
    if (length < 0 || length > maxLength)
      return bad("token " + token + " claims " + std::to_string(length) +
                 " bytes, outside [0, " + std::to_string(maxLength) +
                 "] (the header's maximum piece length)");
    if (!reader.has(size_t(length)))
      return bad("token " + token + "'s " + std::to_string(length) + "-byte piece ends past " +
                 "the end of the file (" + std::to_string(data.size()) +
                 " bytes): the file is truncated");
    t->pieces.emplace_back(data.substr(reader.at, size_t(length)));
    t->scores.push_back(score);
    reader.at += size_t(length);
  }
  if (t->vocabSize() < kFirstMerged)
    return bad("it holds " + std::to_string(t->vocabSize()) + " tokens; the format has at " +
               "least " + std::to_string(kFirstMerged) + " (<unk>, BOS, EOS, 256 bytes)");
  // The byte fallbacks are what the encoder falls back on: a file where they
  // are not where the format puts them is some other file.
  for (int64_t b = 0; b < 256; ++b) {
    char expected[8];
    std::snprintf(expected, sizeof expected, "<0x%02X>", unsigned(b));
    if (t->pieces[size_t(kFirstByte + b)] != expected)
      return bad("token " + std::to_string(kFirstByte + b) + " is not the byte fallback " +
                 expected);
  }
  for (size_t i = 0; i < t->pieces.size(); ++i)
    t->ids[t->pieces[i]] = int64_t(i);
  t->bos = kBos;
  t->eos = kEos;
  // The models were trained on stories each preceded by BOS and followed by
  // nothing: a story ends where the model begins the next one.
  t->endTokens = {kEos, kBos};
  out = std::move(t);
  return LOOM_OK;
}
