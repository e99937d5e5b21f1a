// loom-partition splits MLP blocks across ranks (Megatron): the opening
// matmuls by columns, the ops between on hidden/ranks columns, the closing
// matmul by rows, then loom.all_reduce sums the partial products.
// RUN: loom-opt %s -split-input-file --loom-partition=ranks=2 | FileCheck %s
// RUN: loom-opt %s -split-input-file --loom-partition=ranks=4 | FileCheck %s --check-prefix=FOUR

// SwiGLU (LLaMA): gate and up split by columns, down by rows.
// CHECK-LABEL: module attributes {loom.partition_ranks = 2 : i64}
// CHECK-LABEL: func @swiglu
// CHECK: %[[WG:.*]] = "onnx.Constant"{{.*}}tensor<64x172xf32>
// CHECK: %[[WU:.*]] = "onnx.Constant"{{.*}}tensor<64x172xf32>
// CHECK: %[[WD:.*]] = "onnx.Constant"{{.*}}tensor<172x64xf32>
// CHECK: %[[SG:.*]] = loom.shard %[[WG]] {axis = 1 : i64, ranks = 2 : i64} : tensor<64x172xf32> -> tensor<64x86xf32>
// CHECK: %[[G:.*]] = "onnx.MatMul"(%arg0, %[[SG]]) : (tensor<1x?x64xf32>, tensor<64x86xf32>) -> tensor<1x?x86xf32>
// CHECK: %[[S:.*]] = loom.silu %[[G]] : tensor<1x?x86xf32>
// CHECK: %[[SU:.*]] = loom.shard %[[WU]] {axis = 1 : i64, ranks = 2 : i64}
// CHECK: %[[U:.*]] = "onnx.MatMul"(%arg0, %[[SU]]) {{.*}} -> tensor<1x?x86xf32>
// CHECK: %[[H:.*]] = "onnx.Mul"(%[[S]], %[[U]]) : (tensor<1x?x86xf32>, tensor<1x?x86xf32>) -> tensor<1x?x86xf32>
// CHECK: %[[SD:.*]] = loom.shard %[[WD]] {axis = 0 : i64, ranks = 2 : i64} : tensor<172x64xf32> -> tensor<86x64xf32>
// CHECK: %[[D:.*]] = "onnx.MatMul"(%[[H]], %[[SD]]) : (tensor<1x?x86xf32>, tensor<86x64xf32>) -> tensor<1x?x64xf32>
// CHECK: %[[SUM:.*]] = loom.all_reduce %[[D]] {ranks = 2 : i64} : tensor<1x?x64xf32>
// CHECK: "onnx.Add"(%arg0, %[[SUM]])
// FOUR-LABEL: func @swiglu
// FOUR: loom.shard {{.*}} {axis = 1 : i64, ranks = 4 : i64} : tensor<64x172xf32> -> tensor<64x43xf32>
// FOUR: loom.all_reduce {{.*}} {ranks = 4 : i64}
func.func @swiglu(%x: tensor<1x?x64xf32>) -> tensor<1x?x64xf32> {
  %wg = "onnx.Constant"() <{value = dense<1.0> : tensor<64x172xf32>}> : () -> tensor<64x172xf32>
  %wu = "onnx.Constant"() <{value = dense<2.0> : tensor<64x172xf32>}> : () -> tensor<64x172xf32>
  %wd = "onnx.Constant"() <{value = dense<3.0> : tensor<172x64xf32>}> : () -> tensor<172x64xf32>
  %g = "onnx.MatMul"(%x, %wg) : (tensor<1x?x64xf32>, tensor<64x172xf32>) -> tensor<1x?x172xf32>
  %s = loom.silu %g : tensor<1x?x172xf32>
  %u = "onnx.MatMul"(%x, %wu) : (tensor<1x?x64xf32>, tensor<64x172xf32>) -> tensor<1x?x172xf32>
  %h = "onnx.Mul"(%s, %u) : (tensor<1x?x172xf32>, tensor<1x?x172xf32>) -> tensor<1x?x172xf32>
  %d = "onnx.MatMul"(%h, %wd) : (tensor<1x?x172xf32>, tensor<172x64xf32>) -> tensor<1x?x64xf32>
  %y = "onnx.Add"(%x, %d) : (tensor<1x?x64xf32>, tensor<1x?x64xf32>) -> tensor<1x?x64xf32>
  return %y : tensor<1x?x64xf32>
}

// -----

