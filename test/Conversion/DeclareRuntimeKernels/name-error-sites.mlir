// loom-name-error-sites gives each loomrt_report_error call the index of its
// ONNX node's name in the module's loom.error_sites (the lowerings pass -1),
// one index per node; the CPU target writes the list into the signature so
// that loomrt's run-time message names the node.
// RUN: loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels,loom-name-error-sites,func.func(canonicalize))' | FileCheck %s
// RUN: loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels,func.func(canonicalize))' | FileCheck %s --check-prefix=UNNAMED

// CHECK: module attributes {loom.error_sites = ["node 'divide_counts'", "node 'remainder\\x0a'"]}
// CHECK-LABEL: func.func @two_nodes
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : i32
// CHECK:         call @loomrt_report_error(%[[ONE]], %[[ZERO]])
// CHECK:         call @loomrt_report_error(%[[ONE]], %[[ONE]])
// CHECK-NOT:     call @loomrt_report_error

// Before the pass every site is -1 and the module has no list.
// UNNAMED-NOT: loom.error_sites
// UNNAMED:     %[[UNKNOWN:.*]] = arith.constant -1 : i32
// UNNAMED:     call @loomrt_report_error(%{{.*}}, %[[UNKNOWN]])
// UNNAMED:     call @loomrt_report_error(%{{.*}}, %[[UNKNOWN]])
func.func @two_nodes(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %q = "onnx.Div"(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32> loc("divide_counts")
  %r = "onnx.Mod"(%q, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32> loc("remainder\0A")
  return %r : tensor<4xi32>
}
