//===- CpuTarget.cpp - compiled models for the CPU --------------*- C++ -*-===//
//
// Lowers with the CPU pipeline, translates to LLVM IR, adds loomrt's entry
// symbols, optimizes and emits code with LLVM's TargetMachine in process,
// then links with the system's clang driver (linking is the system linker's
// job): a shared library with its C header, or an executable.
//
//===----------------------------------------------------------------------===//

#include "loom/Target/Cpu/CpuTarget.h"

#include "EntrySymbols.h"
#include "loom-c/Abi.h"
#include "loom/Dialect/Decode/IR/DecodeOps.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Pipelines/Pipelines.h"
#include "loom/Target/Cpu/ExternalWeights.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using loom::cpu::CpuTargetOptions;
using loom::cpu::OutputKind;

static llvm::Error error(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Writes `text` to `path` ("-": stdout) through a new file renamed over it,
/// so that a process still using the old file (a mapped weights file, a
/// loaded library) keeps seeing it whole.
static llvm::Error writeFile(StringRef path, StringRef text) {
  if (path == "-") {
    llvm::outs() << text;
    return llvm::Error::success();
  }
  auto temp = llvm::sys::fs::TempFile::create(path + ".partial-%%%%%%");
  if (!temp)
    return error("cannot write '" + path + "': " + llvm::toString(temp.takeError()));
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    os << text;
    os.flush();
    if (os.has_error()) {
      std::string message = os.error().message();
      os.clear_error();
      llvm::consumeError(temp->discard());
      return error("cannot write '" + path + "': " + message);
    }
  }
  if (llvm::Error err = temp->keep(path))
    return error("cannot write '" + path + "': " + llvm::toString(std::move(err)));
  return llvm::Error::success();
}

/// `name` in the directory of `sibling`.
static std::string besides(StringRef sibling, StringRef name) {
  SmallString<256> path(llvm::sys::path::parent_path(sibling));
  llvm::sys::path::append(path, name);
  return path.str().str();
}

static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const CpuTargetOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string message;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, message);
  if (!target)
    return error("no target machine for this host: " + message);
  std::string cpu =
      options.cpu == "host" ? llvm::sys::getHostCPUName().str() : options.cpu;
  std::string features;
  if (options.features == "host") {
    for (auto &feature : llvm::sys::getHostCPUFeatures())
      features += (feature.second ? "+" : "-") + feature.first().str() + ",";
  } else {
    features = options.features;
  }
  // Objects go into shared libraries: position-independent code.
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
}

/// Links `objectPath` into `outputPath` with loomrt and libomp.
/// LLVM's default pipeline for `optLevel`, without loop unrolling (full or
/// partial) except where a loop asks for it. The loops of generated code are
/// mostly elementwise and reduction loops of static trip count; at -O2/-O3
/// LLVM fully unrolls every one whose unrolled body stays under its
/// threshold, which tripled the size of the IR (a chain of elementwise nodes
/// on [4, 64]: 573 against 174 lines per node) and the time spent optimizing
/// and generating code, for no measurable gain (vectorization, which stays,
/// is what makes these loops fast; the heavy work is in loomrt's kernels).
/// Measured in docs/performance.md ("Compile time against graph length").
static void optimizeModule(llvm::Module &module, llvm::TargetMachine &machine,
                           unsigned optLevel) {
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = false;
  tuning.LoopInterleaving = true;
  tuning.LoopVectorization = true;
  tuning.SLPVectorization = true;
  llvm::PassBuilder builder(&machine, tuning);
  llvm::LoopAnalysisManager loops;
  llvm::FunctionAnalysisManager functions;
  llvm::CGSCCAnalysisManager sccs;
  llvm::ModuleAnalysisManager modules;
  builder.registerModuleAnalyses(modules);
  builder.registerCGSCCAnalyses(sccs);
  builder.registerFunctionAnalyses(functions);
  builder.registerLoopAnalyses(loops);
  builder.crossRegisterProxies(loops, functions, sccs, modules);
  llvm::OptimizationLevel level = optLevel == 0   ? llvm::OptimizationLevel::O0
                                  : optLevel == 1 ? llvm::OptimizationLevel::O1
                                  : optLevel == 2 ? llvm::OptimizationLevel::O2
                                                  : llvm::OptimizationLevel::O3;
  llvm::ModulePassManager pipeline = optLevel == 0
                                         ? builder.buildO0DefaultPipeline(level)
                                         : builder.buildPerModuleDefaultPipeline(level);
  pipeline.run(module, modules);
}

