//===- TokenizerTest.cpp - loomrt's tokenizers, piece by piece ------------===//
//
// The parts the e2e tests (test/e2e/tokenizer*.test) cannot isolate: UTF-8
// checking against Unicode's own examples, BPE merge order against a naive
// loop, streaming that holds a character until its last byte, and each way
// a tokenizer file can be broken. Tokenizer files are written here, small
// enough that the expected ids follow by hand from the format's rules.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Tokenizer.h"

#include "Tokenizer/Tokenizer.h"
#include "Tokenizer/Utf8.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace loomrt;

namespace {

//===----------------------------------------------------------------------===//
// UTF-8
//===----------------------------------------------------------------------===//

TEST(Utf8Test, ClassifiesWellFormedSequences) {
  auto kind = [](std::string bytes, size_t &length) {
    return utf8::classify(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(),
                          length);
  };
  size_t n;
  EXPECT_EQ(kind("a", n), utf8::Sequence::Complete);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(kind("\xC3\xA9", n), utf8::Sequence::Complete); // é
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(kind("\xF0\x9F\x98\x80", n), utf8::Sequence::Complete); // U+1F600
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(kind("\xF0\x9F\x98", n), utf8::Sequence::Incomplete);
  EXPECT_EQ(kind("\xC0\xAF", n), utf8::Sequence::Invalid); // overlong '/'
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(kind("\xE0\x80\x80", n), utf8::Sequence::Invalid); // overlong
  EXPECT_EQ(kind("\xED\xA0\x80", n), utf8::Sequence::Invalid); // a surrogate
  EXPECT_EQ(kind("\xF4\x90\x80\x80", n), utf8::Sequence::Invalid); // past U+10FFFF
  EXPECT_EQ(kind("\xE2\x28\xA1", n), utf8::Sequence::Invalid);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(kind("\xF0\x9F\x28", n), utf8::Sequence::Invalid);
  EXPECT_EQ(n, 2u); // the maximal subpart F0 9F
}

TEST(Utf8Test, ReplacesMaximalSubpartsAsUnicodeDoes) {
  // Unicode 15, section 3.9, table 3-8: each maximal subpart is one U+FFFD.
  std::string bytes = "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64";
  std::string out;
  utf8::appendValid(bytes, out);
  EXPECT_EQ(out, "a\uFFFD\uFFFD\uFFFD" "b\uFFFD" "c\uFFFD\uFFFD" "d");
  EXPECT_EQ(utf8::firstInvalid("ok \xC3\xA9"), std::string_view::npos);
  EXPECT_EQ(utf8::firstInvalid("ok \xC3"), 3u);
}

TEST(Utf8Test, StreamHoldsACharacterUntilItsLastByte) {
  utf8::Stream stream;
  std::string out;
  stream.push("a\xF0\x9F", out);
  EXPECT_EQ(out, "a");
  stream.push("\x98", out);
  EXPECT_EQ(out, "a");
  stream.push("\x80!", out);
  EXPECT_EQ(out, "a\xF0\x9F\x98\x80!");
  // A held beginning that the next byte breaks: replaced, and the byte kept.
  out.clear();
  stream.push("\xC3", out);
  stream.push("b", out);
  EXPECT_EQ(out, "\uFFFD" "b");
  out.clear();
  stream.push("\xE2\x96", out);
  stream.flush(out);
  EXPECT_EQ(out, "\uFFFD");
}

//===----------------------------------------------------------------------===//
// BPE merging
//===----------------------------------------------------------------------===//

/// The definition: merge the best pair, leftmost among equals, one at a time.
std::vector<int64_t> naiveMerge(std::vector<int64_t> s,
                                const std::map<std::pair<int64_t, int64_t>,
                                               std::pair<double, int64_t>> &rules) {
  for (;;) {
    int best = -1;
    double bestPriority = 0;
    for (size_t i = 0; i + 1 < s.size(); ++i) {
      auto it = rules.find({s[i], s[i + 1]});
      if (it != rules.end() && (best < 0 || it->second.first > bestPriority)) {
        best = int(i);
        bestPriority = it->second.first;
      }
    }
    if (best < 0)
      return s;
    s[size_t(best)] = rules.at({s[size_t(best)], s[size_t(best) + 1]}).second;
    s.erase(s.begin() + best + 1);
  }
}

TEST(MergePairsTest, EqualsTheNaiveDefinitionOnRandomInputs) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    // Symbols 0..3 merge into ids 4.., with few distinct priorities (ties).
    std::map<std::pair<int64_t, int64_t>, std::pair<double, int64_t>> rules;
    int64_t next = 4;
    for (int r = 0; r < 12; ++r)
      rules[{int64_t(rng() % next), int64_t(rng() % next)}] = {double(rng() % 3), next++};
    std::vector<int64_t> input(rng() % 40);
    for (int64_t &v : input)
      v = int64_t(rng() % 4);
    std::vector<int64_t> merged = input;
    tokenizer::mergePairs(merged, [&](int64_t l, int64_t r, double &priority, int64_t &m) {
      auto it = rules.find({l, r});
      if (it == rules.end())
        return false;
      priority = it->second.first;
      m = it->second.second;
      return true;
    });
    ASSERT_EQ(merged, naiveMerge(input, rules)) << "trial " << trial;
  }
}

