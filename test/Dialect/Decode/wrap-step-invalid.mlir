// Decoders loom-decode-wrap-step must refuse, each with a message naming what
// does not fit: the cache could not be updated in place, or the convention
// does not match.
// RUN: loom-opt %s -split-input-file -verify-diagnostics --loom-decode-wrap-step

// The "present" keys concatenate on the heads axis, not the sequence.
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"},
                      %new: tensor<1x2x?x4xf32>  {onnx.name = "unused"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x?x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  // expected-error @+1 {{'present.0.key' concatenates on an axis other than the sequence (2)}}
  %k = "onnx.Concat"(%pk, %new) <{axis = 1 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x?x?x4xf32>
  %v = "onnx.Concat"(%pv, %new) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x?x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// The past keys feed an Add besides their Concat: the step needs them as a
// tensor of their own.
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  // expected-error @+1 {{input 'past_key_values.0.key' is used by onnx.Add, not only by the Concat making 'present.0.key' (and Shape)}}
  %twice = "onnx.Add"(%pk, %pk) : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %k = "onnx.Concat"(%pk, %twice) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %twice) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// The present values are the new values alone (no Concat with the past).
// expected-error @+1 {{output 'present.0.value' is not Concat('past_key_values.0.value', new)}}
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Neg"(%pv) : (tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// Keys and values of different head sizes (DeepSeek's latent attention: a
// rotary part on the keys only) cannot share the one cache buffer.
// expected-error @+1 {{input 'past_key_values.0.value' has type 'tensor<1x2x?x3xf32>', unlike 'past_key_values.0.key' ('tensor<1x2x?x4xf32>'): the cache holds every layer's keys and values in one buffer}}
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x3xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x3xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x3xf32>, tensor<1x2x?x3xf32>) -> tensor<1x2x?x3xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x3xf32>
}

// -----

// Layer 0's past values are missing.
// expected-error @+1 {{the model has no input named 'past_key_values.0.value'}}
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>
}

// -----

// An encoder: no token ids.
// expected-error @+1 {{the model has no input named 'input_ids'}}
func.func @main_graph(%x: tensor<1x?x8xf32> {onnx.name = "pixel_values"}) -> (tensor<1x?x8xf32> {onnx.name = "logits"}) {
  return %x : tensor<1x?x8xf32>
}

// -----

// An extra input loom could not feed.
// expected-error @+1 {{input 'token_type_ids' is not part of the decoder convention}}
func.func @main_graph(%ids: tensor<1x?xi64> {onnx.name = "input_ids"},
                      %types: tensor<1x?xi64> {onnx.name = "token_type_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}

// -----

// A batch of 2 sequences: the generation loop runs one.
// expected-error @+1 {{input 'input_ids' has type 'tensor<2x?xi64>'; generation needs [batch, sequence] int64 token ids with batch 1 or dynamic}}
func.func @main_graph(%ids: tensor<2x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<1x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<1x?x16xf32> {onnx.name = "logits"}, tensor<1x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<1x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %l = "onnx.Constant"() <{value = dense<0.0> : tensor<1x1x16xf32>}> : () -> tensor<1x?x16xf32>
  %k = "onnx.Concat"(%pk, %pk) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %pv) <{axis = 2 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  return %l, %k, %v : tensor<1x?x16xf32>, tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>
}
