//===- loom-compile.cpp - ONNX model to native code -------------*- C++ -*-===//
//
// loom-compile model.onnx -o OUT [--emit=mlir|llvm|obj|lib|exe] [--mcpu=CPU]
//
// Imports the model, runs the graph pipeline, lowers to the LLVM dialect,
// translates to LLVM IR, optimizes and emits code with LLVM's TargetMachine in
// process. `--emit=lib` links a shared library with the system's clang and
// writes a C header next to it; `--emit=exe` links a program that runs the
// model on tensor files. Both link loomrt (lib/Runtime), whose kernels the
// generated code calls, and export the two symbols loomrt loads a model by
// (loom_model_signature, loom_model_entry; see lib/Runtime/Model.cpp).
//
//===----------------------------------------------------------------------===//

#include "ExternalWeights.h"

#include "loom/Conversion/InputSizeConditions.h"
#include "loom/Conversion/Passes.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"
#include "loom/Pipelines/Pipelines.h"
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
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
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <set>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { Mlir, Llvm, Obj, Lib, Exe };

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx>"), cl::Required);
cl::opt<std::string> outputFile("o", cl::desc("Output file (for --emit=lib: the .so; "
                                              "the header goes next to it)"),
                                cl::value_desc("path"));
cl::opt<Emit> emit(
    "emit", cl::desc("What to produce"), cl::init(Emit::Lib),
    cl::values(clEnumValN(Emit::Mlir, "mlir", "graph-level MLIR (after shape refinement)"),
               clEnumValN(Emit::Llvm, "llvm", "LLVM IR (.ll)"),
               clEnumValN(Emit::Obj, "obj", "an object file (.o)"),
               clEnumValN(Emit::Lib, "lib", "a shared library (libNAME.so) and NAME.h"),
               clEnumValN(Emit::Exe, "exe",
                          "an executable that runs the model on .pb tensor files")));
cl::opt<std::string> mcpu("mcpu", cl::desc("Target CPU (default: the host's)"),
                          cl::init("host"));
cl::opt<std::string> mattr("mattr", cl::desc("Target features, e.g. +avx2,-avx512f "
                                             "(default: the host's)"),
                           cl::init("host"));
cl::opt<std::string> softmax(
    "softmax",
    cl::desc("How softmax is evaluated: three-pass (maximum, sum, outputs), two-pass "
             "(Dukhan & Ablavatski), online (running maximum), or auto, the fastest "
             "measured for each softmax (default); see docs/performance.md"),
    cl::init("auto"));
cl::opt<bool> fuseAttention(
    "fuse-attention",
    cl::desc("Rewrite exported attention into loom.attention, run as one pass over K/V "
             "(default true; false runs the graph's ops as written)"),
    cl::init(true));
cl::opt<bool> fuseTransformerOps(
    "fuse-transformer-ops",
    cl::desc("Rewrite exported RMSNorm, LayerNorm, GELU, SiLU and rotary embeddings into "
             "loom ops (default true; false runs the graph's ops as written)"),
    cl::init(true));
enum class Weights { Embed, File };
cl::opt<Weights> weights(
    "weights", cl::desc("Where the model's weights go"), cl::init(Weights::Embed),
    cl::values(clEnumValN(Weights::Embed, "embed", "into the binary (the default)"),
               clEnumValN(Weights::File, "file",
                          "into NAME.weights next to it, mapped by loomrt at load time")));
cl::OptionCategory generation("Generation (--generate)");
cl::opt<bool> generate(
    "generate",
    cl::desc("Compile the decoder's whole generation loop (prefill, one-token steps, an "
             "in-place KV cache, sampling) instead of one step: run it with loom-run "
             "--generate or loom_model_generate (loom-c/Generate.h)"),
    cl::cat(generation));
cl::opt<int64_t> contextLength("context-length",
                               cl::desc("Positions the KV cache holds: prompt plus generated "
                                        "tokens (default 2048)"),
                               cl::init(2048), cl::cat(generation));
cl::list<int64_t> stopTokens("stop-tokens",
                             cl::desc("Token ids that end generation, compiled into the loop "
                                      "(comma-separated; loomrt can add more per call)"),
                             cl::CommaSeparated, cl::cat(generation));
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
cl::opt<unsigned> optLevel("O", cl::desc("LLVM optimization level (0-3)"), cl::init(3),
                           cl::Prefix);

