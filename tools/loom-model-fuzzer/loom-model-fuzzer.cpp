//===- loom-model-fuzzer.cpp - structure-aware fuzzing of the whole flow --===//
//
// loom-import-fuzzer mutates bytes: most of its inputs die in the protobuf
// parser, and the few valid models it makes rarely get past the importer.
// This fuzzer mutates models as models. Its custom mutator parses the input
// as an onnx::ModelProto and changes one thing the way a careless exporter
// or a hostile file would — an attribute set to 0, -1 or 2^62, a dimension
// made huge, negative or symbolic, an element type swapped, a node rewired
// to a missing or wrong value, an op renamed, an initializer's dims no
// longer matching its data, the opset moved — then serializes it again, so
// every input stays a well-formed protobuf and reaches the later stages.
// Each input then goes through what `loom-compile --emit=llvm` runs before
// LLVM: import, the unsupported-op report, the graph pipeline (shape
// refinement, fusion, softmax selection) and the CPU lowering pipeline.
// Any of them may refuse the model with diagnostics; a crash, a sanitizer
// report or a hang is a bug. Built in the sanitizer build (LOOM_SANITIZE);
// see docs/testing.md for the seed corpus and the documented long run.
//
//===----------------------------------------------------------------------===//

#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"
#include "loom/Pipelines/InvalidIRGuard.h"
#include "loom/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassManager.h"

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t maxSize);

namespace {

using Rng = std::mt19937_64;

/// One of `values`, which must not be empty.
template <typename T> const T &pick(Rng &rng, const std::vector<T> &values) {
  return values[std::uniform_int_distribution<size_t>(0, values.size() - 1)(rng)];
}
size_t below(Rng &rng, size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); }

/// Integers exporters never write but files can hold.
int64_t hostileInt(Rng &rng) {
  static const std::vector<int64_t> values = {
      0, -1, 1, 2, 3, -2, 7, 64, 1 << 20, int64_t(1) << 31, -(int64_t(1) << 31),
      int64_t(1) << 40, int64_t(1) << 62, std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min()};
  return pick(rng, values);
}

float hostileFloat(Rng &rng) {
  static const std::vector<float> values = {0.0f, -1.0f, 1e-30f, 1e30f, -1e30f,
                                            std::numeric_limits<float>::infinity(),
                                            std::numeric_limits<float>::quiet_NaN(), 0.5f, 2.0f};
  return pick(rng, values);
}

/// Every value name the graph knows (inputs, initializers, node outputs).
std::vector<std::string> valueNames(const onnx::GraphProto &g) {
  std::vector<std::string> names;
  for (const auto &v : g.input())
    names.push_back(v.name());
  for (const auto &t : g.initializer())
    names.push_back(t.name());
  for (const auto &n : g.node())
    for (const auto &o : n.output())
      names.push_back(o);
  return names;
}

void mutateAttribute(Rng &rng, onnx::NodeProto &node) {
  static const std::vector<std::string> names = {
      "axis", "axes", "perm", "kernel_shape", "strides", "pads", "dilations", "group",
      "keepdims", "to", "mode", "transA", "transB", "alpha", "beta", "epsilon", "split",
      "num_outputs", "blocksize", "starts", "ends", "batch_dims", "block_size", "bits", "K",
      "N", "num_heads", "auto_pad", "value", "direction", "hidden_size"};
  onnx::AttributeProto *attr;
  if (node.attribute_size() == 0 || below(rng, 4) == 0) {
    attr = node.add_attribute();
    attr->set_name(pick(rng, names));
    attr->set_type(below(rng, 2) ? onnx::AttributeProto::INT : onnx::AttributeProto::INTS);
  } else {
    attr = node.mutable_attribute(int(below(rng, size_t(node.attribute_size()))));
  }
  switch (below(rng, 8)) {
  case 0: // another type than the schema's
    attr->set_type(onnx::AttributeProto::AttributeType(below(rng, 15)));
    return;
  case 1:
    attr->clear_ints();
    attr->clear_floats();
    return;
  default:
    break;
  }
  switch (attr->type()) {
  case onnx::AttributeProto::INT:
    attr->set_i(hostileInt(rng));
    return;
  case onnx::AttributeProto::FLOAT:
    attr->set_f(hostileFloat(rng));
    return;
  case onnx::AttributeProto::INTS:
    if (attr->ints_size() && below(rng, 2))
      attr->set_ints(int(below(rng, size_t(attr->ints_size()))), hostileInt(rng));
    else
      attr->add_ints(hostileInt(rng));
    return;
  case onnx::AttributeProto::FLOATS:
    attr->add_floats(hostileFloat(rng));
    return;
  case onnx::AttributeProto::STRING:
    attr->set_s(pick(rng, std::vector<std::string>{"", "NOTSET", "SAME_UPPER", "VALID",
                                                   "reverse", "bidirectional", "linear",
                                                   "nearest", "\xff\xfe", "constant"}));
    return;
  case onnx::AttributeProto::TENSOR:
    if (attr->t().dims_size())
      attr->mutable_t()->set_dims(int(below(rng, size_t(attr->t().dims_size()))),
                                  hostileInt(rng));
    else
      attr->mutable_t()->add_dims(hostileInt(rng));
    return;
  default:
    attr->set_i(hostileInt(rng));
  }
}

