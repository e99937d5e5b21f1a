//===- SentencePiece.cpp - SentencePiece .model files ---------------------===//
//
// A .model file is a serialized ModelProto of Google's SentencePiece (the
// tokenizer of LLaMA 1 and 2, Mistral, Gemma, T5). Debian's libsentencepiece
// reads it and encodes; loomrt adds what its C API promises on top: BOS with
// add_bos, and decoding one token at a time (pieces with U+2581 for spaces,
// <0xNN> byte pieces as raw bytes, control and unknown pieces as nothing,
// the dummy prefix's space dropped at the start of the text), so that text
// streams as the rest of loomrt's tokenizers stream it.
//
//===----------------------------------------------------------------------===//

#include "Status.h"
#include "Tokenizer/Tokenizer.h"

#include <sentencepiece_processor.h>

#include <cstdlib>

using namespace loomrt;
using namespace loomrt::tokenizer;

namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81";

class SentencePieceTokenizer final : public Tokenizer {
public:
  sentencepiece::SentencePieceProcessor processor;
  std::vector<bool> silent; // control and unknown pieces
  std::vector<int> byteOf;  // the byte of a byte piece, else -1
  bool dummyPrefix = false;

  loom_status encode(std::string_view text, bool addSpecial,
                     std::vector<int64_t> &ids) const override {
    std::vector<int> pieces;
    sentencepiece::util::Status status = processor.Encode(text, &pieces);
    if (!status.ok())
      return fail(LOOM_ERROR_INVALID_ARGUMENT,
                  "SentencePiece cannot encode the text: " + status.ToString());
    if (addSpecial && bos >= 0)
      ids.push_back(bos);
    ids.insert(ids.end(), pieces.begin(), pieces.end());
    return LOOM_OK;
  }

  void decode(int64_t id, DecodeState &state, std::string &bytes) const override {
    if (silent[size_t(id)])
      return;
    if (byteOf[size_t(id)] >= 0) {
      bytes += char(byteOf[size_t(id)]);
      return;
    }
    const std::string &piece = pieces[size_t(id)];
    size_t at = 0;
    if (dummyPrefix && !state.wroteText && piece.compare(0, kMetaspace.size(), kMetaspace) == 0)
      at = kMetaspace.size();
    for (size_t found; (found = piece.find(kMetaspace, at)) != std::string::npos;
         at = found + kMetaspace.size())
      bytes.append(piece, at, found - at) += ' ';
    bytes.append(piece, at);
  }
};

} // namespace

loom_status tokenizer::loadSentencePiece(std::string_view data, const std::string &what,
                                         std::unique_ptr<Tokenizer> &out) {
  auto t = std::make_unique<SentencePieceTokenizer>();
  sentencepiece::util::Status status = t->processor.LoadFromSerializedProto(data);
  if (!status.ok())
    return fail(LOOM_ERROR_FORMAT,
                what + " is not a SentencePiece model: " + status.ToString());
  t->kind = LOOM_TOKENIZER_SENTENCEPIECE;
  int size = t->processor.GetPieceSize();
  t->pieces.reserve(size_t(size));
  t->silent.resize(size_t(size));
  t->byteOf.assign(size_t(size), -1);
  for (int id = 0; id < size; ++id) {
    t->pieces.push_back(t->processor.IdToPiece(id));
    t->silent[size_t(id)] = t->processor.IsControl(id) || t->processor.IsUnknown(id);
    const std::string &piece = t->pieces.back();
    if (t->processor.IsByte(id) && piece.size() == 6)
      t->byteOf[size_t(id)] = int(std::strtol(piece.substr(3, 2).c_str(), nullptr, 16));
  }
  t->bos = t->processor.bos_id();
  t->eos = t->processor.eos_id();
  if (t->eos >= 0)
    t->endTokens = {t->eos};
  // The model's normalizer spec says whether a space was put in front of the
  // text; the public API does not expose it, but the encoding of a letter
  // shows it.
  std::vector<std::string> probe;
  if (t->processor.Encode("a", &probe).ok() && !probe.empty())
    t->dummyPrefix = probe.front().compare(0, kMetaspace.size(), kMetaspace) == 0;
  out = std::move(t);
  return LOOM_OK;
}
