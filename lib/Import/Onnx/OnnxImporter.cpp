//===- OnnxImporter.cpp - ONNX protobuf to the onnx dialect -----*- C++ -*-===//
//
// Reads a ModelProto with protobuf and ONNX's own proto definitions and builds
// one func.func whose body has one onnx op per node. Malformed input of every
// kind (bytes that are not a model, undefined values, cycles, bad tensor data,
// absurd shapes, missing external data) is reported as a diagnostic that
// names the file, the node and the value; nothing here asserts on user input.
//
//===----------------------------------------------------------------------===//

#include "loom/Import/OnnxImporter.h"

#include "OnnxSchemas.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

#include <climits>
#include <cstring>
#include <functional>
#include <limits>

using namespace mlir;
using namespace loom::onnx_import;
// Below, `onnx::` is ONNX's protobuf namespace; the dialect is `loom::onnx`.

namespace {

/// The opset range of the default domain that loom's onnx dialect covers: the
/// generated ops are ONNX 1.12's newest (17); nodes written against older
/// opsets are normalized to that form (normalizeLegacyNode).
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 17;

std::string shapeToString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  }
  return s + "]";
}

const char *dataTypeName(int32_t dtype) {
  if (onnx::TensorProto_DataType_IsValid(dtype))
    return onnx::TensorProto_DataType_Name(
               static_cast<onnx::TensorProto_DataType>(dtype))
        .c_str();
  return "an invalid data type";
}

/// Imports one model. Holds the state shared by the graph and its subgraphs.
class OnnxImporter {
  using OnnxImportOptions = loom::OnnxImportOptions;
public:
  OnnxImporter(MLIRContext *context, StringRef fileName,
               const OnnxImportOptions &options)
      : context(context), builder(context), fileName(fileName.str()),
        options(options) {
    fileLoc = FileLineColLoc::get(context, fileName, 0, 0);
  }

  OwningOpRef<ModuleOp> import(StringRef bytes);

private:
  /// Emits an error at the file's location.
  InFlightDiagnostic fileError() { return emitError(fileLoc); }

  LogicalResult checkOpsets(const onnx::ModelProto &model);
  LogicalResult importGraph(const onnx::GraphProto &graph, Block &block,
                            bool isSubgraph);
  LogicalResult sortNodes(const onnx::GraphProto &graph,
                          SmallVectorImpl<int> &order);
  LogicalResult importNode(const onnx::NodeProto &node, Location loc);
  LogicalResult normalizeLegacyNode(const onnx::NodeProto &node, StringRef where,
                                    Location loc, int sinceVersion,
                                    SmallVectorImpl<Value> &inputs,
                                    SmallVectorImpl<NamedAttribute> &attrs);
  FailureOr<Operation *> importLegacyCoercedSoftmax(const onnx::NodeProto &node,
                                                    Location loc, Value input,
                                                    ArrayRef<NamedAttribute> attrs,
                                                    Type resultType);
  Value createConstant(Location loc, ElementsAttr value);
  LogicalResult checkTypeConstraints(const onnx::NodeProto &node, StringRef where,
                                     ArrayRef<Value> inputs);

  FailureOr<Type> convertElementType(int32_t dtype, StringRef what);
  FailureOr<Type> convertValueType(const onnx::TypeProto &type, StringRef what);
  FailureOr<ElementsAttr> convertTensor(const onnx::TensorProto &tensor,
                                        StringRef what);
  FailureOr<std::string> readExternalData(const onnx::TensorProto &tensor,
                                          StringRef what, uint64_t expected);
  FailureOr<NamedAttribute> convertAttribute(const onnx::AttributeProto &attr,
                                             StringRef where);
  LogicalResult checkShape(ArrayRef<int64_t> shape, StringRef what);

  Location nodeLoc(const onnx::NodeProto &node, int index);
  std::string describe(const onnx::NodeProto &node, int index);

  /// Checks every node's input and output counts and attribute kinds against
  /// the schema of the model's opset, before ONNX's shape inference sees
  /// them (its inference functions trust them: a Split without outputs
  /// divides by zero). `counter` numbers nodes as importGraph will.
  LogicalResult checkNodesAgainstSchemas(const onnx::GraphProto &graph, int &counter);

  /// The type that a value's producer should have: from the graph's
  /// value_info/outputs (filled in by ONNX shape inference), else `none`.
  Type inferredType(StringRef name);

  MLIRContext *context;
  OpBuilder builder;
  std::string fileName;
  OnnxImportOptions options;
  Location fileLoc = UnknownLoc::get(context);

  /// Opset of the default domain the model was written against.
  int64_t defaultOpset = kMaxOpset;
  /// Values visible in the current scope; subgraphs push a scope.
  SmallVector<llvm::StringMap<Value>, 2> scopes;
  /// Types known from value_info, graph inputs and outputs, by value name.
  llvm::StringMap<Type> knownTypes;
  /// Current node index, for naming unnamed nodes.
  int nodeCounter = 0;
  unsigned blobCounter = 0;

