//===- OnnxSchemas.h - the importer's view of libonnx -----------*- C++ -*-===//
//
// libonnx's headers and functions use C++ exceptions and RTTI, which the rest
// of loom (like LLVM) is built without. This interface keeps all of that inside
// OnnxSchemas.cpp, which is compiled with them, and hands back plain data.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_IMPORT_ONNX_ONNXSCHEMAS_H
#define LOOM_LIB_IMPORT_ONNX_ONNXSCHEMAS_H

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace loom::onnx_import {

/// How many actual parameters a formal parameter takes.
enum class Arity { Single, Optional, Variadic };

struct SchemaInfo {
  int sinceVersion = 0;
  std::vector<Arity> inputs;
  std::vector<Arity> outputs;
  /// The type constraint (e.g. "T") of each formal input: inputs naming the
  /// same constraint must have the same element type ("" for a
  /// heterogeneous variadic input, whose values each have their own).
  std::vector<std::string> inputTypeConstraints;
  /// The tensor element types (onnx::TensorProto data types) each type
  /// constraint allows; a constraint missing here (contrib ops, constraints
  /// of sequences only) is not checked.
  std::map<std::string, std::vector<int>> allowedTensorTypes;
  int minInputs = 0, maxInputs = 0, minOutputs = 0, maxOutputs = 0;
  /// The declared type (an onnx::AttributeProto::AttributeType value) of each
  /// attribute the schema knows; empty for contrib ops described by hand.
  std::map<std::string, int> attributeTypes;
  /// The attributes the schema requires (ONNX's inference functions read
  /// some without checking they are there: Scan's num_scan_inputs).
  std::vector<std::string> requiredAttributes;
};

/// The schema of `opType` in `domain` at `opset` (the newest one not newer
/// than it), or the newest schema when `opset` is negative.
std::optional<SchemaInfo> lookupSchema(const std::string &opType,
                                       const std::string &domain, int opset);

/// The input index of a convolution's weight for the operators whose ONNX
/// inference indexes the weight's dimensions by the input's rank and the
/// input's by the weight's without checking that they agree (Conv,
/// ConvTranspose, ConvInteger, QLinearConv: a mismatch read out of bounds,
/// a crash or garbage sizes); -1 for other operators. inferShapes skips the
/// shape inference of such a node whose input's rank is known unless the
/// weight's is the same.
int convolutionWeightInput(const std::string &opType);

/// Runs ONNX's shape inference with data propagation on `model` in place,
/// skipping the inference of nodes that would make libonnx read out of
/// bounds (convolutions whose input and weight ranks differ, STFT of a
/// signal of rank 0 or 1).
/// Returns an empty string on success, else ONNX's error message.
std::string inferShapes(onnx::ModelProto &model);

} // namespace loom::onnx_import

#endif // LOOM_LIB_IMPORT_ONNX_ONNXSCHEMAS_H
