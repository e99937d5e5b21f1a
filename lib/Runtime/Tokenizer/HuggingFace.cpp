//===- HuggingFace.cpp - Hugging Face tokenizer.json with a BPE model -----===//
//
// A tokenizer.json describes a pipeline: added tokens matched literally in
// the text, a normalizer, a pre-tokenizer that splits the text into words, a
// model that turns each word into ids, a post-processor that adds special
// tokens, and a decoder that turns pieces back into text. loomrt runs the
// parts that BPE decoders ship with:
//
//   normalizer      Prepend, Replace (string patterns), Sequence
//   pre_tokenizer   ByteLevel, Split (regex or string, Isolated or Removed),
//                   Metaspace, Sequence
//   model           BPE: vocab, ranked merges, unk_token, fuse_unk,
//                   byte_fallback, ignore_merges
//   post_processor  TemplateProcessing (the single-sequence template),
//                   ByteLevel (changes no ids), Sequence
//   decoder         ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace,
//                   Sequence
//
// Anything else is refused with LOOM_ERROR_UNSUPPORTED naming it: a
// tokenizer that silently skipped a step would give other ids.
//
// The JSON is read with nlohmann::json. loomrt is built without exceptions;
// this file alone is built with them (CMakeLists.txt), to turn the library's
// type errors on odd files into messages. None leaves this file.
//
//===----------------------------------------------------------------------===//

#include "Status.h"
#include "Tokenizer/Tokenizer.h"
#include "Tokenizer/Utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <unordered_map>

using namespace loomrt;
using namespace loomrt::tokenizer;
using json = nlohmann::json;

namespace {

/// GPT-2's word split, which ByteLevel with use_regex applies.
constexpr const char *kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

/// SentencePiece's word boundary, U+2581.
constexpr const char *kMetaspace = "\xE2\x96\x81";

/// An error a step of loading throws, with its status.
struct LoadError {
  loom_status status;
  std::string message;
};

[[noreturn]] void unsupported(const std::string &what) {
  throw LoadError{LOOM_ERROR_UNSUPPORTED, what};
}
[[noreturn]] void malformed(const std::string &what) { throw LoadError{LOOM_ERROR_FORMAT, what}; }

/// A compiled PCRE2 pattern (UTF-8, Unicode properties).
class Regex {
public:
  explicit Regex(const std::string &pattern) {
    int code;
    PCRE2_SIZE offset;
    re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                       PCRE2_UTF | PCRE2_UCP, &code, &offset, nullptr);
    if (!re) {
      PCRE2_UCHAR buffer[256];
      pcre2_get_error_message(code, buffer, sizeof buffer);
      unsupported("the pattern '" + pattern + "' does not compile at offset " +
                  std::to_string(offset) + ": " + reinterpret_cast<char *>(buffer));
    }
  }
  ~Regex() { pcre2_code_free(re); }
  Regex(const Regex &) = delete;
  Regex &operator=(const Regex &) = delete;

  /// The [begin, end) ranges of every match in `text`, left to right.
  std::vector<std::pair<size_t, size_t>> findAll(std::string_view text) const {
    std::vector<std::pair<size_t, size_t>> found;
    pcre2_match_data *match = pcre2_match_data_create_from_pattern(re, nullptr);
    if (!match)
      return found; // out of memory: the text stays one word
    auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    size_t at = 0;
    while (at < text.size()) {
      // The text was checked as UTF-8 already.
      int rc = pcre2_match(re, subject, text.size(), at, PCRE2_NO_UTF_CHECK, match, nullptr);
      if (rc < 0)
        break; // no more matches (or a resource limit: the rest is one piece)
      PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(match);
      size_t begin = ovector[0], end = ovector[1];
      if (end > begin) {
        found.emplace_back(begin, end);
        at = end;
      } else {
        // An empty match: step over one character.
        size_t length;
        utf8::classify(subject + begin, text.size() - begin, length);
        at = begin + std::max<size_t>(length, 1);
      }
    }
    pcre2_match_data_free(match);
    return found;
  }

private:
  pcre2_code *re = nullptr;
};