static llvm::Error link(StringRef objectPath, StringRef outputPath,
                        const CpuTargetOptions &options) {
  auto clang = llvm::sys::findProgramByName("clang-22");
  if (!clang)
    clang = llvm::sys::findProgramByName("cc");
  if (!clang)
    return error("no linker driver found (clang-22 or cc)");
  // loomrt's kernels are called by the generated code; the rpath lets the
  // result run from anywhere without LD_LIBRARY_PATH.
  std::string libFlag = "-L" + options.runtimeLibraryDir;
  std::string rpath = "-Wl,-rpath," + options.runtimeLibraryDir;
  SmallVector<StringRef> args = {*clang, "-o", outputPath, objectPath, libFlag, rpath};
  if (options.output == OutputKind::SharedLibrary) {
    args.push_back("-shared");
  } else {
    args.push_back("-lloomrt_main");
    args.push_back("-rdynamic"); // loomrt looks up loom_model_bind_weights in the program
#ifdef LOOM_RUNTIME_SANITIZED
    // This loomrt is the sanitizer build's: its program needs the runtimes.
    args.push_back("-fsanitize=address,undefined");
#endif
  }
  // OpenMP's runtime runs the parallel loops; it ships with LLVM. libm
  // provides erf and friends.
  std::string ompDir = LLVM_LIBDIR_FOR_OPENMP;
  std::string ompFlag = "-L" + ompDir, ompRpath = "-Wl,-rpath," + ompDir;
  args.append({"-lloomrt", StringRef(ompFlag), StringRef(ompRpath), "-lomp", "-lm"});
  std::string message;
  int status = llvm::sys::ExecuteAndWait(*clang, args, std::nullopt, {}, 0, 0, &message);
  if (status != 0)
    return error("linking failed (" + *clang + " exited " + std::to_string(status) + ")" +
                 (message.empty() ? "" : ": " + message));
  return llvm::Error::success();
}

