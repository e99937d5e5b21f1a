// RUN: loom-opt --show-dialects | FileCheck %s
// CHECK: Available Dialects:
// CHECK-SAME: decode
// CHECK-SAME: loom
// CHECK-SAME: onnx
