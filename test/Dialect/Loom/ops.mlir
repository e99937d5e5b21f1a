// Round trip through the custom assembly twice, and once through the generic form.
// RUN: loom-opt %s | loom-opt | FileCheck %s
// RUN: loom-opt %s --mlir-print-op-generic | loom-opt | FileCheck %s

// CHECK-LABEL: func @attention_mha_causal
func.func @attention_mha_causal(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>,
                                %v: tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32> {
  // CHECK: loom.attention %{{.*}}, %{{.*}}, %{{.*}} causal {scale = 1.250000e-01 : f32} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  %0 = loom.attention %q, %k, %v causal {scale = 0.125 : f32}
      : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return %0 : tensor<1x8x16x64xf32>
}

// Grouped-query attention over a KV cache of dynamic length, with a boolean mask.
// CHECK-LABEL: func @attention_gqa_mask
func.func @attention_gqa_mask(%q: tensor<?x8x1x64xf32>, %k: tensor<?x2x?x64xf32>,
                              %v: tensor<?x2x?x64xf32>, %m: tensor<1x1x1x?xi1>) -> tensor<?x8x1x64xf32> {
  // CHECK: loom.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} : tensor<?x8x1x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<1x1x1x?xi1> -> tensor<?x8x1x64xf32>
  %0 = loom.attention %q, %k, %v mask %m
      : tensor<?x8x1x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>, tensor<1x1x1x?xi1> -> tensor<?x8x1x64xf32>
  return %0 : tensor<?x8x1x64xf32>
}

// Multi-query attention (one K/V head) with an additive float mask.
// CHECK-LABEL: func @attention_mqa_additive
func.func @attention_mqa_additive(%q: tensor<2x4x3x16xf16>, %k: tensor<2x1x5x16xf16>,
                                  %v: tensor<2x1x5x32xf16>, %m: tensor<3x5xf16>) -> tensor<2x4x3x32xf16> {
  // CHECK: loom.attention {{.*}} mask {{.*}} -> tensor<2x4x3x32xf16>
  %0 = loom.attention %q, %k, %v mask %m
      : tensor<2x4x3x16xf16>, tensor<2x1x5x16xf16>, tensor<2x1x5x32xf16>, tensor<3x5xf16> -> tensor<2x4x3x32xf16>
  return %0 : tensor<2x4x3x32xf16>
}

// CHECK-LABEL: func @softmax_algorithms
func.func @softmax_algorithms(%x: tensor<4x32000xf32>) -> tensor<4x32000xf32> {
  // CHECK: loom.softmax three_pass %{{.*}} : tensor<4x32000xf32>
  %0 = loom.softmax three_pass %x : tensor<4x32000xf32>
  // CHECK: loom.softmax two_pass %{{.*}} : tensor<4x32000xf32>
  %1 = loom.softmax two_pass %0 {axis = -1 : i64} : tensor<4x32000xf32>
  // CHECK: loom.softmax online %{{.*}} {axis = 0 : i64} : tensor<4x32000xf32>
  %2 = loom.softmax online %1 {axis = 0 : i64} : tensor<4x32000xf32>
  return %2 : tensor<4x32000xf32>
}

// CHECK-LABEL: func @rms_norm
func.func @rms_norm(%x: tensor<1x?x64xf32>, %w: tensor<64xf32>) -> tensor<1x?x64xf32> {
  // CHECK: loom.rms_norm %{{.*}}, %{{.*}} {epsilon = 9.99999997E-7 : f32} : tensor<1x?x64xf32>, tensor<64xf32> -> tensor<1x?x64xf32>
  %0 = loom.rms_norm %x, %w {epsilon = 1.0e-6 : f32} : tensor<1x?x64xf32>, tensor<64xf32> -> tensor<1x?x64xf32>
  // The default epsilon is 1e-5 and is not printed.
  // CHECK: loom.rms_norm %{{.*}}, %{{.*}} : tensor<1x?x64xf32>
  %1 = loom.rms_norm %0, %w : tensor<1x?x64xf32>, tensor<64xf32> -> tensor<1x?x64xf32>
  return %1 : tensor<1x?x64xf32>
}

// CHECK-LABEL: func @layer_norm
func.func @layer_norm(%x: tensor<2x?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<2x?x64xf32> {
  // CHECK: loom.layer_norm %{{.*}}, %{{.*}}, %{{.*}} {epsilon = 9.99999996E-13 : f32} : tensor<2x?x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  %0 = loom.layer_norm %x, %w, %b {epsilon = 1.0e-12 : f32} : tensor<2x?x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  // Without bias.
  // CHECK: loom.layer_norm %{{.*}}, %{{.*}} : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  %1 = loom.layer_norm %0, %w : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  return %1 : tensor<2x?x64xf32>
}

// CHECK-LABEL: func @activations
func.func @activations(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // CHECK: loom.gelu erf %{{.*}} : tensor<4x?xf32>
  // CHECK: loom.gelu tanh %{{.*}} : tensor<4x?xf32>
  // CHECK: loom.silu %{{.*}} : tensor<4x?xf32>
  %0 = loom.gelu erf %x : tensor<4x?xf32>
  %1 = loom.gelu tanh %0 : tensor<4x?xf32>
  %2 = loom.silu %1 : tensor<4x?xf32>
  return %2 : tensor<4x?xf32>
}

// CHECK-LABEL: func @rotary
func.func @rotary(%x: tensor<1x8x?x64xf32>, %c: tensor<?x32xf32>, %s: tensor<?x32xf32>,
                  %c2: tensor<1x1x?x64xf32>, %s2: tensor<1x1x?x64xf32>) -> tensor<1x8x?x64xf32> {
  // CHECK: loom.rotary %{{.*}}, %{{.*}}, %{{.*}} pairs : tensor<1x8x?x64xf32>, tensor<?x32xf32> -> tensor<1x8x?x64xf32>
  %0 = loom.rotary %x, %c, %s pairs : tensor<1x8x?x64xf32>, tensor<?x32xf32> -> tensor<1x8x?x64xf32>
  // CHECK: loom.rotary %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x8x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x8x?x64xf32>
  %1 = loom.rotary %0, %c2, %s2 : tensor<1x8x?x64xf32>, tensor<1x1x?x64xf32> -> tensor<1x8x?x64xf32>
  return %1 : tensor<1x8x?x64xf32>
}

// int8 per channel: 172 inputs pad to 192 bytes, one scale per channel.
// CHECK-LABEL: func @quantized_matmul_int8
func.func @quantized_matmul_int8(%x: tensor<1x?x172xf32>, %w: tensor<64x192xi8>,
                                 %s: tensor<64x1xf32>) -> tensor<1x?x64xf32> {
  // CHECK: loom.quantized_matmul %{{.*}}, %{{.*}}, %{{.*}} {bits = 8 : i32, group_size = 192 : i64, in_features = 172 : i64} : tensor<1x?x172xf32>, tensor<64x192xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  %0 = loom.quantized_matmul %x, %w, %s {bits = 8 : i32, group_size = 192 : i64, in_features = 172 : i64}
      : tensor<1x?x172xf32>, tensor<64x192xi8>, tensor<64x1xf32> -> tensor<1x?x64xf32>
  return %0 : tensor<1x?x64xf32>
}

// int4 in groups of 32 with zero points: 64 inputs are 32 bytes, two groups.
// CHECK-LABEL: func @quantized_matmul_int4_zero_points
func.func @quantized_matmul_int4_zero_points(%x: tensor<3x64xf32>, %w: tensor<16x32xi8>,
                                             %s: tensor<16x2xf32>, %z: tensor<16x2xi8>) -> tensor<3x16xf32> {
  // CHECK: loom.quantized_matmul %{{.*}}, %{{.*}}, %{{.*}} zero_points %{{.*}} {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64} : tensor<3x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xi8> -> tensor<3x16xf32>
  %0 = loom.quantized_matmul %x, %w, %s zero_points %z {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64}
      : tensor<3x64xf32>, tensor<16x32xi8>, tensor<16x2xf32>, tensor<16x2xi8> -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}

// Tensor parallelism: a column-split weight, a row-split one, and the sum of
// the ranks' partial products.
// CHECK-LABEL: func @shard_and_all_reduce
func.func @shard_and_all_reduce(%x: tensor<1x?x64xf32>, %wg: tensor<64x172xf32>,
                                %wd: tensor<172x64xf32>) -> (tensor<64x86xf32>, tensor<86x64xf32>, tensor<1x?x64xf32>) {
  // CHECK: loom.shard %{{.*}} {axis = 1 : i64, ranks = 2 : i64} : tensor<64x172xf32> -> tensor<64x86xf32>
  %0 = loom.shard %wg {axis = 1 : i64, ranks = 2 : i64} : tensor<64x172xf32> -> tensor<64x86xf32>
  // CHECK: loom.shard %{{.*}} {axis = 0 : i64, ranks = 2 : i64} : tensor<172x64xf32> -> tensor<86x64xf32>
  %1 = loom.shard %wd {axis = 0 : i64, ranks = 2 : i64} : tensor<172x64xf32> -> tensor<86x64xf32>
  // CHECK: loom.all_reduce %{{.*}} {ranks = 2 : i64} : tensor<1x?x64xf32>
  %2 = loom.all_reduce %x {ranks = 2 : i64} : tensor<1x?x64xf32>
  return %0, %1, %2 : tensor<64x86xf32>, tensor<86x64xf32>, tensor<1x?x64xf32>
}

// A vocabulary-parallel LM head's logits, gathered.
// CHECK-LABEL: func @all_gather
func.func @all_gather(%x: tensor<1x?x256xf32>) -> tensor<1x?x512xf32> {
  // CHECK: loom.all_gather %{{.*}} {ranks = 2 : i64} : tensor<1x?x256xf32> -> tensor<1x?x512xf32>
  %0 = loom.all_gather %x {ranks = 2 : i64} : tensor<1x?x256xf32> -> tensor<1x?x512xf32>
  return %0 : tensor<1x?x512xf32>
}
