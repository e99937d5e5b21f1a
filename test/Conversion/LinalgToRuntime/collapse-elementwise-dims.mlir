// RUN: loom-opt %s --split-input-file --loom-collapse-elementwise-dims | FileCheck %s

// An elementwise op over contiguous 4-D buffers runs over one dimension:
// every operand viewed collapsed, the output written in place.
// CHECK-LABEL: func @identity
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<?x3x?x?xf32> into memref<?xf32>
// CHECK: %[[Y:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2, 3]] : memref<?x3x?x?xf32> into memref<?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[X]] : memref<?xf32>) outs(%[[Y]] : memref<?xf32>)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @identity(%x: memref<?x3x?x?xf32>, %y: memref<?x3x?x?xf32>) {
  linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<?x3x?x?xf32>) outs(%y : memref<?x3x?x?xf32>) {
  ^bb0(%a: f32, %b: f32):
    %m = arith.mulf %a, %a : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A per-channel bias over NCHW: N and C stay, H and W merge.
// CHECK-LABEL: func @channel_bias
// CHECK: memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<2x8x5x7xf32> into memref<2x8x35xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @channel_bias(%x: memref<2x8x5x7xf32>, %b: memref<8xf32>, %y: memref<2x8x5x7xf32>) {
  linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<2x8x5x7xf32>, memref<8xf32>) outs(%y : memref<2x8x5x7xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left as they are: a body that reads its indices, a strided (non-contiguous)
// buffer, a reduction, a transposing map, a size-1 dimension broadcast by a
// constant index.
// CHECK-LABEL: func @kept
// CHECK-NOT: memref.collapse_shape
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>
#zero = affine_map<(d0, d1) -> (0, d1)>
func.func @kept(%x: memref<4x6xf32>, %s: memref<4x6xf32, strided<[12, 1]>>, %y: memref<4x6xf32>, %r: memref<4xf32>, %t: memref<6x4xf32>, %one: memref<1x6xf32>) {
  linalg.generic {indexing_maps = [#zero, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%one : memref<1x6xf32>) outs(%y : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id2], iterator_types = ["parallel", "parallel"]} outs(%y : memref<4x6xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 1 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    linalg.yield %f : f32
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : memref<4x6xf32, strided<[12, 1]>>) outs(%y : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x6xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s2 = arith.addf %a, %o : f32
    linalg.yield %s2 : f32
  }
  linalg.generic {indexing_maps = [#id2, #tr], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<4x6xf32>) outs(%t : memref<6x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}
