//===- ModelInterface.cpp - loomrt's and C's view of a model ----*- C++ -*-===//
//
// The signature text loomrt reads from every compiled model, and the C header
// written next to a shared library. Both are taken from the entry function
// before it is lowered, while its types and ONNX names are still there.
//
//===----------------------------------------------------------------------===//

#include "loom/Target/Cpu/CpuTarget.h"

#include "loom/Conversion/InputSizeConditions.h"
#include "loom-c/Abi.h"
#include "loom-c/Runtime.h"
#include "loom/Support/Printable.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace mlir;

std::string loom::cpu::modelName(StringRef path) {
  std::string name = llvm::sys::path::stem(path).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty() || llvm::isDigit(name[0]))
    name = "model_" + name;
  return name;
}

/// loomrt's dtype (ONNX's TensorProto number) of an element type, or
/// LOOM_DTYPE_UNDEFINED for one loomrt cannot carry.
static loom_dtype dtypeOf(Type t) {
  if (t.isF32()) return LOOM_DTYPE_FLOAT32;
  if (t.isF64()) return LOOM_DTYPE_FLOAT64;
  if (t.isF16()) return LOOM_DTYPE_FLOAT16;
  if (t.isBF16()) return LOOM_DTYPE_BFLOAT16;
  if (t.isInteger(1)) return LOOM_DTYPE_BOOL;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8: return u ? LOOM_DTYPE_UINT8 : LOOM_DTYPE_INT8;
    case 16: return u ? LOOM_DTYPE_UINT16 : LOOM_DTYPE_INT16;
    case 32: return u ? LOOM_DTYPE_UINT32 : LOOM_DTYPE_INT32;
    case 64: return u ? LOOM_DTYPE_UINT64 : LOOM_DTYPE_INT64;
    }
  }
  return LOOM_DTYPE_UNDEFINED;
}

/// `text` on one line of the signature (lines are newline-separated, and the
/// whole text is a C string: a NUL would end it).
static std::string oneLine(std::string text) {
  for (char &c : text)
    if (c == '\n' || c == '\r' || c == '\0')
      c = ' ';
  return text;
}

FailureOr<std::string> loom::cpu::makeStepSignature(func::FuncOp func) {
  std::string text;
  auto add = [&](StringRef kind, Type type, StringAttr name, unsigned index) -> LogicalResult {
    auto shaped = dyn_cast<RankedTensorType>(type);
    loom_dtype dtype = shaped ? dtypeOf(shaped.getElementType()) : LOOM_DTYPE_UNDEFINED;
    StringRef what = kind == LOOM_ABI_SIG_INPUT ? "input " : "output ";
    if (dtype == LOOM_DTYPE_UNDEFINED) {
      func.emitError() << "the model's " << what << index << " has type " << type
                       << ", which the runtime cannot pass";
      return failure();
    }
    if (shaped.getRank() > LOOM_MAX_RANK) {
      func.emitError() << "the model's " << what << index << " has rank " << shaped.getRank()
                       << "; the runtime handles at most " << LOOM_MAX_RANK;
      return failure();
    }
    text += (kind + " " + Twine(static_cast<int>(dtype)) + " " + Twine(shaped.getRank())).str();
    for (int64_t size : shaped.getShape())
      text += " " + std::to_string(ShapedType::isDynamic(size) ? -1 : size);
    text += " " + oneLine(name ? name.str() : (kind + Twine(index)).str()) + "\n";
    return success();
  };
  if (func.getNumResults() == 0) {
    func.emitError() << "the model has no outputs: there would be nothing to run it for";
    return failure();
  }
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
    if (failed(add(LOOM_ABI_SIG_INPUT, t, func.getArgAttrOfType<StringAttr>(i, "onnx.name"), i)))
      return failure();
  for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
    if (failed(add(LOOM_ABI_SIG_OUTPUT, t, func.getResultAttrOfType<StringAttr>(i, "onnx.name"), i)))
      return failure();
  // Sizes the lowering takes to agree, checked by loomrt on every run:
  // "check <input> <dim> <other input> <other dim> <size> <op>" (other input
  // -1: the dimension must be `size`).
  for (const loom::InputSizeCondition &c : loom::findInputSizeConditions(func))
    text += std::string(LOOM_ABI_SIG_CHECK) + " " + std::to_string(c.input) + " " + std::to_string(c.dim) + " " +
            std::to_string(c.otherInput) + " " + std::to_string(c.otherDim) + " " +
            std::to_string(c.size) + " " + oneLine(c.needer) + "\n";
  return text;
}

std::string loom::cpu::makeGenerateSignature(int64_t vocabSize, int64_t contextLength,
                                            bool branches,
                                            llvm::ArrayRef<int64_t> speculationTree) {
  std::string signature = std::string(LOOM_ABI_SIG_GENERATE) + " " +
                          std::to_string(vocabSize) + " " + std::to_string(contextLength) +
                          (branches ? " branches" : "") + "\n";
  if (!speculationTree.empty()) {
    signature += LOOM_ABI_SIG_SPECULATION;
    for (int64_t parent : speculationTree)
      signature += " " + std::to_string(parent);
    signature += "\n";
  }
  return signature;
}

