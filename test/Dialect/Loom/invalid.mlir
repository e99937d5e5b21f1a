// One case per verifier error of the loom dialect.
// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @attention_rank(%q: tensor<8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{query must be [batch, heads, seq, head_dim] (rank 4), got rank 3}}
  %0 = loom.attention %q, %k, %v : tensor<8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_element_types(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf16>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{query, key, value and result must share one element type}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf16>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_dynamic_heads(%q: tensor<1x?x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{head counts must be static, got ? query heads and 8 key/value heads}}
  %0 = loom.attention %q, %k, %v : tensor<1x?x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_kv_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x4x16x64xf32>) {
  // expected-error @+1 {{key has 2 heads but value has 4}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x4x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_group(%q: tensor<1x8x16x64xf32>, %k: tensor<1x3x16x64xf32>, %v: tensor<1x3x16x64xf32>) {
  // expected-error @+1 {{query heads (8) must be a multiple of key/value heads (3)}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_batch(%q: tensor<2x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{batch sizes of query, key and value differ}}
  %0 = loom.attention %q, %k, %v : tensor<2x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<2x8x16x64xf32>
  return
}

// -----

func.func @attention_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x32xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{query head_dim (64) differs from key head_dim (32)}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_kv_len(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x17x64xf32>) {
  // expected-error @+1 {{key and value lengths differ: 16 vs 17}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x17x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_result(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+1 {{result dimension 3 is 64, expected 32}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_mask_type(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<16x16xf16>) {
  // expected-error @+1 {{mask must be i1 or the query's element type, got 'f16'}}
  %0 = loom.attention %q, %k, %v mask %m : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<16x16xf16> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_mask_rank(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<16xi1>) {
  // expected-error @+1 {{mask must be [q_len, kv_len] or [batch, heads, q_len, kv_len], got rank 1}}
  %0 = loom.attention %q, %k, %v mask %m : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<16xi1> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_mask_shape(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<16x15xi1>) {
  // expected-error @+1 {{mask's last two dimensions must be [q_len or 1, kv_len]}}
  %0 = loom.attention %q, %k, %v mask %m : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<16x15xi1> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_mask_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>, %m: tensor<1x4x16x16xi1>) {
  // expected-error @+1 {{mask's batch and head dimensions must be 1 or match the query}}
  %0 = loom.attention %q, %k, %v mask %m : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x4x16x16xi1> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_scale(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{scale must be positive and finite, got -1}}
  %0 = loom.attention %q, %k, %v {scale = -1.0 : f32} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_softcap(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{softcap must be positive and finite, got 0}}
  %0 = loom.attention %q, %k, %v {softcap = 0.0 : f32} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @attention_integer(%q: tensor<1x8x16x64xi8>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = loom.attention %q, %k, %v : tensor<1x8x16x64xi8>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32> -> tensor<1x8x16x64xf32>
  return
}

// -----

func.func @softmax_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{input must have at least one dimension}}
  %0 = loom.softmax online %x : tensor<f32>
  return
}

// -----

func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{axis -3 is out of range for rank 2}}
  %0 = loom.softmax two_pass %x {axis = -3 : i64} : tensor<4x8xf32>
  return
}

// -----

func.func @softmax_algorithm(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'algorithm' [three_pass, two_pass, online]}}
  %0 = loom.softmax four_pass %x : tensor<4x8xf32>
  return
}

// -----

func.func @rms_norm_result(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{result type 'tensor<2x32xf32>' must equal the input type 'tensor<2x64xf32>'}}
  %0 = loom.rms_norm %x, %w : tensor<2x64xf32>, tensor<64xf32> -> tensor<2x32xf32>
  return
}

// -----

func.func @rms_norm_scalar(%x: tensor<f32>, %w: tensor<1xf32>) {
  // expected-error @+1 {{input must have at least one dimension}}
  %0 = loom.rms_norm %x, %w : tensor<f32>, tensor<1xf32> -> tensor<f32>
  return
}

// -----

