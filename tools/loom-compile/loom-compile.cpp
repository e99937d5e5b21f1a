//===- loom-compile.cpp - ONNX model to native code -------------*- C++ -*-===//
//
// loom-compile model.onnx -o OUT [--emit=mlir|llvm|obj|lib|exe] [--generate]
//
// The flow, each stage defined once in lib/Pipelines and lib/Target: import
// (lib/Import/Onnx), the graph pipeline, the generate pipeline with
// --generate, then the CPU target (lowering, LLVM code generation, linking,
// the C header), strung together by loom::driver::compileModel
// (include/loom/Driver/Compile.h). This tool only declares its options and
// passes them on.
//
//===----------------------------------------------------------------------===//

#include "loom/Driver/Compile.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Timer.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using loom::driver::EmitKind;

namespace {

// --help shows these categories; every other option linked in (LLVM's and
// MLIR's hundreds) is hidden, listed by --help-hidden.
cl::OptionCategory general("loom-compile options");
cl::OptionCategory codegen("Code generation");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"),
                               cl::Required, cl::cat(general));
cl::opt<std::string>
    outputFile("o",
               cl::desc("Output file (for --emit=lib: the .so; "
                        "the header goes next to it); missing "
                        "folders are created"),
               cl::value_desc("path"), cl::cat(general));
cl::opt<bool>
    quiet("quiet",
          cl::desc("Do not report the stages and their times on stderr"),
          cl::cat(general));
cl::opt<EmitKind> emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::SharedLibrary),
    cl::cat(general),
    cl::values(
        clEnumValN(EmitKind::Mlir, "mlir",
                   "MLIR after the graph stage (and the generate stage with "
                   "--generate)"),
        clEnumValN(EmitKind::LlvmIr, "llvm", "LLVM IR (.ll)"),
        clEnumValN(EmitKind::Object, "obj", "an object file (.o)"),
        clEnumValN(EmitKind::SharedLibrary, "lib",
                   "a shared library (libNAME.so) and NAME.h"),
        clEnumValN(EmitKind::Executable, "exe",
                   "an executable that runs the model on .pb tensor files "
                   "(with --generate: that generates from --prompt-tokens)")));
cl::opt<std::string> mcpu("mcpu", cl::desc("Target CPU (default: the host's)"),
                          cl::init("host"), cl::cat(codegen));
cl::opt<std::string> mattr("mattr",
                           cl::desc("Target features, e.g. +avx2,-avx512f "
                                    "(default: the host's)"),
                           cl::init("host"), cl::cat(codegen));
cl::opt<std::string> softmax(
    "softmax",
    cl::desc(
        "How softmax is evaluated: three-pass (maximum, sum, outputs), "
        "two-pass "
        "(Dukhan & Ablavatski), online (running maximum), or auto, the fastest "
        "measured for each softmax (default); see docs/performance.md"),
    cl::init("auto"), cl::cat(general));
cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite exported attention into loom.attention, run as one pass "
             "over K/V "
             "(default true; false runs the graph's ops as written)"),
    cl::init(true), cl::cat(general));
cl::opt<bool> fuseTransformerOps(
    "fuse-transformer-ops",
    cl::desc("Rewrite exported RMSNorm, LayerNorm, GELU, SiLU and rotary "
             "embeddings into "
             "loom ops (default true; false runs the graph's ops as written)"),
    cl::init(true), cl::cat(general));
cl::OptionCategory quantization("Quantization (--quantize)");
cl::opt<std::string> quantizeSpec(
    "quantize",
    cl::desc(
        "Pack MatMul/Gemm weights at compile time: int8 (per output channel), "
        "int4 (groups of 32), ternary (BitNet b1.58: -1, 0, +1 times each "
        "channel's mean "
        "magnitude); :gN sets N inputs per scale (a multiple of 32), :zp gives "
        "int4 a "
        "zero point per group. Activations are rounded to int8 per block of 32 "
        "in the "
        "kernel. See docs/quantization.md"),
    cl::value_desc("int8|int4|ternary[:gN][:zp]"), cl::cat(quantization));
cl::list<std::string> quantizeKeep(
    "quantize-keep",
    cl::desc("Matmuls whose ONNX node name contains one of these stay in f32 "
             "(comma-separated; for example the first and last layers)"),
    cl::CommaSeparated, cl::cat(quantization));
