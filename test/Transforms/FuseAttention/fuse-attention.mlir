// loom-fuse-attention on attention as torch.onnx.export writes it: positive
// cases become one loom.attention, near misses stay as they are.
// RUN: loom-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(loom-fuse-attention))' | FileCheck %s

// LLaMA-style grouped-query attention: repeat_kv of 2 KV heads to 8 query
// heads, scale by Div, additive causal mask.
// CHECK-LABEL: func @llama_gqa
// CHECK-SAME: (%[[Q:.*]]: tensor<1x8x?x16xf32>, %[[K:.*]]: tensor<1x2x?x16xf32>, %[[V:.*]]: tensor<1x2x?x16xf32>, %[[M:.*]]: tensor<?x?xf32>)
// CHECK-NEXT: %[[O:.*]] = loom.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] {scale = 2.500000e-01 : f32} : tensor<1x8x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<?x?xf32> -> tensor<1x8x?x16xf32>
// CHECK-NEXT: return %[[O]]
func.func @llama_gqa(%q: tensor<1x8x?x16xf32>, %k: tensor<1x2x?x16xf32>, %v: tensor<1x2x?x16xf32>, %mask: tensor<?x?xf32>) -> tensor<1x8x?x16xf32> {
  %axes = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}> : () -> tensor<1xi64>
  %shape5 = "onnx.Constant"() <{value = dense<[1, 2, 4, -1, 16]> : tensor<5xi64>}> : () -> tensor<5xi64>
  %shape4 = "onnx.Constant"() <{value = dense<[1, 8, -1, 16]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %ku = "onnx.Unsqueeze"(%k, %axes) : (tensor<1x2x?x16xf32>, tensor<1xi64>) -> tensor<1x2x1x?x16xf32>
  %ke = "onnx.Expand"(%ku, %shape5) : (tensor<1x2x1x?x16xf32>, tensor<5xi64>) -> tensor<1x2x4x?x16xf32>
  %kr = "onnx.Reshape"(%ke, %shape4) <{allowzero = 0 : si64}> : (tensor<1x2x4x?x16xf32>, tensor<4xi64>) -> tensor<1x8x?x16xf32>
  %vu = "onnx.Unsqueeze"(%v, %axes) : (tensor<1x2x?x16xf32>, tensor<1xi64>) -> tensor<1x2x1x?x16xf32>
  %ve = "onnx.Expand"(%vu, %shape5) : (tensor<1x2x1x?x16xf32>, tensor<5xi64>) -> tensor<1x2x4x?x16xf32>
  %vr = "onnx.Reshape"(%ve, %shape4) <{allowzero = 0 : si64}> : (tensor<1x2x4x?x16xf32>, tensor<4xi64>) -> tensor<1x8x?x16xf32>
  %kt = "onnx.Transpose"(%kr) <{perm = [0, 1, 3, 2]}> : (tensor<1x8x?x16xf32>) -> tensor<1x8x16x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x8x?x16xf32>, tensor<1x8x16x?xf32>) -> tensor<1x8x?x?xf32>
  %c = "onnx.Constant"() <{value = dense<4.0> : tensor<f32>}> : () -> tensor<f32>
  %d = "onnx.Div"(%s, %c) : (tensor<1x8x?x?xf32>, tensor<f32>) -> tensor<1x8x?x?xf32>
  %a = "onnx.Add"(%d, %mask) : (tensor<1x8x?x?xf32>, tensor<?x?xf32>) -> tensor<1x8x?x?xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : si64}> : (tensor<1x8x?x?xf32>) -> tensor<1x8x?x?xf32>
  %o = "onnx.MatMul"(%p, %vr) : (tensor<1x8x?x?xf32>, tensor<1x8x?x16xf32>) -> tensor<1x8x?x16xf32>
  return %o : tensor<1x8x?x16xf32>
}

// -----

// GPT-2-style multi-head attention: scale by Mul (constant first), no mask,
// softmax already chosen by loom-select-softmax.
// CHECK-LABEL: func @gpt2_mha
// CHECK-NEXT: %[[O:.*]] = loom.attention %arg0, %arg1, %arg2 {scale = 1.250000e-01 : f32}
// CHECK-NEXT: return %[[O]]
func.func @gpt2_mha(%q: tensor<?x4x?x64xf32>, %k: tensor<?x4x?x64xf32>, %v: tensor<?x4x?x64xf32>) -> tensor<?x4x?x64xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<?x4x?x64xf32>) -> tensor<?x4x64x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x4x?x64xf32>, tensor<?x4x64x?xf32>) -> tensor<?x4x?x?xf32>
  %c = "onnx.Constant"() <{value = dense<0.125> : tensor<1xf32>}> : () -> tensor<1xf32>
  %m = "onnx.Mul"(%c, %s) : (tensor<1xf32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p = "loom.softmax"(%m) <{algorithm = 0 : i32, axis = -1 : i64}> : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x4x?x?xf32>, tensor<?x4x?x64xf32>) -> tensor<?x4x?x64xf32>
  return %o : tensor<?x4x?x64xf32>
}

