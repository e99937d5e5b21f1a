//===- OnnxImporter.cpp - ONNX protobuf to the onnx dialect -----*- C++ -*-===//
//
// Reads a ModelProto with protobuf and ONNX's own proto definitions and builds
// one func.func whose body has one onnx op per node. Malformed input of every
// kind (bytes that are not a model, undefined values, cycles, bad tensor data,
// absurd shapes, missing external data) is reported as a diagnostic that
// names the file, the node and the value; nothing here asserts on user input.
//
//===----------------------------------------------------------------------===//


#include "Importer.h"

#include "loom/Support/Printable.h"

#include "loom-c/Runtime.h"
#include "loom/Support/RegularFile.h"

using namespace mlir;
using namespace loom::onnx_import;

//===----------------------------------------------------------------------===//
// Graphs and the model
//===----------------------------------------------------------------------===//

LogicalResult OnnxImporter::importGraph(const proto::GraphProto &graph, Block &block,
                                        bool isSubgraph) {
  scopes.emplace_back();
  llvm::scope_exit popScope([&] { scopes.pop_back(); });
  builder.setInsertionPointToEnd(&block);
  std::string graphWhat = isSubgraph ? "subgraph '" + graph.name() + "'" : "graph";

  // A value is named with the node that makes it: exporters name values
  // after internal counters ('onnx::Loop_113'), nodes after the code.
  auto describeValue = [&](const std::string &name) {
    for (const auto &node : graph.node())
      for (const auto &output : node.output())
        if (output == name)
          return "value '" + name + "' (an output of node '" + node.name() + "' (" +
                 node.op_type() + "))";
    return "value '" + name + "'";
  };
  for (const auto &info : graph.value_info()) {
    // (Only for the message: the search is linear in the graph.)
    bool tensorOrUnknown = info.type().value_case() == proto::TypeProto::kTensorType ||
                           info.type().value_case() == proto::TypeProto::VALUE_NOT_SET;
    FailureOr<Type> type = convertValueType(
        info.type(), tensorOrUnknown ? "value '" + info.name() + "'" : describeValue(info.name()));
    if (failed(type))
      return failure();
    knownTypes[info.name()] = *type;
  }
  for (const auto &info : graph.output()) {
    FailureOr<Type> type = convertValueType(info.type(), "graph output '" + info.name() + "'");
    if (failed(type))
      return failure();
    if (!isa<NoneType>(*type))
      knownTypes[info.name()] = *type;
  }

  // Initializers are constants. Since IR version 4 they need not be inputs;
  // older models list them as inputs too, which then are not arguments.
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer()) {
    if (init.name().empty()) {
      fileError() << graphWhat << " has an initializer with no name";
      return failure();
    }
    if (!initializerNames.insert(init.name()).second) {
      fileError() << "initializer '" << init.name() << "' is defined twice";
      return failure();
    }
    FailureOr<ElementsAttr> value = convertTensor(init, "initializer '" + init.name() + "'");
    if (failed(value))
      return failure();
    auto constant = builder.create(OperationState(
        NameLoc::get(builder.getStringAttr(init.name()), fileLoc),
        loom::onnx::ConstantOp::getOperationName(), {}, {value->getType()},
        {builder.getNamedAttr("value", *value)}));
    scopes.back()[init.name()] = constant->getResult(0);
  }

  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    if (input.name().empty()) {
      fileError() << graphWhat << " has an input with no name";
      return failure();
    }
    FailureOr<Type> type = convertValueType(input.type(), "graph input '" + input.name() + "'");
    if (failed(type))
      return failure();
    if (isa<NoneType>(*type)) {
      fileError() << "graph input '" << input.name()
                  << "' has no tensor type";
      return failure();
    }
    if (scopes.back().count(input.name())) {
      fileError() << "graph input '" << input.name() << "' is declared twice";
      return failure();
    }
    scopes.back()[input.name()] = block.addArgument(
        *type, NameLoc::get(builder.getStringAttr(input.name()), fileLoc));
  }

  SmallVector<int> order;
  if (failed(sortNodes(graph, order, [&](StringRef name) { return bool(lookup(name)); })))
    return failure();
  for (int i : order) {
    const auto &node = graph.node(i);
    builder.setInsertionPointToEnd(&block);
    if (failed(importNode(node, nodeLoc(node, i))))
      return failure();
  }

  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    Value v = lookup(output.name());
    if (!v) {
      fileError() << graphWhat << " output '" << output.name()
                  << "' is not defined by any node, input or initializer";
      return failure();
    }
    results.push_back(v);
  }
  builder.setInsertionPointToEnd(&block);
  if (isSubgraph)
    loom::onnx::YieldOp::create(builder, fileLoc, results);
  else
    func::ReturnOp::create(builder, fileLoc, results);
  return success();
}