  Value lookup(StringRef name) {
    for (auto &scope : llvm::reverse(scopes)) {
      auto it = scope.find(name);
      if (it != scope.end())
        return it->second;
    }
    return nullptr;
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// Types and tensors
//===----------------------------------------------------------------------===//

FailureOr<Type> OnnxImporter::convertElementType(int32_t dtype, StringRef what) {
  switch (dtype) {
  case onnx::TensorProto::FLOAT:
    return Type(builder.getF32Type());
  case onnx::TensorProto::FLOAT16:
    return Type(builder.getF16Type());
  case onnx::TensorProto::BFLOAT16:
    return Type(builder.getBF16Type());
  case onnx::TensorProto::DOUBLE:
    return Type(builder.getF64Type());
  case onnx::TensorProto::BOOL:
    return Type(builder.getI1Type());
  case onnx::TensorProto::INT8:
    return Type(builder.getIntegerType(8));
  case onnx::TensorProto::INT16:
    return Type(builder.getIntegerType(16));
  case onnx::TensorProto::INT32:
    return Type(builder.getIntegerType(32));
  case onnx::TensorProto::INT64:
    return Type(builder.getIntegerType(64));
  case onnx::TensorProto::UINT8:
    return Type(builder.getIntegerType(8, /*isSigned=*/false));
  case onnx::TensorProto::UINT16:
    return Type(builder.getIntegerType(16, /*isSigned=*/false));
  case onnx::TensorProto::UINT32:
    return Type(builder.getIntegerType(32, /*isSigned=*/false));
  case onnx::TensorProto::UINT64:
    return Type(builder.getIntegerType(64, /*isSigned=*/false));
  case onnx::TensorProto::COMPLEX64:
    return Type(ComplexType::get(builder.getF32Type()));
  case onnx::TensorProto::COMPLEX128:
    return Type(ComplexType::get(builder.getF64Type()));
  default:
    fileError() << what << " has element type "
                << dataTypeName(dtype) << " (" << dtype
                << "), which loom does not support";
    return failure();
  }
}

LogicalResult OnnxImporter::checkShape(ArrayRef<int64_t> shape, StringRef what) {
  // Products are formed in 128-bit-safe steps: stop as soon as the limit is
  // passed so that no multiplication can overflow.
  int64_t elements = 1;
  for (int64_t d : shape) {
    if (ShapedType::isDynamic(d))
      continue;
    if (d < 0) {
      fileError() << what << " has negative dimension " << d
                  << " in shape " << shapeToString(shape);
      return failure();
    }
    if (d != 0 && elements > options.maxTensorElements / d) {
      fileError() << what << " has shape "
                  << shapeToString(shape) << ", over loom's limit of "
                  << options.maxTensorElements
                  << " elements per tensor (corrupt file?)";
      return failure();
    }
    elements *= d;
  }
  return success();
}

FailureOr<Type> OnnxImporter::convertValueType(const onnx::TypeProto &type,
                                               StringRef what) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType: {
    const auto &tensor = type.tensor_type();
    if (!tensor.has_elem_type() || tensor.elem_type() == 0)
      return Type(NoneType::get(context));
    FailureOr<Type> elem = convertElementType(tensor.elem_type(), what);
    if (failed(elem))
      return failure();
    if (!tensor.has_shape())
      return Type(UnrankedTensorType::get(*elem));
    SmallVector<int64_t> shape;
    for (const auto &dim : tensor.shape().dim())
      shape.push_back(dim.has_dim_value() ? dim.dim_value() : ShapedType::kDynamic);
    if (failed(checkShape(shape, what)))
      return failure();
    return Type(RankedTensorType::get(shape, *elem));
  }
  case onnx::TypeProto::VALUE_NOT_SET:
    return Type(NoneType::get(context));
  default:
    fileError() << what
                << " is not a tensor (sequence, map and optional values are "
                   "not supported yet)";
    return failure();
  }
}

FailureOr<std::string>
OnnxImporter::readExternalData(const onnx::TensorProto &tensor, StringRef what,
                               uint64_t expected) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto &entry : tensor.external_data()) {
    if (entry.key() == "location")
      location = entry.value();
    else if (entry.key() == "offset" || entry.key() == "length") {
      uint64_t value = 0;
      if (StringRef(entry.value()).getAsInteger(10, value)) {
        fileError() << what << " has external data "
                    << entry.key() << " '" << entry.value()
                    << "', which is not a number";
        return failure();
      }
      if (entry.key() == "offset")
        offset = value;
      else
        length = value;
    }
  }
  if (location.empty()) {
    fileError() << what
                << " is stored externally but names no location";
    return failure();
  }
  bool escapes = llvm::sys::path::is_absolute(location);
  for (StringRef part : llvm::make_range(llvm::sys::path::begin(location),
                                         llvm::sys::path::end(location)))
    escapes |= part == "..";
  if (escapes) {
    fileError() << what << " has external data location '"
                << location
                << "', which leaves the model's directory (ONNX forbids that)";
    return failure();
  }
  SmallString<256> path(options.externalDataDir);
  llvm::sys::path::append(path, location);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    fileError() << what << ": external data file '" << location
                << "' cannot be read (looked for " << path << ": "
                << buffer.getError().message() << ")";
    return failure();
  }
  uint64_t size = (*buffer)->getBufferSize();
  uint64_t count = length.value_or(expected);
  if (offset > size || count > size - offset) {
    fileError() << what << ": external data file '" << location
                << "' has " << size << " bytes, too few for " << count
                << " bytes at offset " << offset;
    return failure();
  }
  return std::string((*buffer)->getBufferStart() + offset, count);
}

