//===- loom-compile.cpp - ONNX model to native code -------------*- C++ -*-===//
//
// loom-compile model.onnx -o OUT [--emit=mlir|llvm|obj|lib|exe] [--generate]
//
// The flow, each stage defined once in lib/Pipelines and lib/Target: import
// (lib/Import/Onnx), the graph pipeline, the generate pipeline with
// --generate, then the CPU target (lowering, LLVM code generation, linking,
// the C header). This tool only maps its options onto theirs.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Tokenizer.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Dialect/Decode/Transforms/TreeSearch.h"
#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"
#include "loom/Pipelines/Pipelines.h"
#include "loom/Support/RegularFile.h"
#include "loom/Target/Cpu/CpuTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, Llvm, Obj, Lib, Exe };

// --help shows these categories; every other option linked in (LLVM's and
// MLIR's hundreds) is hidden, listed by --help-hidden.
cl::OptionCategory general("loom-compile options");
cl::OptionCategory codegen("Code generation");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::Required,
                               cl::cat(general));
cl::opt<std::string> outputFile("o", cl::desc("Output file (for --emit=lib: the .so; "
                                              "the header goes next to it); missing "
                                              "folders are created"),
                                cl::value_desc("path"), cl::cat(general));
cl::opt<bool> quiet("quiet", cl::desc("Do not report the stages and their times on stderr"),
                    cl::cat(general));
cl::opt<Emit> emit(cl::cat(general), 
    "emit", cl::desc("What to produce"), cl::init(Emit::Lib),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "MLIR after the graph stage (and the generate stage with --generate)"),
               clEnumValN(Emit::Llvm, "llvm", "LLVM IR (.ll)"),
               clEnumValN(Emit::Obj, "obj", "an object file (.o)"),
               clEnumValN(Emit::Lib, "lib", "a shared library (libNAME.so) and NAME.h"),
               clEnumValN(Emit::Exe, "exe",
                          "an executable that runs the model on .pb tensor files "
                          "(with --generate: that generates from --prompt-tokens)")));
cl::opt<std::string> mcpu("mcpu", cl::desc("Target CPU (default: the host's)"),
                          cl::init("host"), cl::cat(codegen));
cl::opt<std::string> mattr("mattr", cl::desc("Target features, e.g. +avx2,-avx512f "
                                             "(default: the host's)"),
                           cl::init("host"), cl::cat(codegen));
cl::opt<std::string> softmax(
    "softmax",
    cl::desc("How softmax is evaluated: three-pass (maximum, sum, outputs), two-pass "
             "(Dukhan & Ablavatski), online (running maximum), or auto, the fastest "
             "measured for each softmax (default); see docs/performance.md"),
    cl::init("auto"), cl::cat(general));
cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite exported attention into loom.attention, run as one pass over K/V "
             "(default true; false runs the graph's ops as written)"),
    cl::init(true), cl::cat(general));
cl::opt<bool> fuseTransformerOps(
    "fuse-transformer-ops",
    cl::desc("Rewrite exported RMSNorm, LayerNorm, GELU, SiLU and rotary embeddings into "
             "loom ops (default true; false runs the graph's ops as written)"),
    cl::init(true), cl::cat(general));
cl::OptionCategory quantization("Quantization (--quantize)");
cl::opt<std::string> quantizeSpec(
    "quantize",
    cl::desc("Pack MatMul/Gemm weights at compile time: int8 (per output channel), "
             "int4 (groups of 32), ternary (BitNet b1.58: -1, 0, +1 times each channel's mean "
             "magnitude); :gN sets N inputs per scale (a multiple of 32), :zp gives int4 a "
             "zero point per group. Activations are rounded to int8 per block of 32 in the "
             "kernel. See docs/quantization.md"),
    cl::value_desc("int8|int4|ternary[:gN][:zp]"), cl::cat(quantization));
cl::list<std::string> quantizeKeep(
    "quantize-keep",
    cl::desc("Matmuls whose ONNX node name contains one of these stay in f32 "
             "(comma-separated; for example the first and last layers)"),
    cl::CommaSeparated, cl::cat(quantization));
