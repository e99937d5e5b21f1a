"""A MatMul by a weight kept in an external data file (weights.bin), and
test data for it; with --scale S the weights file is rewritten with the
weight times S (same size), as a user updating the weights would.

Usage: make_external.py OUT_DIR [--scale S]
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
scale = float(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--scale" else 1.0
rng = np.random.default_rng(5)
w = rng.standard_normal((32, 32)).astype(np.float32)
if scale != 1.0:
    # Only the data file changes: the model still names weights.bin.
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write((w * scale).tobytes())
    sys.exit(0)
x = rng.standard_normal((2, 32)).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["y"])], "external",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 32])],
    [numpy_helper.from_array(w, "w")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, os.path.join(out, "external.onnx"), save_as_external_data=True,
          all_tensors_to_one_file=True, location="weights.bin", size_threshold=0)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", x), ("output_0", x @ w)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