// -----

// Near miss: the transpose swaps heads and sequence, not the last two axes.
// CHECK-LABEL: func @wrong_transpose
// CHECK-NOT: loom.attention
// CHECK: "onnx.Softmax"
func.func @wrong_transpose(%q: tensor<1x4x4x4xf32>, %k: tensor<1x4x4x4xf32>, %v: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 1, 3]}> : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %p = "onnx.Softmax"(%s) <{axis = -1 : si64}> : (tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %o : tensor<1x4x4x4xf32>
}

// -----

// Near miss: the scale is a run-time value, not a constant.
// CHECK-LABEL: func @runtime_scale
// CHECK-NOT: loom.attention
// CHECK: "onnx.Div"
func.func @runtime_scale(%q: tensor<1x4x?x8xf32>, %k: tensor<1x4x?x8xf32>, %v: tensor<1x4x?x8xf32>, %c: tensor<f32>) -> tensor<1x4x?x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x4x?x8xf32>) -> tensor<1x4x8x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x?x8xf32>, tensor<1x4x8x?xf32>) -> tensor<1x4x?x?xf32>
  %d = "onnx.Div"(%s, %c) : (tensor<1x4x?x?xf32>, tensor<f32>) -> tensor<1x4x?x?xf32>
  %p = "onnx.Softmax"(%d) <{axis = -1 : si64}> : (tensor<1x4x?x?xf32>) -> tensor<1x4x?x?xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x?x?xf32>, tensor<1x4x?x8xf32>) -> tensor<1x4x?x8xf32>
  return %o : tensor<1x4x?x8xf32>
}

// -----

// Near miss: the softmax runs over the query axis.
// CHECK-LABEL: func @softmax_over_queries
// CHECK-NOT: loom.attention
func.func @softmax_over_queries(%q: tensor<1x4x6x8xf32>, %k: tensor<1x4x6x8xf32>, %v: tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x4x6x8xf32>) -> tensor<1x4x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %p = "onnx.Softmax"(%s) <{axis = 2 : si64}> : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  return %o : tensor<1x4x6x8xf32>
}

// -----

// Near miss: the attention weights are also returned, so they must exist.
// CHECK-LABEL: func @probabilities_used
// CHECK-NOT: loom.attention
func.func @probabilities_used(%q: tensor<1x4x6x8xf32>, %k: tensor<1x4x6x8xf32>, %v: tensor<1x4x6x8xf32>) -> (tensor<1x4x6x8xf32>, tensor<1x4x6x6xf32>) {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x4x6x8xf32>) -> tensor<1x4x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %p = "onnx.Softmax"(%s) <{axis = -1 : si64}> : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  return %o, %p : tensor<1x4x6x8xf32>, tensor<1x4x6x6xf32>
}

// -----

// Near miss for the repeat: Unsqueeze on axis 1 interleaves the heads (query
// head h would read K/V head h % 2, not h / 4), so K and V are not taken as
// grouped: the attention is fused on the repeated tensors.
// CHECK-LABEL: func @interleaved_repeat
// CHECK: %[[KR:.*]] = "onnx.Reshape"
// CHECK: %[[VR:.*]] = "onnx.Reshape"
// CHECK: loom.attention %arg0, %[[KR]], %[[VR]] {{.*}} : tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>, tensor<1x8x4x16xf32>
func.func @interleaved_repeat(%q: tensor<1x8x4x16xf32>, %k: tensor<1x2x4x16xf32>, %v: tensor<1x2x4x16xf32>) -> tensor<1x8x4x16xf32> {
  %axes = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %shape5 = "onnx.Constant"() <{value = dense<[1, 4, 2, 4, 16]> : tensor<5xi64>}> : () -> tensor<5xi64>
  %shape4 = "onnx.Constant"() <{value = dense<[1, 8, 4, 16]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %ku = "onnx.Unsqueeze"(%k, %axes) : (tensor<1x2x4x16xf32>, tensor<1xi64>) -> tensor<1x1x2x4x16xf32>
  %ke = "onnx.Expand"(%ku, %shape5) : (tensor<1x1x2x4x16xf32>, tensor<5xi64>) -> tensor<1x4x2x4x16xf32>
  %kr = "onnx.Reshape"(%ke, %shape4) <{allowzero = 0 : si64}> : (tensor<1x4x2x4x16xf32>, tensor<4xi64>) -> tensor<1x8x4x16xf32>
  %vu = "onnx.Unsqueeze"(%v, %axes) : (tensor<1x2x4x16xf32>, tensor<1xi64>) -> tensor<1x1x2x4x16xf32>
  %ve = "onnx.Expand"(%vu, %shape5) : (tensor<1x1x2x4x16xf32>, tensor<5xi64>) -> tensor<1x4x2x4x16xf32>
  %vr = "onnx.Reshape"(%ve, %shape4) <{allowzero = 0 : si64}> : (tensor<1x4x2x4x16xf32>, tensor<4xi64>) -> tensor<1x8x4x16xf32>
  %kt = "onnx.Transpose"(%kr) <{perm = [0, 1, 3, 2]}> : (tensor<1x8x4x16xf32>) -> tensor<1x8x16x4xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x8x4x16xf32>, tensor<1x8x16x4xf32>) -> tensor<1x8x4x4xf32>
  %p = "onnx.Softmax"(%s) <{axis = -1 : si64}> : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %o = "onnx.MatMul"(%p, %vr) : (tensor<1x8x4x4xf32>, tensor<1x8x4x16xf32>) -> tensor<1x8x4x16xf32>
  return %o : tensor<1x8x4x16xf32>
}

