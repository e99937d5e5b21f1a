//===- Compile.cpp - one compile, from the .onnx to the output -----------===//
//
// loom-compile's flow as a library call (include/loom/Driver/Compile.h): the
// options parsed, the stages of lib/Pipelines run in order, lib/Target's CPU
// target at the end. What each stage does is defined there, not here.
//
//===----------------------------------------------------------------------===//

#include "loom/Driver/Compile.h"

#include "loom-c/Tokenizer.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Dialect/Decode/Transforms/TreeSearch.h"
#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"
#include "loom/Pipelines/InvalidIRGuard.h"
#include "loom/Pipelines/Pipelines.h"
#include "loom/Support/Printable.h"
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
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

#include <mutex>

using namespace mlir;
using loom::driver::CompileRequest;
using loom::driver::CompileStatus;

namespace {

void report(const CompileRequest &request, const Twine &message) {
  if (request.progress)
    request.progress(message);
}

/// An error line on stderr; `status` returned.
CompileStatus fail(CompileStatus status, const Twine &message) {
  llvm::errs() << "loom-compile: " << message << "\n";
  return status;
}

/// stderr with control characters other than line breaks and tabs written as
/// \xNN: diagnostics quote node and tensor names from the model, and a
/// terminal escape sequence in one must not reach the user's terminal.
class PrintableStream : public llvm::raw_ostream {
public:
  explicit PrintableStream(llvm::raw_ostream &out)
      : raw_ostream(/*unbuffered=*/true), out(out) {}

private:
  void write_impl(const char *ptr, size_t size) override {
    for (size_t i = 0; i < size; ++i) {
      unsigned char c = ptr[i];
      if (loom::isControlCharacter(c) && c != '\n' && c != '\t') {
        std::string escaped;
        loom::appendHexEscape(escaped, c);
        out << escaped;
      } else {
        out << char(c);
      }
    }
  }
  uint64_t current_pos() const override { return out.tell(); }

