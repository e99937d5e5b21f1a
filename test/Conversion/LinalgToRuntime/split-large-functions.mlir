// A long function body is cut into runs of about max-ops operations, each
// moved into a private noinline function called in its place. Constants are
// cloned into each run; stack allocations stay where they are.
// RUN: loom-opt %s --loom-split-large-functions="min-ops=0 max-ops=6" | FileCheck %s
// RUN: loom-opt %s --loom-split-large-functions | FileCheck %s --check-prefix=SMALL

// CHECK-LABEL: func.func @chain(
// CHECK-SAME:      %[[X:.*]]: memref<8xf32>)
// CHECK:         %[[STACK:.*]] = memref.alloca() : memref<8xf32>
// CHECK:         %[[A:.*]] = call @chain_part0(%[[X]], %[[STACK]]) : (memref<8xf32>, memref<8xf32>) -> memref<8xf32>
// CHECK:         %[[B:.*]] = call @chain_part1(%[[A]]) : (memref<8xf32>) -> memref<8xf32>
// CHECK:         memref.dealloc %[[A]]
// CHECK:         return %[[B]]
// CHECK:       func.func private @chain_part0(%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>) -> memref<8xf32>
// CHECK-SAME:      passthrough = ["noinline"]
// CHECK-DAG:     arith.constant 0 : index
// CHECK-DAG:     arith.constant 8 : index
// CHECK:         scf.for
// CHECK:       func.func private @chain_part1(
// CHECK-DAG:     arith.constant 0 : index
// CHECK-DAG:     arith.constant 8 : index
// CHECK:         scf.for

// Under the default size nothing moves.
// SMALL-LABEL: func.func @chain(
// SMALL-NOT:   call @chain_part
// SMALL-NOT:   func.func private
func.func @chain(%x: memref<8xf32>) -> memref<8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %stack = memref.alloca() : memref<8xf32>
  %a = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %x[%i] : memref<8xf32>
    %w = memref.load %stack[%i] : memref<8xf32>
    %s = arith.addf %v, %w : f32
    memref.store %s, %a[%i] : memref<8xf32>
  }
  %b = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %a[%i] : memref<8xf32>
    %s = arith.mulf %v, %v : f32
    memref.store %s, %b[%i] : memref<8xf32>
  }
  memref.dealloc %a : memref<8xf32>
  return %b : memref<8xf32>
}