cl::opt<std::string> quantizeLmHead(
    "quantize-lm-head",
    cl::desc("Format of the matmul that produces a model output (the classifier, the most "
             "sensitive one): auto (the default: int8 under int4 and ternary, else as "
             "--quantize), same (as --quantize), f32, int8, int4 or ternary"),
    cl::value_desc("auto|same|f32|int8|int4|ternary"), cl::init("auto"),
    cl::cat(quantization));
cl::opt<std::string> partitionSpec(
    "partition",
    cl::desc("Split the model across N processes started together (mpirun -np N): "
             "tensor parallelism of the MLP blocks (Megatron column/row split, summed by "
             "an all-reduce); the library learns its rank from MPI at load time. See "
             "docs/partition.md"),
    cl::value_desc("tp=N"), cl::cat(general));
enum class Weights { Embed, File };
cl::opt<Weights> weights(
    "weights", cl::desc("Where the model's weights go"), cl::init(Weights::Embed),
    cl::values(clEnumValN(Weights::Embed, "embed", "into the binary (the default)"),
               clEnumValN(Weights::File, "file",
                          "into NAME.weights next to it, mapped by loomrt at load time")),
    cl::cat(codegen));
cl::OptionCategory generation("Generation (--generate)");
cl::opt<bool> generate(
    "generate",
    cl::desc("Compile the decoder's whole generation loop (prefill, one-token steps, an "
             "in-place KV cache, sampling) instead of one step: run it with loom-run "
             "--generate or loom_model_generate (loom-c/Generate.h)"),
    cl::cat(generation));
cl::opt<int64_t> contextLength("context-length",
                               cl::desc("Positions the KV cache holds: prompt plus generated "
                                        "tokens (default 2048, or the size of the model's "
                                        "position table when smaller)"),
                               cl::init(2048), cl::cat(generation));
cl::list<std::string> stopTokens("stop-tokens",
                                 cl::desc("Token ids that end generation, compiled into the "
                                          "loop: 2,7 (or \"2 7\", as loom-run also takes "
                                          "them; loomrt can add more per call)"),
                                 cl::value_desc("ids"), cl::CommaSeparated,
                                 cl::cat(generation));
cl::opt<std::string> idsName("input-ids", cl::desc("Name of the token-ids input"),
                             cl::init("input_ids"), cl::cat(generation));
cl::opt<std::string> positionsName("position-ids",
                                   cl::desc("Name of the optional positions input"),
                                   cl::init("position_ids"), cl::cat(generation));
cl::opt<std::string> maskName("attention-mask",
                              cl::desc("Name of the optional attention-mask input"),
                              cl::init("attention_mask"), cl::cat(generation));
cl::opt<std::string> pastKeyName("past-key",
                                 cl::desc("Name of layer {}'s past keys input"),
                                 cl::init("past_key_values.{}.key"), cl::cat(generation));
cl::opt<std::string> pastValueName("past-value",
                                   cl::desc("Name of layer {}'s past values input"),
                                   cl::init("past_key_values.{}.value"), cl::cat(generation));
cl::opt<std::string> logitsName("logits", cl::desc("Name of the logits output"),
                                cl::init("logits"), cl::cat(generation));
cl::opt<std::string> presentKeyName("present-key",
                                    cl::desc("Name of layer {}'s present keys output"),
                                    cl::init("present.{}.key"), cl::cat(generation));
cl::opt<std::string> presentValueName("present-value",
                                      cl::desc("Name of layer {}'s present values output"),
                                      cl::init("present.{}.value"), cl::cat(generation));
cl::opt<std::string> speculate(
    "speculate",
    cl::desc("Speculative decoding: each decode step drafts tokens, verifies them in one "
             "call of the model and keeps what the model agrees with (the tokens equal "
             "plain decoding's). ngram[:N]: prompt lookup, matching the last 1 to N tokens "
             "(default 3); self:LAYERS: the model's own first LAYERS layers, final norm "
             "and classifier draft greedily (chains only); draft=FILE.onnx: a separate "
             "draft model (a decoder with the same vocabulary and inputs/outputs named as "
             "the target's; compiled into the same binary with a cache of its own; "
             "drafts greedily, chains only)"),
    cl::value_desc("ngram[:N]|self:LAYERS|draft=FILE.onnx"), cl::cat(generation));
