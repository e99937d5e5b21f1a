"""com.microsoft.RotaryEmbedding models with reference outputs computed here
in float64 numpy from ONNX Runtime's semantics (checked against onnxruntime
1.30 with bench/ort_check.py when this test was written): each head's first
rotary_dim entries are rotated by the angles of the token's position (cos
and sin caches of [max positions, rotary_dim / 2]), in halves or, with
interleaved=1, in (even, odd) pairs; the rest pass through.

Usage: make_rotary_embedding.py OUT_DIR
  halves:   [2, 3, heads * 16] input, position_ids [2, 3]
  pairs4d:  [1, heads, 4, 16] input (BNSH), position_ids [1] (an offset)
  partial:  [1, 3, heads * 32] input, rotary_embedding_dim 16
  packed:   is_packed_batching=1 (not fused: compiling it must fail with a
            message; model only)
Each NAME gets NAME.onnx and NAME/ (input_N.pb, output_N.pb).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HEADS = 2


def rotate(x, cos, sin, pairs):
    """x [..., d]; cos/sin [..., r/2] broadcast against x's leading dims."""
    r = 2 * cos.shape[-1]
    head, rest = x[..., :r].astype(np.float64), x[..., r:]
    if pairs:
        even, odd = head[..., 0::2], head[..., 1::2]
        out = np.empty_like(head)
        out[..., 0::2] = even * cos - odd * sin
        out[..., 1::2] = even * sin + odd * cos
    else:
        lo, hi = head[..., :r // 2], head[..., r // 2:]
        out = np.concatenate([lo * cos - hi * sin, hi * cos + lo * sin], axis=-1)
    return np.concatenate([out, rest], axis=-1).astype(np.float32)


def write(out, name, shape, positions, head, rotary_dim, pairs, packed=False):
    rng = np.random.default_rng(len(name))
    x = rng.standard_normal(shape).astype(np.float32)
    half = rotary_dim // 2
    angles = np.arange(16)[:, None] * (10000.0 ** (-np.arange(half) / half))[None, :]
    cos, sin = np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)
    if len(shape) == 3:  # [b, s, heads * head]
        b, s, _ = shape
        pos = positions if positions.ndim == 2 else positions[0] + np.tile(np.arange(s), (b, 1))
        xh = x.reshape(b, s, HEADS, head)
        y = rotate(xh, cos[pos][:, :, None], sin[pos][:, :, None], pairs).reshape(shape)
    else:  # [b, heads, s, head]
        b, _, s, _ = shape
        pos = positions if positions.ndim == 2 else positions[0] + np.tile(np.arange(s), (b, 1))
        y = rotate(x, cos[pos][:, None], sin[pos][:, None], pairs)
    attrs = {"interleaved": int(pairs), "num_heads": HEADS}
    if rotary_dim != head:
        attrs["rotary_embedding_dim"] = rotary_dim
    if packed:
        attrs["is_packed_batching"] = 1
    node = helper.make_node("RotaryEmbedding", ["x", "pos", "cos", "sin"], ["y"],
                            domain="com.microsoft", **attrs)
    graph = helper.make_graph(
        [node], name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape)),
         helper.make_tensor_value_info("pos", TensorProto.INT64, list(positions.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
        [numpy_helper.from_array(cos, "cos"), numpy_helper.from_array(sin, "sin")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17),
                                                    helper.make_opsetid("com.microsoft", 1)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    if packed:
        return
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for kind, t in (("input_0", x), ("input_1", positions), ("output_0", y)):
        with open(os.path.join(out, name, kind + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())


def main():
    out = sys.argv[1]
    write(out, "halves", (2, 3, HEADS * 16), np.array([[0, 1, 2], [4, 5, 6]], np.int64),
          16, 16, False)
    write(out, "pairs4d", (1, HEADS, 4, 16), np.array([5], np.int64), 16, 16, True)
    write(out, "partial", (1, 3, HEADS * 32), np.array([[2, 3, 4]], np.int64), 32, 16, False)
    write(out, "packed", (2, 3, HEADS * 16), np.array([[0, 1, 2], [4, 5, 6]], np.int64),
          16, 16, False, packed=True)


if __name__ == "__main__":
    main()
