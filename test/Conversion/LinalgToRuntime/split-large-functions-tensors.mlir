// Before bufferization the CPU pipeline cuts huge functions on tensors
// (buffer deallocation's simplification is quadratic in a function's
// buffers). Each run returns the tensors later runs read; bufferized across
// the function boundaries, a run allocates its results and the caller frees
// them once used: no copies.
// RUN: loom-opt %s --loom-split-large-functions="min-ops=0 max-ops=4" | FileCheck %s --check-prefix=CUT
// RUN: loom-opt %s --loom-split-large-functions="min-ops=0 max-ops=4" --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --buffer-deallocation-pipeline --convert-bufferization-to-memref | FileCheck %s

// CUT-LABEL: func.func @chain(
// CUT-SAME:      %[[X:.*]]: tensor<8xf32>)
// CUT:         %[[A:.*]] = call @chain_part0(%[[X]]) : (tensor<8xf32>) -> tensor<8xf32>
// CUT:         %[[B:.*]] = call @chain_part1(%[[A]]) : (tensor<8xf32>) -> tensor<8xf32>
// CUT:         return %[[B]]
// CUT:       func.func private @chain_part0(
// CUT:         linalg.generic
// CUT:         arith.addf
// CUT:       func.func private @chain_part1(
// CUT:         linalg.generic
// CUT:         arith.mulf

// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[X:.*]]: memref<8xf32>) -> memref<8xf32>
// CHECK:         %[[A:.*]] = call @chain_part0(%[[X]]) : (memref<8xf32>) -> memref<8xf32>
// CHECK:         %[[B:.*]] = call @chain_part1(%[[A]]) : (memref<8xf32>) -> memref<8xf32>
// The caller frees the first run's result (unless the second returned it).
// CHECK:         memref.extract_strided_metadata %[[A]]
// CHECK:         scf.if
// CHECK-NEXT:      memref.dealloc
// CHECK:         return %[[B]]
// CHECK:       func.func private @chain_part0(
// CHECK:         %[[ALLOC:.*]] = memref.alloc() {{.*}}: memref<8xf32>
// CHECK:         linalg.generic
// CHECK:         return %[[ALLOC]]
// CHECK-NOT:   memref.copy
#id = affine_map<(d0) -> (d0)>
func.func @chain(%x: tensor<8xf32>) -> tensor<8xf32> {
  %e0 = tensor.empty() : tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%e0 : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %e1 = tensor.empty() : tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%a : tensor<8xf32>) outs(%e1 : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %b : tensor<8xf32>
}