/// GPT-2's reversible map from bytes to printable characters: bytes that are
/// printable Latin-1 stand for themselves, the others for U+0100 onwards.
std::vector<std::string> byteLevelAlphabet() {
  std::vector<std::string> alphabet(256);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
    utf8::appendCodePoint(printable ? b : next++, alphabet[b]);
  }
  return alphabet;
}

struct PreTokenizer {
  enum Kind { ByteLevel, Split, Metaspace } kind;
  std::shared_ptr<Regex> regex; // ByteLevel with use_regex, Split
  std::string literal;          // Split with a string pattern
  bool removeMatches = false;   // Split's "Removed" behaviour
  bool addPrefixSpace = false;  // ByteLevel, Metaspace
  bool splitWords = true;       // Metaspace
};

/// Whether `piece` is a byte-fallback piece "<0xNN>" (two upper-case hex
/// digits), and which byte.
bool parseByteToken(const std::string &piece, uint8_t &byte) {
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  };
  if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0 || piece[5] != '>')
    return false;
  int high = digit(piece[3]), low = digit(piece[4]);
  if (high < 0 || low < 0)
    return false;
  byte = uint8_t(high * 16 + low);
  return true;
}

class HuggingFaceTokenizer final : public Tokenizer {
public:
  // Added tokens: matched in the raw text before anything else.
  struct Added {
    std::string content;
    int64_t id;
  };
  std::vector<Added> added; // longest first
  std::vector<bool> special;

  // normalizer: (from, to) replacements applied in order; "" -> prefix.
  std::vector<std::pair<std::string, std::string>> normalizers;
  std::vector<PreTokenizer> preTokenizers;

  // BPE
  std::unordered_map<std::string, int64_t> vocab;
  std::unordered_map<uint64_t, std::pair<int64_t, int64_t>> merges; // pair -> rank, merged
  int64_t unk = -1;
  bool byteFallback = false, fuseUnk = false, ignoreMerges = false;
  int64_t byteIds[256];

  std::vector<int64_t> prefix, suffix; // the post-processor's special tokens

  // decoder
  bool decodeByteLevel = false, decodeByteFallback = false;
  std::vector<std::pair<std::string, std::string>> decodeReplace;
  std::string stripContent;
  int64_t stripStart = 0;

  std::vector<std::string> alphabet = byteLevelAlphabet();
  std::unordered_map<std::string, uint8_t> alphabetBytes;

  loom_status encode(std::string_view text, bool addSpecial,
                     std::vector<int64_t> &ids) const override;
  void decode(int64_t id, DecodeState &state, std::string &bytes) const override;

private:
  void encodeSegment(std::string_view text, std::vector<int64_t> &ids) const;
  void encodeWord(std::string_view word, std::vector<int64_t> &ids) const;
};

void HuggingFaceTokenizer::encodeWord(std::string_view word, std::vector<int64_t> &ids) const {
  if (ignoreMerges) {
    auto it = vocab.find(std::string(word));
    if (it != vocab.end()) {
      ids.push_back(it->second);
      return;
    }
  }
  std::vector<int64_t> symbols;
  auto *bytes = reinterpret_cast<const uint8_t *>(word.data());
  std::string character;
  bool previousUnk = false;
  for (size_t at = 0, length; at < word.size(); at += length) {
    utf8::classify(bytes + at, word.size() - at, length);
    character.assign(word.substr(at, length));
    auto it = vocab.find(character);
    if (it != vocab.end()) {
      symbols.push_back(it->second);
      previousUnk = false;
    } else if (byteFallback) {
      for (size_t i = 0; i < length; ++i)
        symbols.push_back(byteIds[bytes[at + i]]);
      previousUnk = false;
    } else if (unk >= 0) {
      if (!(fuseUnk && previousUnk))
        symbols.push_back(unk);
      previousUnk = true;
    }
    // Without an unk token a character outside the vocabulary is dropped
    // (byte-level vocabularies hold every byte, so it never happens there).
  }
  mergePairs(symbols, [&](int64_t left, int64_t right, double &priority, int64_t &merged) {
    auto it = merges.find(uint64_t(left) << 32 | uint64_t(right));
    if (it == merges.end())
      return false;
    priority = -double(it->second.first); // lower ranks merge first
    merged = it->second.second;
    return true;
  });
  ids.insert(ids.end(), symbols.begin(), symbols.end());
}