/// Appends `value` to `bytes` as `width` little-endian bytes.
static void appendLittleEndian(std::string &bytes, uint64_t value, int width) {
  for (int i = 0; i < width; ++i)
    bytes.push_back(char((value >> (8 * i)) & 0xff));
}

FailureOr<ElementsAttr> OnnxImporter::convertTensor(const onnx::TensorProto &tensor,
                                                    StringRef what) {
  FailureOr<Type> elemOr = convertElementType(tensor.data_type(), what);
  if (failed(elemOr))
    return failure();
  Type elem = *elemOr;
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  if (failed(checkShape(shape, what)))
    return failure();
  auto type = RankedTensorType::get(shape, elem);
  int64_t numElements = type.getNumElements();

  // Bytes per element as stored by ONNX (bool: one byte).
  int width = isa<ComplexType>(elem)
                  ? 2 * cast<ComplexType>(elem).getElementType().getIntOrFloatBitWidth() / 8
                  : std::max(1u, elem.getIntOrFloatBitWidth() / 8);
  uint64_t expected = uint64_t(numElements) * width;

  std::string bytes;
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    FailureOr<std::string> data = readExternalData(tensor, what, expected);
    if (failed(data))
      return failure();
    bytes = std::move(*data);
  } else if (tensor.has_raw_data()) {
    bytes = tensor.raw_data();
  } else {
    // Typed storage: ONNX keeps small integer types and f16/bf16 widened in
    // int32_data, unsigned 32/64-bit in uint64_data.
    switch (tensor.data_type()) {
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::COMPLEX64: // (real, imaginary) pairs of floats
      for (float v : tensor.float_data()) {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        appendLittleEndian(bytes, bits, 4);
      }
      break;
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::COMPLEX128:
      for (double v : tensor.double_data()) {
        uint64_t bits;
        std::memcpy(&bits, &v, 8);
        appendLittleEndian(bytes, bits, 8);
      }
      break;
    case onnx::TensorProto::INT64:
      for (int64_t v : tensor.int64_data())
        appendLittleEndian(bytes, uint64_t(v), 8);
      break;
    case onnx::TensorProto::UINT32:
    case onnx::TensorProto::UINT64:
      for (uint64_t v : tensor.uint64_data())
        appendLittleEndian(bytes, v, width);
      break;
    default:
      for (int32_t v : tensor.int32_data())
        appendLittleEndian(bytes, uint64_t(uint32_t(v)), width);
      break;
    }
  }
  if (bytes.size() != expected) {
    fileError() << what << " has " << bytes.size()
                << " bytes of data, but its shape " << shapeToString(shape)
                << " of " << elem << " needs " << expected;
    return failure();
  }
  if (elem.isInteger(1)) {
    // MLIR packs i1 differently from ONNX's byte per bool; go through values.
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return cast<ElementsAttr>(DenseElementsAttr::get(type, ArrayRef<bool>(values)));
  }
  if (numElements <= options.maxInlineElements) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size()),
                                             splat)) {
      fileError() << what << " has data that does not fit "
                  << type;
      return failure();
    }
    return cast<ElementsAttr>(
        DenseElementsAttr::getFromRawBuffer(type, ArrayRef<char>(bytes.data(), bytes.size())));
  }
  // Large tensors: a resource blob, printed once at the end of the module
  // rather than as an attribute, and never parsed back element by element.
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      ArrayRef<char>(bytes.data(), bytes.size()), alignof(uint64_t));
  std::string blobName = tensor.name().empty() ? std::string("tensor") : tensor.name();
  for (char &c : blobName)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  return cast<ElementsAttr>(DenseResourceElementsAttr::get(
      type, blobName + "_" + std::to_string(blobCounter++), std::move(blob)));
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

FailureOr<NamedAttribute>
OnnxImporter::convertAttribute(const onnx::AttributeProto &attr, StringRef where) {
  std::string what = (Twine(where) + " attribute '" + attr.name() + "'").str();
  if (attr.name().empty()) {
    fileError() << where << " has an attribute with no name";
    return failure();
  }
  if (!attr.ref_attr_name().empty()) {
    fileError() << what
                << " refers to a function attribute, which is not supported";
    return failure();
  }
  auto name = builder.getStringAttr(attr.name());
  switch (attr.type()) {
  case onnx::AttributeProto::FLOAT:
    return NamedAttribute(name, builder.getF32FloatAttr(attr.f()));
  case onnx::AttributeProto::INT:
    return NamedAttribute(name, builder.getIntegerAttr(
                                    builder.getIntegerType(64, /*isSigned=*/true), attr.i()));
  case onnx::AttributeProto::STRING:
    return NamedAttribute(name, builder.getStringAttr(attr.s()));
  case onnx::AttributeProto::FLOATS:
    return NamedAttribute(
        name, builder.getF32ArrayAttr(SmallVector<float>(attr.floats().begin(),
                                                         attr.floats().end())));
  case onnx::AttributeProto::INTS:
    return NamedAttribute(
        name, builder.getI64ArrayAttr(SmallVector<int64_t>(attr.ints().begin(),
                                                           attr.ints().end())));
  case onnx::AttributeProto::STRINGS:
    return NamedAttribute(
        name, builder.getStrArrayAttr(SmallVector<StringRef>(attr.strings().begin(),
                                                             attr.strings().end())));
  case onnx::AttributeProto::TENSOR: {
    FailureOr<ElementsAttr> value = convertTensor(attr.t(), what);
    if (failed(value))
      return failure();
    return NamedAttribute(name, *value);
  }
  case onnx::AttributeProto::TYPE_PROTO: {
    FailureOr<Type> type = convertValueType(attr.tp(), what);
    if (failed(type))
      return failure();
    return NamedAttribute(name, TypeAttr::get(*type));
  }
  default:
    fileError() << what << " has kind "
                << onnx::AttributeProto_AttributeType_Name(attr.type())
                << ", which loom does not support";
    return failure();
  }
}

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