//===----------------------------------------------------------------------===//
// llama2.c tokenizer.bin
//===----------------------------------------------------------------------===//

struct Piece {
  std::string text;
  float score;
};

/// <unk>, BOS, EOS, the 256 byte fallbacks, then `extra`.
std::string llama2cFile(const std::vector<Piece> &extra, int32_t maxLength = 16) {
  std::vector<Piece> all = {{"<unk>", 0}, {"\n<s>\n", 0}, {"\n</s>\n", 0}};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    all.push_back({name, 0});
  }
  all.insert(all.end(), extra.begin(), extra.end());
  std::string bytes(reinterpret_cast<const char *>(&maxLength), 4);
  for (const Piece &p : all) {
    int32_t length = int32_t(p.text.size());
    bytes.append(reinterpret_cast<const char *>(&p.score), 4);
    bytes.append(reinterpret_cast<const char *>(&length), 4);
    bytes += p.text;
  }
  return bytes;
}

/// Writes `bytes` to a temporary file and loads it.
class TokenizerFile {
public:
  explicit TokenizerFile(const std::string &bytes, const char *suffix = ".bin") {
    char name[] = "/tmp/loom-tokenizer-test-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
    close(fd);
    path = std::string(name) + suffix;
    std::rename(name, path.c_str());
    status = loom_tokenizer_load(path.c_str(), &tokenizer);
    if (status != LOOM_OK)
      error = loom_last_error();
  }
  ~TokenizerFile() {
    loom_tokenizer_destroy(tokenizer);
    std::remove(path.c_str());
  }
  std::vector<int64_t> encode(const std::string &text, bool bos = true) {
    int64_t *ids = nullptr;
    size_t n = 0;
    EXPECT_EQ(loom_tokenizer_encode(tokenizer, text.data(), text.size(), bos, &ids, &n),
              LOOM_OK)
        << loom_last_error();
    std::vector<int64_t> out(ids, ids + n);
    std::free(ids);
    return out;
  }
  std::string decode(const std::vector<int64_t> &ids) {
    char *text = nullptr;
    size_t n = 0;
    EXPECT_EQ(loom_tokenizer_decode(tokenizer, ids.data(), ids.size(), &text, &n), LOOM_OK)
        << loom_last_error();
    std::string out(text ? text : "", n);
    std::free(text);
    return out;
  }

  std::string path, error;
  loom_status status;
  loom_tokenizer *tokenizer = nullptr;
};

// Ids of the extra pieces: 259 " ", 260 "a", 261 "b", 262 " a", 263 "ab",
// 264 " ab", 265 "é".
const std::vector<Piece> kPieces = {{" ", -1}, {"a", -1}, {"b", -1}, {" a", -3},
                                    {"ab", -2}, {" ab", -4}, {"\xC3\xA9", -1}};