LogicalResult OnnxImporter::checkOpsets(const proto::ModelProto &model) {
  bool sawDefault = false;
  for (const auto &opset : model.opset_import()) {
    if (!opset.domain().empty() && opset.domain() != "ai.onnx")
      continue; // Other domains' ops import as onnx.unsupported until defined.
    sawDefault = true;
    defaultOpset = opset.version();
    if (defaultOpset > kMaxOpset) {
      fileError() << "the model uses opset " << defaultOpset
                  << " of the default ONNX domain; loom supports opsets "
                  << kMinOpset << " to " << kMaxOpset
                  << " (ONNX 1.12). Re-export it with opset_version=" << kMaxOpset
                  << " or lower";
      return failure();
    }
    if (defaultOpset < kMinOpset) {
      fileError() << "the model uses opset " << defaultOpset
                  << " of the default ONNX domain; loom supports opsets "
                  << kMinOpset << " to " << kMaxOpset;
      return failure();
    }
  }
  if (!sawDefault && model.opset_import_size() == 0) {
    fileError() << "the model declares no opset_import";
    return failure();
  }
  return success();
}

/// "uint8 tensor of shape 3x?x5" for a declared or inferred tensor type.
static std::string describeTensorType(const proto::TypeProto_Tensor &type) {
  std::string text = llvm::StringRef(proto::TensorProto_DataType_Name(
                                         proto::TensorProto_DataType(type.elem_type())))
                         .lower();
  if (!type.has_shape())
    return text;
  // A hostile shape can have millions of dimensions (a fuzzed Expand):
  // its rank says enough.
  if (type.shape().dim_size() > LOOM_MAX_RANK)
    return text + " of rank " + std::to_string(type.shape().dim_size());
  text += type.shape().dim_size() == 0 ? " scalar" : " of shape ";
  for (int i = 0; i < type.shape().dim_size(); ++i) {
    const auto &dim = type.shape().dim(i);
    text += (i ? "x" : "") + (dim.has_dim_value() ? std::to_string(dim.dim_value()) : "?");
  }
  return text;
}

/// Whether two tensor types disagree where both are known: element types,
/// ranks or static sizes.
static bool contradicts(const proto::TypeProto_Tensor &declared,
                        const proto::TypeProto_Tensor &computed) {
  if (declared.elem_type() != 0 && computed.elem_type() != 0 &&
      declared.elem_type() != computed.elem_type())
    return true;
  if (!declared.has_shape() || !computed.has_shape())
    return false;
  if (declared.shape().dim_size() != computed.shape().dim_size())
    return true;
  for (int i = 0; i < declared.shape().dim_size(); ++i) {
    const auto &a = declared.shape().dim(i), &b = computed.shape().dim(i);
    if (a.has_dim_value() && b.has_dim_value() && a.dim_value() != b.dim_value())
      return true;
  }
  return false;
}

/// The rank of each value of `graph` and its subgraphs whose type has a
/// shape: graph inputs, value_info, outputs and initializers.
static void collectRanks(const proto::GraphProto &graph, llvm::StringMap<int64_t> &ranks) {
  auto note = [&](const proto::ValueInfoProto &value) {
    if (value.type().has_tensor_type() && value.type().tensor_type().has_shape())
      ranks[value.name()] = value.type().tensor_type().shape().dim_size();
  };
  for (const auto &value : graph.input())
    note(value);
  for (const auto &value : graph.value_info())
    note(value);
  for (const auto &value : graph.output())
    note(value);
  for (const auto &tensor : graph.initializer())
    ranks[tensor.name()] = tensor.dims_size();
  for (const proto::NodeProto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      if (attr.type() == proto::AttributeProto::GRAPH)
        collectRanks(attr.g(), ranks);
      for (const proto::GraphProto &g : attr.graphs())
        collectRanks(g, ranks);
    }
}