cl::opt<std::string> quantizeLmHead(
    "quantize-lm-head",
    cl::desc("Format of the matmul that produces a model output (the "
             "classifier, the most "
             "sensitive one): auto (the default: int8 under int4 and ternary, "
             "else as "
             "--quantize), same (as --quantize), f32, int8, int4 or ternary"),
    cl::value_desc("auto|same|f32|int8|int4|ternary"), cl::init("auto"),
    cl::cat(quantization));
cl::opt<std::string> partitionSpec(
    "partition",
    cl::desc(
        "Split the model across N processes started together (mpirun -np N): "
        "tensor parallelism of the MLP blocks (Megatron column/row split, "
        "summed by "
        "an all-reduce); the library learns its rank from MPI at load time. "
        "See "
        "docs/partition.md"),
    cl::value_desc("tp=N"), cl::cat(general));
enum class Weights { Embed, File };
cl::opt<Weights> weights(
    "weights", cl::desc("Where the model's weights go"),
    cl::init(Weights::Embed),
    cl::values(
        clEnumValN(Weights::Embed, "embed", "into the binary (the default)"),
        clEnumValN(
            Weights::File, "file",
            "into NAME.weights next to it, mapped by loomrt at load time")),
    cl::cat(codegen));
cl::OptionCategory generation("Generation (--generate)");
cl::opt<bool>
    generate("generate",
             cl::desc("Compile the decoder's whole generation loop (prefill, "
                      "one-token steps, an "
                      "in-place KV cache, sampling) instead of one step: run "
                      "it with loom-run "
                      "--generate or loom_model_generate (loom-c/Generate.h)"),
             cl::cat(generation));
cl::opt<int64_t> contextLength(
    "context-length",
    cl::desc("Positions the KV cache holds: prompt plus generated "
             "tokens (default 2048, or the size of the model's "
             "position table when smaller)"),
    cl::init(2048), cl::cat(generation));
cl::list<std::string>
    stopTokens("stop-tokens",
               cl::desc("Token ids that end generation, compiled into the "
                        "loop: 2,7 (or \"2 7\", as loom-run also takes "
                        "them; loomrt can add more per call)"),
               cl::value_desc("ids"), cl::cat(generation));
cl::opt<std::string> idsName("input-ids",
                             cl::desc("Name of the token-ids input"),
                             cl::init("input_ids"), cl::cat(generation));
cl::opt<std::string>
    positionsName("position-ids",
                  cl::desc("Name of the optional positions input"),
                  cl::init("position_ids"), cl::cat(generation));
cl::opt<std::string>
    maskName("attention-mask",
             cl::desc("Name of the optional attention-mask input"),
             cl::init("attention_mask"), cl::cat(generation));
cl::opt<std::string> pastKeyName("past-key",
                                 cl::desc("Name of layer {}'s past keys input"),
                                 cl::init("past_key_values.{}.key"),
                                 cl::cat(generation));
cl::opt<std::string>
    pastValueName("past-value",
                  cl::desc("Name of layer {}'s past values input"),
                  cl::init("past_key_values.{}.value"), cl::cat(generation));
cl::opt<std::string> logitsName("logits", cl::desc("Name of the logits output"),
                                cl::init("logits"), cl::cat(generation));
cl::opt<std::string>
    presentKeyName("present-key",
                   cl::desc("Name of layer {}'s present keys output"),
                   cl::init("present.{}.key"), cl::cat(generation));
cl::opt<std::string>
    presentValueName("present-value",
                     cl::desc("Name of layer {}'s present values output"),
                     cl::init("present.{}.value"), cl::cat(generation));
cl::opt<std::string> speculate(
    "speculate",
    cl::desc(
        "Speculative decoding: each decode step drafts tokens, verifies them "
        "in one "
        "call of the model and keeps what the model agrees with (the tokens "
        "equal "
        "plain decoding's). ngram[:N]: prompt lookup, matching the last 1 to N "
        "tokens "
        "(default 3); self:LAYERS: the model's own first LAYERS layers, final "
        "norm "
        "and classifier draft greedily (chains only); draft=FILE.onnx: a "
        "separate "
        "draft model (a decoder with the same vocabulary and inputs/outputs "
        "named as "
        "the target's; compiled into the same binary with a cache of its own; "
        "drafts greedily, chains only)"),
    cl::value_desc("ngram[:N]|self:LAYERS|draft=FILE.onnx"),
    cl::cat(generation));
