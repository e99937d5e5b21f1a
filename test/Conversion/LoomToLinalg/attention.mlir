// loom.attention on the CPU: one call to loomrt's fused kernel on buffers of
// any layout (no copy of K/V), with the rank-2 mask expanded to rank 4.
// RUN: loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg))' | FileCheck %s
// Without the declarations the lowering says what is missing.
// RUN: %expect_exit 1 loom-opt %s --pass-pipeline='builtin.module(func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNDECLARED
// UNDECLARED: error: loom-convert-onnx-to-linalg needs loomrt's kernels declared in the module (its run-time checks call them): run loom-declare-runtime-kernels first (the CPU lowering pipeline does)

// CHECK-DAG: func.func private @loomrt_attention_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i1, f32) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @loomrt_attention_masked_f32(

// CHECK-LABEL: func @gqa
func.func @gqa(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>, %mask: tensor<?x?xf32>) -> tensor<1x8x?x16xf32> {
  // CHECK: %[[QB:.*]] = bufferization.to_buffer %arg0 read_only : tensor<1x8x?x16xf32> to memref<1x8x?x16xf32, strided<[?, ?, ?, ?], offset: ?>>
  // CHECK: %[[Q:.*]] = memref.cast %[[QB]] : memref<1x8x?x16xf32, strided<[?, ?, ?, ?], offset: ?>> to memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>
  // CHECK: %[[M4:.*]] = tensor.expand_shape %arg3 {{\[\[}}0, 1, 2], [3]] output_shape [1, 1, %{{.*}}, %{{.*}}] : tensor<?x?xf32> into tensor<1x1x?x?xf32>
  // CHECK: bufferization.to_buffer %[[M4]] read_only
  // CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<1x8x?x16xf32>
  // CHECK: %[[SCALE:.*]] = arith.constant 2.500000e-01 : f32
  // CHECK: %[[CAUSAL:.*]] = arith.constant false
  // CHECK: %[[NOCAP:.*]] = arith.constant 0.000000e+00 : f32
  // CHECK: call @loomrt_attention_masked_f32(%[[Q]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[SCALE]], %[[CAUSAL]], %[[NOCAP]])
  // CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<1x8x?x16xf32> to tensor<1x8x?x16xf32>
  %o = loom.attention %q, %k, %v mask %mask {scale = 0.25 : f32} : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<?x?xf32> -> tensor<1x8x?x16xf32>
  return %o : tensor<1x8x?x16xf32>
}

// CHECK-LABEL: func @causal_default_scale
func.func @causal_default_scale(%q: tensor<2x4x8x64xf32>, %k: tensor<2x4x8x64xf32>, %v: tensor<2x4x8x64xf32>) -> tensor<2x4x8x64xf32> {
  // 1/sqrt(64)
  // CHECK: arith.constant 1.250000e-01 : f32
  // CHECK: arith.constant true
  // CHECK: call @loomrt_attention_f32(
  %o = loom.attention %q, %k, %v causal : tensor<2x4x8x64xf32>, tensor<2x4x8x64xf32>, tensor<2x4x8x64xf32> -> tensor<2x4x8x64xf32>
  return %o : tensor<2x4x8x64xf32>
}

// A softcap is passed to the kernel (0 above: none).
// CHECK-LABEL: func @softcap
func.func @softcap(%q: tensor<1x4x8x16xf32>, %k: tensor<1x4x8x16xf32>, %v: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  // CHECK: %[[CAP:.*]] = arith.constant 5.000000e+01 : f32
  // CHECK: call @loomrt_attention_f32({{.*}}, %[[CAP]])
  %o = loom.attention %q, %k, %v causal {softcap = 50.0 : f32} : tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32>, tensor<1x4x8x16xf32> -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