std::string OnnxImporter::describe(const onnx::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? ("#" + std::to_string(index))
                         : ("'" + node.name() + "'");
  std::string domain = node.domain().empty() ? "" : node.domain() + ".";
  return "node " + name + " (" + domain + node.op_type() + ")";
}

Location OnnxImporter::nodeLoc(const onnx::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "#" + std::to_string(index)
                         : node.name();
  return NameLoc::get(builder.getStringAttr(name), fileLoc);
}

Type OnnxImporter::inferredType(StringRef name) {
  auto it = knownTypes.find(name);
  return it == knownTypes.end() ? Type(NoneType::get(context)) : it->second;
}

/// Sorts nodes topologically (ONNX requires it, exporters usually comply) and
/// reports values that nothing defines and cycles, naming the nodes.
LogicalResult OnnxImporter::sortNodes(const onnx::GraphProto &graph,
                                      SmallVectorImpl<int> &order) {
  llvm::StringMap<int> producer;
  for (auto [i, node] : llvm::enumerate(graph.node()))
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(out, int(i));
      if (!inserted || lookup(out)) {
        fileError() << describe(node, i) << " defines '" << out
                    << "', which is already defined"
                    << (inserted ? " as a graph input or initializer"
                                 : " by " + describe(graph.node(it->second),
                                                     it->second));
        return failure();
      }
    }

  // Kahn's algorithm over the nodes' data dependencies. Subgraph bodies may
  // read outer values: count those as dependencies of the node too.
  auto forEachInput = [&](const onnx::NodeProto &node, auto fn) {
    for (const std::string &in : node.input())
      if (!in.empty())
        fn(in);
    std::function<void(const onnx::GraphProto &)> visitGraph =
        [&](const onnx::GraphProto &g) {
          for (const auto &inner : g.node()) {
            for (const std::string &in : inner.input())
              if (!in.empty())
                fn(in);
            for (const auto &a : inner.attribute()) {
              if (a.has_g())
                visitGraph(a.g());
              for (const auto &gg : a.graphs())
                visitGraph(gg);
            }
          }
        };
    for (const auto &a : node.attribute()) {
      if (a.has_g())
        visitGraph(a.g());
      for (const auto &g : a.graphs())
        visitGraph(g);
    }
  };

  int n = graph.node_size();
  std::vector<int> pending(n, 0);
  std::vector<SmallVector<int>> users(n);
  bool undefined = false;
  for (int i = 0; i < n; ++i) {
    const auto &node = graph.node(i);
    llvm::StringSet<> seen;
    forEachInput(node, [&](const std::string &in) {
      if (!seen.insert(in).second)
        return;
      auto it = producer.find(in);
      if (it != producer.end()) {
        if (it->second != i) {
          ++pending[i];
          users[it->second].push_back(i);
        } else {
          fileError() << describe(node, i)
                      << " reads its own output '" << in << "'";
          undefined = true;
        }
        return;
      }
      if (lookup(in))
        return;
      // Names used only inside a subgraph may be that subgraph's own values;
      // the subgraph's import checks those. Only direct inputs must exist here.
      if (llvm::is_contained(node.input(), in)) {
        fileError() << describe(node, i) << " reads '" << in
                    << "', which no node, graph input or initializer defines";
        undefined = true;
      }
    });
  }
  if (undefined)
    return failure();

  SmallVector<int> ready;
  for (int i = n - 1; i >= 0; --i)
    if (pending[i] == 0)
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.pop_back_val();
    order.push_back(i);
    for (int user : llvm::reverse(users[i]))
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if (int(order.size()) != n) {
    auto diag = fileError();
    diag << "the graph has a cycle; these nodes depend on each other:";
    int listed = 0;
    for (int i = 0; i < n && listed < 10; ++i)
      if (pending[i] > 0) {
        diag << " " << describe(graph.node(i), i);
        ++listed;
      }
    return failure();
  }
  return success();
}