// GPT-2: the up projection's bias is split with its columns, a scalar factor
// is not; the down projection's bias is added once, after the sum.
// CHECK-LABEL: func @gelu_with_biases
// CHECK: %[[B1:.*]] = "onnx.Constant"{{.*}}tensor<128xf32>
// CHECK: %[[B2:.*]] = "onnx.Constant"{{.*}}tensor<32xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<2x64xf32>
// CHECK: %[[SB1:.*]] = loom.shard %[[B1]] {axis = 0 : i64, ranks = 2 : i64} : tensor<128xf32> -> tensor<64xf32>
// CHECK: "onnx.Add"(%{{.*}}, %[[SB1]]) : (tensor<2x64xf32>, tensor<64xf32>) -> tensor<2x64xf32>
// CHECK: "onnx.Mul"(%{{.*}}, %{{.*}}) : (tensor<2x64xf32>, tensor<f32>) -> tensor<2x64xf32>
// CHECK: loom.gelu tanh {{.*}} : tensor<2x64xf32>
// CHECK: %[[D:.*]] = "onnx.MatMul"{{.*}} : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
// CHECK: %[[SUM:.*]] = loom.all_reduce %[[D]]
// CHECK: "onnx.Add"(%[[SUM]], %[[B2]])
func.func @gelu_with_biases(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %w1 = "onnx.Constant"() <{value = dense<1.0> : tensor<32x128xf32>}> : () -> tensor<32x128xf32>
  %b1 = "onnx.Constant"() <{value = dense<0.5> : tensor<128xf32>}> : () -> tensor<128xf32>
  %k = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %w2 = "onnx.Constant"() <{value = dense<1.0> : tensor<128x32xf32>}> : () -> tensor<128x32xf32>
  %b2 = "onnx.Constant"() <{value = dense<0.25> : tensor<32xf32>}> : () -> tensor<32xf32>
  %a = "onnx.MatMul"(%x, %w1) : (tensor<2x32xf32>, tensor<32x128xf32>) -> tensor<2x128xf32>
  %ab = "onnx.Add"(%a, %b1) : (tensor<2x128xf32>, tensor<128xf32>) -> tensor<2x128xf32>
  %m = "onnx.Mul"(%ab, %k) : (tensor<2x128xf32>, tensor<f32>) -> tensor<2x128xf32>
  %g = loom.gelu tanh %m : tensor<2x128xf32>
  %d = "onnx.MatMul"(%g, %w2) : (tensor<2x128xf32>, tensor<128x32xf32>) -> tensor<2x32xf32>
  %y = "onnx.Add"(%d, %b2) : (tensor<2x32xf32>, tensor<32xf32>) -> tensor<2x32xf32>
  return %y : tensor<2x32xf32>
}

// -----

// An intermediate read outside the block (here: returned) needs all its
// columns on every rank: that block stays whole, the other one is split. A
// returned MatMul also read elsewhere (%a) is no LM head: it stays whole.
// CHECK-LABEL: func @escaping_and_split
// CHECK: %[[A:.*]] = "onnx.MatMul"(%arg0, %{{.*}}) : (tensor<2x32xf32>, tensor<32x128xf32>) -> tensor<2x128xf32>
// CHECK: %[[R:.*]] = "onnx.Relu"(%[[A]]) : (tensor<2x128xf32>) -> tensor<2x128xf32>
// CHECK: %[[D:.*]] = "onnx.MatMul"(%[[R]], %{{.*}}) : (tensor<2x128xf32>, tensor<128x32xf32>) -> tensor<2x32xf32>
// CHECK-NOT: loom.all_reduce %[[D]]
// CHECK: loom.shard %{{.*}} {axis = 1 : i64, ranks = 2 : i64} : tensor<32x128xf32> -> tensor<32x64xf32>
// CHECK: "onnx.Tanh"(%{{.*}}) : (tensor<2x64xf32>) -> tensor<2x64xf32>
// CHECK: loom.shard %{{.*}} {axis = 0 : i64, ranks = 2 : i64} : tensor<128x32xf32> -> tensor<64x32xf32>
// CHECK: %[[E:.*]] = "onnx.MatMul"
// CHECK: %[[SUM:.*]] = loom.all_reduce %[[E]]
// CHECK: "onnx.Add"(%[[D]], %[[SUM]])
func.func @escaping_and_split(%x: tensor<2x32xf32>) -> (tensor<2x128xf32>, tensor<2x32xf32>) {
  %w1 = "onnx.Constant"() <{value = dense<1.0> : tensor<32x128xf32>}> : () -> tensor<32x128xf32>
  %w2 = "onnx.Constant"() <{value = dense<1.0> : tensor<128x32xf32>}> : () -> tensor<128x32xf32>
  %a = "onnx.MatMul"(%x, %w1) : (tensor<2x32xf32>, tensor<32x128xf32>) -> tensor<2x128xf32>
  %r = "onnx.Relu"(%a) : (tensor<2x128xf32>) -> tensor<2x128xf32>
  %d = "onnx.MatMul"(%r, %w2) : (tensor<2x128xf32>, tensor<128x32xf32>) -> tensor<2x32xf32>
  %b = "onnx.MatMul"(%x, %w1) : (tensor<2x32xf32>, tensor<32x128xf32>) -> tensor<2x128xf32>
  %t = "onnx.Tanh"(%b) : (tensor<2x128xf32>) -> tensor<2x128xf32>
  %e = "onnx.MatMul"(%t, %w2) : (tensor<2x128xf32>, tensor<128x32xf32>) -> tensor<2x32xf32>
  %s = "onnx.Add"(%d, %e) : (tensor<2x32xf32>, tensor<2x32xf32>) -> tensor<2x32xf32>
  return %a, %s : tensor<2x128xf32>, tensor<2x32xf32>
}