void mutateValueInfo(Rng &rng, onnx::ValueInfoProto &value) {
  auto *tensor = value.mutable_type()->mutable_tensor_type();
  auto *shape = tensor->mutable_shape();
  switch (below(rng, 5)) {
  case 0:
    tensor->set_elem_type(int32_t(below(rng, 26)));
    return;
  case 1:
    shape->add_dim()->set_dim_value(hostileInt(rng));
    return;
  case 2:
    if (shape->dim_size())
      shape->mutable_dim()->RemoveLast();
    else
      value.mutable_type()->clear_tensor_type();
    return;
  default:
    if (shape->dim_size() == 0)
      shape->add_dim();
    auto *dim = shape->mutable_dim(int(below(rng, size_t(shape->dim_size()))));
    if (below(rng, 3) == 0)
      dim->set_dim_param(pick(rng, std::vector<std::string>{"N", "batch", "", "seq"}));
    else
      dim->set_dim_value(hostileInt(rng));
  }
}

void mutateNode(Rng &rng, onnx::GraphProto &g) {
  static const std::vector<std::string> ops = {
      "Add", "MatMul", "Gemm", "Reshape", "Transpose", "Concat", "Gather", "Slice", "Softmax",
      "Conv", "MaxPool", "Split", "Squeeze", "Unsqueeze", "Expand", "Where", "Cast", "Shape",
      "ReduceSum", "LayerNormalization", "Tile", "Pad", "Resize", "Einsum", "TopK", "Range",
      "ConstantOfShape", "Loop", "If", "Scan", "LSTM", "MatMulNBits", "DequantizeLinear"};
  if (g.node_size() == 0)
    return;
  onnx::NodeProto &node = *g.mutable_node(int(below(rng, size_t(g.node_size()))));
  std::vector<std::string> names = valueNames(g);
  if (names.empty())
    names.push_back("no-such-value");
  switch (below(rng, 7)) {
  case 0:
    node.set_op_type(pick(rng, ops));
    if (node.op_type() == "MatMulNBits")
      node.set_domain("com.microsoft");
    return;
  case 1: // wired to another value, a missing one, or an omitted optional
    if (node.input_size()) {
      std::string wire = below(rng, 3) == 0 ? (below(rng, 2) ? "" : "no-such-value")
                                            : pick(rng, names);
      node.set_input(int(below(rng, size_t(node.input_size()))), wire);
    }
    return;
  case 2:
    if (node.input_size())
      node.mutable_input()->RemoveLast();
    else
      node.add_input(pick(rng, names));
    return;
  case 3: // an output that redefines a value
    if (node.output_size())
      node.set_output(int(below(rng, size_t(node.output_size()))), pick(rng, names));
    return;
  case 4:
    *g.add_node() = node;
    return;
  case 5:
    g.mutable_node()->SwapElements(int(below(rng, size_t(g.node_size()))),
                                   g.node_size() - 1);
    g.mutable_node()->RemoveLast();
    return;
  default:
    mutateAttribute(rng, node);
  }
}

