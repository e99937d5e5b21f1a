"""A model that runs loomrt's GEMM, GEMV and softmax kernels: y = Softmax(x W)
over rows of 70 (x: 37 x 300, so the GEMM has partial tiles of every
micro-kernel) and z = v W (v: 1 x 300, the GEMV path), with numpy (float64,
then rounded) as the reference.

Usage: make_cpu_features.py OUT_DIR  (writes model.onnx and data/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(20)
x = rng.standard_normal((37, 300)).astype(np.float32)
v = rng.standard_normal((1, 300)).astype(np.float32)
w = (rng.standard_normal((300, 70)) * 0.2).astype(np.float32)
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w"], ["s"]),
     helper.make_node("Softmax", ["s"], ["y"], axis=-1),
     helper.make_node("MatMul", ["v", "w"], ["z"])],
    "cpu_features",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape)),
     helper.make_tensor_value_info("v", TensorProto.FLOAT, list(v.shape))],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [37, 70]),
     helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, 70])],
    [numpy_helper.from_array(w, "w")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "model.onnx"))
s = x.astype(np.float64) @ w.astype(np.float64)
e = np.exp(s - s.max(axis=1, keepdims=True))
y = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
z = (v.astype(np.float64) @ w.astype(np.float64)).astype(np.float32)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", x), ("input_1", v), ("output_0", y), ("output_1", z)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