LogicalResult OnnxImporter::checkNodesAgainstSchemas(const onnx::GraphProto &graph,
                                                      int &counter) {
  for (const onnx::NodeProto &node : graph.node()) {
    std::string where = describe(node, counter++);
    bool isDefaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    std::optional<SchemaInfo> schema;
    if (isDefaultDomain)
      schema = lookupSchema(node.op_type(), "", int(defaultOpset));
    else if (node.domain() == "com.microsoft")
      schema = lookupSchema(node.op_type(), node.domain(), /*opset=*/-1);
    if (schema) {
      auto count = [&](StringRef what, int n, int min, int max) {
        if (n >= min && n <= max)
          return true;
        fileError() << where << " has " << n << " " << what << "; " << node.op_type()
                    << " (opset " << schema->sinceVersion << ") takes " << min << " to "
                    << max;
        return false;
      };
      if (!count("inputs", node.input_size(), schema->minInputs, schema->maxInputs) ||
          !count("outputs", node.output_size(), schema->minOutputs, schema->maxOutputs))
        return failure();
      for (const auto &attr : node.attribute()) {
        auto declared = schema->attributeTypes.find(attr.name());
        if (declared == schema->attributeTypes.end() ||
            declared->second == int(attr.type()))
          continue;
        fileError() << where << " attribute '" << attr.name() << "' is "
                    << onnx::AttributeProto_AttributeType_Name(attr.type()) << ", but "
                    << node.op_type() << " (opset " << schema->sinceVersion
                    << ") declares it "
                    << onnx::AttributeProto_AttributeType_Name(
                           onnx::AttributeProto::AttributeType(declared->second));
        return failure();
      }
    }
    for (const auto &attr : node.attribute()) {
      if (attr.type() == onnx::AttributeProto::GRAPH &&
          failed(checkNodesAgainstSchemas(attr.g(), counter)))
        return failure();
      for (const onnx::GraphProto &g : attr.graphs())
        if (failed(checkNodesAgainstSchemas(g, counter)))
          return failure();
    }
  }
  return success();
}