// -----

// Near miss: a mask of rank 3 is not a form loom.attention takes.
// CHECK-LABEL: func @rank3_mask
// CHECK-NOT: loom.attention
func.func @rank3_mask(%q: tensor<1x4x6x8xf32>, %k: tensor<1x4x6x8xf32>, %v: tensor<1x4x6x8xf32>, %mask: tensor<4x6x6xf32>) -> tensor<1x4x6x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x4x6x8xf32>) -> tensor<1x4x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %a = "onnx.Add"(%s, %mask) : (tensor<1x4x6x6xf32>, tensor<4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : si64}> : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  return %o : tensor<1x4x6x8xf32>
}

// -----

// A masking Where (scores kept where allowed, a very negative constant
// elsewhere) becomes an additive mask; K transposed from [b, s, h, d] in one
// [0, 2, 3, 1] transpose (as torch folds it) is swapped back to [b, h, s, d].
// CHECK-LABEL: func @where_mask_folded_transpose
// CHECK: %[[KT:.*]] = "onnx.Transpose"(%arg1) <{perm = [0, 2, 1, 3]}> : (tensor<1x5x2x8xf32>) -> tensor<1x2x5x8xf32>
// CHECK: %[[ZERO:.*]] = "onnx.Constant"() <{value = dense<0.000000e+00> : tensor<f32>}>
// CHECK: %[[M:.*]] = "onnx.Where"(%arg3, %[[ZERO]], %{{.*}}) : (tensor<5x5xi1>, tensor<f32>, tensor<f32>) -> tensor<5x5xf32>
// CHECK: loom.attention %arg0, %[[KT]], %arg2 mask %[[M]] {scale = 2.500000e-01 : f32}
// CHECK-NOT: onnx.Softmax
func.func @where_mask_folded_transpose(%q: tensor<1x2x5x8xf32>, %k: tensor<1x5x2x8xf32>, %v: tensor<1x2x5x8xf32>, %allowed: tensor<5x5xi1>) -> tensor<1x2x5x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 3, 1]}> : (tensor<1x5x2x8xf32>) -> tensor<1x2x8x5xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x5x5xf32>
  %c = "onnx.Constant"() <{value = dense<4.0> : tensor<f32>}> : () -> tensor<f32>
  %d = "onnx.Div"(%s, %c) : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%allowed, %d, %min) : (tensor<5x5xi1>, tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %p = "onnx.Softmax"(%w) <{axis = -1 : si64}> : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// GPT-J masks, then scales: where(causal, q k^T, finfo.min) / scale_attn,
// then adds attention_mask. The scale moves inside (the fill becomes
// finfo.min / 4) and the whole fuses.
// CHECK-LABEL: func @gptj_mask_before_scale
// CHECK: %[[FILL:.*]] = "onnx.Constant"() <{value = dense<-8.50705867E+37> : tensor<f32>}>
// CHECK: %[[M:.*]] = "onnx.Where"(%arg3, %{{.*}}, %[[FILL]]) : (tensor<1x1x5x5xi1>, tensor<f32>, tensor<f32>) -> tensor<1x1x5x5xf32>
// CHECK: %[[SUM:.*]] = "onnx.Add"(%[[M]], %arg4)
// CHECK: loom.attention %arg0, %arg1, %arg2 mask %[[SUM]] {scale = 2.500000e-01 : f32}
// CHECK-NOT: onnx.Softmax
func.func @gptj_mask_before_scale(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>, %causal: tensor<1x1x5x5xi1>, %mask: tensor<1x1x1x5xf32>) -> tensor<1x2x5x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x2x5x8xf32>) -> tensor<1x2x8x5xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x5x5xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%causal, %s, %min) : (tensor<1x1x5x5xi1>, tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %c = "onnx.Constant"() <{value = dense<4.0> : tensor<f32>}> : () -> tensor<f32>
  %d = "onnx.Div"(%w, %c) : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %a = "onnx.Add"(%d, %mask) : (tensor<1x2x5x5xf32>, tensor<1x1x1x5xf32>) -> tensor<1x2x5x5xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : si64}> : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// Near miss: where(...) divided by a run-time value is not a scale; left
