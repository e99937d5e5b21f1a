// RUN: loom-opt %s --split-input-file --loom-onnx-refine-shapes | FileCheck %s

// Reshape to [batch, seq, 8, 8] where batch and seq come from Shape(%x): the
// symbolic dims stay dynamic, the constants become static.
// CHECK-LABEL: func @reshape_with_symbolic_dims
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x8x8xf32>
// CHECK: return {{.*}} : tensor<?x?x8x8xf32>
func.func @reshape_with_symbolic_dims(%x: tensor<?x?x64xf32>) -> tensor<?x?x?x?xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %i0 = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %b = "onnx.Gather"(%shape, %i0) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = "onnx.Gather"(%shape, %i1) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %axes = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %b1 = "onnx.Unsqueeze"(%b, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %s1 = "onnx.Unsqueeze"(%s, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %heads = "onnx.Constant"() {value = dense<[8, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  %target = "onnx.Concat"(%b1, %s1, %heads) {axis = 0 : si64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// -1 is solved with the symbols cancelling: [?, ?, 8, 8] -> [0, 0, -1, 2].
// CHECK-LABEL: func @reshape_minus_one
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x32x2xf32>
func.func @reshape_minus_one(%x: tensor<?x?x8x8xf32>) -> tensor<?x?x?x?xf32> {
  %target = "onnx.Constant"() {value = dense<[0, 0, -1, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<?x?x8x8xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// torch's expand(b, 2, 4, t, 8): Where(Equal(shape, -1), ones, shape) is
// evaluated (sizes are never -1), so the repeat count 4 becomes static; the
// fully constant shape tensors fold into one onnx.Constant.
// CHECK-LABEL: func @torch_expand
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x2x4x?x8xf32>
// CHECK: "onnx.Softmax"{{.*}} -> tensor<?x2x4x?x8xf32>
func.func @torch_expand(%k: tensor<?x2x1x?x8xf32>) -> tensor<?x?x?x?x?xf32> {
  %shape = "onnx.Shape"(%k) : (tensor<?x2x1x?x8xf32>) -> tensor<5xi64>
  %rep = "onnx.Constant"() {value = dense<[1, 1, 4, 1, 1]> : tensor<5xi64>} : () -> tensor<5xi64>
  %target = "onnx.Mul"(%shape, %rep) : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %neg = "onnx.Constant"() {value = dense<-1> : tensor<5xi64>} : () -> tensor<5xi64>
  %ones = "onnx.Constant"() {value = dense<1> : tensor<5xi64>} : () -> tensor<5xi64>
  %is_neg = "onnx.Equal"(%target, %neg) : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi1>
  %sizes = "onnx.Where"(%is_neg, %ones, %target) : (tensor<5xi1>, tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %e = "onnx.Expand"(%k, %sizes) : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x?x?x?x?xf32>
  %p = "onnx.Softmax"(%e) : (tensor<?x?x?x?x?xf32>) -> tensor<?x?x?x?x?xf32>
  return %p : tensor<?x?x?x?x?xf32>
}

// -----

// Constant shape arithmetic folds away entirely.
// CHECK-LABEL: func @fold_constant_shape
// CHECK: %[[C:.*]] = "onnx.Constant"() <{value = dense<[2, -1]> : tensor<2xi64>}>
// CHECK-NOT: onnx.Shape
// CHECK-NOT: onnx.Concat
// CHECK: "onnx.Reshape"(%{{.*}}, %[[C]]) {{.*}} -> tensor<2x12xf32>
func.func @fold_constant_shape(%x: tensor<2x3x4xf32>) -> tensor<?x?xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %starts = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %ends = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %first = "onnx.Slice"(%shape, %starts, %ends) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rest = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %target = "onnx.Concat"(%first, %rest) {axis = 0 : si64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Types the exporter got wrong (a rank that disagrees) are left alone, and
// unknown shape tensors leave the result as it was.
// CHECK-LABEL: func @unknown_target
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?xf32>
func.func @unknown_target(%x: tensor<4x4xf32>, %t: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = "onnx.Reshape"(%x, %t) : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Slice results are ranked whatever ONNX's inference said: rotate_half's
// x[..., : x.shape[-1] // 2] halves a static last dimension next to a
// dynamic sequence length; x[0:] keeps a dynamic size; run-time bounds leave
// the sliced sizes unknown but the rank known.
// CHECK-LABEL: func @slice_shapes
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x4xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x8xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x3xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<?x?x8xf32>
func.func @slice_shapes(%x: tensor<2x?x8xf32>, %n: tensor<1xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %zero = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %four = "onnx.Constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %last = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %axis1 = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %big = "onnx.Constant"() {value = dense<9223372036854775807> : tensor<1xi64>} : () -> tensor<1xi64>
  %minus3 = "onnx.Constant"() {value = dense<-3> : tensor<1xi64>} : () -> tensor<1xi64>
  %half = "onnx.Slice"(%x, %zero, %four, %last) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %all = "onnx.Slice"(%x, %zero, %big, %axis1) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %tail = "onnx.Slice"(%x, %minus3, %big, %last) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %runtime = "onnx.Slice"(%x, %zero, %n) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %half, %all, %tail, %runtime : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// A shape tensor sliced with steps but no axes (the axes input omitted):
// the steps are operand 3 here, and still count.
// CHECK-LABEL: func @slice_steps_without_axes
// CHECK: "onnx.Constant"() <{value = dense<[2, 4]> : tensor<2xi64>}>
func.func @slice_steps_without_axes(%x: tensor<2x3x4x5xf32>) -> tensor<2xi64> {
  %shape = "onnx.Shape"(%x) : (tensor<2x3x4x5xf32>) -> tensor<4xi64>
  %zero = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %four = "onnx.Constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %two = "onnx.Constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %even = "onnx.Slice"(%shape, %zero, %four, %two) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>} : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %even : tensor<2xi64>
}

// -----

// onnx.Shape of a ranked tensor has the input's rank as its length (of the
// [start, end) part with those attributes), even when the sizes are dynamic:
// nn.MultiheadAttention's exports measure tensors whose rank refinement only
// just found, and a Shape result of unknown length cannot be lowered.
// CHECK-LABEL: func @shape_length
// CHECK: "onnx.Shape"(%{{.*}}) <{start = 0 : si64}> : (tensor<?x?x16xf32>) -> tensor<3xi64>
// CHECK: "onnx.Shape"(%{{.*}}) <{start = 1 : si64}> : (tensor<?x?x16xf32>) -> tensor<2xi64>
// CHECK: "onnx.Shape"(%{{.*}}) <{end = -1 : si64, start = -2 : si64}> : (tensor<?x?x16xf32>) -> tensor<1xi64>
// CHECK: "onnx.Shape"(%{{.*}}) <{start = 0 : si64}> : (tensor<?x?x?x?xf32>) -> tensor<4xi64>
func.func @shape_length(%x: tensor<?x?x16xf32>, %target: tensor<4xi64>) -> (tensor<?xi64>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>) {
  %all = "onnx.Shape"(%x) : (tensor<?x?x16xf32>) -> tensor<?xi64>
  %tail = "onnx.Shape"(%x) {start = 1 : si64} : (tensor<?x?x16xf32>) -> tensor<?xi64>
  %mid = "onnx.Shape"(%x) {start = -2 : si64, end = -1 : si64} : (tensor<?x?x16xf32>) -> tensor<?xi64>
  %r = "onnx.Reshape"(%x, %target) : (tensor<?x?x16xf32>, tensor<4xi64>) -> tensor<*xf32>
  %of_refined = "onnx.Shape"(%r) : (tensor<*xf32>) -> tensor<?xi64>
  return %all, %tail, %mid, %of_refined : tensor<?xi64>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>
}

// -----

// Gemm: [M, K] x [K, N] with either operand transposed.
// CHECK-LABEL: func @gemm
// CHECK: "onnx.Gemm"{{.*}} -> tensor<?x8xf32>
// CHECK: "onnx.Gemm"{{.*}} -> tensor<16x16xf32>
func.func @gemm(%a: tensor<?x16xf32>, %b: tensor<8x16xf32>, %c: tensor<8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %y = "onnx.Gemm"(%a, %b, %c) {transB = 1 : si64} : (tensor<?x16xf32>, tensor<8x16xf32>, tensor<8xf32>) -> tensor<*xf32>
  %z = "onnx.Gemm"(%a, %a) {transA = 1 : si64} : (tensor<?x16xf32>, tensor<?x16xf32>) -> tensor<*xf32>
  return %y, %z : tensor<*xf32>, tensor<*xf32>
}

// -----

// Split refines every result: GPT-2's c_attn.split(hidden, dim=2) with a
// constant sizes input, equal parts without one, and run-time sizes (only
// the split dimension is unknown).
// CHECK-LABEL: func @split
// CHECK: "onnx.Split"{{.*}} -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>, tensor<?x?x16xf32>)
// CHECK: "onnx.Split"{{.*}} -> (tensor<?x?x16xf32>, tensor<?x?x16xf32>)
// CHECK: "onnx.Split"{{.*}} -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>)
func.func @split(%x: tensor<?x?x32xf32>, %n: tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %sizes = "onnx.Constant"() {value = dense<[8, 8, 16]> : tensor<3xi64>} : () -> tensor<3xi64>
  %a:3 = "onnx.Split"(%x, %sizes) {axis = 2 : si64} : (tensor<?x?x32xf32>, tensor<3xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  %b:2 = "onnx.Split"(%x) {axis = -1 : si64} : (tensor<?x?x32xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  %c:2 = "onnx.Split"(%x, %n) {axis = 2 : si64} : (tensor<?x?x32xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  return %a#0, %a#1, %a#2, %b#0, %b#1, %c#0, %c#1 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Tile multiplies each size by its constant repeat count (a dynamic size
// repeated once stays itself); run-time counts keep the rank.
// CHECK-LABEL: func @tile
// CHECK: "onnx.Tile"{{.*}} -> tensor<?x6x4xf32>
// CHECK: "onnx.Tile"{{.*}} -> tensor<?x?x?xf32>
func.func @tile(%x: tensor<?x3x4xf32>, %n: tensor<3xi64>) -> (tensor<*xf32>, tensor<*xf32>) {
  %repeats = "onnx.Constant"() {value = dense<[1, 2, 1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %y = "onnx.Tile"(%x, %repeats) : (tensor<?x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  %z = "onnx.Tile"(%x, %n) : (tensor<?x3x4xf32>, tensor<3xi64>) -> tensor<*xf32>
  return %y, %z : tensor<*xf32>, tensor<*xf32>
}

// -----

// A Reshape target whose length is known but whose values are not (an
// input, or a Concat with a part computed at run time) gives the rank; the
// parts that are known still give their sizes.
// CHECK-LABEL: func @reshape_runtime_target
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x?xf32>
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x4xf32>
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x?x?x16xf32>
// CHECK: "onnx.ConstantOfShape"{{.*}} -> tensor<?x?xf32>
func.func @reshape_runtime_target(%x: tensor<?x16xf32>, %t: tensor<3xi64>, %u: tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %y = "onnx.Reshape"(%x, %t) : (tensor<?x16xf32>, tensor<3xi64>) -> tensor<*xf32>
  %four = "onnx.Constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %target = "onnx.Concat"(%u, %four) {axis = 0 : si64} : (tensor<2xi64>, tensor<1xi64>) -> tensor<3xi64>
  %z = "onnx.Reshape"(%x, %target) : (tensor<?x16xf32>, tensor<3xi64>) -> tensor<*xf32>
  %big = "onnx.Concat"(%u, %u) {axis = 0 : si64} : (tensor<2xi64>, tensor<2xi64>) -> tensor<4xi64>
  %e = "onnx.Expand"(%x, %big) : (tensor<?x16xf32>, tensor<4xi64>) -> tensor<*xf32>
  %c = "onnx.ConstantOfShape"(%u) : (tensor<2xi64>) -> tensor<*xf32>
  return %y, %z, %e, %c : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// The rest of what the export-styles corpus uses: Squeeze without axes (all
// sizes static), MatMul with a vector operand, Range (constant bounds, and
// arange(n) of a measured length; a constant one folds), CumSum, GatherElements and Flatten.
// CHECK-LABEL: func @more_ops
// CHECK: "onnx.Squeeze"{{.*}} -> tensor<3x4xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<3xf32>
// CHECK: "onnx.MatMul"{{.*}} -> tensor<?x4xf32>
// CHECK: "onnx.Constant"() <{value = dense<[0, 2, 4, 6]> : tensor<4xi64>}>
// CHECK: "onnx.Range"{{.*}} -> tensor<?xi64>
// CHECK: "onnx.CumSum"{{.*}} -> tensor<?x?xi64>
// CHECK: "onnx.GatherElements"{{.*}} -> tensor<?x2xf32>
// CHECK: "onnx.Flatten"{{.*}} -> tensor<3x4xf32>
func.func @more_ops(%s: tensor<1x3x1x4xf32>, %v: tensor<4xf32>, %m: tensor<?x3xf32>, %mask: tensor<?x?xi64>, %idx: tensor<?x2xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>) {
  %sq = "onnx.Squeeze"(%s) : (tensor<1x3x1x4xf32>) -> tensor<*xf32>
  %mv = "onnx.MatMul"(%sq, %v) : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xf32>
  %mm = "onnx.MatMul"(%m, %sq) : (tensor<?x3xf32>, tensor<*xf32>) -> tensor<*xf32>
  %zero = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %one = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %seven = "onnx.Constant"() {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %two = "onnx.Constant"() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %r = "onnx.Range"(%zero, %seven, %two) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %shape = "onnx.Shape"(%mask) : (tensor<?x?xi64>) -> tensor<2xi64>
  %len = "onnx.Gather"(%shape, %one) {axis = 0 : si64} : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
  %arange = "onnx.Range"(%zero, %len, %one) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<*xi64>
  %cum = "onnx.CumSum"(%mask, %one) : (tensor<?x?xi64>, tensor<i64>) -> tensor<*xi64>
  %ge = "onnx.GatherElements"(%m, %idx) {axis = 1 : si64} : (tensor<?x3xf32>, tensor<?x2xi64>) -> tensor<*xf32>
  %fl = "onnx.Flatten"(%s) {axis = 2 : si64} : (tensor<1x3x1x4xf32>) -> tensor<*xf32>
  return %sq, %mv, %mm, %r, %arange, %cum, %ge, %fl : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xf32>, tensor<*xf32>
}

// -----

// LSTM/GRU: Y is [seq, directions, batch, hidden], Y_h and Y_c [directions,
// batch, hidden]; an omitted output (resultSegmentSizes) shifts the others.
// CHECK-LABEL: func @recurrent
// CHECK: "onnx.GRU"{{.*}} -> (tensor<?x2x?x32xf32>, tensor<2x?x32xf32>)
// CHECK: "onnx.LSTM"{{.*}} -> (tensor<1x?x32xf32>, tensor<1x?x32xf32>)
func.func @recurrent(%x: tensor<?x?x16xf32>, %w: tensor<2x96x16xf32>, %r: tensor<2x96x32xf32>, %w4: tensor<1x128x16xf32>, %r4: tensor<1x128x32xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %y, %yh = "onnx.GRU"(%x, %w, %r) <{direction = "bidirectional", hidden_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1>}> : (tensor<?x?x16xf32>, tensor<2x96x16xf32>, tensor<2x96x32xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  %h, %c = "onnx.LSTM"(%x, %w4, %r4) <{hidden_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1, 1>}> : (tensor<?x?x16xf32>, tensor<1x128x16xf32>, tensor<1x128x32xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %y, %yh, %h, %c : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Layout 1 puts the batch first: Y [batch, seq, directions, hidden], Y_h
// [batch, directions, hidden]; without hidden_size, R's last dimension.
// CHECK-LABEL: func @recurrent_batch_first
// CHECK: "onnx.RNN"{{.*}} -> (tensor<4x?x2x8xf32>, tensor<4x2x8xf32>)
func.func @recurrent_batch_first(%x: tensor<4x?x16xf32>, %w: tensor<2x8x16xf32>, %r: tensor<2x8x8xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %y, %yh = "onnx.RNN"(%x, %w, %r) <{direction = "bidirectional", layout = 1 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1>}> : (tensor<4x?x16xf32>, tensor<2x8x16xf32>, tensor<2x8x8xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return %y, %yh : tensor<*xf32>, tensor<*xf32>
}

// -----

// torch's F.pad builds ONNX's pads from its own list (last dimension first):
// Reshape to [-1, 2], Slice with step -1, Transpose, Reshape to 1-D. The 2-D
// steps are tracked, so the pads fold into one constant and Pad keeps the
// channels (and the batch, a symbol) while the padded dims grow.
// CHECK-LABEL: func @torch_pad
// CHECK: %[[PADS:.*]] = "onnx.Constant"() <{value = dense<[0, 0, 3, 1, 0, 0, 4, 2]> : tensor<8xi64>}>
// CHECK: "onnx.Pad"(%{{.*}}, %[[PADS]]) <{mode = "reflect"}> : (tensor<?x4x5x?xf32>, tensor<8xi64>) -> tensor<?x4x12x?xf32>
func.func @torch_pad(%x: tensor<?x4x5x?xf32>) -> tensor<?x?x?x?xf32> {
  %list = "onnx.Constant"() {value = dense<[1, 2, 3, 4, 0, 0, 0, 0]> : tensor<8xi64>} : () -> tensor<8xi64>
  %pairs_shape = "onnx.Constant"() {value = dense<[-1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %pairs = "onnx.Reshape"(%list, %pairs_shape) : (tensor<8xi64>, tensor<2xi64>) -> tensor<4x2xi64>
  %start = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %end = "onnx.Constant"() {value = dense<-9223372036854775807> : tensor<1xi64>} : () -> tensor<1xi64>
  %axis = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %step = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %reversed = "onnx.Slice"(%pairs, %start, %end, %axis, %step) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<4x2xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4x2xi64>
  %t = "onnx.Transpose"(%reversed) <{perm = [1, 0]}> : (tensor<4x2xi64>) -> tensor<2x4xi64>
  %flat_shape = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %flat = "onnx.Reshape"(%t, %flat_shape) : (tensor<2x4xi64>, tensor<1xi64>) -> tensor<8xi64>
  %y = "onnx.Pad"(%x, %flat) <{mode = "reflect"}> : (tensor<?x4x5x?xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// Resize: constant scales give floor(in * scale) (a scale of 1 keeps a
// run-time size); sizes computed from shapes keep their symbols.
// DepthToSpace / SpaceToDepth move blocksize^2 between channels and space.
// CHECK-LABEL: func @resampling
// CHECK: "onnx.Resize"{{.*}} -> tensor<?x3x15x?xf32>
// CHECK: "onnx.Resize"{{.*}} -> tensor<?x3x?x?xf32>
// CHECK: "onnx.DepthToSpace"{{.*}} -> tensor<?x2x16x?xf32>
// CHECK: "onnx.SpaceToDepth"{{.*}} -> tensor<?x32x4x?xf32>
func.func @resampling(%x: tensor<?x3x10x?xf32>, %skip: tensor<?x3x?x?xf32>, %d: tensor<?x8x8x?xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 1.5, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %a = "onnx.Resize"(%x, %scales) <{mode = "nearest", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<?x3x10x?xf32>, tensor<4xf32>) -> tensor<*xf32>
  %shape = "onnx.Shape"(%skip) : (tensor<?x3x?x?xf32>) -> tensor<4xi64>
  %b = "onnx.Resize"(%x, %shape) <{mode = "linear", operandSegmentSizes = array<i32: 1, 0, 0, 1>}> : (tensor<?x3x10x?xf32>, tensor<4xi64>) -> tensor<*xf32>
  %c = "onnx.DepthToSpace"(%d) <{blocksize = 2 : si64}> : (tensor<?x8x8x?xf32>) -> tensor<*xf32>
  %e = "onnx.SpaceToDepth"(%d) <{blocksize = 2 : si64}> : (tensor<?x8x8x?xf32>) -> tensor<*xf32>
  return %a, %b, %c, %e : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// torch's squeeze(1) of a dimension it cannot see as 1: If(Shape(x)[1] == 1,
// Squeeze, Identity). Dimension 1 is static 1, the condition folds, and the
// If becomes its then branch (the second region: regions are in attribute
// name order, else_branch first).
// CHECK-LABEL: func @squeeze_if_folds
// CHECK-NOT: onnx.If
// CHECK: "onnx.Squeeze"
// CHECK: return
func.func @squeeze_if_folds(%x: tensor<?x1x8xf32>) -> tensor<*xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<?x1x8xf32>) -> tensor<3xi64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %d1 = "onnx.Gather"(%shape, %i1) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %one = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %c = "onnx.Equal"(%d1, %one) : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %r = "onnx.If"(%c) ({
    onnx.yield %x : tensor<?x1x8xf32>
  }, {
    %axes = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
    %s = "onnx.Squeeze"(%x, %axes) : (tensor<?x1x8xf32>, tensor<1xi64>) -> tensor<?x8xf32>
    onnx.yield %s : tensor<?x8xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// Near miss: dimension 1 is dynamic, the condition is not known, the If stays.
// CHECK-LABEL: func @squeeze_if_unknown
// CHECK: "onnx.If"
func.func @squeeze_if_unknown(%x: tensor<?x?x8xf32>) -> tensor<*xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<?x?x8xf32>) -> tensor<3xi64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %d1 = "onnx.Gather"(%shape, %i1) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %one = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %c = "onnx.Equal"(%d1, %one) : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %r = "onnx.If"(%c) ({
    onnx.yield %x : tensor<?x?x8xf32>
  }, {
    %axes = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
    %s = "onnx.Squeeze"(%x, %axes) : (tensor<?x?x8xf32>, tensor<1xi64>) -> tensor<?x8xf32>
    onnx.yield %s : tensor<?x8xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}
