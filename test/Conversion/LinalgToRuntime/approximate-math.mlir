// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-approximate-math))' | FileCheck %s

// f32 exp, tanh and erf become arithmetic; f64 keeps the libm-bound op.
// CHECK-LABEL: func @f32
// CHECK-NOT: math.exp
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK: math.fma
func.func @f32(%x: f32) -> (f32, f32, f32) {
  %a = math.exp %x : f32
  %b = math.tanh %x : f32
  %c = math.erf %x : f32
  return %a, %b, %c : f32, f32, f32
}

// CHECK-LABEL: func @f64
// CHECK: math.exp %{{.*}} : f64
func.func @f64(%x: f64) -> f64 {
  %a = math.exp %x : f64
  return %a : f64
}