void HuggingFaceTokenizer::encodeSegment(std::string_view text,
                                         std::vector<int64_t> &ids) const {
  std::string normalized(text);
  for (const auto &[from, to] : normalizers) {
    if (from.empty()) {
      normalized = to + normalized;
      continue;
    }
    std::string replaced;
    for (size_t at = 0;;) {
      size_t found = normalized.find(from, at);
      replaced.append(normalized, at, found == std::string::npos ? found : found - at);
      if (found == std::string::npos)
        break;
      replaced += to;
      at = found + from.size();
    }
    normalized = std::move(replaced);
  }
  std::vector<std::string> words = {normalized};
  for (const PreTokenizer &p : preTokenizers) {
    std::vector<std::string> next;
    for (std::string &word : words) {
      if (p.kind == PreTokenizer::Metaspace) {
        std::string replaced;
        if (p.addPrefixSpace && word.compare(0, 1, " ") != 0)
          replaced = kMetaspace;
        for (char c : word)
          replaced += c == ' ' ? std::string(kMetaspace) : std::string(1, c);
        word = std::move(replaced);
      } else if (p.kind == PreTokenizer::ByteLevel && p.addPrefixSpace &&
                 word.compare(0, 1, " ") != 0) {
        word = " " + word;
      }
      // Where the word splits: regex matches, literal matches, or before
      // each metaspace.
      std::vector<std::pair<size_t, size_t>> matches;
      if (p.regex) {
        matches = p.regex->findAll(word);
      } else if (p.kind == PreTokenizer::Split) {
        for (size_t at = word.find(p.literal); !p.literal.empty() && at != std::string::npos;
             at = word.find(p.literal, at + p.literal.size()))
          matches.emplace_back(at, at + p.literal.size());
      }
      std::vector<std::string> pieces;
      if (p.kind == PreTokenizer::Metaspace && p.splitWords) {
        size_t start = 0;
        for (size_t at = word.find(kMetaspace, 1); at != std::string::npos;
             at = word.find(kMetaspace, at + 1)) {
          pieces.push_back(word.substr(start, at - start));
          start = at;
        }
        pieces.push_back(word.substr(start));
      } else if (p.regex || p.kind == PreTokenizer::Split) {
        // Isolated: the gaps and the matches, each a word; Removed: the gaps.
        size_t at = 0;
        for (auto [begin, end] : matches) {
          if (begin > at)
            pieces.push_back(word.substr(at, begin - at));
          if (!p.removeMatches)
            pieces.push_back(word.substr(begin, end - begin));
          at = end;
        }
        if (at < word.size())
          pieces.push_back(word.substr(at));
      } else {
        pieces.push_back(std::move(word));
      }
      for (std::string &piece : pieces) {
        if (piece.empty())
          continue;
        if (p.kind == PreTokenizer::ByteLevel) {
          std::string mapped;
          for (unsigned char c : piece)
            mapped += alphabet[c];
          piece = std::move(mapped);
        }
        next.push_back(std::move(piece));
      }
    }
    words = std::move(next);
  }
  for (const std::string &word : words)
    encodeWord(word, ids);
}

loom_status HuggingFaceTokenizer::encode(std::string_view text, bool addSpecial,
                                         std::vector<int64_t> &ids) const {
  if (addSpecial)
    ids.insert(ids.end(), prefix.begin(), prefix.end());
  // Split around added tokens: at each position the longest one that starts
  // there (they are sorted longest first).
  size_t segment = 0;
  for (size_t at = 0; at < text.size();) {
    const Added *match = nullptr;
    for (const Added &a : added)
      if (text.compare(at, a.content.size(), a.content) == 0) {
        match = &a;
        break;
      }
    if (!match) {
      ++at;
      continue;
    }
    if (at > segment)
      encodeSegment(text.substr(segment, at - segment), ids);
    ids.push_back(match->id);
    at += match->content.size();
    segment = at;
  }
  if (segment < text.size())
    encodeSegment(text.substr(segment), ids);
  if (addSpecial)
    ids.insert(ids.end(), suffix.begin(), suffix.end());
  return LOOM_OK;
}