// alone.
// CHECK-LABEL: func @gptj_runtime_scale
// CHECK-NOT: loom.attention
// CHECK: "onnx.Softmax"
func.func @gptj_runtime_scale(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>, %causal: tensor<1x1x5x5xi1>, %c: tensor<f32>) -> tensor<1x2x5x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x2x5x8xf32>) -> tensor<1x2x8x5xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x5x5xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%causal, %s, %min) : (tensor<1x1x5x5xi1>, tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %d = "onnx.Div"(%w, %c) : (tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %p = "onnx.Softmax"(%d) <{axis = -1 : si64}> : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// Near miss: where(cond, scores, 0) is not a mask (0 is an ordinary score).
// CHECK-LABEL: func @where_not_a_mask
// CHECK-NOT: loom.attention
// CHECK: "onnx.Softmax"
func.func @where_not_a_mask(%q: tensor<1x2x5x8xf32>, %k: tensor<1x2x5x8xf32>, %v: tensor<1x2x5x8xf32>, %allowed: tensor<5x5xi1>) -> tensor<1x2x5x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x2x5x8xf32>) -> tensor<1x2x8x5xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x2x5x8xf32>, tensor<1x2x8x5xf32>) -> tensor<1x2x5x5xf32>
  %zero = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%allowed, %s, %zero) : (tensor<5x5xi1>, tensor<1x2x5x5xf32>, tensor<f32>) -> tensor<1x2x5x5xf32>
  %p = "onnx.Softmax"(%w) <{axis = -1 : si64}> : (tensor<1x2x5x5xf32>) -> tensor<1x2x5x5xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x2x5x5xf32>, tensor<1x2x5x8xf32>) -> tensor<1x2x5x8xf32>
  return %o : tensor<1x2x5x8xf32>
}

// -----

// Near miss: a GroupQueryAttention whose total_sequence_length is not a
// one-element tensor (here of unknown size) is left alone.
// CHECK-LABEL: func @gqa_total_not_scalar
// CHECK-NOT: loom.attention
// CHECK: "onnx.com.microsoft.GroupQueryAttention"
func.func @gqa_total_not_scalar(%q: tensor<1x3x64xf32>, %k: tensor<1x3x32xf32>, %v: tensor<1x3x32xf32>, %seqlens: tensor<1xi32>, %total: tensor<?xi32>) -> tensor<1x3x64xf32> {
  %y, %pk, %pv = "onnx.com.microsoft.GroupQueryAttention"(%q, %k, %v, %seqlens, %total) <{kv_num_heads = 2 : si64, num_heads = 4 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0>}> : (tensor<1x3x64xf32>, tensor<1x3x32xf32>, tensor<1x3x32xf32>, tensor<1xi32>, tensor<?xi32>) -> (tensor<1x3x64xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>)
  return %y : tensor<1x3x64xf32>
}

// -----

// GroupQueryAttention without past: present caches built from seqlens_k and
// total_sequence_length, one masked loom.attention.
// CHECK-LABEL: func @gqa_prompt
// CHECK: linalg.generic
// CHECK: loom.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} : tensor<1x4x3x16xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>, tensor<1x1x3x?xf32> -> tensor<1x4x3x16xf32>
// CHECK-NOT: com.microsoft
func.func @gqa_prompt(%q: tensor<1x3x64xf32>, %k: tensor<1x3x32xf32>, %v: tensor<1x3x32xf32>, %seqlens: tensor<1xi32>, %total: tensor<1xi32>) -> (tensor<1x3x64xf32>, tensor<1x2x?x16xf32>) {
  %y, %pk, %pv = "onnx.com.microsoft.GroupQueryAttention"(%q, %k, %v, %seqlens, %total) <{kv_num_heads = 2 : si64, num_heads = 4 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0>}> : (tensor<1x3x64xf32>, tensor<1x3x32xf32>, tensor<1x3x32xf32>, tensor<1xi32>, tensor<1xi32>) -> (tensor<1x3x64xf32>, tensor<1x2x?x16xf32>, tensor<1x2x?x16xf32>)
  return %y, %pk : tensor<1x3x64xf32>, tensor<1x2x?x16xf32>
}

// -----

// A function declaration (no body) is left alone.
// CHECK-LABEL: func.func private @declared
func.func private @declared(tensor<8xf32>) -> tensor<8xf32>

// -----

// MultiHeadAttention with a [b] key padding mask (valid key counts): fused,
// the mask becoming an additive one.
// CHECK-LABEL: func @mha_key_lengths
// CHECK: linalg.generic
// CHECK: loom.attention {{.*}} mask %{{.*}} : tensor<2x4x3x16xf32>, tensor<2x4x7x16xf32>, tensor<2x4x7x16xf32>, tensor<2x1x3x7xf32>
// CHECK-NOT: com.microsoft
func.func @mha_key_lengths(%q: tensor<2x3x64xf32>, %k: tensor<2x7x64xf32>, %v: tensor<2x7x64xf32>, %n: tensor<2xi32>) -> tensor<2x3x64xf32> {
  %y = "onnx.com.microsoft.MultiHeadAttention"(%q, %k, %v, %n) <{num_heads = 4 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>, unidirectional = 0 : si64}> : (tensor<2x3x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<2xi32>) -> tensor<2x3x64xf32>
  return %y : tensor<2x3x64xf32>
}

