// loom-decode-speculate draft=model: a separate draft model's steps, linked
// into the module under draft_model_ names (loom-compile
// --speculate=draft=FILE.onnx does it with loom::decode::adoptDraftModel),
// draft with decode.draft_model; the target's cache is not touched by the
// draft (it keeps its own).
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64" --loom-decode-speculate="draft=model tree=-1,0,1" | FileCheck %s
// CHECK-LABEL: func.func @loom_generate(
// CHECK: ^bb0(%[[IDS:.*]]: tensor<?xi64>, %[[POS:.*]]: index, %[[C:.*]]: !decode.kv_cache<{{.*}}>, %[[H:.*]]: tensor<?xi64>):
// CHECK: %[[ROOT:.*]] = tensor.cast %[[IDS]] : tensor<?xi64> to tensor<1xi64>
// CHECK: %[[D:.*]], %[[COUNT:.*]] = decode.draft_model @draft_model_decode_step_token, @draft_model_decode_step_tokens(%[[ROOT]] at %[[POS]], %[[H]]) {cache = !decode.kv_cache<layers = 2, kv_heads = 1, head_dim = 4, max_len = 64, f32>, tree = array<i64: -1, 0, 1>} : tensor<1xi64>, tensor<?xi64> -> tensor<3xi64>
// CHECK: %[[ROOM:.*]] = arith.subi %c64, %[[POS]]
// CHECK: %[[FED:.*]] = arith.minui %[[COUNT]], %[[ROOM]]
// CHECK: %[[NODES:.*]] = tensor.extract_slice %[[D]][0] [%[[FED]]] [1]
// The verify step starts from the target's cache as it was.
// CHECK: func.call @decode_step_verify(%[[NODES]], %[[POS]], %[[C]])

// Lowered: the draft's cache, the record of the tokens fed to it and how many
// are valid are allocated once at @loom_generate's entry; each draft first
// finds where the record and the history part, feeds the history from there
// in one call of the several-token step, then drafts with the one-token step.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64" --loom-decode-speculate="draft=model tree=-1,0,1" --loom-decode-lower | FileCheck %s --check-prefix=LOWER
// LOWER-LABEL: func.func @loom_generate(
// LOWER-NEXT: %[[DCACHE:.*]] = memref.alloc() : memref<2x2x1x1x64x4xf32>
// LOWER-NEXT: %[[FEDREC:.*]] = memref.alloc() : memref<64xi64>
// LOWER-NEXT: %[[SEEN:.*]] = memref.alloc() : memref<index>
// LOWER: memref.store %{{.*}}, %[[SEEN]][] : memref<index>
// LOWER: memref.load %[[SEEN]][] : memref<index>
// LOWER: scf.for
// LOWER: memref.load %[[FEDREC]]
// LOWER: arith.cmpi ne
// LOWER: scf.if
// LOWER: func.call @draft_model_decode_step_tokens(%{{.*}}, %{{.*}}, %[[DCACHE]])
// LOWER: scf.for
// LOWER: func.call @draft_model_decode_step_token(%{{.*}}, %{{.*}}, %[[DCACHE]])
// LOWER: memref.store %{{.*}}, %[[FEDREC]]
// LOWER: memref.store %{{.*}}, %[[SEEN]][] : memref<index>
// LOWER-NOT: decode.draft_model

// Refusals, each a near miss: a tree with branches; a draft with another
// vocabulary (17 logits, the target has 16); a draft cache shorter than the
// target's context; no draft steps in the module.
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step="context-length=64" --loom-decode-speculate="draft=model tree=-1,0,0" 2>&1 | FileCheck %s --check-prefix=TREE
// TREE: loom-decode-speculate: a draft model drafts a chain (each node the child of the one before)
// RUN: sed 's/tensor<16xf32>, !draft/tensor<17xf32>, !draft/g; s/dense<1.0> : tensor<16xf32>/dense<1.0> : tensor<17xf32>/g' %s | not loom-opt --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step="context-length=64" --loom-decode-speculate="draft=model" 2>&1 | FileCheck %s --check-prefix=VOCAB
// VOCAB: loom-decode-speculate: the draft model's vocabulary does not match the target's: its logits are 'tensor<17xf32>', the target's 'tensor<16xf32>'
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step="context-length=65" --loom-decode-speculate="draft=model" 2>&1 | FileCheck %s --check-prefix=SHORT
// SHORT: loom-decode-speculate: the draft model's cache holds 64 positions, fewer than the target's 65
// RUN: sed 's/@draft_model_decode_step_token(/@other(/' %s | not loom-opt --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step="context-length=64" --loom-decode-speculate="draft=model" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: loom-decode-speculate: draft=model needs the draft model's steps @draft_model_decode_step_token and @draft_model_decode_step_tokens in the module (loom-compile --speculate=draft=FILE.onnx links them)

!draft = !decode.kv_cache<layers = 2, kv_heads = 1, head_dim = 4, max_len = 64, f32>

// Stand-ins for a wrapped draft decoder: constant logits (what the steps
// compute does not matter to the rewrite).
func.func private @draft_model_decode_step_token(%ids: tensor<1xi64>, %pos: index, %c: !draft) -> (tensor<16xf32>, !draft) {
  %l = arith.constant dense<1.0> : tensor<16xf32>
  return %l, %c : tensor<16xf32>, !draft
}
func.func private @draft_model_decode_step_tokens(%ids: tensor<?xi64>, %pos: index, %c: !draft) -> (tensor<16xf32>, !draft) {
  %l = arith.constant dense<1.0> : tensor<16xf32>
  return %l, %c : tensor<16xf32>, !draft
}

func.func @main_graph(%ids: tensor<?x?xi64> {onnx.name = "input_ids"},
                      %positions: tensor<?x?xi64> {onnx.name = "position_ids"},
                      %pk: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<?x?x16xf32> {onnx.name = "logits"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %emb = "onnx.Constant"() <{value = dense<0.5> : tensor<16x8xf32>}> : () -> tensor<16x8xf32>
  %x = "onnx.Gather"(%emb, %ids) <{axis = 0 : si64}> : (tensor<16x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  %pf = "onnx.Cast"(%positions) <{to = 1 : si64}> : (tensor<?x?xi64>) -> tensor<?x?xf32>
  %shape = "onnx.Constant"() <{value = dense<[1, -1, 2, 4]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %r = "onnx.Reshape"(%x, %shape) <{allowzero = 0 : si64}> : (tensor<?x?x8xf32>, tensor<4xi64>) -> tensor<?x?x2x4xf32>
  %new = "onnx.Transpose"(%r) <{perm = [0, 2, 1, 3]}> : (tensor<?x?x2x4xf32>) -> tensor<?x2x?x4xf32>
  %past_shape = "onnx.Shape"(%pk) <{start = 0 : si64}> : (tensor<?x2x?x4xf32>) -> tensor<4xi64>
  %past_f = "onnx.Cast"(%past_shape) <{to = 1 : si64}> : (tensor<4xi64>) -> tensor<4xf32>
  %k = "onnx.Concat"(%pk, %new) <{axis = 2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %new) <{axis = -2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %w = "onnx.Constant"() <{value = dense<0.25> : tensor<8x16xf32>}> : () -> tensor<8x16xf32>
  %logits0 = "onnx.MatMul"(%x, %w) : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %sixteen = "onnx.Concat"(%past_f, %past_f, %past_f, %past_f) <{axis = 0 : si64}> : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<16xf32>
  %logits = "onnx.Add"(%logits0, %sixteen) : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %logits, %k, %v : tensor<?x?x16xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
}