void mutateInitializer(Rng &rng, onnx::GraphProto &g) {
  if (g.initializer_size() == 0)
    return;
  onnx::TensorProto &t = *g.mutable_initializer(int(below(rng, size_t(g.initializer_size()))));
  switch (below(rng, 5)) {
  case 0:
    t.set_data_type(int32_t(below(rng, 26)));
    return;
  case 1:
    if (t.dims_size())
      t.set_dims(int(below(rng, size_t(t.dims_size()))), hostileInt(rng));
    return;
  case 2:
    t.add_dims(below(rng, 2) ? 0 : 3);
    return;
  case 3:
    if (!t.raw_data().empty())
      t.mutable_raw_data()->resize(below(rng, t.raw_data().size()));
    else
      t.clear_float_data();
    return;
  default:
    t.clear_dims();
  }
}

void mutateModel(Rng &rng, onnx::ModelProto &model) {
  onnx::GraphProto &g = *model.mutable_graph();
  switch (below(rng, 6)) {
  case 0:
    if (g.input_size())
      mutateValueInfo(rng, *g.mutable_input(int(below(rng, size_t(g.input_size())))));
    return;
  case 1:
    if (g.output_size())
      mutateValueInfo(rng, *g.mutable_output(int(below(rng, size_t(g.output_size())))));
    return;
  case 2:
    mutateInitializer(rng, g);
    return;
  case 3:
    if (model.opset_import_size())
      model.mutable_opset_import(0)->set_version(int64_t(below(rng, 30)));
    return;
  default:
    mutateNode(rng, g);
  }
}

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t maxSize,
                                          unsigned int seed) {
  onnx::ModelProto model;
  // Not a model (or one time in eight anyway): libFuzzer's byte mutations.
  Rng rng(seed);
  if (below(rng, 8) == 0 || !model.ParseFromArray(data, int(size)) || !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  for (size_t i = 0, n = 1 + below(rng, 3); i < n; ++i)
    mutateModel(rng, model);
  std::string bytes;
  if (!model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}

/// The dialects and interfaces loom-compile registers (bufferization needs
/// the upstream dialects' external models), built once.
const mlir::DialectRegistry &registry() {
  static const mlir::DialectRegistry *instance = [] {
    auto *r = new mlir::DialectRegistry;
    mlir::registerAllDialects(*r);
    mlir::registerAllExtensions(*r);
    loom::registerAllDialects(*r);
    return r;
  }();
  return *instance;
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  // The lowering pipeline is partly spelled as text (upstream passes by name).
  mlir::registerAllPasses();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::MLIRContext context(registry(), mlir::MLIRContext::Threading::DISABLED);
  // Refusals are the expected outcome for most inputs: drop them.
  mlir::ScopedDiagnosticHandler silence(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  loom::OnnxImportOptions options;
  options.externalDataDir = "/nonexistent-loom-fuzz-dir";
  // Small tensors only: the fuzzer must stay fast and within its memory.
  options.maxTensorElements = int64_t(1) << 22;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      loom::importOnnxModel(bytes, "fuzz.onnx", &context, options);
  if (!module || mlir::failed(loom::reportUnsupportedOps(*module)))
    return 0;
  // A pass that leaves IR the verifier rejects is a finding, like a crash
  // (loom-compile reports it as an internal error).
  loom::InvalidIRGuard invalidIR(&context);
  auto finding = [&] {
    if (invalidIR.tripped()) {
      llvm::errs() << "loom-model-fuzzer: a pass built invalid IR\n";
      abort();
    }
    return 0;
  };
  mlir::PassManager pm(&context);
  loom::buildGraphPassPipeline(pm, loom::GraphPipelineOptions());
  if (mlir::failed(pm.run(*module)))
    return finding();
  mlir::PassManager lower(&context);
  if (mlir::failed(loom::buildCpuLoweringPassPipeline(lower)))
    return 0;
  (void)lower.run(*module);
  return finding();
}
