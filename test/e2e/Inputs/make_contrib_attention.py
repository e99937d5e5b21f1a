"""ONNX Runtime's contrib attention ops (com.microsoft.MultiHeadAttention and
com.microsoft.Attention) in small models, with reference outputs computed
here in float64 numpy from ONNX Runtime's operator documentation
(ContribOperators.md): heads split from the hidden axis, softmax(scale Q K^T
+ bias) V, causal masking aligned to the last key when `unidirectional`.
Every case was checked against onnxruntime 1.30 with bench/ort_check.py
when this test was written.

Usage: make_contrib_attention.py OUT_DIR
  writes mha.onnx + mha/ (MHA with attention_bias), mha_causal.onnx +
  mha_causal/ (MHA, unidirectional, explicit scale, self-attention),
  mha_cross_causal.onnx (unidirectional, 3 queries over 7 keys: not fused),
  attention.onnx + attention/ (Attention with bias, unidirectional),
  attention_mask.onnx + attention_mask/ (Attention with a [b, s] mask_index),
  mha_past.onnx + mha_past/ (MHA with past key/value, unidirectional: the
  presents are past followed by the new keys/values),
  mha_padding_mask, mha_padding_bias, mha_padding_lengths (+ data dirs):
  MHA with a [b, l] key_padding_mask, the same with an attention bias, and
  a [b] one (valid key counts); masked keys get onnxruntime's
  mask_filter_value (-10000) added
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)
F = TensorProto.FLOAT


def attention(q, k, v, heads, scale=None, bias=None, causal=False, key_mask=None):
    """key_mask: [b, l] 1/0 (keep/mask); masked keys get onnxruntime's
    mask_filter_value, -10000, added to their scores."""
    b, s, hidden = q.shape
    length = k.shape[1]
    d, dv = hidden // heads, v.shape[2] // heads
    qh = q.reshape(b, s, heads, d).transpose(0, 2, 1, 3).astype(np.float64)
    kh = k.reshape(b, length, heads, d).transpose(0, 2, 1, 3).astype(np.float64)
    vh = v.reshape(b, length, heads, dv).transpose(0, 2, 1, 3).astype(np.float64)
    scores = qh @ kh.transpose(0, 1, 3, 2) * (scale if scale else 1 / np.sqrt(d))
    if bias is not None:
        scores = scores + bias
    if key_mask is not None:
        scores = scores + np.where(key_mask[:, None, None, :] > 0, 0.0, -10000.0)
    if causal:
        i = np.arange(s)[:, None] + (length - s)
        scores = np.where(np.arange(length)[None, :] > i, -np.inf, scores)
    scores = np.exp(scores - scores.max(-1, keepdims=True))
    probs = scores / scores.sum(-1, keepdims=True)
    return (probs @ vh).transpose(0, 2, 1, 3).reshape(b, s, heads * dv).astype(np.float32)


def save(out, name, nodes, inputs, outputs, feeds, expected, initializers=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    if feeds is None:
        return
    data = os.path.join(out, name)
    os.makedirs(data, exist_ok=True)
    for i, x in enumerate(feeds):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x).SerializeToString())
    with open(os.path.join(data, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(expected).SerializeToString())


def main():
    out = sys.argv[1]
    heads = 4
    # MHA with an additive attention bias [1, heads, s, l].
    q = rng.standard_normal((2, 5, 32)).astype(np.float32)
    k = rng.standard_normal((2, 6, 32)).astype(np.float32)
    v = rng.standard_normal((2, 6, 48)).astype(np.float32)
    bias = rng.standard_normal((1, heads, 5, 6)).astype(np.float32)
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "", "bias"], ["y"],
                            domain="com.microsoft", num_heads=heads)
    save(out, "mha", [node],
         [helper.make_tensor_value_info("q", F, [2, 5, 32]),
          helper.make_tensor_value_info("k", F, [2, 6, 32]),
          helper.make_tensor_value_info("v", F, [2, 6, 48]),
          helper.make_tensor_value_info("bias", F, [1, heads, 5, 6])],
         [helper.make_tensor_value_info("y", F, [2, 5, 48])],
         [q, k, v, bias], attention(q, k, v, heads, bias=bias))

    # MHA, unidirectional, explicit scale: self-attention over 5 tokens.
    q = rng.standard_normal((1, 5, 64)).astype(np.float32)
    k = rng.standard_normal((1, 5, 64)).astype(np.float32)
    v = rng.standard_normal((1, 5, 64)).astype(np.float32)
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["y"],
                            domain="com.microsoft", num_heads=heads, unidirectional=1, scale=0.3)
    save(out, "mha_causal", [node],
         [helper.make_tensor_value_info("q", F, [1, 5, 64]),
          helper.make_tensor_value_info("k", F, [1, 5, 64]),
          helper.make_tensor_value_info("v", F, [1, 5, 64])],
         [helper.make_tensor_value_info("y", F, [1, 5, 64])],
         [q, k, v], attention(q, k, v, heads, scale=0.3, causal=True))

    # Unidirectional cross-attention (3 queries, 7 keys, no past): onnxruntime
    # masks neither top-left nor bottom-right aligned here, so loom leaves it
    # unfused (and reports it).
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v"], ["y"],
                            domain="com.microsoft", num_heads=heads, unidirectional=1)
    save(out, "mha_cross_causal", [node],
         [helper.make_tensor_value_info("q", F, [1, 3, 64]),
          helper.make_tensor_value_info("k", F, [1, 7, 64]),
          helper.make_tensor_value_info("v", F, [1, 7, 64])],
         [helper.make_tensor_value_info("y", F, [1, 3, 64])], None, None)

    # Attention: x [b, s, 24] x W [24, 3 * 32] + bias, 4 heads, causal.
    x = rng.standard_normal((2, 5, 24)).astype(np.float32)
    w = (rng.standard_normal((24, 96)) * 0.3).astype(np.float32)
    b = rng.standard_normal((96,)).astype(np.float32)
    qkv = x @ w + b
    expected = attention(qkv[..., :32], qkv[..., 32:64], qkv[..., 64:], heads, causal=True)
    node = helper.make_node("Attention", ["x", "w", "b"], ["y"], domain="com.microsoft",
                            num_heads=heads, unidirectional=1)
    graph_inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")]
    save(out, "attention", [node], [helper.make_tensor_value_info("x", F, [2, 5, 24])],
         [helper.make_tensor_value_info("y", F, [2, 5, 32])], [x], expected, graph_inits)

    # Attention with a [b, s] mask_index (BERT-style padding), not causal.
    pad = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], np.int32)
    expected = attention(qkv[..., :32], qkv[..., 32:64], qkv[..., 64:], heads, key_mask=pad)
    node = helper.make_node("Attention", ["x", "w", "b", "mask"], ["y"], domain="com.microsoft",
                            num_heads=heads)
    save(out, "attention_mask", [node],
         [helper.make_tensor_value_info("x", F, [2, 5, 24]),
          helper.make_tensor_value_info("mask", TensorProto.INT32, [2, 5])],
         [helper.make_tensor_value_info("y", F, [2, 5, 32])], [x, pad], expected, graph_inits)

    # MHA with past key/value [b, heads, past, d], unidirectional.
    b_, s_, p_, d_ = 2, 3, 5, 16
    q = rng.standard_normal((b_, s_, heads * d_)).astype(np.float32)
    k = rng.standard_normal((b_, s_, heads * d_)).astype(np.float32)
    v = rng.standard_normal((b_, s_, heads * d_)).astype(np.float32)
    pk = rng.standard_normal((b_, heads, p_, d_)).astype(np.float32)
    pv = rng.standard_normal((b_, heads, p_, d_)).astype(np.float32)
    present_k = np.concatenate([pk, k.reshape(b_, s_, heads, d_).transpose(0, 2, 1, 3)], axis=2)
    present_v = np.concatenate([pv, v.reshape(b_, s_, heads, d_).transpose(0, 2, 1, 3)], axis=2)
    merged = lambda t: t.transpose(0, 2, 1, 3).reshape(b_, p_ + s_, heads * d_)
    expected = attention(q, merged(present_k), merged(present_v), heads, causal=True)
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "", "", "pk", "pv"],
                            ["y", "present_k", "present_v"], domain="com.microsoft",
                            num_heads=heads, unidirectional=1)
    graph = helper.make_graph(
        [node], "mha_past",
        [helper.make_tensor_value_info("q", F, [b_, s_, heads * d_]),
         helper.make_tensor_value_info("k", F, [b_, s_, heads * d_]),
         helper.make_tensor_value_info("v", F, [b_, s_, heads * d_]),
         helper.make_tensor_value_info("pk", F, [b_, heads, p_, d_]),
         helper.make_tensor_value_info("pv", F, [b_, heads, p_, d_])],
        [helper.make_tensor_value_info("y", F, [b_, s_, heads * d_]),
         helper.make_tensor_value_info("present_k", F, [b_, heads, p_ + s_, d_]),
         helper.make_tensor_value_info("present_v", F, [b_, heads, p_ + s_, d_])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, "mha_past.onnx"))
    os.makedirs(os.path.join(out, "mha_past"), exist_ok=True)
    for name, t in [("input_0", q), ("input_1", k), ("input_2", v), ("input_3", pk),
                    ("input_4", pv), ("output_0", expected), ("output_1", present_k),
                    ("output_2", present_v)]:
        with open(os.path.join(out, "mha_past", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())

    # MHA with a 2-D key padding mask [b, l] (1 keeps a key, 0 masks it),
    # alone and with an attention bias; and with a 1-D one (each sequence's
    # valid key count: keys from there on are masked).
    q = rng.standard_normal((2, 3, 64)).astype(np.float32)
    k = rng.standard_normal((2, 7, 64)).astype(np.float32)
    v = rng.standard_normal((2, 7, 64)).astype(np.float32)
    pad = np.array([[1, 1, 0, 1, 1, 1, 0], [1, 1, 1, 1, 0, 0, 0]], np.int32)
    bias = rng.standard_normal((2, 1, 3, 7)).astype(np.float32)
    lengths = np.array([5, 2], np.int32)
    qkv_info = [helper.make_tensor_value_info("q", F, [2, 3, 64]),
                helper.make_tensor_value_info("k", F, [2, 7, 64]),
                helper.make_tensor_value_info("v", F, [2, 7, 64])]
    y_info = [helper.make_tensor_value_info("y", F, [2, 3, 64])]
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "pad"], ["y"],
                            domain="com.microsoft", num_heads=heads)
    save(out, "mha_padding_mask", [node],
         qkv_info + [helper.make_tensor_value_info("pad", TensorProto.INT32, [2, 7])], y_info,
         [q, k, v, pad], attention(q, k, v, heads, key_mask=pad))
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "pad", "bias"], ["y"],
                            domain="com.microsoft", num_heads=heads)
    save(out, "mha_padding_bias", [node],
         qkv_info + [helper.make_tensor_value_info("pad", TensorProto.INT32, [2, 7]),
                     helper.make_tensor_value_info("bias", F, [2, 1, 3, 7])], y_info,
         [q, k, v, pad, bias], attention(q, k, v, heads, bias=bias, key_mask=pad))
    node = helper.make_node("MultiHeadAttention", ["q", "k", "v", "", "lengths"], ["y"],
                            domain="com.microsoft", num_heads=heads)
    save(out, "mha_padding_lengths", [node],
         qkv_info + [helper.make_tensor_value_info("lengths", TensorProto.INT32, [2])], y_info,
         [q, k, v, lengths],
         attention(q, k, v, heads, key_mask=(np.arange(7)[None, :] < lengths[:, None])))


if __name__ == "__main__":
    main()
