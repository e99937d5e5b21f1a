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

// An instance norm's sums: [N, C] parallel and [H, W] reduced, each pair
// merged into one loop (one reduction loop over H * W per instance).
// CHECK-LABEL: func @instance_sums
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1], [2, 3]] : memref<?x64x?x?xf32> into memref<?x?xf32>
// CHECK: %[[S:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1]] : memref<?x64xf32> into memref<?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]{{.*}} ins(%[[X]] : memref<?x?xf32>) outs(%[[S]] : memref<?xf32>)
#in4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#nc = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @instance_sums(%x: memref<?x64x?x?xf32>, %s: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#in4, #nc], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x : memref<?x64x?x?xf32>) outs(%s : memref<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.addf %o, %a : f32
    linalg.yield %t : f32
  }
  return
}

// -----

// A [C, 1, 1] scale broadcast over NCHW by constant indices: viewed as [C],
// after which H and W merge.
// CHECK-LABEL: func @unit_broadcast
// CHECK-DAG: %[[S:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2]] : memref<64x1x1xf32> into memref<64xf32>
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<?x64x?x?xf32> into memref<?x64x?xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CHAN:map[0-9]*]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[X]], %[[S]] : memref<?x64x?xf32>, memref<64xf32>)
#nchw = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c11 = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
func.func @unit_broadcast(%x: memref<?x64x?x?xf32>, %s: memref<64x1x1xf32>, %y: memref<?x64x?x?xf32>) {
  linalg.generic {indexing_maps = [#nchw, #c11, #nchw], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %s : memref<?x64x?x?xf32>, memref<64x1x1xf32>) outs(%y : memref<?x64x?x?xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %m = arith.mulf %a, %c : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// A Reshape's copy (loom.reshape_copy) between contiguous buffers: one flat
// loop over min(source, output) elements, no index divisions.
// CHECK-LABEL: func @reshape_copy
// CHECK-DAG: %[[FROM:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<?x64x?x?xf32> into memref<?xf32>
// CHECK-DAG: %[[TO:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2]] : memref<?x8x?xf32> into memref<?xf32>
// CHECK: %[[N:.*]] = arith.minui
// CHECK: %[[A:.*]] = memref.subview %[[FROM]][0] [%[[N]]] [1]
// CHECK: %[[B:.*]] = memref.subview %[[TO]][0] [%[[N]]] [1]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[A]] : {{.*}}) outs(%[[B]] : {{.*}})
// CHECK-NOT: arith.divui
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @reshape_copy(%x: memref<?x64x?x?xf32>, %y: memref<?x8x?xf32>, %h: index, %w: index, %n: index) {
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %d2 = memref.dim %y, %c8 : memref<?x8x?xf32>
  linalg.generic {indexing_maps = [#id3], iterator_types = ["parallel", "parallel", "parallel"]} outs(%y : memref<?x8x?xf32>) attrs = {loom.reshape_copy} {
  ^bb0(%o: f32):
    %i0 = linalg.index 0 : index
    %i1 = linalg.index 1 : index
    %i2 = linalg.index 2 : index
    %t0 = arith.muli %i0, %c8 : index
    %t1 = arith.addi %t0, %i1 : index
    %t2 = arith.muli %t1, %d2 : index
    %l = arith.addi %t2, %i2 : index
    %w0 = arith.remui %l, %w : index
    %q0 = arith.divui %l, %w : index
    %h0 = arith.remui %q0, %h : index
    %q1 = arith.divui %q0, %h : index
    %c0 = arith.remui %q1, %c64 : index
    %q2 = arith.divui %q1, %c64 : index
    %n0 = arith.remui %q2, %n : index
    %v = memref.load %x[%n0, %c0, %h0, %w0] : memref<?x64x?x?xf32>
    linalg.yield %v : f32
  }
  return
}

// -----

// Left as they are: a body that reads its indices, a strided (non-contiguous)
// buffer, a reduction's parallel and reduced loop (they never merge), a
// transposing map.
// CHECK-LABEL: func @kept
// CHECK-NOT: memref.collapse_shape
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @kept(%x: memref<4x6xf32>, %s: memref<4x6xf32, strided<[12, 1]>>, %y: memref<4x6xf32>, %r: memref<4xf32>, %t: memref<6x4xf32>) {
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