/// ONNX's TensorProto data type number of an element type (loomrt's
/// loom_dtype), or 0 for one loomrt cannot carry.
int dtypeNumber(Type t) {
  if (t.isF32()) return 1;
  if (t.isF64()) return 11;
  if (t.isF16()) return 10;
  if (t.isBF16()) return 16;
  if (t.isInteger(1)) return 9;
  if (auto i = dyn_cast<IntegerType>(t)) {
    bool u = i.isUnsigned();
    switch (i.getWidth()) {
    case 8: return u ? 2 : 3;
    case 16: return u ? 4 : 5;
    case 32: return u ? 12 : 6;
    case 64: return u ? 13 : 7;
    }
  }
  return 0;
}

/// The text loomrt reads a model's inputs and outputs from: one line each,
/// "in|out <dtype> <rank> <sizes...> <name>" with -1 for a dynamic size.
FailureOr<std::string> makeSignature(func::FuncOp func) {
  std::string text;
  auto add = [&](StringRef kind, Type type, StringAttr name, unsigned index) -> LogicalResult {
    auto shaped = dyn_cast<RankedTensorType>(type);
    int dtype = shaped ? dtypeNumber(shaped.getElementType()) : 0;
    if (!dtype) {
      func.emitError() << "the model's " << (kind == "in" ? "input " : "output ") << index
                       << " has type " << type << ", which the runtime cannot pass";
      return failure();
    }
    text += (kind + " " + Twine(dtype) + " " + Twine(shaped.getRank())).str();
    for (int64_t size : shaped.getShape())
      text += " " + std::to_string(ShapedType::isDynamic(size) ? -1 : size);
    std::string n = name ? name.str() : (kind + Twine(index)).str();
    std::replace(n.begin(), n.end(), '\n', ' ');
    text += " " + n + "\n";
    return success();
  };
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
    if (failed(add("in", t, func.getArgAttrOfType<StringAttr>(i, "onnx.name"), i)))
      return failure();
  for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
    if (failed(add("out", t, func.getResultAttrOfType<StringAttr>(i, "onnx.name"), i)))
      return failure();
  return text;
}

/// Adds loomrt's view of the model to the LLVM module: the signature text and
/// loom_model_entry(void **args), which calls the C interface entry with
/// args[0] (the results) and args[1..] (the inputs' descriptors).
void addRuntimeSymbols(llvm::Module &module, StringRef signature, StringRef entryName,
                       unsigned numInputs) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Constant *text = llvm::ConstantDataArray::getString(ctx, signature);
  new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                           llvm::GlobalValue::ExternalLinkage, text, "loom_model_signature");
  llvm::Function *ciface = module.getFunction(entryName);
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *entry = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "loom_model_entry", module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
  SmallVector<llvm::Value *> args;
  for (unsigned i = 0; i <= numInputs; ++i)
    args.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), i)));
  b.CreateCall(ciface, args);
  b.CreateRetVoid();
}

/// loom_model_entry(void **args) of a --generate model: the C interface of
/// @loom_generate with args[0] (the tokens' descriptor), args[1] (the
/// prompt's) and *(int64_t *)args[2] (max_new_tokens); and NAME_generate, the
/// header's entry point, which hands the model's symbols to loomrt.
void addGenerateSymbols(llvm::Module &module, StringRef signature, StringRef name) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Constant *text = llvm::ConstantDataArray::getString(ctx, signature);
  auto *sig = new llvm::GlobalVariable(module, text->getType(), /*isConstant=*/true,
                                       llvm::GlobalValue::ExternalLinkage, text,
                                       "loom_model_signature");
  std::string cifaceName = std::string("_mlir_ciface_") + loom::decode::kGenerateFunction;
  llvm::Function *ciface = module.getFunction(cifaceName);
  auto *ptr = llvm::PointerType::getUnqual(ctx);
  auto *i64 = llvm::Type::getInt64Ty(ctx);
  auto *entry = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "loom_model_entry", module);
  {
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", entry));
    llvm::Value *results = b.CreateLoad(ptr, entry->getArg(0));
    llvm::Value *prompt = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), 1));
    llvm::Value *maxNewPtr = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, entry->getArg(0), 2));
    b.CreateCall(ciface, {results, prompt, b.CreateLoad(i64, maxNewPtr)});
    b.CreateRetVoid();
  }
  // int NAME_generate(prompt, prompt_len, options, callback, user, tokens,
  //                   num_tokens, stats)
  auto *i32 = llvm::Type::getInt32Ty(ctx);
  SmallVector<llvm::Type *> params = {ptr, i64, ptr, ptr, ptr, ptr, ptr, ptr};
  auto *wrapper = llvm::Function::Create(llvm::FunctionType::get(i32, params, false),
                                         llvm::GlobalValue::ExternalLinkage,
                                         (name + "_generate").str(), module);
  SmallVector<llvm::Type *> linkedParams = {ptr, ptr};
  linkedParams.append(params.begin(), params.end());
  llvm::FunctionCallee linked = module.getOrInsertFunction(
      "loom_generate_linked", llvm::FunctionType::get(i32, linkedParams, false));
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", wrapper));
  SmallVector<llvm::Value *> args = {sig, entry};
  for (llvm::Argument &a : wrapper->args())
    args.push_back(&a);
  b.CreateRet(b.CreateCall(linked, args));
}

