// loom-decode-speculate after loom-decode-wrap-step (the decoder of
// wrap-step.mlir): the one-token step becomes draft -> verify step over the
// drafted nodes -> verify -> commit, with the plain step kept for the prefill
// and for steps where nothing was drafted.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64 stop-tokens=2" --loom-decode-speculate="max-ngram=2 tree=-1,0,1" | FileCheck %s
// The default tree is a chain of four drafts.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64" --loom-decode-speculate | FileCheck %s --check-prefix=DEFAULT
// DEFAULT: decode.draft ngram %{{.*}} {tree = array<i64: -1, 0, 1, 2, 3>} : tensor<?xi64> -> tensor<5xi64>
// For a chain the accepted nodes are already in place: the commit folds away.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64" --loom-decode-speculate --canonicalize | FileCheck %s --check-prefix=FOLDED
// FOLDED-NOT: decode.commit
// FOLDED: decode.verify

// The verify step is the prefill step returning every position's logits.
// CHECK-LABEL: func.func private @decode_step_verify(
// CHECK-SAME: tensor<?xi64>, %{{.*}}: index, %{{.*}}: !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, max_len = 64, f32>)
// CHECK-SAME: -> (tensor<?x16xf32>, !decode.kv_cache
// CHECK: decode.cache_append
// CHECK: %[[ROWS:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<1x?x16xf32> into tensor<?x16xf32>
// CHECK: return %[[ROWS]]

// CHECK-LABEL: func.func @loom_generate(
// CHECK: decode.loop %{{.*}}, %{{.*}}, %{{.*}} stop [2]
// The body reads the history too.
// CHECK: ^bb0(%[[IDS:.*]]: tensor<?xi64>, %[[POS:.*]]: index, %[[C:.*]]: !decode.kv_cache<{{.*}}>, %[[H:.*]]: tensor<?xi64>):
// CHECK: %[[N:.*]] = tensor.dim %[[IDS]]
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[N]], %c1
// CHECK: %[[STEP:.*]]:2 = scf.if %[[ONE]] -> (tensor<?xi64>, !decode.kv_cache
// CHECK: %[[D:.*]], %[[COUNT:.*]] = decode.draft ngram %[[H]] {max_ngram = 2 : i64, tree = array<i64: -1, 0, 1>} : tensor<?xi64> -> tensor<3xi64>
// As many nodes as the cache has room for.
// CHECK: %[[ROOM:.*]] = arith.subi %c64, %[[POS]]
// CHECK: %[[FED:.*]] = arith.minui %[[COUNT]], %[[ROOM]]
// CHECK: %[[SEVERAL:.*]] = arith.cmpi ugt, %[[FED]], %c1
// CHECK: scf.if %[[SEVERAL]]
// CHECK: %[[NODES:.*]] = tensor.extract_slice %[[D]][0] [%[[FED]]] [1] : tensor<3xi64> to tensor<?xi64>
// CHECK: %[[V:.*]]:2 = func.call @decode_step_verify(%[[NODES]], %[[POS]], %[[C]])
// CHECK: %[[PATH:.*]], %[[LEN:.*]], %[[BONUS:.*]] = decode.verify caller %[[V]]#0, %[[D]], %[[FED]] at %[[POS]], %[[H]] {tree = array<i64: -1, 0, 1>} : tensor<?x16xf32>, tensor<3xi64>, tensor<?xi64> -> tensor<3xi64>
// CHECK: %[[KEPT:.*]] = decode.commit %[[V]]#1, %[[PATH]], %[[LEN]] at %[[POS]] {tree = array<i64: -1, 0, 1>}
// The accepted drafts, then the bonus token.
// CHECK: %[[OUT:.*]] = tensor.generate %[[LEN]]
// CHECK: arith.select %{{.*}}, %[[BONUS]], %{{.*}} : i64
// CHECK: scf.yield %[[OUT]], %[[KEPT]]
// Nothing drafted: the one-token step.
// CHECK: } else {
// CHECK: func.call @decode_step_token(
// CHECK: decode.sample caller
// CHECK: tensor.from_elements
// The prefill, as before.
// CHECK: } else {
// CHECK: func.call @decode_step_tokens(%[[IDS]], %[[POS]], %[[C]])
// CHECK: decode.sample caller
// CHECK: decode.yield %[[STEP]]#0, %[[STEP]]#1 : tensor<?xi64>, !decode.kv_cache

// Refusals: a tree with branches for a model without fused attention (this
// one has none), only the root, a bad parent, an unknown draft source, a
// tree deeper than the cache.
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="tree=-1,0,0" 2>&1 | FileCheck %s --check-prefix=BRANCH
// BRANCH: loom-decode-speculate: a tree with branches needs fused attention (loom.attention) in every layer, and this model's is not fused; give a chain
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="tree=-1" 2>&1 | FileCheck %s --check-prefix=ROOT
// ROOT: loom-decode-speculate: the speculation tree has only the root: it drafts nothing
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="tree=-1,0,3" 2>&1 | FileCheck %s --check-prefix=PARENT
// PARENT: node 2 of the speculation tree has parent 3; a parent must be an earlier node (0 to 1)
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="tree=0,0" 2>&1 | FileCheck %s --check-prefix=NOROOT
// NOROOT: node 0 of the speculation tree is the root: its parent must be -1, got 0
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="draft=medusa" 2>&1 | FileCheck %s --check-prefix=SOURCE
// SOURCE: loom-decode-speculate: unknown draft source 'medusa' (known: ngram, self, model)
// A self draft keeps some of the target's layers: this one has one.
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step --loom-decode-speculate="draft=self draft-layers=1" 2>&1 | FileCheck %s --check-prefix=SELF
// SELF: loom-decode-speculate: a self draft keeps some of the target's layers; this target has only 1
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-speculate 2>&1 | FileCheck %s --check-prefix=UNWRAPPED
// UNWRAPPED: loom-decode-speculate: the module has no @loom_generate and @decode_step_tokens (run loom-decode-wrap-step first)
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-decode-wrap-step="context-length=2" --loom-decode-speculate="tree=-1,0,1,2" 2>&1 | FileCheck %s --check-prefix=DEEP
// DEEP: loom-decode-speculate: the speculation tree is 4 levels deep, more than the cache's 2 positions
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