LogicalResult OnnxImporter::importNode(const onnx::NodeProto &node, Location loc) {
  int index = nodeCounter++;
  std::string where = describe(node, index);
  if (node.op_type().empty()) {
    fileError() << where << " has no op_type";
    return failure();
  }

  // Inputs by ONNX position; a null Value is an omitted optional input.
  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    Value v = lookup(in);
    if (!v) {
      fileError() << where << " reads '" << in
                  << "', which no node, graph input or initializer defines";
      return failure();
    }
    inputs.push_back(v);
  }

  SmallVector<NamedAttribute> attrs;
  SmallVector<const onnx::GraphProto *> subgraphs;
  llvm::StringSet<> attrNames;
  for (const auto &attr : node.attribute()) {
    if (!attrNames.insert(attr.name()).second) {
      fileError() << where << " has attribute '" << attr.name()
                  << "' twice";
      return failure();
    }
    if (attr.type() == onnx::AttributeProto::GRAPH) {
      subgraphs.push_back(&attr.g());
      continue;
    }
    FailureOr<NamedAttribute> converted = convertAttribute(attr, where);
    if (failed(converted))
      return failure();
    attrs.push_back(*converted);
  }

  SmallVector<Type> resultTypes;
  for (const std::string &out : node.output())
    resultTypes.push_back(out.empty() ? Type(NoneType::get(context)) : inferredType(out));

  // The default domain's ops are onnx.<OpType>; ONNX Runtime's contrib ops
  // are onnx.com.microsoft.<OpType>; other domains have no ops yet.
  bool isDefaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
  std::optional<RegisteredOperationName> opName;
  std::optional<SchemaInfo> schema;
  if (isDefaultDomain || node.domain() == "com.microsoft") {
    std::string prefix = isDefaultDomain ? "onnx." : "onnx." + node.domain() + ".";
    opName = RegisteredOperationName::lookup(prefix + node.op_type(), context);
    schema = lookupSchema(node.op_type(), isDefaultDomain ? "" : node.domain(),
                          /*opset=*/-1);
    if (opName && !schema)
      opName.reset();
  }

  Operation *op = nullptr;
  // Checked on the node as written, before normalization adds inputs.
  if (opName && failed(checkTypeConstraints(node, where, inputs)))
    return failure();
  if (opName) {
    std::optional<SchemaInfo> atModel =
        isDefaultDomain ? lookupSchema(node.op_type(), "", int(defaultOpset))
                        : std::nullopt;
    if (atModel && atModel->sinceVersion < schema->sinceVersion) {
      StringRef type = node.op_type();
      if ((type == "Softmax" || type == "LogSoftmax" || type == "Hardmax") &&
          atModel->sinceVersion < 13 && !inputs.empty() && inputs[0]) {
        FailureOr<Operation *> coerced = importLegacyCoercedSoftmax(
            node, loc, inputs[0], attrs, resultTypes.empty() ? Type() : resultTypes[0]);
        if (failed(coerced))
          return failure();
        op = *coerced;
      } else if (failed(normalizeLegacyNode(node, where, loc, atModel->sinceVersion,
                                            inputs, attrs))) {
        return failure();
      }
    }
  }
  SmallVector<Value> operands;
  SmallVector<bool> present;
  for (Value v : inputs) {
    present.push_back(bool(v));
    if (v)
      operands.push_back(v);
  }
  if (op) {
    // Already built by a normalization that emits several ops.
  } else if (opName) {
    // The generated op has the newest schema's operands; omitted optional
    // inputs are absent operands, counted in operandSegmentSizes when the op
    // has several optional or variadic inputs.
    if (int(inputs.size()) > schema->maxInputs ||
        int(inputs.size()) < schema->minInputs) {
      fileError() << where << " has " << inputs.size()
                  << " inputs; " << node.op_type() << " takes "
                  << schema->minInputs << " to " << schema->maxInputs;
      return failure();
    }
    if (int(node.output_size()) > schema->maxOutputs ||
        int(node.output_size()) < schema->minOutputs) {
      fileError() << where << " has " << node.output_size()
                  << " outputs; " << node.op_type() << " produces "
                  << schema->minOutputs << " to " << schema->maxOutputs;
      return failure();
    }
    OperationState state(loc, *opName);
    state.addOperands(operands);
    state.addAttributes(attrs);
    auto countSegments = [](ArrayRef<Arity> formal, ArrayRef<bool> actual) {
      SmallVector<int32_t> sizes;
      size_t pos = 0;
      for (Arity arity : formal) {
        if (arity == Arity::Variadic) {
          int32_t count = 0;
          for (; pos < actual.size(); ++pos)
            count += actual[pos];
          sizes.push_back(count);
        } else {
          sizes.push_back(pos < actual.size() && actual[pos] ? 1 : 0);
          ++pos;
        }
      }
      return sizes;
    };
    auto needsSegments = [](ArrayRef<Arity> formal) {
      return llvm::count_if(formal, [](Arity a) { return a != Arity::Single; }) > 1;
    };
    if (needsSegments(schema->inputs))
      state.addAttribute("operandSegmentSizes",
                         builder.getDenseI32ArrayAttr(countSegments(schema->inputs, present)));
    // Results: omitted outputs in the middle keep their slot (typed none), so
    // positions line up; trailing ones are dropped.
    SmallVector<bool> outPresent;
    for (const std::string &out : node.output())
      outPresent.push_back(!out.empty());
    if (needsSegments(schema->outputs)) {
      SmallVector<Type> kept;
      for (auto [type, here] : llvm::zip(resultTypes, outPresent))
        if (here)
          kept.push_back(type);
      resultTypes = kept;
      state.addAttribute("resultSegmentSizes",
                         builder.getDenseI32ArrayAttr(countSegments(schema->outputs, outPresent)));
    }
    state.addTypes(resultTypes);
    for (size_t i = 0; i < subgraphs.size(); ++i)
      state.addRegion();
    op = builder.create(state);
  } else {
    // Unknown here: keep everything so that a later check can list all of them.
    SmallVector<NamedAttribute> all = {
        builder.getNamedAttr("domain", builder.getStringAttr(node.domain())),
        builder.getNamedAttr("op_type", builder.getStringAttr(node.op_type()))};
    all.append(attrs.begin(), attrs.end());
    OperationState state(loc, loom::onnx::UnsupportedOp::getOperationName());
    state.addOperands(operands);
    state.addAttributes(all);
    state.addTypes(resultTypes);
    op = builder.create(state);
    if (!subgraphs.empty()) {
      fileError() << where
                  << " has subgraph attributes, but its operator is unknown";
      return failure();
    }
  }

  // Subgraphs: regions named after the GRAPH attributes, in the order the
  // generated op declares them (alphabetical by attribute name).
  if (!subgraphs.empty()) {
    SmallVector<std::pair<std::string, const onnx::GraphProto *>> named;
    for (const auto &attr : node.attribute())
      if (attr.type() == onnx::AttributeProto::GRAPH)
        named.push_back({attr.name(), &attr.g()});
    llvm::sort(named, [](auto &a, auto &b) { return a.first < b.first; });
    for (auto [i, entry] : llvm::enumerate(named)) {
      Region &region = op->getRegion(i);
      Block *block = new Block();
      region.push_back(block);
      OpBuilder::InsertionGuard guard(builder);
      if (failed(importGraph(*entry.second, *block, /*isSubgraph=*/true)))
        return failure();
    }
  }

  size_t result = 0;
  for (const std::string &out : node.output()) {
    if (out.empty()) {
      if (!op->hasAttr("resultSegmentSizes"))
        ++result;
      continue;
    }
    if (result >= op->getNumResults()) {
      fileError() << where << " has more outputs than "
                  << node.op_type() << " produces";
      return failure();
    }
    scopes.back()[out] = op->getResult(result++);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Opset normalization
//===----------------------------------------------------------------------===//

Value OnnxImporter::createConstant(Location loc, ElementsAttr value) {
  Operation *constant = builder.create(
      OperationState(loc, loom::onnx::ConstantOp::getOperationName(), {},
                     {value.getType()}, {builder.getNamedAttr("value", value)}));
  return constant->getResult(0);
}

/// Removes the attribute `name` from `attrs` and returns it (null if absent).
static Attribute takeAttr(SmallVectorImpl<NamedAttribute> &attrs, StringRef name) {
  for (auto *it = attrs.begin(); it != attrs.end(); ++it)
    if (it->getName() == name) {
      Attribute value = it->getValue();
      attrs.erase(it);
      return value;
    }
  return nullptr;
}

/// Nodes of older opsets whose attributes later became inputs are rewritten to
/// the newest form (the only one the dialect has), with the attribute values
/// as constants.
LogicalResult OnnxImporter::normalizeLegacyNode(const onnx::NodeProto &node,
                                                StringRef where, Location loc,
                                                int since,
                                                SmallVectorImpl<Value> &inputs,
                                                SmallVectorImpl<NamedAttribute> &attrs) {
  StringRef type = node.op_type();
  auto setInput = [&](size_t pos, Value v) {
    if (inputs.size() <= pos)
      inputs.resize(pos + 1, nullptr);
    inputs[pos] = v;
  };
  auto ints = [&](Attribute attr) -> std::optional<SmallVector<int64_t>> {
    auto array = dyn_cast_or_null<ArrayAttr>(attr);
    if (!array)
      return std::nullopt;
    SmallVector<int64_t> values;
    for (Attribute a : array)
      values.push_back(cast<IntegerAttr>(a).getInt());
    return values;
  };
  auto i64Constant = [&](ArrayRef<int64_t> values) {
    auto t = RankedTensorType::get({int64_t(values.size())}, builder.getI64Type());
    return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(t, values)));
  };
  // A scalar of the first input's element type (f32 when that is unknown).
  auto scalarLike = [&](double value) -> Value {
    Type elem = builder.getF32Type();
    if (!inputs.empty() && inputs[0])
      if (auto shaped = dyn_cast<ShapedType>(inputs[0].getType()))
        elem = shaped.getElementType();
    auto t = RankedTensorType::get({}, elem);
    if (auto f = dyn_cast<FloatType>(elem))
      return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                     t, builder.getFloatAttr(f, value))));
    return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                   t, builder.getIntegerAttr(elem, int64_t(value)))));
  };
  auto needInts = [&](StringRef name, Attribute attr) -> std::optional<SmallVector<int64_t>> {
    auto values = ints(attr);
    if (!values)
      fileError() << where << " (opset " << since << " form) needs the '" << name
                  << "' attribute as a list of integers";
    return values;
  };

  if ((type == "Unsqueeze" || type == "Squeeze" || type == "ReduceSum") && since < 13) {
    if (Attribute axes = takeAttr(attrs, "axes")) {
      auto values = needInts("axes", axes);
      if (!values)
        return failure();
      setInput(1, i64Constant(*values));
    }
  } else if (type == "Split" && since < 13) {
    if (Attribute split = takeAttr(attrs, "split")) {
      auto values = needInts("split", split);
      if (!values)
        return failure();
      setInput(1, i64Constant(*values));
    }
  } else if (type == "Slice" && since < 10) {
    int pos = 1;
    for (StringRef name : {"starts", "ends", "axes"}) {
      Attribute attr = takeAttr(attrs, name);
      if (attr) {
        auto values = needInts(name, attr);
        if (!values)
          return failure();
        setInput(pos, i64Constant(*values));
      } else if (name != "axes") {
        fileError() << where << " (opset " << since << " form) needs '" << name << "'";
        return failure();
      }
      ++pos;
    }
  } else if (type == "Pad" && since < 11) {
    Attribute pads = takeAttr(attrs, "pads");
    if (!pads)
      pads = takeAttr(attrs, "paddings");
    auto values = needInts("pads", pads);
    if (!values)
      return failure();
    setInput(1, i64Constant(*values));
    if (auto value = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "value")))
      setInput(2, scalarLike(value.getValueAsDouble()));
  } else if (type == "Clip" && since < 11) {
    auto lo = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "min"));
    auto hi = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "max"));
    if (lo)
      setInput(1, scalarLike(lo.getValueAsDouble()));
    if (hi)
      setInput(2, scalarLike(hi.getValueAsDouble()));
  } else if (type == "TopK" && since < 10) {
    auto k = dyn_cast_or_null<IntegerAttr>(takeAttr(attrs, "k"));
    if (!k) {
      fileError() << where << " (opset " << since << " form) needs the 'k' attribute";
      return failure();
    }
    setInput(1, i64Constant({k.getInt()}));
  } else if (type == "Dropout" && since < 12) {
    takeAttr(attrs, "is_test");
    if (auto ratio = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "ratio"))) {
      auto t = RankedTensorType::get({}, builder.getF32Type());
      setInput(1, createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                          t, float(ratio.getValueAsDouble())))));
    }
  } else if (type == "Resize" && since < 11) {
    // Resize-10 is (X, scales); later versions put an optional roi between.
    if (inputs.size() == 2)
      inputs.insert(inputs.begin() + 1, Value());
  }
  return success();
}