llvm::Error loom::cpu::emitCpuModel(ModuleOp module, const CpuTargetOptions &options) {
  MLIRContext *context = module.getContext();
  const StringRef name = options.modelName;

  // loomrt's and C's view of the entry, taken before lowering.
  auto generate = module.lookupSymbol<func::FuncOp>(decode::kGenerateFunction);
  auto func = generate ? generate : module.lookupSymbol<func::FuncOp>("main_graph");
  if (!func)
    return error("the module has neither @main_graph nor @" +
                 Twine(decode::kGenerateFunction));
  std::string header, signature;
  if (generate) {
    auto step = module.lookupSymbol<func::FuncOp>(decode::kPrefillStep);
    int64_t vocab = cast<ShapedType>(step.getResultTypes()[0]).getDimSize(0);
    if (ShapedType::isDynamic(vocab))
      return error("the model's vocabulary size (the last dimension of its logits) is not "
                   "static");
    // The context length is the KV cache's: the loop's decode.empty_cache.
    int64_t contextLength = 0;
    generate.walk([&](decode::EmptyCacheOp empty) {
      contextLength = empty.getCache().getType().getMaxLength();
    });
    bool branches = false;
    generate.walk([&](decode::LoopOp loop) { branches |= loop.getFork(); });
    // The speculation tree, for loomrt's acceptance profile.
    SmallVector<int64_t> tree;
    generate.walk([&](decode::VerifyOp verify) {
      tree.assign(verify.getTree().begin(), verify.getTree().end());
    });
    header = makeGenerateHeader(name, options.sourceName, vocab, contextLength,
                                !options.tokenizerBytes.empty());
    signature = makeGenerateSignature(vocab, contextLength, branches, tree);
    if (!options.tokenizerBytes.empty())
      signature += std::string(LOOM_ABI_SIG_TOKENIZER) + " " +
                   std::to_string(options.tokenizerBytes.size()) + " " +
                   options.tokenizerName + "\n";
  } else {
    header = makeStepHeader(name, options.sourceName, func);
    FailureOr<std::string> stepSignature = makeStepSignature(func);
    if (failed(stepSignature))
      return error("the model's interface cannot be compiled (see the error above)");
    signature = *stepSignature;
  }
  // A partitioned model (loom-partition) runs as that many processes.
  if (auto ranks = module->getAttrOfType<IntegerAttr>("loom.partition_ranks"))
    signature += std::string(LOOM_ABI_SIG_PARTITION) + " " + std::to_string(ranks.getInt()) + "\n";
  const unsigned numInputs = func.getNumArguments();
  const std::string cifaceName = ("_mlir_ciface_" + func.getName()).str();
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(context));
  // ONNX names are in the header; the LLVM lowering has no use for them.
  for (unsigned i = 0; i < func.getNumArguments(); ++i)
    func.removeArgAttr(i, "onnx.name");
  for (unsigned i = 0; i < func.getNumResults(); ++i)
    func.removeResultAttr(i, StringAttr::get(context, "onnx.name"));

  options.progress("lowering to LLVM");
  PassManager lowering(context);
  if (failed(loom::buildCpuLoweringPassPipeline(lowering)))
    return error("internal error: the CPU lowering pipeline does not parse");
  if (failed(lowering.run(module)))
    return error("lowering to the CPU failed (see the errors above)");
  // Where run-time errors are reported (loom-name-error-sites): loomrt's
  // message names the node.
  if (auto sites = module->getAttrOfType<ArrayAttr>("loom.error_sites"))
    for (auto [i, site] : llvm::enumerate(sites.getAsValueRange<StringAttr>()))
      signature += std::string(LOOM_ABI_SIG_ERROR_SITE) + " " + std::to_string(i) + " " +
                   site.str() + "\n";

  if (options.weightsInFile) {
    // Constants of 1 KiB and more move to the side file; small ones (shape
    // vectors, scalars) stay in the code.
    std::string blob;
    unsigned count = loom::externalizeWeights(module, 1024, blob);
    std::string weightsName = (name + ".weights").str();
    std::string weightsPath = besides(options.outputPath, weightsName);
    if (llvm::Error err = writeFile(weightsPath, blob))
      return err;
    signature += std::string(LOOM_ABI_SIG_WEIGHTS) + " " + std::to_string(blob.size()) + " " +
                 llvm::utohexstr(loom_abi_weights_hash(blob.data(), blob.size()),
                                 /*LowerCase=*/true, /*Width=*/16) +
                 " " + weightsName + "\n";
    options.progress("wrote " + Twine(count) + " weights (" + Twine(blob.size()) +
                     " bytes) to " + weightsPath);
  }

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext, name);
  if (!llvmModule)
    return error("translation to LLVM IR failed");
  auto machine = createTargetMachine(options);
  if (!machine)
    return machine.takeError();
  if (generate)
    addGenerateEntrySymbols(*llvmModule, signature, name, options.tokenizerBytes);
  else
    addStepEntrySymbols(*llvmModule, signature, cifaceName, numInputs);
  llvmModule->setDataLayout((*machine)->createDataLayout());
  llvmModule->setTargetTriple((*machine)->getTargetTriple());
  options.progress("optimizing the LLVM IR");
  optimizeModule(*llvmModule, **machine, options.optLevel);

  if (options.output == OutputKind::LlvmIr) {
    std::string text;
    llvm::raw_string_ostream os(text);
    llvmModule->print(os, nullptr);
    return writeFile(options.outputPath, text);
  }

  options.progress("generating machine code");
  SmallVector<char> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager codegen;
    if ((*machine)->addPassesToEmitFile(codegen, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
      return error("the target cannot emit object files");
    codegen.run(*llvmModule);
  }
  StringRef objectBytes(object.data(), object.size());
  if (options.output == OutputKind::Object) {
    // The object with its header and what it links with: a program that
    // includes NAME.h calls the model as a library user would.
    if (llvm::Error err = writeFile(options.outputPath, objectBytes))
      return err;
    std::string headerPath = besides(options.outputPath, (name + ".h").str());
    if (llvm::Error err = writeFile(headerPath, header))
      return err;
    options.progress("wrote " + options.outputPath + " and " + headerPath +
                     "; link it with -L" + options.runtimeLibraryDir + " -lloomrt -Wl,-rpath," +
                     options.runtimeLibraryDir + " -L" + LLVM_LIBDIR_FOR_OPENMP +
                     " -lomp -Wl,-rpath," + LLVM_LIBDIR_FOR_OPENMP + " -lm");
    return llvm::Error::success();
  }

  SmallString<128> objectPath;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(name, "o", objectPath))
    return error("cannot create a temporary object file: " + ec.message());
  if (llvm::Error err = writeFile(objectPath, objectBytes))
    return err;
  options.progress("linking " + options.outputPath);
  // Linked beside the output and renamed over it (see writeFile).
  std::string partial =
      options.outputPath + ".partial-" + std::to_string(llvm::sys::Process::getProcessId());
  llvm::Error linkError = link(objectPath, partial, options);
  llvm::sys::fs::remove(objectPath);
  if (!linkError) {
    if (std::error_code ec = llvm::sys::fs::rename(partial, options.outputPath))
      linkError = error("cannot write '" + options.outputPath + "': " + ec.message());
  }
  if (linkError) {
    llvm::sys::fs::remove(partial);
    return linkError;
  }
  if (options.output == OutputKind::Executable) {
    options.progress("wrote " + options.outputPath);
    return llvm::Error::success();
  }
  std::string headerPath = besides(options.outputPath, (name + ".h").str());
  if (llvm::Error err = writeFile(headerPath, header))
    return err;
  options.progress("wrote " + options.outputPath + " and " + headerPath);
  return llvm::Error::success();
}