// -----

// Near miss: a 1-D key padding mask of 3 b + 2 entries (onnxruntime's
// start/end form) is not taken.
// CHECK-LABEL: func @mha_key_mask_start_end
// CHECK: "onnx.com.microsoft.MultiHeadAttention"
// CHECK-NOT: loom.attention
func.func @mha_key_mask_start_end(%q: tensor<2x3x64xf32>, %k: tensor<2x7x64xf32>, %v: tensor<2x7x64xf32>, %n: tensor<8xi32>) -> tensor<2x3x64xf32> {
  %y = "onnx.com.microsoft.MultiHeadAttention"(%q, %k, %v, %n) <{num_heads = 4 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 0, 0, 0>, unidirectional = 0 : si64}> : (tensor<2x3x64xf32>, tensor<2x7x64xf32>, tensor<2x7x64xf32>, tensor<8xi32>) -> tensor<2x3x64xf32>
  return %y : tensor<2x3x64xf32>
}

// -----

// GPT-2's scale computed at run time from constants: attn_weights /
// torch.full([], v.size(-1) ** 0.5) exports as Div(scores,
// Add(ConstantOfShape([]), Pow(Cast(16), 0.5))); its value is the scale.
// CHECK-LABEL: func @computed_scale
// CHECK: loom.attention %arg0, %arg1, %arg2 {scale = 2.500000e-01 : f32}
// CHECK-NOT: onnx.Pow
// CHECK-NOT: onnx.ConstantOfShape
func.func @computed_scale(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<?x4x?x16xf32>) -> tensor<?x4x16x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %d = "onnx.Constant"() <{value = dense<16> : tensor<i64>}> : () -> tensor<i64>
  %df = "onnx.Cast"(%d) <{to = 1 : si64}> : (tensor<i64>) -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<5.000000e-01> : tensor<f32>}> : () -> tensor<f32>
  %root = "onnx.Pow"(%df, %half) : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %empty = "onnx.Constant"() <{value = dense<> : tensor<0xi64>}> : () -> tensor<0xi64>
  %zero = "onnx.ConstantOfShape"(%empty) <{value = dense<0.000000e+00> : tensor<1xf32>}> : (tensor<0xi64>) -> tensor<f32>
  %scale = "onnx.Add"(%zero, %root) : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %m = "onnx.Div"(%s, %scale) : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %p = "onnx.Softmax"(%m) <{axis = -1 : si64}> : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// A scale computed from a run-time value is not a constant: no fusion.
// CHECK-LABEL: func @runtime_computed_scale
// CHECK-NOT: loom.attention
func.func @runtime_computed_scale(%q: tensor<1x4x6x8xf32>, %k: tensor<1x4x6x8xf32>, %v: tensor<1x4x6x8xf32>, %d: tensor<f32>) -> tensor<1x4x6x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 1, 3, 2]}> : (tensor<1x4x6x8xf32>) -> tensor<1x4x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<1x4x6x8xf32>, tensor<1x4x8x6xf32>) -> tensor<1x4x6x6xf32>
  %half = "onnx.Constant"() <{value = dense<5.000000e-01> : tensor<f32>}> : () -> tensor<f32>
  %scale = "onnx.Pow"(%d, %half) : (tensor<f32>, tensor<f32>) -> tensor<f32>
  %m = "onnx.Div"(%s, %scale) : (tensor<1x4x6x6xf32>, tensor<f32>) -> tensor<1x4x6x6xf32>
  %p = "onnx.Softmax"(%m) <{axis = -1 : si64}> : (tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<1x4x6x6xf32>, tensor<1x4x6x8xf32>) -> tensor<1x4x6x8xf32>
  return %o : tensor<1x4x6x8xf32>
}

// -----

