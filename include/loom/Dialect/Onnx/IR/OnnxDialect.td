//===- OnnxDialect.td - the onnx dialect -------------------*- tablegen -*-===//
//
// The import-level dialect: one op per ONNX operator, with ONNX semantics.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_IR_ONNXDIALECT_TD
#define LOOM_DIALECT_ONNX_IR_ONNXDIALECT_TD

include "mlir/IR/OpBase.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::loom::onnx";
  let summary = "ONNX operators, one op per operator of the ONNX specification";
  let description = [{
    The `onnx` dialect is what the ONNX importer produces. Each op mirrors one
    operator of the ONNX specification (the `ai.onnx` domain) at the newest
    opset that Debian's ONNX 1.12 defines (17); the importer normalizes models
    written against older opsets to that form (for example attributes that later
    opsets turned into inputs). Operands and results keep ONNX's semantics:
    multidirectional broadcasting, optional inputs, symbolic dimensions.

    The op definitions are generated from the operator schemas that
    python3-onnx ships (`scripts/gen-onnx-ods.py`), so they cannot drift from
    the specification. Operators that loom does not define yet import as
    `onnx.unsupported`, so one run can report all of them at once.

    Example:

    ```mlir
    %0 = "onnx.MatMul"(%a, %b) : (tensor<2x4xf32>, tensor<4x8xf32>) -> tensor<2x8xf32>
    %1 = "onnx.Softmax"(%0) {axis = -1 : si64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
    ```
  }];
}

/// Base class of every onnx op.
class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

#endif // LOOM_DIALECT_ONNX_IR_ONNXDIALECT_TD