/// The C header of a --generate library.
std::string makeGenerateHeader(StringRef name, int64_t vocab, int64_t context) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = "LOOM_MODEL_" + llvm::StringRef(name).upper() + "_H";
  os << "/* Generated by loom-compile --generate from " << llvm::sys::path::filename(inputFile)
     << ". Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include \"loom-c/Generate.h\"\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
     << "#define " << llvm::StringRef(name).upper() << "_VOCAB_SIZE " << vocab << "\n"
     << "#define " << llvm::StringRef(name).upper() << "_CONTEXT_LENGTH " << context << "\n\n"
     << "/* Generates after `prompt` with this library's model: the arguments and\n"
        "   checks of loom_model_generate (loom-c/Generate.h). Link with -lloomrt. */\n"
     << "loom_status " << name
     << "_generate(const int64_t *prompt, size_t prompt_len,\n"
        "    const loom_generate_options *options, loom_token_callback callback,\n"
        "    void *user_data, int64_t *tokens, size_t *num_tokens,\n"
        "    loom_generate_stats *stats);\n\n"
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return text;
}

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

/// The model's name for file names and C symbols: the file name without its
/// extension, with anything but [A-Za-z0-9_] replaced by '_'.
std::string modelName(StringRef path) {
  std::string name = llvm::sys::path::stem(path).str();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  if (name.empty() || llvm::isDigit(name[0]))
    name = "model_" + name;
  return name;
}

std::unique_ptr<llvm::TargetMachine> createHostTargetMachine(std::string &error) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpu = mcpu == "host" ? llvm::sys::getHostCPUName().str() : mcpu.getValue();
  std::string features;
  if (mattr == "host") {
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  } else {
    features = mattr;
  }
  llvm::TargetOptions options;
  // Objects go into shared libraries: position-independent code.
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, options, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
}