TEST(Llama2cTokenizerTest, EncodesByTheFormatsRules) {
  TokenizerFile file(llama2cFile(kPieces));
  ASSERT_EQ(file.status, LOOM_OK) << file.error;
  EXPECT_EQ(loom_tokenizer_vocab_size(file.tokenizer), 266);
  EXPECT_EQ(loom_tokenizer_bos(file.tokenizer), 1);
  EXPECT_EQ(loom_tokenizer_eos(file.tokenizer), 2);
  int64_t ends[3] = {-7, -7, -7};
  EXPECT_EQ(loom_tokenizer_end_tokens(file.tokenizer, ends, 3), 2u);
  EXPECT_EQ(ends[0], 2); // EOS, then BOS: llama2.c's next story
  EXPECT_EQ(ends[1], 1);
  EXPECT_EQ(ends[2], -7);
  // " ab": "a"+"b" (score -2) beats " "+"a" (-3), then " "+"ab" gives " ab".
  EXPECT_EQ(file.encode("ab"), (std::vector<int64_t>{1, 264}));
  // " ba": only " "+"b"? not a piece; "b"+"a" neither: three tokens.
  EXPECT_EQ(file.encode("ba", /*bos=*/false), (std::vector<int64_t>{259, 261, 260}));
  // A character that is no piece falls back to its bytes (3 + byte).
  EXPECT_EQ(file.encode("\xE2\x82\xAC"), (std::vector<int64_t>{1, 259, 3 + 0xE2, 3 + 0x82,
                                                               3 + 0xAC}));
  EXPECT_EQ(file.encode("\xC3\xA9"), (std::vector<int64_t>{1, 259, 265}));
}

TEST(Llama2cTokenizerTest, DecodesByTheFormatsRules) {
  TokenizerFile file(llama2cFile(kPieces));
  ASSERT_EQ(file.status, LOOM_OK) << file.error;
  // After BOS the dummy prefix's space goes; BOS, EOS and unk print nothing.
  EXPECT_EQ(file.decode({1, 264, 262, 2, 0}), "ab a");
  EXPECT_EQ(file.decode({264, 262}), " ab a");
  EXPECT_EQ(file.decode({3 + 'x', 3 + 0xC3, 3 + 0xA9}), "x\xC3\xA9");
  EXPECT_EQ(file.decode({3 + 0xC3, 260}), "\uFFFD" "a"); // a broken character
  EXPECT_STREQ(loom_tokenizer_piece(file.tokenizer, 264), " ab");
  EXPECT_EQ(loom_tokenizer_piece(file.tokenizer, 266), nullptr);
}

TEST(Llama2cTokenizerTest, StreamsACharacterWholeAcrossByteTokens) {
  TokenizerFile file(llama2cFile(kPieces));
  ASSERT_EQ(file.status, LOOM_OK) << file.error;
  loom_detokenizer *d = nullptr;
  ASSERT_EQ(loom_detokenizer_create(file.tokenizer, &d), LOOM_OK);
  std::vector<std::string> pushes;
  for (int64_t token : {int64_t(1), int64_t(262), int64_t(3 + 0xF0), int64_t(3 + 0x9F),
                        int64_t(3 + 0x98), int64_t(3 + 0x80), int64_t(261)}) {
    const char *text;
    size_t n;
    ASSERT_EQ(loom_detokenizer_push(d, token, &text, &n), LOOM_OK);
    pushes.emplace_back(text, n);
  }
  EXPECT_EQ(pushes, (std::vector<std::string>{"", "a", "", "", "", "\xF0\x9F\x98\x80", "b"}));
  const char *text;
  size_t n;
  EXPECT_EQ(loom_detokenizer_push(d, 266, &text, &n), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(), "token 266 is outside the tokenizer's vocabulary [0, 266)");
  EXPECT_EQ(loom_detokenizer_push(d, 3 + 0xE2, &text, &n), LOOM_OK);
  EXPECT_EQ(loom_detokenizer_flush(d, &text, &n), LOOM_OK);
  EXPECT_EQ(std::string(text, n), "\uFFFD");
  loom_detokenizer_destroy(d);
}