void HuggingFaceTokenizer::decode(int64_t id, DecodeState &state, std::string &bytes) const {
  if (special[size_t(id)])
    return;
  const std::string &piece = pieces[size_t(id)];
  std::string text;
  uint8_t byte;
  if (decodeByteFallback && parseByteToken(piece, byte)) {
    text = char(byte);
  } else if (decodeByteLevel) {
    auto *data = reinterpret_cast<const uint8_t *>(piece.data());
    for (size_t at = 0, length; at < piece.size(); at += length) {
      utf8::classify(data + at, piece.size() - at, length);
      auto it = alphabetBytes.find(piece.substr(at, length));
      if (it != alphabetBytes.end())
        text += char(it->second);
      else
        text.append(piece, at, length); // not in the alphabet: as it is
    }
  } else {
    text = piece;
    for (const auto &[from, to] : decodeReplace) {
      std::string replaced;
      for (size_t at = 0;;) {
        size_t found = text.find(from, at);
        replaced.append(text, at, found == std::string::npos ? found : found - at);
        if (found == std::string::npos)
          break;
        replaced += to;
        at = found + from.size();
      }
      text = std::move(replaced);
    }
  }
  // Strip: the decoded text's first `stripStart` characters, if they are the
  // content (SentencePiece's dummy-prefix space).
  size_t from = 0;
  while (!state.wroteText && state.stripped < stripStart && !stripContent.empty() &&
         text.compare(from, stripContent.size(), stripContent) == 0) {
    from += stripContent.size();
    ++state.stripped;
  }
  bytes.append(text, from);
}

//===----------------------------------------------------------------------===//
// Reading the JSON
//===----------------------------------------------------------------------===//

const json &member(const json &object, const char *key, const std::string &where) {
  auto it = object.find(key);
  if (it == object.end())
    malformed(where + " has no \"" + key + "\"");
  return *it;
}

const std::string &stringMember(const json &object, const char *key, const std::string &where) {
  const json &value = member(object, key, where);
  if (!value.is_string())
    malformed(where + "'s \"" + key + "\" is not a string");
  return value.get_ref<const std::string &>();
}

bool boolMember(const json &object, const char *key, bool otherwise) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : otherwise;
}

std::string typeOf(const json &step, const std::string &where) {
  if (!step.is_object())
    malformed(where + " is not an object");
  return stringMember(step, "type", where);
}

/// The pattern of a Replace or Split: {"String": s} or {"Regex": r}.
std::string patternOf(const json &step, const std::string &where, bool &isRegex) {
  const json &pattern = member(step, "pattern", where);
  if (pattern.is_object() && pattern.contains("String"))
    return isRegex = false, stringMember(pattern, "String", where + "'s pattern");
  if (pattern.is_object() && pattern.contains("Regex"))
    return isRegex = true, stringMember(pattern, "Regex", where + "'s pattern");
  malformed(where + "'s pattern is neither {\"String\": ...} nor {\"Regex\": ...}");
}

/// The steps of a component: itself, or its Sequence's list.
std::vector<const json *> stepsOf(const json &component, const char *listKey,
                                  const std::string &where) {
  if (component.is_null())
    return {};
  if (typeOf(component, where) != "Sequence")
    return {&component};
  const json &list = member(component, listKey, where);
  if (!list.is_array())
    malformed(where + "'s \"" + listKey + "\" is not a list");
  std::vector<const json *> steps;
  for (const json &step : list)
    steps.push_back(&step);
  return steps;
}

int64_t idOf(const json &value, const std::string &where) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > (int64_t(1) << 31))
    malformed(where + " is not a token id");
  return value.get<int64_t>();
}

