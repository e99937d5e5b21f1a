// With attention=true, loom-partition splits exported attention by heads:
// the Q/K/V projections by columns (whole heads), the views' head counts,
// the past and present caches (the function's arguments and results), the
// attention op itself, then the output projection by rows and a sum.
// RUN: loom-opt %s -split-input-file --loom-partition="ranks=2 attention=true" | FileCheck %s

// Grouped-query attention, 4 query heads reading 2 K/V heads of size 8.
// CHECK-LABEL: func @gqa
// CHECK-SAME: (%{{.*}}: tensor<1x?x32xf32>, %[[PK:.*]]: tensor<1x1x?x8xf32>, %[[PV:.*]]: tensor<1x1x?x8xf32>) -> (tensor<1x?x32xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>)
// CHECK: loom.shard %{{.*}} {axis = 1 : i64, ranks = 2 : i64} : tensor<32x32xf32> -> tensor<32x16xf32>
// CHECK: %[[Q:.*]] = "onnx.MatMul"{{.*}} -> tensor<1x?x16xf32>
// CHECK: onnx.Constant{{.*}}dense<[1, -1, 2, 8]>
// CHECK: "onnx.Reshape"(%[[Q]], {{.*}} -> tensor<1x?x2x8xf32>
// CHECK: loom.shard %{{.*}} {axis = 1 : i64, ranks = 2 : i64} : tensor<32x16xf32> -> tensor<32x8xf32>
// CHECK: onnx.Constant{{.*}}dense<[1, -1, 1, 8]>
// CHECK: %[[K:.*]] = "onnx.Concat"(%[[PK]], %{{.*}}) <{axis = 2 : si64}> : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> tensor<1x1x?x8xf32>
// CHECK: %[[V:.*]] = "onnx.Concat"(%[[PV]], %{{.*}})
// CHECK: loom.attention %{{.*}}, %[[K]], %[[V]] causal : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32> -> tensor<1x2x?x8xf32>
// CHECK: onnx.Constant{{.*}}dense<[1, -1, 16]>
// CHECK: loom.shard %{{.*}} {axis = 0 : i64, ranks = 2 : i64} : tensor<32x32xf32> -> tensor<16x32xf32>
// CHECK: %[[O:.*]] = "onnx.MatMul"{{.*}} : (tensor<1x?x16xf32>, tensor<16x32xf32>) -> tensor<1x?x32xf32>
// CHECK: %[[SUM:.*]] = loom.all_reduce %[[O]]
// CHECK: %[[Y:.*]] = "onnx.Add"(%{{.*}}, %[[SUM]])
// CHECK: return %[[Y]], %[[K]], %[[V]]
func.func @gqa(%x: tensor<1x?x32xf32>, %pk: tensor<1x2x?x8xf32>, %pv: tensor<1x2x?x8xf32>) -> (tensor<1x?x32xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) {
  %wq = "onnx.Constant"() <{value = dense<1.0> : tensor<32x32xf32>}> : () -> tensor<32x32xf32>
  %wk = "onnx.Constant"() <{value = dense<1.0> : tensor<32x16xf32>}> : () -> tensor<32x16xf32>
  %wv = "onnx.Constant"() <{value = dense<1.0> : tensor<32x16xf32>}> : () -> tensor<32x16xf32>
  %wo = "onnx.Constant"() <{value = dense<1.0> : tensor<32x32xf32>}> : () -> tensor<32x32xf32>
  %tq = "onnx.Constant"() <{value = dense<[1, -1, 4, 8]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %tk = "onnx.Constant"() <{value = dense<[1, -1, 2, 8]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %tv = "onnx.Constant"() <{value = dense<[1, -1, 2, 8]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %to = "onnx.Constant"() <{value = dense<[1, -1, 32]> : tensor<3xi64>}> : () -> tensor<3xi64>
  %q = "onnx.MatMul"(%x, %wq) : (tensor<1x?x32xf32>, tensor<32x32xf32>) -> tensor<1x?x32xf32>
  %q4 = "onnx.Reshape"(%q, %tq) : (tensor<1x?x32xf32>, tensor<4xi64>) -> tensor<1x?x4x8xf32>
  %qt = "onnx.Transpose"(%q4) {perm = [0, 2, 1, 3]} : (tensor<1x?x4x8xf32>) -> tensor<1x4x?x8xf32>
  %k = "onnx.MatMul"(%x, %wk) : (tensor<1x?x32xf32>, tensor<32x16xf32>) -> tensor<1x?x16xf32>
  %k4 = "onnx.Reshape"(%k, %tk) : (tensor<1x?x16xf32>, tensor<4xi64>) -> tensor<1x?x2x8xf32>
  %kt = "onnx.Transpose"(%k4) {perm = [0, 2, 1, 3]} : (tensor<1x?x2x8xf32>) -> tensor<1x2x?x8xf32>
  %kc = "onnx.Concat"(%pk, %kt) {axis = 2 : si64} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  %v = "onnx.MatMul"(%x, %wv) : (tensor<1x?x32xf32>, tensor<32x16xf32>) -> tensor<1x?x16xf32>
  %v4 = "onnx.Reshape"(%v, %tv) : (tensor<1x?x16xf32>, tensor<4xi64>) -> tensor<1x?x2x8xf32>
  %vt = "onnx.Transpose"(%v4) {perm = [0, 2, 1, 3]} : (tensor<1x?x2x8xf32>) -> tensor<1x2x?x8xf32>
  %vc = "onnx.Concat"(%pv, %vt) {axis = 2 : si64} : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  %a = loom.attention %qt, %kc, %vc causal : tensor<1x4x?x8xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32> -> tensor<1x4x?x8xf32>
  %at = "onnx.Transpose"(%a) {perm = [0, 2, 1, 3]} : (tensor<1x4x?x8xf32>) -> tensor<1x?x4x8xf32>
  %a3 = "onnx.Reshape"(%at, %to) : (tensor<1x?x4x8xf32>, tensor<3xi64>) -> tensor<1x?x32xf32>
  %o = "onnx.MatMul"(%a3, %wo) : (tensor<1x?x32xf32>, tensor<32x32xf32>) -> tensor<1x?x32xf32>
  %y = "onnx.Add"(%x, %o) : (tensor<1x?x32xf32>, tensor<1x?x32xf32>) -> tensor<1x?x32xf32>
  return %y, %kc, %vc : tensor<1x?x32xf32>, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>
}