func.func @rms_norm_weight_rank(%x: tensor<2x64xf32>, %w: tensor<1x64xf32>) {
  // expected-error @+1 {{weight must be one-dimensional, got rank 2}}
  %0 = loom.rms_norm %x, %w : tensor<2x64xf32>, tensor<1x64xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_weight_type(%x: tensor<2x64xf32>, %w: tensor<64xf16>) {
  // expected-error @+1 {{weight element type 'f16' differs from input element type 'f32'}}
  %0 = loom.rms_norm %x, %w : tensor<2x64xf32>, tensor<64xf16> -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_weight_size(%x: tensor<2x64xf32>, %w: tensor<32xf32>) {
  // expected-error @+1 {{weight has 32 elements but the normalized dimension has 64}}
  %0 = loom.rms_norm %x, %w : tensor<2x64xf32>, tensor<32xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @rms_norm_epsilon(%x: tensor<2x64xf32>, %w: tensor<64xf32>) {
  // expected-error @+1 {{epsilon must be positive and finite, got 0}}
  %0 = loom.rms_norm %x, %w {epsilon = 0.0 : f32} : tensor<2x64xf32>, tensor<64xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_bias_size(%x: tensor<2x64xf32>, %w: tensor<64xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{bias has 32 elements but the normalized dimension has 64}}
  %0 = loom.layer_norm %x, %w, %b : tensor<2x64xf32>, tensor<64xf32>, tensor<32xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @layer_norm_weight_rank(%x: tensor<2x64xf32>, %w: tensor<2x64xf32>) {
  // expected-error @+1 {{weight must be one-dimensional, got rank 2}}
  %0 = loom.layer_norm %x, %w : tensor<2x64xf32>, tensor<2x64xf32> -> tensor<2x64xf32>
  return
}

// -----

func.func @rotary_odd(%x: tensor<2x7xf32>, %c: tensor<2x7xf32>) {
  // expected-error @+1 {{the rotated dimension must be even, got 7}}
  %0 = loom.rotary %x, %c, %c : tensor<2x7xf32>, tensor<2x7xf32> -> tensor<2x7xf32>
  return
}

// -----

func.func @rotary_pairs_angles(%x: tensor<2x8xf32>, %c: tensor<2x8xf32>) {
  // expected-error @+1 {{cos/sin last dimension must be 4 (half the rotated dimension) or 1, got 8}}
  %0 = loom.rotary %x, %c, %c pairs : tensor<2x8xf32>, tensor<2x8xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @rotary_broadcast(%x: tensor<3x8xf32>, %c: tensor<2x8xf32>) {
  // expected-error @+1 {{cos/sin dimension 0 (2) does not broadcast to the input's 3}}
  %0 = loom.rotary %x, %c, %c : tensor<3x8xf32>, tensor<2x8xf32> -> tensor<3x8xf32>
  return
}

// -----

func.func @rotary_rank(%x: tensor<8xf32>, %c: tensor<1x8xf32>) {
  // expected-error @+1 {{cos/sin must have between 1 and 1 dimensions, got 2}}
  %0 = loom.rotary %x, %c, %c : tensor<8xf32>, tensor<1x8xf32> -> tensor<8xf32>
  return
}

// -----

func.func @quantized_matmul_row_bytes(%x: tensor<2x64xf32>, %w: tensor<16x64xi8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{weights rows must have 32 bytes for 64 inputs at 4 bits, got 64}}
  %0 = loom.quantized_matmul %x, %w, %s {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64}
      : tensor<2x64xf32>, tensor<16x64xi8>, tensor<16x2xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @quantized_matmul_in_features(%x: tensor<2x60xf32>, %w: tensor<16x64xi8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{input's last dimension must be in_features = 64, got 60}}
  %0 = loom.quantized_matmul %x, %w, %s {bits = 8 : i32, group_size = 64 : i64, in_features = 64 : i64}
      : tensor<2x60xf32>, tensor<16x64xi8>, tensor<16x1xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @quantized_matmul_group(%x: tensor<2x64xf32>, %w: tensor<16x64xi8>, %s: tensor<16x2xf32>) {
  // expected-error @+1 {{group_size must be a multiple of 32, got 48}}
  %0 = loom.quantized_matmul %x, %w, %s {bits = 8 : i32, group_size = 48 : i64, in_features = 64 : i64}
      : tensor<2x64xf32>, tensor<16x64xi8>, tensor<16x2xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @quantized_matmul_scales(%x: tensor<2x64xf32>, %w: tensor<16x64xi8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{scales must be [16, 2], got 'tensor<16x1xf32>'}}
  %0 = loom.quantized_matmul %x, %w, %s {bits = 8 : i32, group_size = 32 : i64, in_features = 64 : i64}
      : tensor<2x64xf32>, tensor<16x64xi8>, tensor<16x1xf32> -> tensor<2x16xf32>
  return
}

// -----

func.func @quantized_matmul_zero_points_bits(%x: tensor<2x64xf32>, %w: tensor<16x64xi8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{zero_points are only for 4-bit weights, got 8 bits}}
  %0 = loom.quantized_matmul %x, %w, %s zero_points %w {bits = 8 : i32, group_size = 64 : i64, in_features = 64 : i64}
      : tensor<2x64xf32>, tensor<16x64xi8>, tensor<16x1xf32>, tensor<16x64xi8> -> tensor<2x16xf32>
  return
}

// -----

func.func @quantized_matmul_result(%x: tensor<2x64xf32>, %w: tensor<16x64xi8>, %s: tensor<16x1xf32>) {
  // expected-error @+1 {{result must be the input's shape with its last dimension 16, got 'tensor<2x8xf32>'}}
  %0 = loom.quantized_matmul %x, %w, %s {bits = 8 : i32, group_size = 64 : i64, in_features = 64 : i64}
      : tensor<2x64xf32>, tensor<16x64xi8>, tensor<16x1xf32> -> tensor<2x8xf32>
  return
}

// -----

func.func @shard_axis(%w: tensor<64x172xf32>) {
  // expected-error @+1 {{axis 2 is outside the input's 2 dimensions}}
  %0 = loom.shard %w {axis = 2 : i64, ranks = 2 : i64} : tensor<64x172xf32> -> tensor<64x86xf32>
  return
}

// -----

func.func @shard_indivisible(%w: tensor<64x172xf32>) {
  // expected-error @+1 {{the sharded axis must have a static size that is a multiple of the 3 ranks, got 'tensor<64x172xf32>'}}
  %0 = loom.shard %w {axis = 1 : i64, ranks = 3 : i64} : tensor<64x172xf32> -> tensor<64x57xf32>
  return
}

// -----

func.func @shard_dynamic(%w: tensor<64x?xf32>) {
  // expected-error @+1 {{the sharded axis must have a static size that is a multiple of the 2 ranks}}
  %0 = loom.shard %w {axis = 1 : i64, ranks = 2 : i64} : tensor<64x?xf32> -> tensor<64x?xf32>
  return
}

// -----

func.func @shard_result(%w: tensor<64x172xf32>) {
  // expected-error @+1 {{result must be the input with dimension 0 of size 32, got 'tensor<64x86xf32>'}}
  %0 = loom.shard %w {axis = 0 : i64, ranks = 2 : i64} : tensor<64x172xf32> -> tensor<64x86xf32>
  return
}

// -----

func.func @shard_one_rank(%w: tensor<64x172xf32>) {
  // expected-error @+1 {{attribute 'ranks' failed to satisfy constraint}}
  %0 = loom.shard %w {axis = 0 : i64, ranks = 1 : i64} : tensor<64x172xf32> -> tensor<64x172xf32>
  return
}

// -----

func.func @all_reduce_type(%x: tensor<4xi32>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  %0 = loom.all_reduce %x {ranks = 2 : i64} : tensor<4xi32>
  return
}

// -----

func.func @all_gather_result(%x: tensor<1x?x256xf32>) {
  // expected-error @+1 {{result must be the input with its last dimension times 2 (512), got 'tensor<1x?x256xf32>'}}
  %0 = loom.all_gather %x {ranks = 2 : i64} : tensor<1x?x256xf32> -> tensor<1x?x256xf32>
  return
}

// -----

func.func @all_gather_dynamic(%x: tensor<1x?xf32>) {
  // expected-error @+1 {{input must have a static last dimension, got 'tensor<1x?xf32>'}}
  %0 = loom.all_gather %x {ranks = 2 : i64} : tensor<1x?xf32> -> tensor<1x?xf32>
  return
}
