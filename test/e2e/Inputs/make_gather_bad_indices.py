"""Gather and GatherElements with run-time indices that are out of range.
ONNX leaves the result undefined; loom clamps into the tensor (no read
outside it, which the sanitizer build would catch). Expected: numpy with the
same wrap-then-clamp rule.

Usage: make_gather_bad_indices.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
data = np.arange(8, dtype=np.float32).reshape(4, 2)
idx = np.array([1, 100, -7, -1], dtype=np.int64)
elem_idx = np.array([[0, 9], [-9, 1], [2, -1], [3, 0]], dtype=np.int64)
nodes = [helper.make_node("Gather", ["data", "idx"], ["g"], axis=0),
         helper.make_node("GatherElements", ["data", "eidx"], ["e"], axis=0)]
graph = helper.make_graph(
    nodes, "gather",
    [helper.make_tensor_value_info("data", TensorProto.FLOAT, [4, 2]),
     helper.make_tensor_value_info("idx", TensorProto.INT64, [4]),
     helper.make_tensor_value_info("eidx", TensorProto.INT64, [4, 2])],
    [helper.make_tensor_value_info("g", TensorProto.FLOAT, [4, 2]),
     helper.make_tensor_value_info("e", TensorProto.FLOAT, [4, 2])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
          os.path.join(out, "gather.onnx"))


def wrap(i, n):
    return np.clip(np.where(i < 0, i + n, i), 0, n - 1)


g = data[wrap(idx, 4)]
e = np.take_along_axis(data, wrap(elem_idx, 4), axis=0)
os.makedirs(os.path.join(out, "data"), exist_ok=True)
for name, t in [("input_0", data), ("input_1", idx), ("input_2", elem_idx),
                ("output_0", g), ("output_1", e)]:
    with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