// torch.nn.MultiheadAttention: heads folded into the batch ([b * h, s, d]),
// K transposed straight from its [s, b * h, d] view, a key padding mask of
// rank 3 ([b * h, 1, kv]): one head of a batch b * h, the mask's q_len of 1
// broadcast over the query rows.
// CHECK-LABEL: func @heads_in_batch
// CHECK: %[[K:.*]] = "onnx.Transpose"(%arg1) <{perm = [1, 0, 2]}> : (tensor<5x?x8xf32>) -> tensor<?x5x8xf32>
// CHECK: %[[Q4:.*]] = "onnx.Unsqueeze"(%arg0, %{{.*}}) : (tensor<?x5x8xf32>, tensor<1xi64>) -> tensor<?x1x5x8xf32>
// CHECK: %[[K4:.*]] = "onnx.Unsqueeze"(%[[K]], %{{.*}}) {{.*}} -> tensor<?x1x5x8xf32>
// CHECK: %[[V4:.*]] = "onnx.Unsqueeze"(%arg2, %{{.*}}) {{.*}} -> tensor<?x1x5x8xf32>
// CHECK: %[[M4:.*]] = "onnx.Unsqueeze"(%arg3, %{{.*}}) {{.*}} -> tensor<?x1x1x5xf32>
// CHECK: %[[O:.*]] = loom.attention %[[Q4]], %[[K4]], %[[V4]] mask %[[M4]] {scale = 5.000000e-01 : f32}
// CHECK: %[[R:.*]] = tensor.collapse_shape %[[O]] {{\[\[}}0, 1], [2], [3]] : tensor<?x1x5x8xf32> into tensor<?x5x8xf32>
// CHECK: return %[[R]]
// CHECK-NOT: onnx.Softmax
func.func @heads_in_batch(%q: tensor<?x5x8xf32>, %kv: tensor<5x?x8xf32>, %v: tensor<?x5x8xf32>, %mask: tensor<?x1x5xf32>) -> tensor<?x5x8xf32> {
  %kt = "onnx.Transpose"(%kv) <{perm = [1, 2, 0]}> : (tensor<5x?x8xf32>) -> tensor<?x8x5xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x5x8xf32>, tensor<?x8x5xf32>) -> tensor<?x5x5xf32>
  %c = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %m = "onnx.Mul"(%s, %c) : (tensor<?x5x5xf32>, tensor<f32>) -> tensor<?x5x5xf32>
  %a = "onnx.Add"(%m, %mask) : (tensor<?x5x5xf32>, tensor<?x1x5xf32>) -> tensor<?x5x5xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : si64}> : (tensor<?x5x5xf32>) -> tensor<?x5x5xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x5x5xf32>, tensor<?x5x8xf32>) -> tensor<?x5x8xf32>
  return %o : tensor<?x5x8xf32>
}

// -----

// Hugging Face's OPT: bmm scores on folded heads, viewed [b, h, q, kv] for
// the mask, clamped at finfo.min, folded again for the softmax. The 4 heads
// are unfolded; the clamp moves onto the mask.
// CHECK-LABEL: func @opt_unfolded_heads
// CHECK: %[[MIN:.*]] = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}>
// CHECK: %[[Q1:.*]] = "onnx.Unsqueeze"(%arg0, %{{.*}}) {{.*}} -> tensor<?x1x3x8xf32>
// CHECK: %[[HEADS:.*]] = "onnx.Constant"() <{value = dense<[-1, 4, 0, 0]> : tensor<4xi64>}>
// CHECK: %[[Q4:.*]] = "onnx.Reshape"(%[[Q1]], %[[HEADS]]) {{.*}} -> tensor<?x4x3x8xf32>
// CHECK: %[[K4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x4x6x8xf32>
// CHECK: %[[V4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x4x6x8xf32>
// CHECK: %[[M:.*]] = "onnx.Max"(%arg3, %[[MIN]]) : (tensor<?x1x3x6xf32>, tensor<f32>) -> tensor<?x1x3x6xf32>
// CHECK: %[[O:.*]] = loom.attention %[[Q4]], %[[K4]], %[[V4]] mask %[[M]] {scale = 1.000000e+00 : f32} : {{.*}} -> tensor<?x4x3x8xf32>
// CHECK: tensor.collapse_shape %[[O]] {{.*}} into tensor<?x3x8xf32>
// CHECK-NOT: onnx.Softmax
func.func @opt_unfolded_heads(%q: tensor<?x3x8xf32>, %k: tensor<?x6x8xf32>, %v: tensor<?x6x8xf32>, %mask: tensor<?x1x3x6xf32>, %view: tensor<4xi64>, %fold: tensor<3xi64>) -> tensor<?x3x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 1]}> : (tensor<?x6x8xf32>) -> tensor<?x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x3x8xf32>, tensor<?x8x6xf32>) -> tensor<?x3x6xf32>
  %s4 = "onnx.Reshape"(%s, %view) : (tensor<?x3x6xf32>, tensor<4xi64>) -> tensor<?x4x3x6xf32>
  %a = "onnx.Add"(%s4, %mask) : (tensor<?x4x3x6xf32>, tensor<?x1x3x6xf32>) -> tensor<?x4x3x6xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %c = "onnx.Max"(%a, %min) : (tensor<?x4x3x6xf32>, tensor<f32>) -> tensor<?x4x3x6xf32>
  %s3 = "onnx.Reshape"(%c, %fold) : (tensor<?x4x3x6xf32>, tensor<3xi64>) -> tensor<?x3x6xf32>
  %p = "onnx.Softmax"(%s3) <{axis = -1 : si64}> : (tensor<?x3x6xf32>) -> tensor<?x3x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x3x6xf32>, tensor<?x6x8xf32>) -> tensor<?x3x8xf32>
  return %o : tensor<?x3x8xf32>
}

// -----

