//===- Importer.h - the ONNX importer's state, shared by its parts -*- C++ -*-===//
//
// Private to lib/Import/Onnx. `proto::` is ONNX's protobuf namespace (the
// `onnx` namespace of onnx_pb.h); `loom::onnx` is the dialect.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_IMPORT_ONNX_IMPORTER_H
#define LOOM_LIB_IMPORT_ONNX_IMPORTER_H

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


namespace loom::onnx_import {

namespace proto = ::onnx;
using namespace mlir;

/// The opset range of the default domain that loom's onnx dialect covers: the
/// generated ops are ONNX 1.12's newest (17); nodes written against older
/// opsets are normalized to that form (normalizeLegacyNode).
constexpr int64_t kMinOpset = 1;
constexpr int64_t kMaxOpset = 17;

/// The onnx::TensorProto data type of an element type convertElementType
/// makes (UNDEFINED for others), and a data type's name ("FLOAT").
int32_t onnxDataType(Type type);
const char *onnxDataTypeName(int32_t dtype);
/// Bytes per element of a fixed-width ONNX data type as raw_data and external
/// data store it (bool: one byte); 0 for strings and unknown types.
uint64_t storedElementBytes(int32_t dtype);

/// Imports one model. Holds the state shared by the graph and its subgraphs.
/// Its parts: types, tensors and attributes (ImportTensors.cpp), nodes
/// (ImportNodes.cpp), older opsets' forms (LegacyNodes.cpp), graphs and the
/// model (OnnxImporter.cpp).
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

  LogicalResult checkOpsets(const proto::ModelProto &model);
  LogicalResult importGraph(const proto::GraphProto &graph, Block &block,
                            bool isSubgraph);
  /// Orders `graph`'s nodes by their data dependencies; refuses a value
  /// defined twice, a node reading its own output, an undefined input and a
  /// cycle. `isDefinedOutside` says whether a name is a graph input,
  /// initializer or outer-scope value.
  LogicalResult sortNodes(const proto::GraphProto &graph, SmallVectorImpl<int> &order,
                          llvm::function_ref<bool(StringRef)> isDefinedOutside);
  /// sortNodes over the graph and every subgraph before anything reads the
  /// graph as a DAG: ONNX's own shape inference loops for minutes on a node
  /// that reads its own output.
  LogicalResult checkGraphStructure(const proto::GraphProto &graph,
                                    const llvm::StringSet<> &outer);
  LogicalResult importNode(const proto::NodeProto &node, Location loc);
  LogicalResult normalizeLegacyNode(const proto::NodeProto &node, StringRef where,
                                    Location loc, int sinceVersion,
                                    SmallVectorImpl<Value> &inputs,
                                    SmallVectorImpl<NamedAttribute> &attrs);
  FailureOr<Operation *> importLegacyCoercedSoftmax(const proto::NodeProto &node,
                                                    Location loc, Value input,
                                                    ArrayRef<NamedAttribute> attrs,
                                                    Type resultType);
  Value createConstant(Location loc, ElementsAttr value);
  LogicalResult checkTypeConstraints(const proto::NodeProto &node, StringRef where,
                                     ArrayRef<Value> inputs);

  FailureOr<Type> convertElementType(int32_t dtype, StringRef what);
  FailureOr<Type> convertValueType(const proto::TypeProto &type, StringRef what);
  FailureOr<ElementsAttr> convertTensor(const proto::TensorProto &tensor,
                                        StringRef what);
  FailureOr<std::string> readExternalData(const proto::TensorProto &tensor,
                                          StringRef what, uint64_t expected);
  FailureOr<NamedAttribute> convertAttribute(const proto::AttributeProto &attr,
                                             StringRef where);
  LogicalResult checkShape(ArrayRef<int64_t> shape, StringRef what);

  Location nodeLoc(const proto::NodeProto &node, int index);
  std::string describe(const proto::NodeProto &node, int index);

  /// Rewrites idioms that torch.onnx exports through sequence values (loom
  /// has none) into tensor ops: repeat_interleave with a constant count
  /// (SequenceIdioms.cpp). Runs on the protobuf graph before shape inference.
  void rewriteSequenceIdioms(proto::GraphProto &graph);
  /// Adagrad, Adam and Momentum of ai.onnx.preview.training written as the
  /// default domain's elementwise ops (TrainingOptimizers.cpp).
  void rewriteTrainingOptimizers(proto::ModelProto &model);

  /// Checks every node's input and output counts and attribute kinds against
  /// the schema of the model's opset, before ONNX's shape inference sees
  /// them (its inference functions trust them: a Split without outputs
  /// divides by zero). `counter` numbers nodes as importGraph will.
  LogicalResult checkNodesAgainstSchemas(const proto::GraphProto &graph, int &counter);

  /// Tensors stored as raw bytes (initializers, Constant values, in every
  /// subgraph) hold exactly their dims' worth of bytes: ONNX's data
  /// propagation copies a raw_data into a vector sized by the dims (a heap
  /// overflow on a short one).
  LogicalResult checkRawDataSizes(const proto::GraphProto &graph);

  /// LayerNormalization's axis, which ONNX's inference uses as an index
  /// into the input's shape unchecked when Mean or InvStdDev are wanted (an
  /// axis below -rank, or one that wraps around in 32 bits, crashed it).
  /// The input's rank comes from ONNX's inference run with such axes at 0.
  LogicalResult checkLayerNormAxes(const proto::ModelProto &model);

  /// Convolutions whose input and weight ranks are both known (from the
  /// declarations or ONNX's inference) and differ: an error naming the node
  /// (ONNX's inference of them is skipped, see convolutionWeightInput).
  LogicalResult checkConvolutionRanks(const proto::ModelProto &model);

  /// After ONNX's shape inference failed: whether the graph's declared
  /// output and value_info types contradict what its nodes compute (ONNX's
  /// inference run again without those declarations). Each contradiction
  /// is an error naming the value, its producer and both types; failure if
  /// there was one.
  LogicalResult checkDeclaredTypes(const proto::ModelProto &model);

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

} // namespace loom::onnx_import

#endif // LOOM_LIB_IMPORT_ONNX_IMPORTER_H