// -----

// Stacked blocks share a matmul (it closes the first and would open the
// second): the first found is split, the second stays whole.
// CHECK-LABEL: func @stacked
// CHECK-COUNT-1: loom.all_reduce
// CHECK-NOT: loom.all_reduce
func.func @stacked(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %w1 = "onnx.Constant"() <{value = dense<1.0> : tensor<32x64xf32>}> : () -> tensor<32x64xf32>
  %w2 = "onnx.Constant"() <{value = dense<1.0> : tensor<64x64xf32>}> : () -> tensor<64x64xf32>
  %w3 = "onnx.Constant"() <{value = dense<1.0> : tensor<64x32xf32>}> : () -> tensor<64x32xf32>
  %a = "onnx.MatMul"(%x, %w1) : (tensor<2x32xf32>, tensor<32x64xf32>) -> tensor<2x64xf32>
  %r = "onnx.Relu"(%a) : (tensor<2x64xf32>) -> tensor<2x64xf32>
  %b = "onnx.MatMul"(%r, %w2) : (tensor<2x64xf32>, tensor<64x64xf32>) -> tensor<2x64xf32>
  %s = "onnx.Relu"(%b) : (tensor<2x64xf32>) -> tensor<2x64xf32>
  %c = "onnx.MatMul"(%s, %w3) : (tensor<2x64xf32>, tensor<64x32xf32>) -> tensor<2x32xf32>
  return %c : tensor<2x32xf32>
}

// -----

// The LM head (a returned MatMul with constant weights) is split by
// vocabulary and its logits gathered; a head whose vocabulary does not
// divide by the ranks stays whole.
// CHECK-LABEL: func @lm_head
// CHECK: %[[W:.*]] = "onnx.Constant"{{.*}}tensor<64x512xf32>
// CHECK: %[[S:.*]] = loom.shard %[[W]] {axis = 1 : i64, ranks = 2 : i64} : tensor<64x512xf32> -> tensor<64x256xf32>
// CHECK: %[[M:.*]] = "onnx.MatMul"(%arg0, %[[S]]) : (tensor<1x?x64xf32>, tensor<64x256xf32>) -> tensor<1x?x256xf32>
// CHECK: %[[L:.*]] = loom.all_gather %[[M]] {ranks = 2 : i64} : tensor<1x?x256xf32> -> tensor<1x?x512xf32>
// CHECK: %[[ODD:.*]] = "onnx.MatMul"(%arg0, %{{.*}}) : (tensor<1x?x64xf32>, tensor<64x511xf32>) -> tensor<1x?x511xf32>
// CHECK: return %[[L]], %[[ODD]]
func.func @lm_head(%x: tensor<1x?x64xf32>) -> (tensor<1x?x512xf32>, tensor<1x?x511xf32>) {
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<64x512xf32>}> : () -> tensor<64x512xf32>
  %v = "onnx.Constant"() <{value = dense<1.0> : tensor<64x511xf32>}> : () -> tensor<64x511xf32>
  %l = "onnx.MatMul"(%x, %w) : (tensor<1x?x64xf32>, tensor<64x512xf32>) -> tensor<1x?x512xf32>
  %o = "onnx.MatMul"(%x, %v) : (tensor<1x?x64xf32>, tensor<64x511xf32>) -> tensor<1x?x511xf32>
  return %l, %o : tensor<1x?x512xf32>, tensor<1x?x511xf32>
}

