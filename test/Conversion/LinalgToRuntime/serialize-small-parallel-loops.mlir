// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-serialize-small-parallel-loops))' | FileCheck %s

// Small static work becomes sequential; large or dynamic work stays parallel
// (for OpenMP); a parallel loop inside another one becomes sequential.
// CHECK-LABEL: func @small
// CHECK-NOT: scf.parallel
// CHECK: scf.for
func.func @small(%m: memref<16x16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c16, %c16) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<16x16xf32>
  }
  return
}

// Few rows, but a long loop in each: the work counts, not the rows.
// CHECK-LABEL: func @rows_with_inner_loop
// CHECK: scf.parallel
// CHECK: scf.for
func.func @rows_with_inner_loop(%m: memref<64x32000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %cn = arith.constant 32000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    scf.for %j = %c0 to %cn step %c1 {
      memref.store %f, %m[%i, %j] : memref<64x32000xf32>
    }
  }
  return
}

// A dynamic count over static work: the work (8 per row) is compared with
// 4096 at run time; large runs the parallel loop, small a sequential copy.
// CHECK-LABEL: func @dynamic_outer_nested_inner
// CHECK-SAME: (%[[M:.*]]: memref<?x8xf32>, %[[N:.*]]: index)
// CHECK: %[[TRIPS:.*]] = arith.ceildivsi
// CHECK: %[[ROWS:.*]] = arith.maxsi %[[TRIPS]]
// CHECK: %[[WORK:.*]] = arith.muli %{{.*}}, %[[ROWS]]
// CHECK: %[[MIN:.*]] = arith.constant 4096 : index
// CHECK: %[[LARGE:.*]] = arith.cmpi sge, %[[WORK]], %[[MIN]]
// CHECK: scf.if %[[LARGE]] {
// CHECK-NEXT: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: } else {
// CHECK-NEXT: scf.for %{{.*}} = %{{.*}} to %[[N]]
// CHECK-NEXT: scf.for
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @dynamic_outer_nested_inner(%m: memref<?x8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %m[%i, %j] : memref<?x8xf32>
    }
  }
  return
}

// A dynamic loop inside the body: no static work to compare, stays parallel
// as it is.
// CHECK-LABEL: func @dynamic_inner
// CHECK-NOT: scf.if
// CHECK: scf.parallel
// CHECK: scf.for
func.func @dynamic_inner(%m: memref<?x?xf32>, %n: index, %k: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %j = %c0 to %k step %c1 {
      memref.store %f, %m[%i, %j] : memref<?x?xf32>
    }
  }
  return
}