/// `text` safe inside a C block comment: tensor and file names come from the
/// model, and a "*/" in one would end the comment and put the rest of the name
/// into every program that includes the header. A "/*" would only warn
/// (-Wcomment, an error under -Werror), and control characters (a terminal's
/// escapes, a line break ending the comment's line) have no place in source:
/// they are written as \xNN.
static std::string commentSafe(StringRef text) {
  std::string safe;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = text[i];
    if (loom::isControlCharacter(c)) {
      loom::appendHexEscape(safe, c);
      continue;
    }
    safe += char(c);
    bool next = i + 1 < text.size();
    if (c == '*' && next && text[i + 1] == '/')
      safe += '\\'; // "*\/" reads the same and ends nothing
    else if (c == '/' && next && text[i + 1] == '*')
      safe += '\\'; // "/\*" opens nothing
  }
  return safe;
}

/// The opening of a generated header: banner, include guard, C linkage.
static void openHeader(llvm::raw_ostream &os, StringRef name, StringRef sourceName,
                       StringRef how, StringRef includes) {
  std::string guard = "LOOM_MODEL_" + name.upper() + "_H";
  os << "/* Generated by " << how << " from "
     << commentSafe(llvm::sys::path::filename(sourceName))
     << ". Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << includes << "\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
}

static void closeHeader(llvm::raw_ostream &os) {
  os << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
}

std::string loom::cpu::makeGenerateHeader(StringRef name, StringRef sourceName,
                                          int64_t vocabSize, int64_t contextLength,
                                          bool withTokenizer) {
  std::string text;
  llvm::raw_string_ostream os(text);
  openHeader(os, name, sourceName, "loom-compile --generate", "#include \"loom-c/Generate.h\"\n");
  os << "#define " << name.upper() << "_VOCAB_SIZE " << vocabSize << "\n"
     << "#define " << name.upper() << "_CONTEXT_LENGTH " << contextLength << "\n\n"
     << "/* Generates after `prompt` with this library's model: the arguments and\n"
        "   checks of loom_model_generate (loom-c/Generate.h). Link with -lloomrt. */\n"
     << "loom_status " << name
     << "_generate(const int64_t *prompt, size_t prompt_len,\n"
        "    const loom_generate_options *options, loom_token_callback callback,\n"
        "    void *user_data, int64_t *tokens, size_t *num_tokens,\n"
        "    loom_generate_stats *stats);\n\n";
  if (withTokenizer)
    os << "/* The library embeds its tokenizer (loom-compile --tokenizer): generates\n"
          "   after the UTF-8 `prompt` and streams the text to `callback`, stopping at\n"
          "   the tokenizer's end of text unless `options` gives stop tokens; see\n"
          "   loom_model_generate_text (loom-c/Generate.h). */\n"
       << "#define " << name.upper() << "_HAS_TOKENIZER 1\n"
       << "loom_status " << name
       << "_generate_text(const char *prompt, const loom_generate_options *options,\n"
          "    loom_text_callback callback, void *user_data, loom_generate_stats *stats);\n\n";
  closeHeader(os);
  return text;
}

std::string loom::cpu::makeStepHeader(StringRef name, StringRef sourceName, func::FuncOp func) {
  std::string text;
  llvm::raw_string_ostream os(text);
  openHeader(os, name, sourceName, "loom-compile", "#include <stdint.h>\n");
  std::set<int64_t> ranks; // ordered: the header lists them by rank
  for (Type t : llvm::concat<const Type>(func.getArgumentTypes(), func.getResultTypes()))
    if (auto shaped = dyn_cast<ShapedType>(t))
      ranks.insert(shaped.getRank());
  for (int64_t rank : ranks) {
    os << "/* A rank-" << rank << " tensor as MLIR passes it: the allocation, the aligned "
       << "data pointer, an offset in elements, sizes and strides. */\n"
       << "typedef struct {\n  void *allocated;\n  void *aligned;\n  int64_t offset;\n";
    if (rank > 0)
      os << "  int64_t sizes[" << rank << "];\n  int64_t strides[" << rank << "];\n";
    os << "} loom_memref" << rank << "d;\n\n";
  }
  os << "/* Results, in order; their buffers are malloc'ed by the model and owned\n"
        "   by the caller (free(allocated)). */\ntypedef struct {\n";
  for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
    os << "  loom_memref" << cast<ShapedType>(t).getRank() << "d result" << i << ";\n";
  os << "} " << name << "_results;\n\n";
  os << "/* Runs the model. Inputs, in order:\n";
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes())) {
    os << " *   arg" << i;
    if (auto n = func.getArgAttrOfType<StringAttr>(i, "onnx.name"))
      os << " (" << commentSafe(n.getValue()) << ")";
    os << ": " << t << "\n";
  }
  os << " * Inputs are borrowed; shapes must match (checked by the runtime in later\n"
        " * versions of loom, not by this entry point). */\n";
  os << "void _mlir_ciface_" << func.getName() << "(";
  if (func.getNumResults() == 1)
    os << "loom_memref" << cast<ShapedType>(func.getResultTypes()[0]).getRank() << "d *results";
  else
    os << name << "_results *results";
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
    os << ", loom_memref" << cast<ShapedType>(t).getRank() << "d *arg" << i;
  os << ");\n\n";
  closeHeader(os);
  return text;
}
