// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int8}))' | FileCheck %s --check-prefix=INT8
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int4}))' | FileCheck %s --check-prefix=INT4
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int4 group-size=64 zero-points=true}))' | FileCheck %s --check-prefix=ZP
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=ternary lm-head=same}))' | FileCheck %s --check-prefix=TERNARY
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int8 keep=up lm-head=f32}))' 2>&1 | FileCheck %s --check-prefix=KEEP
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int4}))' | FileCheck %s --check-prefix=HEAD
// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int3}))' 2>&1 | FileCheck %s --check-prefix=MODE
// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int4 lm-head=fp8}))' 2>&1 | FileCheck %s --check-prefix=HEADMODE
// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int4 group-size=48}))' 2>&1 | FileCheck %s --check-prefix=GROUP

// A MatMul with a constant [K=96, N=48] weight (a Linear as torch exports
// it), a tied classifier (MatMul by the Transpose of an embedding that a
// Gather also reads) and a Gemm with transB and a bias.
// INT8-LABEL: func @mlp
// INT8-DAG: %[[W:.*]] = "onnx.Constant"() <{value = dense_resource<{{.*}}> : tensor<48x96xi8>}>
// INT8-DAG: %[[S:.*]] = "onnx.Constant"() <{value = dense_resource<{{.*}}> : tensor<48x1xf32>}>
// INT8: loom.quantized_matmul %arg0, %[[W]], %[[S]] {bits = 8 : i32, group_size = 96 : i64, in_features = 96 : i64} : tensor<2x5x96xf32>, tensor<48x96xi8>, tensor<48x1xf32> -> tensor<2x5x48xf32>
// The embedding stays for its Gather.
// INT8: "onnx.Gather"
// INT8: loom.quantized_matmul {{.*}} : tensor<2x5x48xf32>, tensor<64x64xi8>, tensor<64x1xf32> -> tensor<2x5x64xf32>
// INT8: %[[G:.*]] = loom.quantized_matmul {{.*}} : tensor<3x48xf32>, tensor<40x64xi8>, tensor<40x1xf32> -> tensor<3x40xf32>
// INT8: "onnx.Add"(%[[G]], %{{.*}})
// INT8-NOT: "onnx.MatMul"(
// INT8-NOT: "onnx.Gemm"(
// INT8-NOT: "onnx.Transpose"(
// INT4-LABEL: func @mlp
// INT4: loom.quantized_matmul {{.*}} {bits = 4 : i32, group_size = 32 : i64, in_features = 96 : i64} : tensor<2x5x96xf32>, tensor<48x48xi8>, tensor<48x3xf32> -> tensor<2x5x48xf32>
// INT4: loom.quantized_matmul {{.*}} {bits = 8 : i32
// ZP-LABEL: func @mlp
// ZP: loom.quantized_matmul {{.*}} zero_points {{.*}} {bits = 4 : i32, group_size = 64 : i64, in_features = 96 : i64} : tensor<2x5x96xf32>, tensor<48x48xi8>, tensor<48x2xf32>, tensor<48x2xi8> -> tensor<2x5x48xf32>
// TERNARY-LABEL: func @mlp
// TERNARY: loom.quantized_matmul {{.*}} {bits = 2 : i32, group_size = 96 : i64, in_features = 96 : i64} : tensor<2x5x96xf32>, tensor<48x24xi8>, tensor<48x1xf32> -> tensor<2x5x48xf32>
// keep=up leaves the node named "up" in f32, lm-head=f32 the classifier.
// KEEP-LABEL: func @mlp
// KEEP: "onnx.MatMul"(%arg0, %{{.*}}) : (tensor<2x5x96xf32>, tensor<96x48xf32>)
// KEEP: "onnx.MatMul"(%{{.*}}, %{{.*}}) : (tensor<2x5x48xf32>, tensor<48x64xf32>)
// KEEP: loom.quantized_matmul {{.*}} : tensor<3x48xf32>, tensor<40x64xi8>
// int4 keeps the classifier in int8 (per channel) by default.
// HEAD-LABEL: func @mlp
// HEAD: loom.quantized_matmul {{.*}} {bits = 4 : i32, group_size = 32 : i64, in_features = 96 : i64}
// HEAD: loom.quantized_matmul {{.*}} {bits = 8 : i32, group_size = 64 : i64, in_features = 48 : i64} : tensor<2x5x48xf32>, tensor<64x64xi8>
// HEAD: loom.quantized_matmul {{.*}} {bits = 4 : i32, group_size = 32 : i64, in_features = 48 : i64}
// HEADMODE: error: unknown classifier format 'fp8' (auto, same, f32, int8, int4 or ternary)
// MODE: error: unknown quantization mode 'int3' (int8, int4 or ternary)
// GROUP: error: quantization group size must be a positive multiple of 32 (or 0 for the default), got 48
func.func @mlp(%x: tensor<2x5x96xf32>, %ids: tensor<2x5xi64>, %g: tensor<3x48xf32>)
    -> (tensor<2x5x64xf32>, tensor<2x5x48xf32>, tensor<3x40xf32>) {
  %w = "onnx.Constant"() <{value = dense<0.25> : tensor<96x48xf32>}> : () -> tensor<96x48xf32>
  %h = "onnx.MatMul"(%x, %w) : (tensor<2x5x96xf32>, tensor<96x48xf32>) -> tensor<2x5x48xf32> loc("up")
  %emb = "onnx.Constant"() <{value = dense<-0.5> : tensor<64x48xf32>}> : () -> tensor<64x48xf32>
  %e = "onnx.Gather"(%emb, %ids) {axis = 0 : si64} : (tensor<64x48xf32>, tensor<2x5xi64>) -> tensor<2x5x48xf32>
  %et = "onnx.Transpose"(%emb) {perm = [1, 0]} : (tensor<64x48xf32>) -> tensor<48x64xf32>
  %logits = "onnx.MatMul"(%h, %et) : (tensor<2x5x48xf32>, tensor<48x64xf32>) -> tensor<2x5x64xf32> loc("lm_head")
  %b = "onnx.Constant"() <{value = dense<1.0> : tensor<40x48xf32>}> : () -> tensor<40x48xf32>
  %c = "onnx.Constant"() <{value = dense<0.5> : tensor<40xf32>}> : () -> tensor<40xf32>
  %y = "onnx.Gemm"(%g, %b, %c) {transB = 1 : si64} : (tensor<3x48xf32>, tensor<40x48xf32>, tensor<40xf32>) -> tensor<3x40xf32>
  %r = "onnx.Relu"(%y) : (tensor<3x40xf32>) -> tensor<3x40xf32>
  return %logits, %e, %r : tensor<2x5x64xf32>, tensor<2x5x48xf32>, tensor<3x40xf32>
}
