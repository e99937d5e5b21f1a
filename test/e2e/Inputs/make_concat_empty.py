"""Concat along axis 0 of two inputs with run-time row counts, fed empty
inputs: the first, the second, and both. Expected: numpy's concatenate.

Usage: make_concat_empty.py OUT_DIR
  writes concat.onnx and first/, second/, both/ (input_N.pb, output_0.pb)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
graph = helper.make_graph(
    [helper.make_node("Concat", ["a", "b"], ["y"], axis=0)], "concat",
    [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["N", 2]),
     helper.make_tensor_value_info("b", TensorProto.FLOAT, ["M", 2])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["T", 2])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, os.path.join(out, "concat.onnx"))
rows = np.arange(6, dtype=np.float32).reshape(3, 2)
empty = np.zeros((0, 2), np.float32)
for name, (a, b) in {"first": (empty, rows), "second": (rows, empty),
                     "both": (empty, empty)}.items():
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for file, t in (("input_0", a), ("input_1", b), ("output_0", np.concatenate([a, b]))):
        with open(os.path.join(d, file + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())