/// The C header of a compiled model: the memref descriptors MLIR's C
/// interface passes, and the entry point.
std::string makeHeader(StringRef name, func::FuncOp func) {
  std::string text;
  llvm::raw_string_ostream os(text);
  std::string guard = "LOOM_MODEL_" + llvm::StringRef(name).upper() + "_H";
  os << "/* Generated by loom-compile from " << llvm::sys::path::filename(inputFile)
     << ". Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n"
     << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
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
      os << " (" << n.getValue() << ")";
    os << ": " << t << "\n";
  }
  os << " * Inputs are borrowed; shapes must match (checked by the runtime in later\n"
        " * versions of loom, not by this entry point). */\n";
  os << "void _mlir_ciface_" << func.getName() << "(";
  bool single = func.getNumResults() == 1;
  if (single)
    os << "loom_memref" << cast<ShapedType>(func.getResultTypes()[0]).getRank() << "d *results";
  else
    os << name << "_results *results";
  for (auto [i, t] : llvm::enumerate(func.getArgumentTypes()))
    os << ", loom_memref" << cast<ShapedType>(t).getRank() << "d *arg" << i;
  os << ");\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
  return text;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAllPasses();
  cl::ParseCommandLineOptions(argc, argv, "loom-compile: ONNX model to native code\n");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  std::string name = modelName(inputFile);
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
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);

  llvm::errs() << "loom-compile: importing " << inputFile << "\n";
  OwningOpRef<ModuleOp> module = loom::importOnnxModelFile(inputFile, &context);
  if (!module)
    return 1;
  if (failed(loom::reportUnsupportedOps(*module)))
    return 1;

  PassManager graph(&context);
  loom::buildGraphPassPipeline(graph);
  if (fuseTransformerOps)
    graph.addNestedPass<func::FuncOp>(loom::createLoomFuseTransformerOpsPass());
  if (fuseAttention)
    graph.addNestedPass<func::FuncOp>(loom::createLoomFuseAttentionPass());
  graph.addNestedPass<func::FuncOp>(loom::createLoomSelectSoftmaxPass({softmax}));
  if (failed(graph.run(*module)))
    return fail("the graph pipeline failed");

  if (generate) {
    loom::decode::LoomDecodeWrapStepPassOptions options;
    options.contextLength = contextLength;
    options.inputIds = idsName;
    options.positionIds = positionsName;
    options.attentionMask = maskName;
    options.pastKey = pastKeyName;
    options.pastValue = pastValueName;
    options.logits = logitsName;
    options.presentKey = presentKeyName;
    options.presentValue = presentValueName;
    options.stopTokens = SmallVector<int64_t>(stopTokens.begin(), stopTokens.end());
    PassManager wrap(&context);
    wrap.addPass(loom::decode::createLoomDecodeWrapStepPass(options));
    llvm::errs() << "loom-compile: building the generation loop\n";
    if (failed(wrap.run(*module)))
      return fail("the model cannot be compiled for generation (see the error above)");
  }

  auto func = module->lookupSymbol<func::FuncOp>(
      generate ? loom::decode::kGenerateFunction : "main_graph");
  if (!func)
    return fail("the imported module has no main_graph");

  if (emit == Emit::Mlir) {
    std::string error;
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    module->print(out->os());
    out->keep();
    return 0;
  }

  // Keep a copy of the entry's signature for the header before lowering.
  std::string header;
  FailureOr<std::string> signature;
  if (generate) {
    auto step = module->lookupSymbol<func::FuncOp>(loom::decode::kPrefillStep);
    int64_t vocab = cast<ShapedType>(step.getResultTypes()[0]).getDimSize(0);
    if (ShapedType::isDynamic(vocab))
      return fail("the model's vocabulary size (the last dimension of its logits) is not static");
    header = makeGenerateHeader(name, vocab, contextLength);
    signature = "generate " + std::to_string(vocab) + " " + std::to_string(contextLength) + "\n";
  } else {
    header = makeHeader(name, func);
    signature = makeSignature(func);
    if (failed(signature))
      return 1;
    // Sizes the lowering takes to agree, checked by loomrt on every run:
    // "check <input> <dim> <other input> <other dim> <size> <op>" (other
    // input -1: the dimension must be `size`).
    for (const loom::InputSizeCondition &c : loom::findInputSizeConditions(func)) {
      std::string needer = c.needer;
      std::replace(needer.begin(), needer.end(), '\n', ' ');
      *signature += "check " + std::to_string(c.input) + " " + std::to_string(c.dim) + " " +
                    std::to_string(c.otherInput) + " " + std::to_string(c.otherDim) + " " +
                    std::to_string(c.size) + " " + needer + "\n";
    }
  }
  unsigned numInputs = func.getNumArguments();
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(&context));
  // ONNX names are in the header; the LLVM lowering has no use for them.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.removeArgAttr(i, "onnx.name");
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    func.removeResultAttr(i, StringAttr::get(&context, "onnx.name"));

  llvm::errs() << "loom-compile: lowering to LLVM\n";
  PassManager lowering(&context);
  if (generate)
    lowering.addPass(loom::decode::createLoomDecodeLowerPass());
  if (failed(loom::buildCpuLoweringPassPipeline(lowering)))
    return fail("internal error: the CPU lowering pipeline does not parse");
  if (failed(lowering.run(*module)))
    return fail("lowering to the CPU failed (see the errors above)");

  if (weights == Weights::File) {
    // Constants of 1 KiB and more move to the side file; small ones (shape
    // vectors, scalars) stay in the code.
    std::string blob;
    unsigned count = loom::externalizeWeights(*module, 1024, blob);
    SmallString<256> weightsPath(llvm::sys::path::parent_path(outputFile));
    std::string weightsName = name + ".weights";
    llvm::sys::path::append(weightsPath, weightsName);
    std::string error;
    auto out = openOutputFile(weightsPath, &error);
    if (!out)
      return fail(error);
    out->os() << blob;
    out->keep();
    *signature += "weights " + std::to_string(blob.size()) + " " + weightsName + "\n";
    llvm::errs() << "loom-compile: wrote " << count << " weights (" << blob.size()
                 << " bytes) to " << weightsPath << "\n";
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(*module, llvmContext, name);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");

  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createHostTargetMachine(error);
  if (!machine)
    return fail("no target machine for this host: " + error);
  if (generate)
    addGenerateSymbols(*llvmModule, *signature, name);
  else
    addRuntimeSymbols(*llvmModule, *signature, "_mlir_ciface_main_graph", numInputs);
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(machine->getTargetTriple());
  auto optimize = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return fail("LLVM optimization failed: " + llvm::toString(std::move(err)));

  if (emit == Emit::Llvm) {
    auto out = openOutputFile(outputFile, &error);
    if (!out)
      return fail(error);
    llvmModule->print(out->os(), nullptr);
    out->keep();
    return 0;
  }

  std::string objectPath = outputFile;
  SmallString<128> tempObject;
  if (emit == Emit::Lib || emit == Emit::Exe) {
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(name, "o", tempObject))
      return fail("cannot create a temporary object file: " + ec.message());
    objectPath = tempObject.str().str();
  }
  {
    auto out = openOutputFile(objectPath, &error);
    if (!out)
      return fail(error);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out->os(), nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit object files");
    codegen.run(*llvmModule);
    out->keep();
  }
  if (emit == Emit::Obj)
    return 0;

  // Link with the toolchain's driver (in process codegen above; linking is
  // the system linker's job). libm provides erf and friends.
  llvm::errs() << "loom-compile: linking " << outputFile << "\n";
  auto clang = llvm::sys::findProgramByName("clang-22");
  if (!clang)
    clang = llvm::sys::findProgramByName("cc");
  if (!clang)
    return fail("no linker driver found (clang-22 or cc)");
  // loomrt's kernels are called by the generated code; the rpath lets the
  // result run from anywhere without LD_LIBRARY_PATH.
  std::string libDir = runtimeLibraryDir(argv[0]);
  std::string libFlag = "-L" + libDir, rpath = "-Wl,-rpath," + libDir;
  SmallVector<StringRef> args = {*clang, "-o", outputFile, objectPath, libFlag, rpath};
  if (emit == Emit::Lib) {
    args.push_back("-shared");
  } else {
    args.push_back("-lloomrt_main");
    args.push_back("-rdynamic"); // loomrt looks up loom_model_bind_weights in the program
#ifdef LOOM_RUNTIME_SANITIZED
    // This loomrt is the sanitizer build's: its program needs the runtimes.
    args.push_back("-fsanitize=address,undefined");
#endif
  }
  // OpenMP's runtime runs the parallel loops; it ships with LLVM.
  std::string ompDir = LLVM_LIBDIR_FOR_OPENMP;
  std::string ompFlag = "-L" + ompDir, ompRpath = "-Wl,-rpath," + ompDir;
  args.append({"-lloomrt", StringRef(ompFlag), StringRef(ompRpath), "-lomp", "-lm"});
  std::string linkError;
  int status = llvm::sys::ExecuteAndWait(*clang, args, std::nullopt, {}, 0, 0, &linkError);
  llvm::sys::fs::remove(objectPath);
  if (status != 0)
    return fail("linking failed (" + *clang + " exited " + std::to_string(status) + ")" +
                (linkError.empty() ? "" : ": " + linkError));
  if (emit == Emit::Exe) {
    llvm::errs() << "loom-compile: wrote " << outputFile << "\n";
    return 0;
  }

  SmallString<256> headerPath(llvm::sys::path::parent_path(outputFile));
  llvm::sys::path::append(headerPath, name + ".h");
  auto headerOut = openOutputFile(headerPath, &error);
  if (!headerOut)
    return fail(error);
  headerOut->os() << header;
  headerOut->keep();
  llvm::errs() << "loom-compile: wrote " << outputFile << " and " << headerPath << "\n";
  return 0;
}
