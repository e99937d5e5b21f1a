// A context longer than the table the positions index (GPT-2's learned
// position embeddings, a rotary cos/sin cache) is refused: past the table
// the model has no answer. A table as long as the context is accepted.
// RUN: loom-opt %s -split-input-file -verify-diagnostics --loom-decode-wrap-step="context-length=64"
// RUN: loom-opt %s -split-input-file --loom-decode-wrap-step="context-length=32" | FileCheck %s

// CHECK-LABEL: func.func @loom_generate
// CHECK-LABEL: func.func @loom_generate
// CHECK-LABEL: func.func @loom_generate
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pos: tensor<1x?xi64> {onnx.name = "position_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %table = "onnx.Constant"() <{value = dense<0.5> : tensor<32x16xf32>}> : () -> tensor<32x16xf32>
  // expected-error @+1 {{the context length 64 is beyond the 32 positions this model supports (this Gather reads a table of 32 rows by 'position_ids', e.g. learned position embeddings); compile with --context-length=32 or less}}
  %l = "onnx.Gather"(%table, %pos) <{axis = 0 : si64}> : (tensor<32x16xf32>, tensor<1x?xi64>) -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// Through a Cast and an Unsqueeze, on axis -2 of a rotary-style cache.
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pos: tensor<1x?xi32> {onnx.name = "position_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %cos = "onnx.Constant"() <{value = dense<0.5> : tensor<48x16xf32>}> : () -> tensor<48x16xf32>
  %i = "onnx.Cast"(%pos) <{to = 7 : si64}> : (tensor<1x?xi32>) -> tensor<1x?xi64>
  // expected-error @+1 {{the context length 64 is beyond the 48 positions}}
  %l = "onnx.Gather"(%cos, %i) <{axis = -2 : si64}> : (tensor<48x16xf32>, tensor<1x?xi64>) -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// Hugging Face 4.36's rotary cache: the table sliced to the sequence's length
// (cos_cached[:seq_len], dynamic rows), then indexed by position_ids: the
// sliced table has no more rows than the 40 it was sliced from.
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pos: tensor<1x?xi64> {onnx.name = "position_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %cos = "onnx.Constant"() <{value = dense<0.5> : tensor<40x16xf32>}> : () -> tensor<40x16xf32>
  %zero = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %len = "onnx.Shape"(%ids) <{start = 1 : si64}> : (tensor<1x?xi64>) -> tensor<1xi64>
  %rows = "onnx.Slice"(%cos, %zero, %len, %zero) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<40x16xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x16xf32>
  // expected-error @+1 {{the context length 64 is beyond the 40 positions}}
  %l = "onnx.Gather"(%rows, %pos) <{axis = 0 : si64}> : (tensor<?x16xf32>, tensor<1x?xi64>) -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}