void readModel(HuggingFaceTokenizer &t, const json &model) {
  std::string where = "the model";
  std::string type = model.is_object() && model.contains("type")
                         ? stringMember(model, "type", where)
                         : std::string("BPE"); // older files leave it out
  if (type != "BPE")
    unsupported("a " + type + " model (loomrt reads BPE models)");
  auto empty = [&](const char *key) {
    auto it = model.find(key);
    return it == model.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string &>().empty());
  };
  if (!empty("continuing_subword_prefix") || !empty("end_of_word_suffix"))
    unsupported("BPE with a continuing_subword_prefix or end_of_word_suffix");
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() && !(dropout->is_number() && dropout->get<double>() == 0))
    unsupported("BPE dropout (it makes encoding random)");
  const json &vocab = member(model, "vocab", where);
  if (!vocab.is_object())
    malformed("the model's vocab is not an object");
  for (auto it = vocab.begin(); it != vocab.end(); ++it)
    t.vocab[it.key()] = idOf(it.value(), "the vocab's entry \"" + it.key() + "\"");
  t.byteFallback = boolMember(model, "byte_fallback", false);
  t.fuseUnk = boolMember(model, "fuse_unk", false);
  t.ignoreMerges = boolMember(model, "ignore_merges", false);
  if (!empty("unk_token")) {
    const std::string &unk = stringMember(model, "unk_token", where);
    auto it = t.vocab.find(unk);
    if (it == t.vocab.end())
      malformed("the unk_token \"" + unk + "\" is not in the vocab");
    t.unk = it->second;
  }
  if (t.byteFallback)
    for (unsigned b = 0; b < 256; ++b) {
      char piece[8];
      std::snprintf(piece, sizeof piece, "<0x%02X>", b);
      auto it = t.vocab.find(piece);
      if (it == t.vocab.end())
        malformed(std::string("byte_fallback is on but the vocab has no ") + piece);
      t.byteIds[b] = it->second;
    }
  const json &merges = member(model, "merges", where);
  if (!merges.is_array())
    malformed("the model's merges are not a list");
  int64_t rank = 0;
  for (const json &merge : merges) {
    std::string left, right, at = "merge " + std::to_string(rank);
    if (merge.is_string()) { // "a b"
      const std::string &text = merge.get_ref<const std::string &>();
      size_t space = text.find(' ', 1);
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos)
        malformed(at + " (\"" + text + "\") is not two pieces separated by a space");
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) { // ["a", "b"]
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      malformed(at + " is neither \"a b\" nor [\"a\", \"b\"]");
    }
    auto l = t.vocab.find(left), r = t.vocab.find(right), m = t.vocab.find(left + right);
    if (l == t.vocab.end() || r == t.vocab.end() || m == t.vocab.end())
      malformed(at + " (\"" + left + "\" + \"" + right + "\") uses a piece the vocab lacks");
    // The first rank of a pair counts, as in the Hugging Face library.
    t.merges.emplace(uint64_t(l->second) << 32 | uint64_t(r->second),
                     std::make_pair(rank, m->second));
    ++rank;
  }
}

void readAddedTokens(HuggingFaceTokenizer &t, const json &root, int64_t &size,
                     std::vector<std::pair<int64_t, std::string>> &extra,
                     std::vector<int64_t> &specials) {
  auto list = root.find("added_tokens");
  if (list == root.end() || list->is_null())
    return;
  if (!list->is_array())
    malformed("added_tokens is not a list");
  for (const json &token : *list) {
    std::string where = "an added token";
    if (!token.is_object())
      malformed(where + " is not an object");
    int64_t id = idOf(member(token, "id", where), "an added token's id");
    const std::string &content = stringMember(token, "content", where);
    if (content.empty())
      malformed("added token " + std::to_string(id) + " is empty");
    extra.emplace_back(id, content);
    size = std::max(size, id + 1);
    t.added.push_back({content, id});
    if (boolMember(token, "special", false))
      specials.push_back(id);
  }
  std::sort(t.added.begin(), t.added.end(), [](const auto &a, const auto &b) {
    return a.content.size() != b.content.size() ? a.content.size() > b.content.size()
                                                : a.id < b.id;
  });
}