LogicalResult OnnxImporter::checkConvolutionRanks(const proto::ModelProto &model) {
  llvm::StringMap<int64_t> ranks;
  collectRanks(model.graph(), ranks);
  int counter = 0;
  std::function<LogicalResult(const proto::GraphProto &)> check =
      [&](const proto::GraphProto &graph) -> LogicalResult {
    for (const proto::NodeProto &node : graph.node()) {
      int index = counter++;
      int weight = node.domain().empty() || node.domain() == "ai.onnx"
                       ? convolutionWeightInput(node.op_type())
                       : -1;
      if (weight >= 0 && node.input_size() > weight) {
        auto input = ranks.find(node.input(0)), filter = ranks.find(node.input(weight));
        if (input != ranks.end() && filter != ranks.end() &&
            input->second != filter->second) {
          fileError() << describe(node, index) << ": the weight '" << node.input(weight)
                      << "' has rank " << filter->second << ", but the input '"
                      << node.input(0) << "' has rank " << input->second
                      << "; they must be equal (the weight has one size per spatial "
                         "axis of the input)";
          return failure();
        }
      }
      // Subgraph nodes are numbered after their node, as checkNodesAgainstSchemas does.
      for (const auto &attr : node.attribute()) {
        if (attr.type() == proto::AttributeProto::GRAPH && failed(check(attr.g())))
          return failure();
        for (const proto::GraphProto &g : attr.graphs())
          if (failed(check(g)))
            return failure();
      }
    }
    return success();
  };
  return check(model.graph());
}

LogicalResult OnnxImporter::checkRawDataSizes(const proto::GraphProto &graph) {
  auto check = [&](const proto::TensorProto &tensor, const std::string &what) {
    uint64_t width = storedElementBytes(tensor.data_type());
    if (!tensor.has_raw_data() || width == 0 ||
        tensor.data_location() == proto::TensorProto::EXTERNAL)
      return true;
    uint64_t count = 1;
    for (int64_t d : tensor.dims()) {
      if (d < 0 || (d > 0 && count > (uint64_t(1) << 40) / uint64_t(d)))
        return true; // reported with the dims, later
      count *= uint64_t(d);
    }
    if (tensor.raw_data().size() == count * width)
      return true;
    FailureOr<Type> elem = convertElementType(tensor.data_type(), what);
    if (failed(elem))
      return false;
    std::string shape = "[";
    for (auto [i, d] : llvm::enumerate(tensor.dims()))
      shape += (i ? ", " : "") + std::to_string(d);
    // Worded as the later import of the tensor words it.
    fileError() << what << " has " << tensor.raw_data().size() << " bytes of data, but its shape "
                << shape << "] of " << *elem << " needs " << count * width;
    return false;
  };
  for (const auto &init : graph.initializer())
    if (!check(init, "initializer '" + loom::escapeControlCharacters(init.name()) + "'"))
      return failure();
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      std::string where = "the value of node '" + loom::escapeControlCharacters(node.name()) +
                          "' (" + loom::escapeControlCharacters(node.op_type()) + ")";
      if (attr.has_t() && !check(attr.t(), where))
        return failure();
      for (const auto &t : attr.tensors())
        if (!check(t, where))
          return failure();
      if (attr.has_g() && failed(checkRawDataSizes(attr.g())))
        return failure();
      for (const auto &g : attr.graphs())
        if (failed(checkRawDataSizes(g)))
          return failure();
    }
  return success();
}

LogicalResult OnnxImporter::checkLayerNormAxes(const proto::ModelProto &model) {
  auto isRisky = [](const proto::NodeProto &node, int64_t &axis) {
    if (node.op_type() != "LayerNormalization" || node.output_size() < 2 ||
        !(node.domain().empty() || node.domain() == "ai.onnx"))
      return false;
    axis = -1;
    for (const auto &attr : node.attribute())
      if (attr.name() == "axis")
        axis = attr.i();
    return axis < 0 || axis > INT32_MAX;
  };
  int64_t axis;
  if (llvm::none_of(model.graph().node(),
                    [&](const proto::NodeProto &node) { return isRisky(node, axis); }))
    return success();
  proto::ModelProto safe = model;
  for (proto::NodeProto &node : *safe.mutable_graph()->mutable_node()) {
    if (!isRisky(node, axis))
      continue;
    bool set = false;
    for (auto &attr : *node.mutable_attribute())
      if (attr.name() == "axis") {
        attr.set_i(0);
        set = true;
      }
    if (!set) {
      auto *attr = node.add_attribute();
      attr->set_name("axis");
      attr->set_type(proto::AttributeProto::INT);
      attr->set_i(0);
    }
  }
  (void)inferShapes(safe); // Best effort: a rank it leaves unknown is not checked.
  llvm::StringMap<int64_t> ranks;
  collectRanks(safe.graph(), ranks);
  for (int i = 0; i < model.graph().node_size(); ++i) {
    const proto::NodeProto &node = model.graph().node(i);
    if (!isRisky(node, axis) || node.input_size() == 0)
      continue;
    auto rank = ranks.find(node.input(0));
    if (axis <= INT32_MAX && (rank == ranks.end() || axis >= -rank->second))
      continue;
    auto diag = fileError();
    diag << describe(node, i) << " attribute 'axis' is " << axis;
    if (rank != ranks.end())
      diag << ", out of range for an input of rank " << rank->second;
    else
      diag << ", out of range";
    return failure();
  }
  return success();
}