// Near misses with folded heads: a Max against 0 is not a finfo.min clamp;
// a static batch of 6 is no multiple of 4 heads. Nothing built for them is
// left behind.
// CHECK-LABEL: func @folded_near_misses
// CHECK-NOT: loom.attention
// CHECK-NOT: onnx.Unsqueeze
// CHECK: return
func.func @folded_near_misses(%q: tensor<?x3x8xf32>, %k: tensor<?x6x8xf32>, %v: tensor<?x6x8xf32>, %mask: tensor<?x1x3x6xf32>, %view: tensor<4xi64>, %fold: tensor<3xi64>,
                              %q6: tensor<6x3x8xf32>, %k6: tensor<6x6x8xf32>, %v6: tensor<6x6x8xf32>) -> (tensor<?x3x8xf32>, tensor<6x3x8xf32>) {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 1]}> : (tensor<?x6x8xf32>) -> tensor<?x8x6xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x3x8xf32>, tensor<?x8x6xf32>) -> tensor<?x3x6xf32>
  %s4 = "onnx.Reshape"(%s, %view) : (tensor<?x3x6xf32>, tensor<4xi64>) -> tensor<?x4x3x6xf32>
  %a = "onnx.Add"(%s4, %mask) : (tensor<?x4x3x6xf32>, tensor<?x1x3x6xf32>) -> tensor<?x4x3x6xf32>
  %zero = "onnx.Constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
  %c = "onnx.Max"(%a, %zero) : (tensor<?x4x3x6xf32>, tensor<f32>) -> tensor<?x4x3x6xf32>
  %s3 = "onnx.Reshape"(%c, %fold) : (tensor<?x4x3x6xf32>, tensor<3xi64>) -> tensor<?x3x6xf32>
  %p = "onnx.Softmax"(%s3) <{axis = -1 : si64}> : (tensor<?x3x6xf32>) -> tensor<?x3x6xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x3x6xf32>, tensor<?x6x8xf32>) -> tensor<?x3x8xf32>
  %kt6 = "onnx.Transpose"(%k6) <{perm = [0, 2, 1]}> : (tensor<6x6x8xf32>) -> tensor<6x8x6xf32>
  %t = "onnx.MatMul"(%q6, %kt6) : (tensor<6x3x8xf32>, tensor<6x8x6xf32>) -> tensor<6x3x6xf32>
  %t4 = "onnx.Reshape"(%t, %view) : (tensor<6x3x6xf32>, tensor<4xi64>) -> tensor<?x4x3x6xf32>
  %b = "onnx.Add"(%t4, %mask) : (tensor<?x4x3x6xf32>, tensor<?x1x3x6xf32>) -> tensor<?x4x3x6xf32>
  %t3 = "onnx.Reshape"(%b, %fold) : (tensor<?x4x3x6xf32>, tensor<3xi64>) -> tensor<6x3x6xf32>
  %r = "onnx.Softmax"(%t3) <{axis = -1 : si64}> : (tensor<6x3x6xf32>) -> tensor<6x3x6xf32>
  %o6 = "onnx.MatMul"(%r, %v6) : (tensor<6x3x6xf32>, tensor<6x6x8xf32>) -> tensor<6x3x8xf32>
  return %o, %o6 : tensor<?x3x8xf32>, tensor<6x3x8xf32>
}

// -----