void readPipeline(HuggingFaceTokenizer &t, const json &root) {
  auto component = [&](const char *key) -> const json & {
    static const json null;
    auto it = root.find(key);
    return it == root.end() ? null : *it;
  };
  for (const json *step : stepsOf(component("normalizer"), "normalizers", "the normalizer")) {
    std::string type = typeOf(*step, "a normalizer");
    if (type == "Prepend") {
      t.normalizers.emplace_back("", stringMember(*step, "prepend", "Prepend"));
    } else if (type == "Replace") {
      bool isRegex;
      std::string pattern = patternOf(*step, "Replace", isRegex);
      if (isRegex || pattern.empty())
        unsupported("a Replace normalizer with a regex or empty pattern");
      t.normalizers.emplace_back(pattern, stringMember(*step, "content", "Replace"));
    } else {
      unsupported("the normalizer " + type);
    }
  }
  for (const json *step :
       stepsOf(component("pre_tokenizer"), "pretokenizers", "the pre_tokenizer")) {
    std::string type = typeOf(*step, "a pre_tokenizer");
    PreTokenizer p;
    if (type == "ByteLevel") {
      p.kind = PreTokenizer::ByteLevel;
      p.addPrefixSpace = boolMember(*step, "add_prefix_space", true);
      if (boolMember(*step, "use_regex", true))
        p.regex = std::make_shared<Regex>(kGpt2Pattern);
    } else if (type == "Split") {
      p.kind = PreTokenizer::Split;
      bool isRegex;
      std::string pattern = patternOf(*step, "Split", isRegex);
      if (isRegex)
        p.regex = std::make_shared<Regex>(pattern);
      else
        p.literal = pattern;
      std::string behavior = stringMember(*step, "behavior", "Split");
      if (behavior != "Isolated" && behavior != "Removed")
        unsupported("a Split pre_tokenizer with behavior " + behavior);
      p.removeMatches = behavior == "Removed";
      if (boolMember(*step, "invert", false))
        unsupported("an inverted Split pre_tokenizer");
    } else if (type == "Metaspace") {
      p.kind = PreTokenizer::Metaspace;
      if (step->contains("replacement") && stringMember(*step, "replacement", type) != kMetaspace)
        unsupported("a Metaspace replacement other than U+2581");
      auto scheme = step->find("prepend_scheme");
      p.addPrefixSpace = scheme != step->end() && scheme->is_string()
                             ? scheme->get<std::string>() != "never"
                             : boolMember(*step, "add_prefix_space", true);
      p.splitWords = boolMember(*step, "split", true);
    } else {
      unsupported("the pre_tokenizer " + type);
    }
    t.preTokenizers.push_back(std::move(p));
  }
  for (const json *step :
       stepsOf(component("post_processor"), "processors", "the post_processor")) {
    std::string type = typeOf(*step, "a post_processor");
    if (type == "ByteLevel")
      continue; // adjusts offsets only
    if (type != "TemplateProcessing")
      unsupported("the post_processor " + type);
    const json &single = member(*step, "single", type);
    const json &specials = member(*step, "special_tokens", type);
    if (!single.is_array() || !specials.is_object())
      malformed("TemplateProcessing's single or special_tokens has the wrong type");
    bool seenSequence = false;
    for (const json &item : single) {
      if (item.is_object() && item.contains("Sequence")) {
        seenSequence = true;
        continue;
      }
      if (!item.is_object() || !item.contains("SpecialToken"))
        malformed("an item of TemplateProcessing's single template is neither a "
                  "SpecialToken nor a Sequence");
      const std::string &name = stringMember(item["SpecialToken"], "id", "a SpecialToken");
      auto entry = specials.find(name);
      if (entry == specials.end() || !entry->is_object())
        malformed("the template's special token \"" + name + "\" is not in special_tokens");
      const json &ids = member(*entry, "ids", "special token " + name);
      if (!ids.is_array())
        malformed("special token " + name + "'s ids are not a list");
      for (const json &id : ids)
        (seenSequence ? t.suffix : t.prefix).push_back(idOf(id, "special token " + name));
    }
  }
  for (const json *step : stepsOf(component("decoder"), "decoders", "the decoder")) {
    std::string type = typeOf(*step, "a decoder");
    if (type == "ByteLevel") {
      t.decodeByteLevel = true;
    } else if (type == "ByteFallback") {
      t.decodeByteFallback = true;
    } else if (type == "Fuse") {
      // Pieces are concatenated anyway.
    } else if (type == "Replace") {
      bool isRegex;
      std::string pattern = patternOf(*step, "Replace", isRegex);
      if (isRegex || pattern.empty())
        unsupported("a Replace decoder with a regex or empty pattern");
      t.decodeReplace.emplace_back(pattern, stringMember(*step, "content", "Replace"));
    } else if (type == "Strip") {
      t.stripContent = stringMember(*step, "content", "Strip");
      const json &start = member(*step, "start", "Strip"), &stop = member(*step, "stop", "Strip");
      if (!start.is_number_integer() || !stop.is_number_integer() || stop.get<int64_t>() != 0)
        unsupported("a Strip decoder that strips the end of the text");
      t.stripStart = start.get<int64_t>();
    } else if (type == "Metaspace") {
      t.decodeReplace.emplace_back(kMetaspace, " ");
      t.stripContent = " ";
      t.stripStart = 1;
    } else {
      unsupported("the decoder " + type);
    }
  }
}

} // namespace