// -----

// Hugging Face's GPT-2 MLP as torch exports Conv1D: Gemm with a bias, a view
// to [batch, seq, hidden] (target ending in the hidden size, here a constant),
// GELU, a view back (its leading sizes read through Shape and Gather), Gemm
// with a bias. The views' targets get the split size; the closing Gemm's bias
// is added once, after the sum.
// CHECK-LABEL: func @conv1d_blocks
// CHECK: loom.shard %{{.*}} {axis = 1 : i64, ranks = 2 : i64} : tensor<32x128xf32> -> tensor<32x64xf32>
// CHECK: loom.shard %{{.*}} {axis = 0 : i64, ranks = 2 : i64} : tensor<128xf32> -> tensor<64xf32>
// CHECK: %[[UP:.*]] = "onnx.Gemm"{{.*}} -> tensor<8x64xf32>
// CHECK: %[[T1:.*]] = "onnx.Constant"() <{value = dense<[2, 4, 64]> : tensor<3xi64>}>
// CHECK: "onnx.Reshape"(%[[UP]], %[[T1]]) {{.*}} -> tensor<2x4x64xf32>
// CHECK: loom.gelu erf {{.*}} : tensor<2x4x64xf32>
// CHECK: "onnx.Shape"
// CHECK: %[[T2:.*]] = "onnx.Constant"() <{value = dense<[-1, 64]> : tensor<2xi64>}>
// CHECK: "onnx.Reshape"(%{{.*}}, %[[T2]]) {{.*}} -> tensor<8x64xf32>
// CHECK: loom.shard %{{.*}} {axis = 0 : i64, ranks = 2 : i64} : tensor<128x32xf32> -> tensor<64x32xf32>
// CHECK: %[[DOWN:.*]] = "onnx.Gemm"(%{{.*}}, %{{.*}}) {{.*}} : (tensor<8x64xf32>, tensor<64x32xf32>) -> tensor<8x32xf32>
// CHECK: %[[SUM:.*]] = loom.all_reduce %[[DOWN]]
// CHECK: "onnx.Add"(%[[SUM]], %{{.*}}) : (tensor<8x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
func.func @conv1d_blocks(%x: tensor<8x32xf32>) -> (tensor<8x32xf32>, tensor<i64>) {
  %w1 = "onnx.Constant"() <{value = dense<1.0> : tensor<32x128xf32>}> : () -> tensor<32x128xf32>
  %b1 = "onnx.Constant"() <{value = dense<0.5> : tensor<128xf32>}> : () -> tensor<128xf32>
  %w2 = "onnx.Constant"() <{value = dense<1.0> : tensor<128x32xf32>}> : () -> tensor<128x32xf32>
  %b2 = "onnx.Constant"() <{value = dense<0.25> : tensor<32xf32>}> : () -> tensor<32xf32>
  %t1 = "onnx.Constant"() <{value = dense<[2, 4, 128]> : tensor<3xi64>}> : () -> tensor<3xi64>
  %t2 = "onnx.Constant"() <{value = dense<[-1, 128]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %zero = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %up = "onnx.Gemm"(%x, %w1, %b1) : (tensor<8x32xf32>, tensor<32x128xf32>, tensor<128xf32>) -> tensor<8x128xf32>
  %v = "onnx.Reshape"(%up, %t1) : (tensor<8x128xf32>, tensor<3xi64>) -> tensor<2x4x128xf32>
  %g = loom.gelu erf %v : tensor<2x4x128xf32>
  %shape = "onnx.Shape"(%g) : (tensor<2x4x128xf32>) -> tensor<3xi64>
  %batch = "onnx.Gather"(%shape, %zero) : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %flat = "onnx.Reshape"(%g, %t2) : (tensor<2x4x128xf32>, tensor<2xi64>) -> tensor<8x128xf32>
  %down = "onnx.Gemm"(%flat, %w2, %b2) : (tensor<8x128xf32>, tensor<128x32xf32>, tensor<32xf32>) -> tensor<8x32xf32>
  return %down, %batch : tensor<8x32xf32>, tensor<i64>
}