LogicalResult OnnxImporter::checkDeclaredTypes(const proto::ModelProto &model) {
  // ONNX's inference stops at the first value whose declared type differs
  // from the computed one; with the declarations of outputs and
  // intermediate values cleared it computes them all.
  proto::ModelProto bare = model;
  proto::GraphProto *graph = bare.mutable_graph();
  auto clear = [](proto::ValueInfoProto &value) {
    if (value.type().has_tensor_type())
      value.mutable_type()->mutable_tensor_type()->Clear();
  };
  for (proto::ValueInfoProto &value : *graph->mutable_output())
    clear(value);
  for (proto::ValueInfoProto &value : *graph->mutable_value_info())
    clear(value);
  if (!inferShapes(bare).empty())
    return success(); // Not (only) a contradiction: the caller warns.
  llvm::StringMap<const proto::TypeProto_Tensor *> computed;
  for (const proto::ValueInfoProto &value : bare.graph().output())
    if (value.type().has_tensor_type())
      computed[value.name()] = &value.type().tensor_type();
  for (const proto::ValueInfoProto &value : bare.graph().value_info())
    if (value.type().has_tensor_type())
      computed[value.name()] = &value.type().tensor_type();
  auto producer = [&](const std::string &name) -> std::string {
    for (int i = 0; i < model.graph().node_size(); ++i)
      if (llvm::is_contained(model.graph().node(i).output(), name))
        return describe(model.graph().node(i), i);
    return "its definition";
  };
  int found = 0;
  auto check = [&](const proto::ValueInfoProto &value, StringRef what) {
    auto it = computed.find(value.name());
    if (!value.type().has_tensor_type() || it == computed.end() ||
        !contradicts(value.type().tensor_type(), *it->second))
      return;
    if (++found > 10)
      return;
    fileError() << "the model declares " << what << " '" << value.name() << "' as "
                << describeTensorType(value.type().tensor_type()) << ", but "
                << producer(value.name()) << " computes "
                << describeTensorType(*it->second);
  };
  for (const proto::ValueInfoProto &value : model.graph().output())
    check(value, "graph output");
  for (const proto::ValueInfoProto &value : model.graph().value_info())
    check(value, "value");
  return failure(found > 0);
}