cl::opt<std::string> tokenizerFile(
    "tokenizer",
    cl::desc("With --generate: embed this tokenizer (a llama2.c tokenizer.bin, "
             "a Hugging "
             "Face tokenizer.json or a SentencePiece .model; its vocabulary "
             "must be the "
             "model's) in the library: the header's NAME_generate_text takes a "
             "text prompt "
             "and streams text, and loom-run --prompt needs no --tokenizer"),
    cl::value_desc("FILE"), cl::cat(generation));
cl::opt<std::string> speculationTree(
    "tree",
    cl::desc(
        "With --speculate, the drafted tokens: chain:K (K in a row, the "
        "default "
        "chain:4) or a tree as a parent index per node (-1,0,0,1: two "
        "candidates for "
        "the next token, the first with a child; node 0 is the fed token) or "
        "search:N:PROFILE, the tree of at most N nodes that a profile written "
        "by "
        "loom-run --acceptance-profile predicts accepts the most tokens"),
    cl::value_desc("chain:K|P0,P1,...|search:N:PROFILE"), cl::cat(generation));
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (0-3)"),
                           cl::init(3), cl::Prefix, cl::cat(codegen));

/// Where loomrt was built or installed: lib/ next to this tool's bin/.
std::string runtimeLibraryDir(const char *argv0) {
  std::string self =
      llvm::sys::fs::getMainExecutable(argv0, (void *)&runtimeLibraryDir);
  llvm::SmallString<256> dir(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(self)));
  llvm::sys::path::append(dir, "lib");
  return dir.str().str();
}

/// Reports a stage on stderr with the seconds since the compile began
/// (unless --quiet): a long compile shows where its time goes.
void progress(const llvm::Twine &message) {
  static const llvm::TimeRecord start = llvm::TimeRecord::getCurrentTime();
  double elapsed =
      llvm::TimeRecord::getCurrentTime().getWallTime() - start.getWallTime();
  llvm::errs() << "loom-compile: " << message
               << llvm::format(" [%.2f s]", elapsed) << "\n";
}

/// Hides from --help every option outside loom's categories; --help-hidden
/// still lists them.
void hideUnrelatedOptions() {
  for (auto &entry : cl::getRegisteredOptions()) {
    cl::Option *option = entry.second;
    if (!llvm::any_of(option->Categories, [](cl::OptionCategory *c) {
          return c == &general || c == &codegen || c == &quantization ||
                 c == &generation ||
                 c->getName() == "Generic Options"; // --help, --version
        }))
      option->setHiddenFlag(cl::Hidden);
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  hideUnrelatedOptions();
  cl::ParseCommandLineOptions(argc, argv,
                              "loom-compile: ONNX model to native code\n");

  loom::driver::CompileRequest request;
  request.input = inputFile;
  request.output = outputFile;
  request.emit = emit;
  request.fuseTransformerOps = fuseTransformerOps;
  request.fuseAttention = fuseAttention;
  request.softmax = softmax;
  request.quantize = quantizeSpec;
  request.quantizeKeep = quantizeKeep;
  request.quantizeLmHead = quantizeLmHead;
  request.partition = partitionSpec;
  request.generate = generate;
  if (contextLength.getNumOccurrences())
    request.contextLength = contextLength;
  request.stopTokens = stopTokens;
  request.inputIds = idsName;
  request.positionIds = positionsName;
  request.attentionMask = maskName;
  request.pastKey = pastKeyName;
  request.pastValue = pastValueName;
  request.logits = logitsName;
  request.presentKey = presentKeyName;
  request.presentValue = presentValueName;
  request.speculate = speculate;
  request.tree = speculationTree;
  request.tokenizer = tokenizerFile;
  request.cpu = mcpu;
  request.features = mattr;
  request.optLevel = optLevel;
  request.weightsInFile = weights == Weights::File;
  request.runtimeLibraryDir = runtimeLibraryDir(argv[0]);
  if (!quiet)
    request.progress = progress;
  return loom::driver::compileModel(std::move(request));
}
