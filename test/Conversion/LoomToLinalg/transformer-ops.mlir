// The loom ops of loom-fuse-transformer-ops on the CPU: RMSNorm is one
// reduction (sum of squares) and one elementwise pass; rotary is one
// elementwise pass reading each element's partner with tensor.extract and
// cos/sin through a broadcasting map (index floordiv 2 for pairs). Numerics
// against PyTorch: test/e2e/transformer-ops.test and decoders.test.
// RUN: loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// CHECK-DAG: #[[ID3:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[ID4:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[HALF:.*]] = affine_map<(d0, d1, d2, d3) -> (d2, d3 floordiv 2)>

// CHECK-LABEL: func @rms_norm
// CHECK: %[[SS:.*]] = linalg.generic {indexing_maps = [#[[ID3]], #[[ROW]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: linalg.generic {indexing_maps = [#[[ID3]], #[[ROW]], #[[LAST]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%arg0, %[[SS]], %arg1
// CHECK:   arith.constant 9.99999974E-6 : f32
// CHECK:   math.sqrt
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @rms_norm(%x: tensor<2x?x64xf32>, %w: tensor<64xf32>) -> tensor<2x?x64xf32> {
  %0 = loom.rms_norm %x, %w : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
  return %0 : tensor<2x?x64xf32>
}

// CHECK-LABEL: func @rotary_pairs
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[HALF]], #[[HALF]], #[[ID4]]]
// CHECK:   %[[I:.*]] = linalg.index 3 : index
// CHECK:   %[[P:.*]] = arith.xori %[[I]], %{{.*}} : index
// CHECK:   tensor.extract %arg0[%{{.*}}, %{{.*}}, %{{.*}}, %[[P]]]
// CHECK:   arith.subf
// CHECK:   arith.addf
// CHECK:   arith.select
func.func @rotary_pairs(%x: tensor<1x2x?x8xf32>, %c: tensor<?x4xf32>, %s: tensor<?x4xf32>) -> tensor<1x2x?x8xf32> {
  %0 = loom.rotary %x, %c, %s pairs : tensor<1x2x?x8xf32>, tensor<?x4xf32> -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}

// Halves: the partner of i is i + d/2 below d/2, i - d/2 above; cos/sin of
// shape [1, 1, ?, 8] broadcast over batch and heads.
// CHECK-LABEL: func @rotary_halves
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c3
// CHECK: %[[H:.*]] = arith.divui %[[D]], %c2
// CHECK: linalg.generic {indexing_maps = [#[[ID4]], #[[BCAST:.*]], #[[BCAST]], #[[ID4]]]
// CHECK:   %[[I:.*]] = linalg.index 3 : index
// CHECK:   %[[LOW:.*]] = arith.cmpi ult, %[[I]], %[[H]] : index
// CHECK:   arith.select %[[LOW]]
func.func @rotary_halves(%x: tensor<1x2x?x8xf32>, %c: tensor<1x1x?x8xf32>, %s: tensor<1x1x?x8xf32>) -> tensor<1x2x?x8xf32> {
  %0 = loom.rotary %x, %c, %s : tensor<1x2x?x8xf32>, tensor<1x1x?x8xf32> -> tensor<1x2x?x8xf32>
  return %0 : tensor<1x2x?x8xf32>
}

// CHECK-LABEL: func @activations
// CHECK: linalg.generic
// CHECK:   math.erf
// CHECK: linalg.generic
// CHECK:   math.tanh
// CHECK: linalg.generic
// CHECK:   math.exp
// CHECK:   arith.divf
func.func @activations(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = loom.gelu erf %x : tensor<16xf32>
  %1 = loom.gelu tanh %0 : tensor<16xf32>
  %2 = loom.silu %1 : tensor<16xf32>
  return %2 : tensor<16xf32>
}

// CHECK-LABEL: func @layer_norm
// CHECK-COUNT-2: iterator_types = ["parallel", "reduction"]
// CHECK: iterator_types = ["parallel", "parallel"]
func.func @layer_norm(%x: tensor<4x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  %0 = loom.layer_norm %x, %w, %b : tensor<4x32xf32>, tensor<32xf32>, tensor<32xf32> -> tensor<4x32xf32>
  return %0 : tensor<4x32xf32>
}
