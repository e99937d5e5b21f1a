"""Det of a [2, 3, n, n] batch with a dynamic batch axis (random, one
singular and one needing row exchanges), numpy.linalg.det as the reference.

Usage: make_det.py OUT_DIR  (writes det.onnx and data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(5)
n = 5
x = rng.standard_normal((2, 3, n, n)).astype(np.float32)
x[0, 1, 3] = 2 * x[0, 1, 1]        # singular: two dependent rows
x[1, 2, 0, 0] = 0                  # a zero first pivot: a row exchange
graph = helper.make_graph(
    [helper.make_node("Det", ["x"], ["y"], name="det")], "det",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, n, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]),
          os.path.join(out, "det.onnx"))
data = os.path.join(out, "data")
os.makedirs(data, exist_ok=True)
expected = np.linalg.det(x.astype(np.float64)).astype(np.float32)
for name, t in [("input_0", x), ("output_0", expected)]:
    with open(os.path.join(data, name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