loom_status tokenizer::loadHuggingFace(std::string_view data, const std::string &what,
                                       std::unique_ptr<Tokenizer> &out) {
  json root = json::parse(data.begin(), data.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    return fail(LOOM_ERROR_FORMAT, what + " is not a tokenizer.json: it is not a valid JSON "
                                          "object (truncated?)");
  auto t = std::make_unique<HuggingFaceTokenizer>();
  try {
    if (!root.contains("model"))
      malformed("it has no \"model\"");
    readModel(*t, root["model"]);
    int64_t size = 0;
    for (const auto &[piece, id] : t->vocab)
      size = std::max(size, id + 1);
    std::vector<std::pair<int64_t, std::string>> extra;
    std::vector<int64_t> specials;
    readAddedTokens(*t, root, size, extra, specials);
    // Ids name rows of a model's logits: a file whose ids leave most of the
    // range unused is not a tokenizer (and must not make us allocate it).
    if (size > 4 * int64_t(t->vocab.size() + extra.size()) + 1024)
      malformed("its ids reach " + std::to_string(size - 1) + " but it has only " +
                std::to_string(t->vocab.size() + extra.size()) + " tokens");
    t->pieces.resize(size_t(size));
    t->special.resize(size_t(size));
    for (const auto &[piece, id] : t->vocab)
      t->pieces[size_t(id)] = piece;
    for (const auto &[id, content] : extra)
      t->pieces[size_t(id)] = content;
    for (int64_t id : specials)
      t->special[size_t(id)] = true;
    readPipeline(*t, root);
  } catch (const LoadError &e) {
    return fail(e.status, what + ": " + e.message);
  } catch (const json::exception &e) {
    return fail(LOOM_ERROR_FORMAT, what + " is not a tokenizer.json loomrt understands: " +
                                       e.what());
  }
  bool byteLevel = t->decodeByteLevel ||
                   std::any_of(t->preTokenizers.begin(), t->preTokenizers.end(),
                               [](const PreTokenizer &p) { return p.kind == PreTokenizer::ByteLevel; });
  t->kind = byteLevel ? LOOM_TOKENIZER_HF_BYTE_LEVEL : LOOM_TOKENIZER_HF_BYTE_FALLBACK;
  for (unsigned b = 0; b < 256; ++b)
    t->alphabetBytes[t->alphabet[b]] = uint8_t(b);
  // tokenizer.json does not say which tokens begin and end a sequence
  // (tokenizer_config.json does): the template's first token, else the
  // special tokens the well-known families name so.
  auto named = [&](std::initializer_list<const char *> names) -> int64_t {
    for (const char *name : names)
      for (const auto &a : t->added)
        if (a.content == name && t->special[size_t(a.id)])
          return a.id;
    return -1;
  };
  t->bos = !t->prefix.empty() ? t->prefix.front()
                              : named({"<s>", "<|begin_of_text|>", "<bos>", "<|endoftext|>"});
  t->eos = named({"</s>", "<|end_of_text|>", "<eos>", "<|endoftext|>"});
  if (t->eos >= 0)
    t->endTokens = {t->eos};
  out = std::move(t);
  return LOOM_OK;
}