cl::opt<std::string> tokenizerFile(
    "tokenizer",
    cl::desc("With --generate: embed this tokenizer (a llama2.c tokenizer.bin, a Hugging "
             "Face tokenizer.json or a SentencePiece .model; its vocabulary must be the "
             "model's) in the library: the header's NAME_generate_text takes a text prompt "
             "and streams text, and loom-run --prompt needs no --tokenizer"),
    cl::value_desc("FILE"), cl::cat(generation));
cl::opt<std::string> speculationTree(
    "tree",
    cl::desc("With --speculate, the drafted tokens: chain:K (K in a row, the default "
             "chain:4) or a tree as a parent index per node (-1,0,0,1: two candidates for "
             "the next token, the first with a child; node 0 is the fed token) or "
             "search:N:PROFILE, the tree of at most N nodes that a profile written by "
             "loom-run --acceptance-profile predicts accepts the most tokens"),
    cl::value_desc("chain:K|P0,P1,...|search:N:PROFILE"), cl::cat(generation));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (0-3)"), cl::init(3),
                           cl::Prefix, cl::cat(codegen));


/// Where loomrt was built or installed: lib/ next to this tool's bin/.
std::string runtimeLibraryDir(const char *argv0) {
  std::string self = llvm::sys::fs::getMainExecutable(argv0, (void *)&runtimeLibraryDir);
  SmallString<256> dir(llvm::sys::path::parent_path(llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(dir, "lib");
  return dir.str().str();
}

int fail(const Twine &message) {
  llvm::errs() << "loom-compile: " << message << "\n";
  return 1;
}

/// stderr with control characters other than line breaks and tabs written as
/// \xNN: diagnostics quote node and tensor names from the model, and a
/// terminal escape sequence in one must not reach the user's terminal.
class PrintableStream : public llvm::raw_ostream {
public:
  explicit PrintableStream(llvm::raw_ostream &out) : raw_ostream(/*unbuffered=*/true), out(out) {}

private:
  void write_impl(const char *ptr, size_t size) override {
    for (size_t i = 0; i < size; ++i) {
      unsigned char c = ptr[i];
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
        out << "\\x" << llvm::utohexstr(c, /*LowerCase=*/true, /*Width=*/2);
      else
        out << char(c);
    }
  }
  uint64_t current_pos() const override { return out.tell(); }

  llvm::raw_ostream &out;
};

/// Reports a stage on stderr with the seconds since the compile began
/// (unless --quiet): a long compile shows where its time goes.
void progress(const Twine &message) {
  static const llvm::TimeRecord start = llvm::TimeRecord::getCurrentTime();
  if (quiet)
    return;
  double elapsed = llvm::TimeRecord::getCurrentTime().getWallTime() - start.getWallTime();
  llvm::errs() << "loom-compile: " << message << llvm::format(" [%.2f s]", elapsed) << "\n";
}

/// Hides from --help every option outside loom's categories; --help-hidden
/// still lists them.
void hideUnrelatedOptions() {
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *option = entry.second;
    if (!llvm::any_of(option->Categories, [](cl::OptionCategory *c) {
          return c == &general || c == &codegen || c == &quantization || c == &generation ||
                 c->getName() == "Generic Options"; // --help, --version
        }))
      option->setHiddenFlag(cl::Hidden);
  }
}

/// --stop-tokens' ids: each value comma-split by cl and space-split here;
/// an error message when one is not an integer.
std::optional<std::string> parseStopTokens(SmallVectorImpl<int64_t> &ids) {
  for (StringRef value : stopTokens) {
    SmallVector<StringRef> words;
    value.split(words, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef word : words) {
      int64_t id;
      if (word.trim().getAsInteger(10, id))
        return "--stop-tokens=" + value.str() + ": '" + word.str() +
               "' is not a token id (give them as 2,7 or \"2 7\")";
      ids.push_back(id);
    }
  }
  return std::nullopt;
}

/// --speculate and --tree as loom-decode-speculate's options; an error
/// message when they do not parse.
/// With draft=FILE, `draftModel` is set to FILE. A searched tree
/// (--tree=search:N:PROFILE) is no deeper than `contextLength` positions.
std::optional<std::string> parseSpeculation(loom::SpeculationOptions &options,
                                            std::string &draftModel, int64_t contextLength) {
  StringRef spec = speculate;
  auto [source, arg] = spec.split(':');
  if (spec.starts_with("draft=")) {
    source = "draft";
    draftModel = spec.drop_front(6).str();
    if (draftModel.empty())
      return "--speculate=" + spec.str() + ": give the draft model's .onnx file "
                                           "(draft=FILE.onnx)";
    if (!llvm::sys::fs::is_regular_file(draftModel))
      return "--speculate=" + spec.str() + ": the draft model '" + draftModel +
             "' is not a file";
    options.draft = "model";
  } else if (source != "ngram" && source != "self") {
    return "--speculate=" + spec.str() + ": unknown draft source '" + source.str() +
           "' (known: ngram[:N], self:LAYERS, draft=FILE.onnx)";
  } else {
    options.draft = source.str();
  }
  if (source == "draft") {
    // (nothing more to parse: the file is the whole argument)
  } else if (source == "self") {
    int64_t layers = 0;
    if (arg.getAsInteger(10, layers) || layers < 1)
      return "--speculate=" + spec.str() + ": LAYERS (the target's layers the draft keeps) "
                                           "must be a positive integer";
    options.draftLayers = layers;
  } else if (!arg.empty()) {
    int64_t n = 0;
    if (arg.getAsInteger(10, n) || n < 1 || n > 64)
      return "--speculate=" + spec.str() + ": N (the longest n-gram matched) must be an "
                                           "integer in [1, 64]";
    options.maxNgram = n;
  }
  StringRef tree = speculationTree;
  SmallVector<int64_t> parents;
  if (tree.empty())
    tree = "chain:4";
  if (tree.consume_front("search:")) {
    // search:N:PROFILE - the best tree of N nodes for a measured profile.
    auto [count, file] = tree.split(':');
    int64_t budget = 0;
    if (count.getAsInteger(10, budget) || budget < 2 || budget > 1024 || file.empty())
      return "--tree=search:" + tree.str() + ": expected search:N:PROFILE, N (nodes, the "
                                             "fed token included) in [2, 1024]";
    auto text = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
    if (!text)
      return "--tree=search: cannot read the profile '" + file.str() +
             "': " + text.getError().message();
    std::string why;
    std::optional<loom::decode::AcceptanceProfile> profile =
        loom::decode::parseAcceptanceProfile((*text)->getBuffer(), why);
    if (!profile)
      return "--tree=search: the profile '" + file.str() + "' is not one loom-run "
             "--acceptance-profile writes: " + why;
    loom::decode::TreeChoice choice = loom::decode::searchTokenTree(
        *profile, budget, contextLength, /*chainOnly=*/options.draft != "ngram");
    if (choice.parents.size() < 2)
      return "--tree=search: the profile '" + file.str() + "' shows no draft ever accepted; "
             "no tree is worth verifying";
    parents.assign(choice.parents.begin(), choice.parents.end());
    std::string list;
    for (int64_t p : parents)
      list += (list.empty() ? "" : ",") + std::to_string(p);
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%.2f", choice.expectedTokens);
    progress("speculation tree for " + Twine(budget) + " nodes from " + file + ": " + list +
             " (" + Twine(parents.size()) + " nodes, " + expected +
             " tokens per verify step expected)");
  } else if (tree.consume_front("chain:")) {
    int64_t k = 0;
    if (tree.getAsInteger(10, k) || k < 1 || k >= 1024)
      return "--tree=chain:" + tree.str() + ": K (drafted tokens) must be an integer in [1, "
                                            "1023]";
    for (int64_t i = 0; i <= k; ++i)
      parents.push_back(i - 1);
  } else {
    SmallVector<StringRef> items;
    tree.split(items, ',');
    for (StringRef item : items) {
      int64_t parent = 0;
      if (item.trim().getAsInteger(10, parent))
        return "--tree=" + tree.str() + ": expected chain:K or comma-separated parent "
                                        "indices (-1 for the root), not '" +
               item.str() + "'";
      parents.push_back(parent);
    }
  }
  options.tree = parents;
  return std::nullopt;
}

/// --quantize and its companions as graph-stage options; an error message
/// when they do not parse.
std::optional<std::string> parseQuantization(loom::GraphPipelineOptions &options) {
  StringRef spec = quantizeSpec;
  SmallVector<StringRef> parts;
  spec.split(parts, ':');
  StringRef mode = parts.front();
  if (mode != "int8" && mode != "int4" && mode != "ternary")
    return "--quantize=" + spec.str() + ": unknown format '" + mode.str() +
           "' (known: int8, int4, ternary, each optionally followed by :gN and, for int4, "
           ":zp)";
  options.quantize = mode.str();
  for (StringRef part : llvm::drop_begin(parts)) {
    int64_t group = 0;
    if (part == "zp") {
      if (mode != "int4")
        return "--quantize=" + spec.str() + ": zero points (:zp) are for int4 only";
      options.quantizeZeroPoints = true;
    } else if (part.consume_front("g") && !part.getAsInteger(10, group)) {
      if (group < 32 || group % 32 != 0 || group > (int64_t(1) << 20))
        return "--quantize=" + spec.str() + ": the group size must be a multiple of 32 "
                                            "(32, 64, 128, ...), got " +
               std::to_string(group);
      options.quantizeGroupSize = group;
    } else {
      return "--quantize=" + spec.str() + ": expected :gN (inputs per scale) or :zp, not '" +
             part.str() + "'";
    }
  }
  options.quantizeKeep = ArrayRef<std::string>(quantizeKeep);
  if (!llvm::is_contained({"auto", "same", "f32", "int8", "int4", "ternary"},
                          StringRef(quantizeLmHead)))
    return "--quantize-lm-head=" + quantizeLmHead + ": expected auto, same, f32, int8, int4 "
                                                     "or ternary";
  options.quantizeLmHead = quantizeLmHead;
  return std::nullopt;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  hideUnrelatedOptions();
  cl::ParseCommandLineOptions(argc, argv, "loom-compile: ONNX model to native code\n");
  progress("importing " + inputFile);

  std::string name = loom::cpu::modelName(inputFile);
  if (outputFile.empty()) {
    switch (emit) {
    case Emit::Mlir: outputFile = "-"; break;
    case Emit::Llvm: outputFile = name + ".ll"; break;
    case Emit::Obj: outputFile = name + ".o"; break;
    case Emit::Lib: outputFile = "lib" + name + ".so"; break;
    case Emit::Exe: outputFile = name; break;
    }
  }

  DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  loom::registerAllDialects(registry);
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  MLIRContext context(registry);
  // Diagnostics name the ONNX node; the op's IR would mean nothing to a user.
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  PrintableStream diagnosticStream(llvm::errs());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context, diagnosticStream);

  OwningOpRef<ModuleOp> module = loom::importOnnxModelFile(inputFile, &context);
  if (!module)
    return 1;
  if (failed(loom::reportUnsupportedOps(*module)))
    return 1;

  PassManager graph(&context);
  loom::GraphPipelineOptions graphOptions;
  graphOptions.fuseTransformerOps = fuseTransformerOps;
  graphOptions.fuseAttention = fuseAttention;
  graphOptions.softmax = softmax;
  if (!quantizeSpec.empty()) {
    if (std::optional<std::string> error = parseQuantization(graphOptions)) {
      llvm::errs() << "loom-compile: " << *error << "\n";
      return 2;
    }
  } else if (!quantizeKeep.empty()) {
    llvm::errs() << "loom-compile: --quantize-keep applies to --quantize, which is not given\n";
    return 2;
  }
  int64_t partitionRanks = 0;
  if (!partitionSpec.empty()) {
    StringRef spec = partitionSpec;
    int64_t ranks = 0;
    if (spec.contains("pp="))
      return llvm::errs() << "loom-compile: --partition=" << spec
                          << ": pipeline stages (pp) are not implemented yet; tp=N splits "
                             "the MLP blocks\n",
             2;
    if (!spec.consume_front("tp=") || spec.getAsInteger(10, ranks) || ranks < 2 ||
        ranks > 4096)
      return llvm::errs() << "loom-compile: --partition=" << partitionSpec
                          << ": expected tp=N with N from 2 to 4096 ranks\n",
             2;
    if (!quantizeSpec.empty() || !speculate.empty())
      return llvm::errs() << "loom-compile: --partition does not combine with --quantize or "
                             "--speculate yet\n",
             2;
    partitionRanks = ranks;
  }
  loom::buildGraphPassPipeline(graph, graphOptions);
  if (failed(graph.run(*module)))
    return fail("the graph pipeline failed");
  if (partitionRanks > 1) {
    // What partitioning refuses is the request (the rank count), not the
    // model: exit status 2, as for options that do not parse.
    PassManager partition(&context);
    // With --generate the KV cache is internal, so attention can be split
    // by heads (each rank's cache holds its heads); a plain step keeps its
    // interface, so attention stays whole there.
    loom::buildPartitionPassPipeline(partition, partitionRanks, /*attention=*/generate);
    progress("partitioning across " + Twine(partitionRanks) + " ranks");
    if (failed(partition.run(*module))) {
      llvm::errs() << "loom-compile: the model cannot be partitioned as asked (see the error "
                      "above)\n";
      return 2;
    }
  }

  if (!generate && !tokenizerFile.empty())
    return llvm::errs() << "loom-compile: --tokenizer applies to --generate\n", 2;
  if (!generate && (!speculate.empty() || !speculationTree.empty()))
    return fail("--speculate and --tree apply to --generate");
  if (speculate.empty() && !speculationTree.empty())
    return fail("--tree shapes the drafts of --speculate, which is not given");
  if (generate) {
    loom::GeneratePipelineOptions options;
    options.contextLength = contextLength;
    // Without --context-length, a model whose position table is shorter
    // than the default gets the table's length (a longer one is refused).
    if (contextLength.getNumOccurrences() == 0)
      if (auto graphFunc = module->lookupSymbol<func::FuncOp>("main_graph"))
        for (unsigned i = 0; i < graphFunc.getNumArguments(); ++i)
          if (auto n = graphFunc.getArgAttrOfType<StringAttr>(i, "onnx.name");
              n && n.getValue() == positionsName)
            if (std::optional<int64_t> size = loom::decode::positionTableSize(graphFunc, i);
                size && *size < contextLength) {
              options.contextLength = *size;
              progress("context length " + Twine(*size) + ", the positions the model's " +
                       "table holds (--context-length sets it)");
            }
    options.inputIds = idsName;
    options.positionIds = positionsName;
    options.attentionMask = maskName;
    options.pastKey = pastKeyName;
    options.pastValue = pastValueName;
    options.logits = logitsName;
    options.presentKey = presentKeyName;
    options.presentValue = presentValueName;
    SmallVector<int64_t> stops;
    if (std::optional<std::string> error = parseStopTokens(stops)) {
      llvm::errs() << "loom-compile: " << *error << "\n";
      return 2;
    }
    options.stopTokens = stops;
    loom::SpeculationOptions speculation;
    std::string draftModel;
    if (!speculate.empty()) {
      if (std::optional<std::string> error =
              parseSpeculation(speculation, draftModel, options.contextLength)) {
        llvm::errs() << "loom-compile: " << *error << "\n";
        return 2;
      }
    }
    PassManager wrap(&context);
    loom::buildGeneratePassPipeline(wrap, options);
    progress("building the generation loop");
    if (failed(wrap.run(*module)))
      return fail("the model cannot be compiled for generation (see the error above)");
    if (!draftModel.empty()) {
      // The draft goes through the same graph and generate stages (its cache
      // as long as the target's), then its steps join the target's module.
      progress("importing the draft model " + draftModel);
      OwningOpRef<ModuleOp> draft = loom::importOnnxModelFile(draftModel, &context);
      if (!draft || failed(loom::reportUnsupportedOps(*draft)))
        return fail("the draft model '" + draftModel + "' cannot be imported");
      PassManager draftPipeline(&context);
      loom::buildGraphPassPipeline(draftPipeline, graphOptions);
      loom::buildGeneratePassPipeline(draftPipeline, options);
      if (failed(draftPipeline.run(*draft)) ||
          failed(loom::decode::adoptDraftModel(*module, *draft)))
        return fail("the draft model '" + draftModel +
                    "' cannot be compiled as a decoder (see the error above)");
    }
    if (!speculate.empty()) {
      // What speculation refuses is the request (the tree, the draft),
      // not the model: exit status 2, as for options that do not parse.
      PassManager speculative(&context);
      loom::buildSpeculationPassPipeline(speculative, speculation);
      progress("making the decode steps speculative");
      if (failed(speculative.run(*module))) {
        llvm::errs() << "loom-compile: the speculation cannot be built as asked (see the "
                        "error above)\n";
        return 2;
      }
    }
  }

  // -o out/dir/lib.so: the folders are made here, so that no later
  // message names a temporary file in a missing folder.
  StringRef outputDir = llvm::sys::path::parent_path(outputFile);
  if (outputFile != "-" && !outputDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return fail("cannot create the output folder '" + outputDir + "': " + ec.message());

  if (emit == Emit::Mlir) {
    std::string error;
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->os() << "\n";
    out->keep();
    return 0;
  }

  loom::cpu::CpuTargetOptions target;
  switch (emit) {
  case Emit::Llvm: target.output = loom::cpu::OutputKind::LlvmIr; break;
  case Emit::Obj: target.output = loom::cpu::OutputKind::Object; break;
  case Emit::Exe: target.output = loom::cpu::OutputKind::Executable; break;
  default: target.output = loom::cpu::OutputKind::SharedLibrary; break;
  }
  target.outputPath = outputFile;
  target.modelName = name;
  target.sourceName = inputFile;
  target.cpu = mcpu;
  target.features = mattr;
  target.optLevel = optLevel;
  target.weightsInFile = weights == Weights::File;
  target.runtimeLibraryDir = runtimeLibraryDir(argv[0]);
  if (!tokenizerFile.empty()) {
    // The name tells loomrt the format (.model); one printable line.
    for (char c : llvm::sys::path::filename(tokenizerFile))
      target.tokenizerName += (c < 0x20 || c == 0x7f) ? '_' : c;
    // Read with loomrt's own reader: a file loomrt cannot use, or whose
    // vocabulary is not the model's, is refused now rather than at run time.
    loom_tokenizer *tokenizer = nullptr;
    auto bytes = loom::readRegularFile(tokenizerFile);
    if (!bytes)
      return llvm::errs() << "loom-compile: --tokenizer: cannot read '" << tokenizerFile
                          << "': " << loom::readErrorMessage(bytes.getError()) << "\n",
             2;
    target.tokenizerBytes = (*bytes)->getBuffer().str();
    if (loom_tokenizer_load_bytes(target.tokenizerBytes.data(), target.tokenizerBytes.size(),
                                  tokenizerFile.c_str(), &tokenizer) != LOOM_OK)
      return llvm::errs() << "loom-compile: --tokenizer: " << loom_last_error() << "\n", 2;
    int64_t tokens = loom_tokenizer_vocab_size(tokenizer);
    loom_tokenizer_destroy(tokenizer);
    auto step = module->lookupSymbol<func::FuncOp>(loom::decode::kPrefillStep);
    auto logits = step ? dyn_cast<ShapedType>(step.getResultTypes()[0]) : nullptr;
    if (logits && logits.getRank() == 1 && logits.getDimSize(0) != tokens)
      return llvm::errs() << "loom-compile: --tokenizer: '" << tokenizerFile << "' has "
                          << tokens << " tokens, but the model's logits have "
                          << logits.getDimSize(0) << " entries\n",
             2;
  }
  target.progress = progress;
  if (llvm::Error err = loom::cpu::emitCpuModel(*module, target))
    return fail(llvm::toString(std::move(err)));
  return 0;
}