OwningOpRef<ModuleOp> OnnxImporter::import(StringRef bytes) {
  if (bytes.empty()) {
    fileError() << "the file is empty (0 bytes), not an ONNX model";
    return nullptr;
  }
  proto::ModelProto model;
  {
    google::protobuf::io::CodedInputStream stream(
        reinterpret_cast<const uint8_t *>(bytes.data()), int(std::min<size_t>(
                                                             bytes.size(), INT_MAX)));
    stream.SetTotalBytesLimit(INT_MAX);
    if (bytes.size() > size_t(INT_MAX)) {
      fileError() << "the model is larger than 2 GiB; store its "
                                 "weights as external data";
      return nullptr;
    }
    if (!model.ParseFromCodedStream(&stream) || !stream.ConsumedEntireMessage()) {
      fileError() << "not a valid ONNX model (the protobuf does not "
                                 "parse: truncated or not an .onnx file?)";
      return nullptr;
    }
  }
  // Random bytes sometimes parse as a protobuf with only unknown fields.
  if (!model.has_graph() || model.ir_version() <= 0) {
    fileError() << "not a valid ONNX model ("
                << (model.has_graph() ? "no ir_version" : "no graph") << ")";
    return nullptr;
  }
  if (failed(checkOpsets(model)))
    return nullptr;
  int precheckCounter = 0;
  if (failed(checkNodesAgainstSchemas(model.graph(), precheckCounter)))
    return nullptr;
  if (failed(checkGraphStructure(model.graph(), /*outer=*/{})))
    return nullptr;
  rewriteSequenceIdioms(*model.mutable_graph());
  rewriteTrainingOptimizers(model);
  // ONNX's inference reads the graph inputs' types without checking that
  // they are set (Shape of an untyped input crashed it).
  llvm::StringSet<> initializers;
  for (const auto &init : model.graph().initializer())
    initializers.insert(init.name());
  for (const auto &input : model.graph().input()) {
    if (initializers.contains(input.name()))
      continue;
    FailureOr<Type> type =
        convertValueType(input.type(), "graph input '" + input.name() + "'");
    if (failed(type))
      return nullptr;
    if (isa<NoneType>(*type)) {
      fileError() << "graph input '" << input.name() << "' has no tensor type";
      return nullptr;
    }
  }

  if (options.inferShapes) {
    // ONNX's inference is best effort for us: on failure the importer still
    // runs and later passes see the values without inferred types.
    if (failed(checkRawDataSizes(model.graph())) || failed(checkLayerNormAxes(model)))
      return nullptr;
    proto::ModelProto inferred = model;
    std::string error = inferShapes(inferred);
    if (error.empty())
      model.Swap(&inferred);
    else if (failed(checkDeclaredTypes(model)))
      return nullptr;
    else
      emitWarning(fileLoc) << "ONNX shape inference failed, importing "
                           << "without it: " << error;
  }
  if (failed(checkConvolutionRanks(model)))
    return nullptr;

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  const proto::GraphProto &graph = model.graph();
  std::string funcName = "main_graph";
  builder.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(builder, fileLoc, funcName,
                                   builder.getFunctionType({}, {}));
  Block *entry = func.addEntryBlock();
  if (failed(importGraph(graph, *entry, /*isSubgraph=*/false)))
    return nullptr;
  auto ret = cast<func::ReturnOp>(entry->getTerminator());
  func.setType(builder.getFunctionType(entry->getArgumentTypes(), ret.getOperandTypes()));
  if (options.refineShapes && failed(loom::onnx::refineShapes(func)))
    return nullptr;

  // Keep ONNX's names of inputs and outputs: the runtime binds by name.
  for (auto [i, arg] : llvm::enumerate(entry->getArguments()))
    func.setArgAttr(i, "onnx.name",
                    builder.getStringAttr(cast<NameLoc>(arg.getLoc()).getName().str()));
  for (auto [i, out] : llvm::enumerate(graph.output()))
    func.setResultAttr(i, "onnx.name", builder.getStringAttr(out.name()));
  (*module)->setAttr("onnx.opset", builder.getI64IntegerAttr(defaultOpset));
  if (!model.producer_name().empty())
    (*module)->setAttr("onnx.producer", builder.getStringAttr(model.producer_name()));

  if (failed(verify(*module)))
    return nullptr;
  return module;
}

OwningOpRef<ModuleOp> loom::importOnnxModel(StringRef bytes, StringRef fileName,
                                            MLIRContext *context,
                                            const OnnxImportOptions &options) {
  context->loadDialect<loom::onnx::OnnxDialect, func::FuncDialect>();
  OnnxImporter importer(context, fileName, options);
  return importer.import(bytes);
}

OwningOpRef<ModuleOp> loom::importOnnxModelFile(StringRef path, MLIRContext *context,
                                                OnnxImportOptions options) {
  auto buffer = loom::readRegularFile(path);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << path << ": cannot read the model: " << loom::readErrorMessage(buffer.getError());
    return nullptr;
  }
  if (options.externalDataDir.empty()) {
    options.externalDataDir = llvm::sys::path::parent_path(path).str();
    if (options.externalDataDir.empty())
      options.externalDataDir = ".";
  }
  return importOnnxModel((*buffer)->getBuffer(), path, context, options);
}

LogicalResult loom::reportUnsupportedOps(ModuleOp module) {
  SmallVector<loom::onnx::UnsupportedOp> unsupported;
  module.walk([&](loom::onnx::UnsupportedOp op) { unsupported.push_back(op); });
  if (unsupported.empty())
    return success();
  auto diag = emitError(module.getLoc())
              << unsupported.size() << " node(s) use operators loom does not support:";
  for (loom::onnx::UnsupportedOp op : unsupported) {
    std::string node = "?";
    if (auto name = dyn_cast<NameLoc>(op.getLoc()))
      node = name.getName().str();
    diag << "\n  node '" << node << "': "
         << (op.getDomain().empty() ? StringRef("ai.onnx") : op.getDomain())
         << "." << op.getOpType();
  }
  return failure();
}