/// Inputs that share an ONNX type constraint (Add's A and B are both "T")
/// must have one element type; checked against the schema of the model's
/// opset so that the message points at the node, not at a later pass.
LogicalResult OnnxImporter::checkTypeConstraints(const onnx::NodeProto &node,
                                                 StringRef where,
                                                 ArrayRef<Value> inputs) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return success(); // contrib schemas carry no type constraints
  std::optional<SchemaInfo> atModel =
      lookupSchema(node.op_type(), "", int(defaultOpset));
  if (!atModel)
    return success();
  llvm::StringMap<std::pair<Type, size_t>> seen;
  for (auto [i, v] : llvm::enumerate(inputs)) {
    if (!v || atModel->inputTypeConstraints.empty() || int(i) >= node.input_size())
      continue;
    size_t formal = std::min(i, atModel->inputTypeConstraints.size() - 1);
    const std::string &constraint = atModel->inputTypeConstraints[formal];
    auto shaped = dyn_cast<ShapedType>(v.getType());
    if (!shaped)
      continue;
    auto [it, inserted] = seen.try_emplace(constraint, shaped.getElementType(), i);
    if (!inserted && it->second.first != shaped.getElementType()) {
      fileError() << where << ": input " << it->second.second << " ('"
                  << node.input(it->second.second) << "') is " << it->second.first
                  << " but input " << i << " ('" << node.input(i) << "') is "
                  << shaped.getElementType() << "; " << node.op_type()
                  << " needs both of type constraint " << constraint;
      return failure();
    }
  }
  return success();
}