  llvm::raw_ostream &out;
};

/// The model file of a diagnostic located in an ONNX file (the importer's
/// locations are the node's name over `file:0:0`), or "".
StringRef modelFileOf(Location location) {
  StringRef file;
  location->walk([&](Location inner) {
    if (auto at = dyn_cast<FileLineColLoc>(inner); at && at.getLine() == 0) {
      file = at.getFilename().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return file;
}

/// Prints `diag` and its notes as "model.onnx: error: ..."; fails (for the
/// next handler) when it is not located in an ONNX file.
LogicalResult printAtModelFile(Diagnostic &diag, llvm::raw_ostream &os) {
  StringRef file = modelFileOf(diag.getLocation());
  if (file.empty())
    return failure();
  auto print = [&](Diagnostic &d) {
    StringRef severity = "error";
    switch (d.getSeverity()) {
    case DiagnosticSeverity::Note:
      severity = "note";
      break;
    case DiagnosticSeverity::Warning:
      severity = "warning";
      break;
    case DiagnosticSeverity::Remark:
      severity = "remark";
      break;
    case DiagnosticSeverity::Error:
      break;
    }
    os << file << ": " << severity << ": " << d.str() << "\n";
  };
  print(diag);
  for (Diagnostic &note : diag.getNotes())
    print(note);
  os.flush();
  return success();
}

/// --stop-tokens' values ("2,7" or "2 7" each) as ids; an error message
/// when one is not an integer.
std::optional<std::string> parseStopTokens(const CompileRequest &request,
                                           SmallVectorImpl<int64_t> &ids) {
  for (StringRef value : request.stopTokens) {
    SmallVector<StringRef> words;
    value.split(words, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef list : words) {
      SmallVector<StringRef> items;
      list.split(items, ',', -1, /*KeepEmpty=*/false);
      for (StringRef word : items) {
        int64_t id;
        if (word.trim().getAsInteger(10, id))
          return "--stop-tokens=" + value.str() + ": '" + word.str() +
                 "' is not a token id (give them as 2,7 or \"2 7\")";
        ids.push_back(id);
      }
    }
  }
  return std::nullopt;
}

/// --partition=tp=N as a rank count (0: not partitioned); an error message
/// when it does not parse or does not combine with the other options.
std::optional<std::string> parsePartition(const CompileRequest &request,
                                          int64_t &ranks) {
  ranks = 0;
  if (request.partition.empty())
    return std::nullopt;
  StringRef spec = request.partition;
  if (spec.contains("pp="))
    return "--partition=" + spec.str() +
           ": pipeline stages (pp) are not implemented yet; tp=N splits the "
           "MLP blocks";
  if (!spec.consume_front("tp=") || spec.getAsInteger(10, ranks) || ranks < 2 ||
      ranks > 4096)
    return "--partition=" + request.partition +
           ": expected tp=N with N from 2 to 4096 ranks";
  if (!request.quantize.empty() || !request.speculate.empty())
    return std::string(
        "--partition does not combine with --quantize or --speculate yet");
  return std::nullopt;
}

/// --speculate and --tree as loom-decode-speculate's options; an error
/// message when they do not parse.
/// With draft=FILE, `draftModel` is set to FILE. A searched tree
/// (--tree=search:N:PROFILE) is no deeper than `contextLength` positions.
std::optional<std::string> parseSpeculation(const CompileRequest &request,
                                            loom::SpeculationOptions &options,
                                            std::string &draftModel,
                                            int64_t contextLength) {
  StringRef spec = request.speculate;
  auto [source, arg] = spec.split(':');
  if (spec.starts_with("draft=")) {
    source = "draft";
    draftModel = spec.drop_front(6).str();
    if (draftModel.empty())
      return "--speculate=" + spec.str() +
             ": give the draft model's .onnx file "
             "(draft=FILE.onnx)";
    if (!llvm::sys::fs::is_regular_file(draftModel))
      return "--speculate=" + spec.str() + ": the draft model '" + draftModel +
             "' is not a file";
    options.draft = "model";
  } else if (source != "ngram" && source != "self") {
    return "--speculate=" + spec.str() + ": unknown draft source '" +
           source.str() + "' (known: ngram[:N], self:LAYERS, draft=FILE.onnx)";
  } else {
    options.draft = source.str();
  }
  if (source == "draft") {
    // (nothing more to parse: the file is the whole argument)
  } else if (source == "self") {
    int64_t layers = 0;
    if (arg.getAsInteger(10, layers) || layers < 1)
      return "--speculate=" + spec.str() +
             ": LAYERS (the target's layers the draft keeps) "
             "must be a positive integer";
    options.draftLayers = layers;
  } else if (!arg.empty()) {
    int64_t n = 0;
    if (arg.getAsInteger(10, n) || n < 1 || n > 64)
      return "--speculate=" + spec.str() +
             ": N (the longest n-gram matched) must be an "
             "integer in [1, 64]";
    options.maxNgram = n;
  }
  StringRef tree = request.tree;
  SmallVector<int64_t> parents;
  if (tree.empty())
    tree = "chain:4";
  if (tree.consume_front("search:")) {
    // search:N:PROFILE - the best tree of N nodes for a measured profile.
    auto [count, file] = tree.split(':');
    int64_t budget = 0;
    if (count.getAsInteger(10, budget) || budget < 2 || budget > 1024 ||
        file.empty())
      return "--tree=search:" + tree.str() +
             ": expected search:N:PROFILE, N (nodes, the "
             "fed token included) in [2, 1024]";
    auto text = llvm::MemoryBuffer::getFile(file, /*IsText=*/true);
    if (!text)
      return "--tree=search: cannot read the profile '" + file.str() +
             "': " + text.getError().message();
    std::string why;
    std::optional<loom::decode::AcceptanceProfile> profile =
        loom::decode::parseAcceptanceProfile((*text)->getBuffer(), why);
    if (!profile)
      return "--tree=search: the profile '" + file.str() +
             "' is not one loom-run "
             "--acceptance-profile writes: " +
             why;
    loom::decode::TreeChoice choice =
        loom::decode::searchTokenTree(*profile, budget, contextLength,
                                      /*chainOnly=*/options.draft != "ngram");
    if (choice.parents.size() < 2)
      return "--tree=search: the profile '" + file.str() +
             "' shows no draft ever accepted; "
             "no tree is worth verifying";
    parents.assign(choice.parents.begin(), choice.parents.end());
    std::string list;
    for (int64_t p : parents)
      list += (list.empty() ? "" : ",") + std::to_string(p);
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%.2f", choice.expectedTokens);
    report(request, "speculation tree for " + Twine(budget) + " nodes from " +
                        file + ": " + list + " (" + Twine(parents.size()) +
                        " nodes, " + expected +
                        " tokens per verify step expected)");
  } else if (tree.consume_front("chain:")) {
    int64_t k = 0;
    if (tree.getAsInteger(10, k) || k < 1 || k >= 1024)
      return "--tree=chain:" + tree.str() +
             ": K (drafted tokens) must be an integer in [1, "
             "1023]";
    for (int64_t i = 0; i <= k; ++i)
      parents.push_back(i - 1);
  } else {
    SmallVector<StringRef> items;
    tree.split(items, ',');
    for (StringRef item : items) {
      int64_t parent = 0;
      if (item.trim().getAsInteger(10, parent))
        return "--tree=" + tree.str() +
               ": expected chain:K or comma-separated parent "
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
std::optional<std::string>
parseQuantization(const CompileRequest &request,
                  loom::GraphPipelineOptions &options) {
  StringRef spec = request.quantize;
  SmallVector<StringRef> parts;
  spec.split(parts, ':');
  StringRef mode = parts.front();
  if (mode != "int8" && mode != "int4" && mode != "ternary")
    return "--quantize=" + spec.str() + ": unknown format '" + mode.str() +
           "' (known: int8, int4, ternary, each optionally followed by :gN "
           "and, for int4, "
           ":zp)";
  options.quantize = mode.str();
  for (StringRef part : llvm::drop_begin(parts)) {
    int64_t group = 0;
    if (part == "zp") {
      if (mode != "int4")
        return "--quantize=" + spec.str() +
               ": zero points (:zp) are for int4 only";
      options.quantizeZeroPoints = true;
    } else if (part.consume_front("g") && !part.getAsInteger(10, group)) {
      if (group < 32 || group % 32 != 0 || group > (int64_t(1) << 20))
        return "--quantize=" + spec.str() +
               ": the group size must be a multiple of 32 "
               "(32, 64, 128, ...), got " +
               std::to_string(group);
      options.quantizeGroupSize = group;
    } else {
      return "--quantize=" + spec.str() +
             ": expected :gN (inputs per scale) or :zp, not '" + part.str() +
             "'";
    }
  }
  options.quantizeKeep = ArrayRef<std::string>(request.quantizeKeep);
  if (!llvm::is_contained({"auto", "same", "f32", "int8", "int4", "ternary"},
                          StringRef(request.quantizeLmHead)))
    return "--quantize-lm-head=" + request.quantizeLmHead +
           ": expected auto, same, f32, int8, int4 "
           "or ternary";
  options.quantizeLmHead = request.quantizeLmHead;
  return std::nullopt;
}

/// The generate stage's options from the request; an error message when
/// --stop-tokens does not parse.
std::optional<std::string>
generateOptions(const CompileRequest &request, ModuleOp module,
                loom::GeneratePipelineOptions &options,
                SmallVectorImpl<int64_t> &stops) {
  auto set = [](auto &option, const std::string &value) {
    if (!value.empty())
      option = value;
  };
  set(options.inputIds, request.inputIds);
  set(options.positionIds, request.positionIds);
  set(options.attentionMask, request.attentionMask);
  set(options.pastKey, request.pastKey);
  set(options.pastValue, request.pastValue);
  set(options.logits, request.logits);
  set(options.presentKey, request.presentKey);
  set(options.presentValue, request.presentValue);
  if (request.contextLength) {
    options.contextLength = *request.contextLength;
  } else if (auto graphFunc = module.lookupSymbol<func::FuncOp>("main_graph")) {
    // A model whose position table is shorter than the default gets the
    // table's length (a longer request is refused by the stage).
    for (unsigned i = 0; i < graphFunc.getNumArguments(); ++i)
      if (auto n = graphFunc.getArgAttrOfType<StringAttr>(i, "onnx.name");
          n && n.getValue() == options.positionIds)
        if (std::optional<int64_t> size =
                loom::decode::positionTableSize(graphFunc, i);
            size && *size < options.contextLength) {
          options.contextLength = *size;
          report(request, "context length " + Twine(*size) +
                              ", the positions the model's " +
                              "table holds (--context-length sets it)");
        }
  }
  if (std::optional<std::string> error = parseStopTokens(request, stops))
    return error;
  options.stopTokens.assign(stops.begin(), stops.end());
  return std::nullopt;
}

/// Reads --tokenizer into `target` with loomrt's own reader, so that a file
/// loomrt cannot use, or whose vocabulary is not the model's, is refused
/// now rather than at run time; an error message otherwise.
std::optional<std::string> embedTokenizer(const std::string &file,
                                          ModuleOp module,
                                          loom::cpu::CpuTargetOptions &target) {
  // The name tells loomrt the format (.model); one printable line.
  for (char c : llvm::sys::path::filename(file))
    target.tokenizerName += (c < 0x20 || c == 0x7f) ? '_' : c;
  auto bytes = loom::readRegularFile(file);
  if (!bytes)
    return "--tokenizer: cannot read '" + file +
           "': " + loom::readErrorMessage(bytes.getError());
  target.tokenizerBytes = (*bytes)->getBuffer().str();
  loom_tokenizer *tokenizer = nullptr;
  if (loom_tokenizer_load_bytes(target.tokenizerBytes.data(),
                                target.tokenizerBytes.size(), file.c_str(),
                                &tokenizer) != LOOM_OK)
    return "--tokenizer: " + std::string(loom_last_error());
  int64_t tokens = loom_tokenizer_vocab_size(tokenizer);
  loom_tokenizer_destroy(tokenizer);
  auto step = module.lookupSymbol<func::FuncOp>(loom::decode::kPrefillStep);
  auto logits = step ? dyn_cast<ShapedType>(step.getResultTypes()[0]) : nullptr;
  if (logits && logits.getRank() == 1 && logits.getDimSize(0) != tokens)
    return "--tokenizer: '" + file + "' has " + std::to_string(tokens) +
           " tokens, but the model's logits have " +
           std::to_string(logits.getDimSize(0)) + " entries";
  return std::nullopt;
}

} // namespace

CompileStatus loom::driver::compileModel(CompileRequest request) {
  // The CPU lowering names upstream passes, which must be registered.
  static std::once_flag passesRegistered;
  std::call_once(passesRegistered, [] { registerAllPasses(); });
  if (request.optLevel > 3)
    return fail(RequestRefused,
                "-O" + Twine(request.optLevel) + ": the optimization level is 0 to 3");
  if (!request.tokenizer.empty() && request.emit == EmitKind::Executable)
    return fail(RequestRefused,
                "--tokenizer embeds a tokenizer for programs that call the library with "
                "text; the program --emit=exe writes takes token ids (--prompt-tokens) and "
                "would not use it: leave out --tokenizer, or use --emit=lib");
  report(request, "importing " + request.input);

  std::string name = loom::cpu::modelName(request.input);
  if (request.output.empty()) {
    switch (request.emit) {
    case EmitKind::Mlir:
      request.output = "-";
      break;
    case EmitKind::LlvmIr:
      request.output = name + ".ll";
      break;
    case EmitKind::Object:
      request.output = name + ".o";
      break;
    case EmitKind::SharedLibrary:
      request.output = "lib" + name + ".so";
      break;
    case EmitKind::Executable:
      request.output = name;
      break;
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
  // An ONNX file has no lines: "model.onnx: error: ..." rather than the
  // source manager's "model.onnx:0:0: error: ...".
  ScopedDiagnosticHandler modelFileDiagnostics(&context, [&](Diagnostic &diag) {
    return printAtModelFile(diag, diagnosticStream);
  });

  OwningOpRef<ModuleOp> module =
      loom::importOnnxModelFile(request.input, &context);
  if (!module || failed(loom::reportUnsupportedOps(*module)))
    return ModelFailed;
  // From here on the IR verifies; a pass that breaks that is loom's bug, and
  // is reported as one (not as a verifier message about internal ops).
  loom::InvalidIRGuard invalidIR(&context);

  // The graph stage; partitioning runs on its own after it, so that a model
  // that cannot be split as asked (exit 2: the request) is told apart from
  // one that does not compile.
  loom::GraphPipelineOptions graphOptions;
  graphOptions.fuseTransformerOps = request.fuseTransformerOps;
  graphOptions.fuseAttention = request.fuseAttention;
  graphOptions.softmax = request.softmax;
  if (!request.quantize.empty()) {
    if (std::optional<std::string> error =
            parseQuantization(request, graphOptions))
      return fail(RequestRefused, *error);
  } else if (!request.quantizeKeep.empty()) {
    return fail(RequestRefused,
                "--quantize-keep applies to --quantize, which is not given");
  }
  int64_t ranks = 0;
  if (std::optional<std::string> error = parsePartition(request, ranks))
    return fail(RequestRefused, *error);
  PassManager graph(&context);
  loom::buildGraphPassPipeline(graph, graphOptions);
  if (failed(graph.run(*module)))
    return fail(ModelFailed, "the graph pipeline failed");
  if (ranks > 1) {
    // With --generate the KV cache is internal, so attention can be split
    // by heads (each rank's cache holds its heads); a plain step keeps its
    // interface, so attention stays whole there.
    PassManager partition(&context);
    loom::buildPartitionPassPipeline(partition, ranks,
                                     /*attention=*/request.generate);
    report(request, "partitioning across " + Twine(ranks) + " ranks");
    if (failed(partition.run(*module)))
      return fail(
          RequestRefused,
          "the model cannot be partitioned as asked (see the error above)");
  }

  if (!request.generate && !request.tokenizer.empty())
    return fail(RequestRefused, "--tokenizer applies to --generate");
  if (!request.generate &&
      (!request.speculate.empty() || !request.tree.empty()))
    return fail(ModelFailed, "--speculate and --tree apply to --generate");
  if (request.speculate.empty() && !request.tree.empty())
    return fail(ModelFailed,
                "--tree shapes the drafts of --speculate, which is not given");
  if (request.generate) {
    loom::GeneratePipelineOptions options;
    SmallVector<int64_t> stops;
    if (std::optional<std::string> error =
            generateOptions(request, *module, options, stops))
      return fail(RequestRefused, *error);
    loom::SpeculationOptions speculation;
    std::string draftModel;
    if (!request.speculate.empty())
      if (std::optional<std::string> error = parseSpeculation(
              request, speculation, draftModel, options.contextLength))
        return fail(RequestRefused, *error);
    PassManager wrap(&context);
    loom::buildGeneratePassPipeline(wrap, options);
    report(request, "building the generation loop");
    if (failed(wrap.run(*module)))
      return fail(
          ModelFailed,
          "the model cannot be compiled for generation (see the error above)");
    if (!draftModel.empty()) {
      // The draft goes through the same graph and generate stages (its cache
      // as long as the target's), then its steps join the target's module.
      report(request, "importing the draft model " + draftModel);
      OwningOpRef<ModuleOp> draft =
          loom::importOnnxModelFile(draftModel, &context);
      if (!draft || failed(loom::reportUnsupportedOps(*draft)))
        return fail(ModelFailed,
                    "the draft model '" + draftModel + "' cannot be imported");
      PassManager draftPipeline(&context);
      loom::buildGraphPassPipeline(draftPipeline, graphOptions);
      loom::buildGeneratePassPipeline(draftPipeline, options);
      if (failed(draftPipeline.run(*draft)) ||
          failed(loom::decode::adoptDraftModel(*module, *draft)))
        return fail(
            ModelFailed,
            "the draft model '" + draftModel +
                "' cannot be compiled as a decoder (see the error above)");
    }
    if (!request.speculate.empty()) {
      // What speculation refuses is the request (the tree, the draft), not
      // the model.
      PassManager speculative(&context);
      loom::buildSpeculationPassPipeline(speculative, speculation);
      report(request, "making the decode steps speculative");
      if (failed(speculative.run(*module)))
        return fail(
            RequestRefused,
            "the speculation cannot be built as asked (see the error above)");
    }
  }

  // -o out/dir/lib.so: the folders are made here, so that no later message
  // names a temporary file in a missing folder.
  StringRef outputDir = llvm::sys::path::parent_path(request.output);
  if (request.output != "-" && !outputDir.empty())
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return fail(ModelFailed, "cannot create the output folder '" + outputDir +
                                   "': " + ec.message());

  if (request.emit == EmitKind::Mlir) {
    std::string error;
    auto out = openOutputFile(request.output, &error);
    if (!out)
      return fail(ModelFailed, error);
    module->print(out->os());
    out->os() << "\n";
    out->keep();
    return Compiled;
  }

  loom::cpu::CpuTargetOptions target;
  switch (request.emit) {
  case EmitKind::LlvmIr:
    target.output = loom::cpu::OutputKind::LlvmIr;
    break;
  case EmitKind::Object:
    target.output = loom::cpu::OutputKind::Object;
    break;
  case EmitKind::Executable:
    target.output = loom::cpu::OutputKind::Executable;
    break;
  default:
    target.output = loom::cpu::OutputKind::SharedLibrary;
    break;
  }
  target.outputPath = request.output;
  target.modelName = name;
  target.sourceName = request.input;
  target.cpu = request.cpu;
  target.features = request.features;
  target.optLevel = request.optLevel;
  target.weightsInFile = request.weightsInFile;
  target.runtimeLibraryDir = request.runtimeLibraryDir;
  if (!request.tokenizer.empty())
    if (std::optional<std::string> error =
            embedTokenizer(request.tokenizer, *module, target))
      return fail(RequestRefused, *error);
  if (request.progress)
    target.progress = request.progress;
  if (llvm::Error err = loom::cpu::emitCpuModel(*module, target))
    return fail(ModelFailed, llvm::toString(std::move(err)));
  return Compiled;
}
