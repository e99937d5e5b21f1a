"""Softmax over rows with hard values (large magnitudes, -inf entries, a row
of equal values, a row that is all -inf but one, rows of large negative
finite values as fully masked attention rows hold them), with numpy
(float64, then rounded) as the reference.

Usage: make_softmax.py OUT_DIR  (writes softmax.onnx and data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(5)
x = (rng.standard_normal((12, 1000)) * 30).astype(np.float32)
x[1] *= 100                      # |x| up to ~10^4
x[2, ::3] = -np.inf              # masked positions
x[3] = 7.0                       # all equal
x[4] = -np.inf
x[4, 17] = 2.5                   # one finite entry
x[5] -= 3000                     # far below zero
x[6] += 80                       # exp would overflow without a shift
x[8] = np.finfo(np.float32).min  # Hugging Face's mask value, whole row: uniform
x[9] = -1e9                      # a -1e9 mask, whole row: uniform
x[10] = -1e9                     # masked, with differences that count
x[10, ::2] = -2e9
x[11] = -3e6 - np.arange(1000) % 7  # just below -2^21
graph = helper.make_graph([helper.make_node("Softmax", ["x"], ["y"], axis=-1)], "softmax",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(x.shape))])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "softmax.onnx"))
x64 = x.astype(np.float64)
e = np.exp(x64 - x64.max(axis=1, keepdims=True))
y = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", x), ("output_0", y)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