TEST(Llama2cTokenizerTest, RefusesInvalidUtf8Text) {
  TokenizerFile file(llama2cFile(kPieces));
  ASSERT_EQ(file.status, LOOM_OK) << file.error;
  int64_t *ids = nullptr;
  size_t n = 7;
  EXPECT_EQ(loom_tokenizer_encode(file.tokenizer, "ab\xFF", 3, 1, &ids, &n),
            LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_STREQ(loom_last_error(),
               "the text is not valid UTF-8: byte 2 (0xFF) does not begin a complete character");
  EXPECT_EQ(ids, nullptr);
  EXPECT_EQ(n, 0u);
}

TEST(Llama2cTokenizerTest, RefusesBrokenFiles) {
  std::string good = llama2cFile(kPieces);
  auto errorOf = [](const std::string &bytes) {
    TokenizerFile file(bytes);
    EXPECT_EQ(file.status, LOOM_ERROR_FORMAT);
    return file.error.substr(file.error.find(": ") + 2);
  };
  EXPECT_EQ(errorOf(good.substr(0, 3)),
            "it is 3 bytes, too short for the header (the int32 maximum piece length)");
  EXPECT_EQ(errorOf(good.substr(0, good.size() - 1)),
            "token 265's 2-byte piece ends past the end of the file (" +
                std::to_string(good.size() - 1) + " bytes): the file is truncated");
  EXPECT_EQ(errorOf(good.substr(0, good.size() - 5)),
            "token 265 at byte " + std::to_string(good.size() - 10) +
                " is cut off in its score and length (the file is truncated)");
  EXPECT_EQ(errorOf(llama2cFile(kPieces, /*maxLength=*/2)),
            "token 0 claims 5 bytes, outside [0, 2] (the header's maximum piece length)");
  EXPECT_EQ(errorOf(llama2cFile({}, -1)), "the maximum piece length is -1, not positive");
  std::string nan = good;
  float notANumber = NAN;
  std::memcpy(&nan[4], &notANumber, 4);
  EXPECT_EQ(errorOf(nan), "token 0 has a score that is not a finite number");
  std::string negative = good;
  int32_t minusOne = -1;
  std::memcpy(&negative[8], &minusOne, 4);
  EXPECT_EQ(errorOf(negative),
            "token 0 claims -1 bytes, outside [0, 16] (the header's maximum piece length)");
  std::string renamed = good;
  renamed[renamed.find("<0x41>") + 4] = 'X';
  EXPECT_EQ(errorOf(renamed), "token 68 is not the byte fallback <0x41>");
  EXPECT_EQ(errorOf(good.substr(0, 4 + 3 * 8 + 5 + 5 + 6)),
            "it holds 3 tokens; the format has at least 259 (<unk>, BOS, EOS, 256 bytes)");
}

TEST(TokenizerTest, ReportsMissingFilesAndNullArguments) {
  loom_tokenizer *t = nullptr;
  EXPECT_EQ(loom_tokenizer_load("/nonexistent/tok.bin", &t), LOOM_ERROR_IO);
  EXPECT_STREQ(loom_last_error(),
               "cannot open the tokenizer '/nonexistent/tok.bin': No such file or directory");
  EXPECT_EQ(loom_tokenizer_load(nullptr, &t), LOOM_ERROR_INVALID_ARGUMENT);
  int64_t *ids;
  size_t n;
  EXPECT_EQ(loom_tokenizer_encode(nullptr, "a", 1, 1, &ids, &n), LOOM_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(loom_tokenizer_vocab_size(nullptr), 0);
  EXPECT_EQ(loom_tokenizer_bos(nullptr), -1);
  loom_tokenizer_destroy(nullptr);
  loom_detokenizer_destroy(nullptr);
  // .model files go to libsentencepiece, whose refusal is passed on.
  TokenizerFile model("\x0a\x05hello", ".model");
  EXPECT_EQ(model.status, LOOM_ERROR_FORMAT);
  EXPECT_NE(model.error.find("is not a SentencePiece model: "), std::string::npos)
      << model.error;
}

//===----------------------------------------------------------------------===//
// Hugging Face tokenizer.json
//===----------------------------------------------------------------------===//

/// A byte-fallback BPE (LLaMA 2's layout) over the pieces "▁", "a", "b",
/// "▁a", "ab", "▁ab" with merges in that order of rank.
std::string llamaJson(const std::string &modelExtra = "") {
  std::string vocab = R"("<unk>": 0, "<s>": 1, "</s>": 2)";
  for (int b = 0; b < 256; ++b) {
    char entry[32];
    std::snprintf(entry, sizeof entry, ", \"<0x%02X>\": %d", b, 3 + b);
    vocab += entry;
  }
  vocab += R"(, "▁": 259, "a": 260, "b": 261, "▁a": 262, "ab": 263, "▁ab": 264)";
  return R"({"added_tokens": [
      {"id": 0, "content": "<unk>", "special": true},
      {"id": 1, "content": "<s>", "special": true},
      {"id": 2, "content": "</s>", "special": true}],
    "normalizer": {"type": "Sequence", "normalizers": [
      {"type": "Prepend", "prepend": "▁"},
      {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": null,
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                 {"Sequence": {"id": "A", "type_id": 0}}],
      "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
    "decoder": {"type": "Sequence", "decoders": [
      {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
      {"type": "ByteFallback"}, {"type": "Fuse"},
      {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,)" +
         modelExtra + R"( "vocab": {)" + vocab + R"(},
      "merges": ["a b", "▁ a", "▁ ab"]}})";
}

TEST(HuggingFaceTokenizerTest, EncodesByteFallbackBpe) {
  TokenizerFile file(llamaJson(), ".json");
  ASSERT_EQ(file.status, LOOM_OK) << file.error;
  EXPECT_EQ(loom_tokenizer_get_kind(file.tokenizer), LOOM_TOKENIZER_HF_BYTE_FALLBACK);
  EXPECT_EQ(loom_tokenizer_vocab_size(file.tokenizer), 265);
  EXPECT_EQ(loom_tokenizer_bos(file.tokenizer), 1);
  EXPECT_EQ(loom_tokenizer_eos(file.tokenizer), 2);
  int64_t end = -7;
  EXPECT_EQ(loom_tokenizer_end_tokens(file.tokenizer, &end, 1), 1u);
  EXPECT_EQ(end, 2);
  // "▁ab": "a b" (rank 0) first, then "▁ ab".
  EXPECT_EQ(file.encode("ab"), (std::vector<int64_t>{1, 264}));
  // "▁a▁b": "▁ a" (rank 1); "b" stays; "x" falls back to its byte.
  EXPECT_EQ(file.encode("a bx", false), (std::vector<int64_t>{262, 259, 261, 3 + 'x'}));
  // Added tokens are matched in the text before anything else.
  EXPECT_EQ(file.encode("a</s>", false), (std::vector<int64_t>{262, 2}));
  EXPECT_EQ(file.decode({1, 264, 262, 3 + 0xC3, 3 + 0xA9, 2}), "ab a\xC3\xA9");
}

TEST(HuggingFaceTokenizerTest, RefusesWhatItCannotRun) {
  auto errorOf = [](const std::string &json, loom_status expected) {
    TokenizerFile file(json, ".json");
    EXPECT_EQ(file.status, expected) << file.error;
    return file.error.substr(file.error.find(": ") + 2);
  };
  EXPECT_EQ(errorOf(R"({"model": {"type": "WordPiece", "vocab": {}}})", LOOM_ERROR_UNSUPPORTED),
            "a WordPiece model (loomrt reads BPE models)");
  EXPECT_EQ(errorOf(llamaJson().substr(0, 300), LOOM_ERROR_FORMAT),
            "it is not a valid JSON object (truncated?)");
  EXPECT_EQ(errorOf(R"({"model": {"vocab": {"a": 0}, "merges": ["a b"]}})", LOOM_ERROR_FORMAT),
            "merge 0 (\"a\" + \"b\") uses a piece the vocab lacks");
  EXPECT_EQ(errorOf(R"({"model": {"vocab": {"a": "zero"}, "merges": []}})", LOOM_ERROR_FORMAT),
            "the vocab's entry \"a\" is not a token id");
  EXPECT_EQ(errorOf(R"({"model": {"vocab": {"a": 0, "b": 99999}, "merges": []}})",
                    LOOM_ERROR_FORMAT),
            "its ids reach 99999 but it has only 2 tokens");
  // Checked before anything of that size is allocated.
  EXPECT_EQ(errorOf(R"({"added_tokens": [{"id": 2000000000, "content": "x", "special": true}],
                       "model": {"vocab": {"a": 0}, "merges": []}})",
                    LOOM_ERROR_FORMAT),
            "its ids reach 2000000000 but it has only 2 tokens");
  EXPECT_EQ(errorOf(R"({"normalizer": {"type": "NFKC"}, "model": {"vocab": {}, "merges": []}})",
                    LOOM_ERROR_UNSUPPORTED),
            "the normalizer NFKC");
  EXPECT_EQ(errorOf(llamaJson(R"( "dropout": 0.1,)"), LOOM_ERROR_UNSUPPORTED),
            "BPE dropout (it makes encoding random)");
  EXPECT_EQ(errorOf(R"({"model": {"vocab": [], "merges": []}})", LOOM_ERROR_FORMAT),
            "the model's vocab is not an object");
}

} // namespace