// Hugging Face's GPT-NeoX: baddbmm(zeros, q, k^T, alpha = 1/sqrt(d)) on
// folded heads, viewed [b, h, q, kv], masked by Where on the causal buffer,
// plus the padding mask; V is [b, h, kv, d]. Q and K are unfolded into the
// 2 heads, the zeros dropped.
// CHECK-LABEL: func @neox_baddbmm
// CHECK: %[[Q1:.*]] = "onnx.Unsqueeze"(%arg0, %{{.*}}) {{.*}} -> tensor<?x1x?x8xf32>
// CHECK: %[[Q4:.*]] = "onnx.Reshape"(%[[Q1]], %{{.*}}) {{.*}} -> tensor<?x2x?x8xf32>
// CHECK: %[[K1:.*]] = "onnx.Unsqueeze"(%arg1, %{{.*}}) {{.*}} -> tensor<?x1x?x8xf32>
// CHECK: %[[K4:.*]] = "onnx.Reshape"(%[[K1]], %{{.*}}) {{.*}} -> tensor<?x2x?x8xf32>
// CHECK: loom.attention %[[Q4]], %[[K4]], %arg2 mask %{{.*}} {scale = 2.500000e-01 : f32} : {{.*}} -> tensor<?x2x?x8xf32>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.ConstantOfShape
func.func @neox_baddbmm(%q: tensor<?x?x8xf32>, %k: tensor<?x?x8xf32>, %v: tensor<?x2x?x8xf32>, %zshape: tensor<3xi64>, %view: tensor<4xi64>, %causal: tensor<1x1x?x?xi1>, %pad: tensor<?x1x1x?xf32>) -> tensor<?x2x?x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 1]}> : (tensor<?x?x8xf32>) -> tensor<?x8x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x?x8xf32>, tensor<?x8x?xf32>) -> tensor<?x?x?xf32>
  %alpha = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
  %scaled = "onnx.Mul"(%s, %alpha) : (tensor<?x?x?xf32>, tensor<f32>) -> tensor<?x?x?xf32>
  %zeros = "onnx.ConstantOfShape"(%zshape) <{value = dense<0.0> : tensor<1xf32>}> : (tensor<3xi64>) -> tensor<?x?x?xf32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %beta = "onnx.Mul"(%zeros, %one) : (tensor<?x?x?xf32>, tensor<f32>) -> tensor<?x?x?xf32>
  %sum = "onnx.Add"(%scaled, %beta) : (tensor<?x?x?xf32>, tensor<?x?x?xf32>) -> tensor<?x?x?xf32>
  %s4 = "onnx.Reshape"(%sum, %view) : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<?x2x?x?xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%causal, %s4, %min) : (tensor<1x1x?x?xi1>, tensor<?x2x?x?xf32>, tensor<f32>) -> tensor<?x2x?x?xf32>
  %a = "onnx.Add"(%w, %pad) : (tensor<?x2x?x?xf32>, tensor<?x1x1x?xf32>) -> tensor<?x2x?x?xf32>
  %p = "onnx.Softmax"(%a) <{axis = -1 : si64}> : (tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %o = "onnx.MatMul"(%p, %v) : (tensor<?x2x?x?xf32>, tensor<?x2x?x8xf32>) -> tensor<?x2x?x8xf32>
  return %o : tensor<?x2x?x8xf32>
}

// -----

// Hugging Face's BLOOM: baddbmm(alibi, q, k^T, alpha) on folded heads, viewed
// [b, h, q, kv] for masked_fill, the probabilities folded back for the bmm
// with V. Q, K, V and the ALiBi bias ([b * h, 1, kv]) are unfolded into the 2
// heads; the bias joins the mask.
// CHECK-LABEL: func @bloom_alibi
// CHECK: %[[Q4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x2x?x8xf32>
// CHECK: %[[K4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x2x?x8xf32>
// CHECK: %[[V4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x2x?x8xf32>
// CHECK: %[[B4:.*]] = "onnx.Reshape"({{.*}} -> tensor<?x2x1x?xf32>
// CHECK: %[[M:.*]] = "onnx.Add"(%{{.*}}, %[[B4]]) : (tensor<?x1x?x?xf32>, tensor<?x2x1x?xf32>) -> tensor<?x2x?x?xf32>
// CHECK: %[[O:.*]] = loom.attention %[[Q4]], %[[K4]], %[[V4]] mask %[[M]] {scale = 2.500000e-01 : f32}
// CHECK: tensor.collapse_shape %[[O]] {{.*}} into tensor<?x?x8xf32>
// CHECK-NOT: onnx.Softmax
func.func @bloom_alibi(%q: tensor<?x?x8xf32>, %k: tensor<?x?x8xf32>, %v: tensor<?x?x8xf32>, %alibi: tensor<?x1x?xf32>, %view: tensor<4xi64>, %fold: tensor<3xi64>, %masked: tensor<?x1x?x?xi1>) -> tensor<?x?x8xf32> {
  %kt = "onnx.Transpose"(%k) <{perm = [0, 2, 1]}> : (tensor<?x?x8xf32>) -> tensor<?x8x?xf32>
  %s = "onnx.MatMul"(%q, %kt) : (tensor<?x?x8xf32>, tensor<?x8x?xf32>) -> tensor<?x?x?xf32>
  %alpha = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
  %scaled = "onnx.Mul"(%s, %alpha) : (tensor<?x?x?xf32>, tensor<f32>) -> tensor<?x?x?xf32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %beta = "onnx.Mul"(%alibi, %one) : (tensor<?x1x?xf32>, tensor<f32>) -> tensor<?x1x?xf32>
  %sum = "onnx.Add"(%scaled, %beta) : (tensor<?x?x?xf32>, tensor<?x1x?xf32>) -> tensor<?x?x?xf32>
  %s4 = "onnx.Reshape"(%sum, %view) : (tensor<?x?x?xf32>, tensor<4xi64>) -> tensor<?x2x?x?xf32>
  %min = "onnx.Constant"() <{value = dense<-3.40282347E+38> : tensor<f32>}> : () -> tensor<f32>
  %w = "onnx.Where"(%masked, %min, %s4) : (tensor<?x1x?x?xi1>, tensor<f32>, tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p = "onnx.Softmax"(%w) <{axis = -1 : si64}> : (tensor<?x2x?x?xf32>) -> tensor<?x2x?x?xf32>
  %p3 = "onnx.Reshape"(%p, %fold) : (tensor<?x2x?x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %o = "onnx.MatMul"(%p3, %v) : (tensor<?x?x?xf32>, tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}
