//===- OnnxOps.td - onnx dialect ops -----------------------*- tablegen -*-===//
//
// The generated ONNX operators plus the few ops the importer needs besides them.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_IR_ONNXOPS_TD
#define LOOM_DIALECT_ONNX_IR_ONNXOPS_TD

include "loom/Dialect/Onnx/IR/OnnxDialect.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

include "loom/Dialect/Onnx/IR/OnnxOps.gen.td"
include "loom/Dialect/Onnx/IR/OnnxMicrosoftOps.td"

//===----------------------------------------------------------------------===//
// UnsupportedOp
//===----------------------------------------------------------------------===//

def Onnx_UnsupportedOp : Onnx_Op<"unsupported"> {
  let summary = "an ONNX node whose operator loom does not define";
  let description = [{
    The importer turns every node whose `(domain, op_type)` has no op in this
    dialect into `onnx.unsupported`, keeping its operands, results and ONNX
    attributes (as discardable attributes). Imports therefore never stop at the
    first unknown operator: a later check lists all of them at once, each with
    its node name (the op's location).

    Example:

    ```mlir
    %0 = onnx.unsupported "com.example" "FancyOp" (%x) {alpha = 1.0 : f32}
        : (tensor<4xf32>) -> tensor<4xf32>
    ```
  }];
  let arguments = (ins StrAttr:$domain, StrAttr:$op_type,
                       Variadic<AnyType>:$inputs);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $domain $op_type `(` $inputs `)` attr-dict `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// YieldOp
//===----------------------------------------------------------------------===//

def Onnx_YieldOp : Onnx_Op<"yield", [Terminator]> {
  let summary = "returns the outputs of an ONNX subgraph (If, Loop, Scan body)";
  let description = [{
    ONNX subgraphs (GRAPH attributes) are regions of their op; `onnx.yield`
    ends each one with the subgraph's outputs, in order.

    Example:

    ```mlir
    %0 = "onnx.If"(%cond) ({
      onnx.yield %a : tensor<2xf32>
    }, {
      onnx.yield %b : tensor<2xf32>
    }) : (tensor<i1>) -> tensor<2xf32>
    ```
  }];
  let arguments = (ins Variadic<AnyType>:$outputs);
  let assemblyFormat = "attr-dict ($outputs^ `:` type($outputs))?";
}

#endif // LOOM_DIALECT_ONNX_IR_ONNXOPS_TD