/// Before opset 13, Softmax, LogSoftmax and Hardmax flattened their input to
/// 2-D at `axis` (default 1) and normalized whole rows of that. The newest op
/// normalizes one axis only, so the old meaning is spelled out as
/// Flatten -> op(axis = 1) -> Reshape back to the input's shape.
FailureOr<Operation *> OnnxImporter::importLegacyCoercedSoftmax(
    const onnx::NodeProto &node, Location loc, Value input,
    ArrayRef<NamedAttribute> attrs, Type resultType) {
  int64_t axis = 1;
  for (NamedAttribute attr : attrs)
    if (attr.getName() == "axis")
      axis = cast<IntegerAttr>(attr.getValue()).getInt();
  auto si64 = [&](int64_t v) {
    return builder.getIntegerAttr(builder.getIntegerType(64, /*isSigned=*/true), v);
  };
  OperationState state(loc, "onnx." + node.op_type());
  // With a ranked input and the last axis, both meanings agree: one op.
  if (auto ranked = dyn_cast<RankedTensorType>(input.getType())) {
    int64_t rank = ranked.getRank();
    int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized == rank - 1) {
      state.addOperands(input);
      state.addAttribute("axis", si64(-1));
      state.addTypes(resultType ? resultType : input.getType());
      return builder.create(state);
    }
  }
  Type shapeType = NoneType::get(context), flatType = shapeType;
  if (auto ranked = dyn_cast<RankedTensorType>(input.getType())) {
    int64_t rank = ranked.getRank();
    int64_t split = axis < 0 ? axis + rank : axis;
    if (split < 0 || split > rank) {
      fileError() << "node '" << node.name() << "' (" << node.op_type() << "): axis "
                  << axis << " is out of range for rank " << rank;
      return failure();
    }
    auto product = [&](int64_t begin, int64_t end) {
      int64_t p = 1;
      for (int64_t d : ranked.getShape().slice(begin, end - begin)) {
        if (ShapedType::isDynamic(d))
          return ShapedType::kDynamic;
        p *= d;
      }
      return p;
    };
    shapeType = RankedTensorType::get({rank}, builder.getI64Type());
    flatType = RankedTensorType::get({product(0, split), product(split, rank)},
                                     ranked.getElementType());
  }
  Operation *shape = builder.create(OperationState(
      loc, "onnx.Shape", {input}, {shapeType}, {}));
  Operation *flat = builder.create(OperationState(
      loc, "onnx.Flatten", {input}, {flatType}, {builder.getNamedAttr("axis", si64(axis))}));
  state.addOperands(flat->getResult(0));
  state.addAttribute("axis", si64(1));
  state.addTypes(flatType);
  Type none = NoneType::get(context);
  Operation *normalizedOp = builder.create(state);
  return builder.create(OperationState(
      loc, "onnx.Reshape", {normalizedOp->getResult(0), shape->getResult(0)},
      {resultType ? resultType : none}, {}));
}

//===----------------------------------------------------------------------===//
// Graphs and the model
//===----------------------------------------------------------------------===//

LogicalResult OnnxImporter::importGraph(const onnx::GraphProto &graph, Block &block,
                                        bool isSubgraph) {
  scopes.emplace_back();
  llvm::scope_exit popScope([&] { scopes.pop_back(); });
  builder.setInsertionPointToEnd(&block);
  std::string graphWhat = isSubgraph ? "subgraph '" + graph.name() + "'" : "graph";

  for (const auto &info : graph.value_info()) {
    FailureOr<Type> type = convertValueType(info.type(), "value '" + info.name() + "'");
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
  if (failed(sortNodes(graph, order)))
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

LogicalResult OnnxImporter::checkOpsets(const onnx::ModelProto &model) {
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

OwningOpRef<ModuleOp> OnnxImporter::import(StringRef bytes) {
  if (bytes.empty()) {
    fileError() << "the file is empty (0 bytes), not an ONNX model";
    return nullptr;
  }
  onnx::ModelProto model;
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

  if (options.inferShapes) {
    // ONNX's inference is best effort for us: on failure the importer still
    // runs and later passes see the values without inferred types.
    onnx::ModelProto inferred = model;
    std::string error = inferShapes(inferred);
    if (error.empty())
      model.Swap(&inferred);
    else
      emitWarning(fileLoc) << "ONNX shape inference failed, importing "
                           << "without it: " << error;
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  const onnx::GraphProto &graph = model.graph();
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
  context->loadDialect<onnx::OnnxDialect, func::FuncDialect>();
  OnnxImporter importer(context, fileName, options);
  return importer.import(bytes);
}

OwningOpRef<ModuleOp> loom::importOnnxModelFile(StringRef path, MLIRContext *context,
                                                OnnxImportOptions options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(context, path, 0, 0))
        << path << ": cannot read the model: " << buffer.getError().message();
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
  SmallVector<onnx::UnsupportedOp> unsupported;
  module.walk([&](onnx::UnsupportedOp op) { unsupported.push_back(op); });
  if (unsupported.empty())
    return success();
  auto diag = emitError(module.getLoc())
              << unsupported.size() << " node(s) use operators loom does not support:";
  for (onnx::UnsupportedOp op : unsupported) {
    std::string node = "?";
    if (auto name = dyn_cast<NameLoc>(op.getLoc()))
      node = name.getName().str();
    diag << "\n  node '" << node << "': "
         << (op.getDomain().empty() ? StringRef("ai.onnx") : op.getDomain())
         << "." << op.getOpType();
  }
  return failure();
}
