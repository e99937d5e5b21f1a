"""A model with large initializers (two weight matrices and a bias) and ONNX
test data computed with numpy, for `--weights=file`.

Usage: make_weighted.py OUT_DIR  (writes weighted.onnx and data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(3)
w1 = rng.standard_normal((64, 128)).astype(np.float32) / 8
b1 = rng.standard_normal(128).astype(np.float32)
w2 = rng.standard_normal((128, 16)).astype(np.float32) / 8
x = rng.standard_normal((2, 64)).astype(np.float32)
nodes = [helper.make_node("MatMul", ["x", "w1"], ["h"]), helper.make_node("Add", ["h", "b1"], ["a"]),
         helper.make_node("Relu", ["a"], ["r"]), helper.make_node("MatMul", ["r", "w2"], ["y"])]
graph = helper.make_graph(nodes, "weighted",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 16])],
                          [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
                           numpy_helper.from_array(w2, "w2")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "weighted.onnx"))
y = np.maximum(x @ w1 + b1, 0) @ w2
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", x), ("output_0", y)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
