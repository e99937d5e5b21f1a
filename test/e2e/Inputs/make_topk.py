"""TopK along a middle axis of data with many ties, with numpy's stable
argsort as the reference (ONNX: ties keep the lower index first).

Usage: make_topk.py OUT_DIR  (writes topk{0,1}.onnx and data{0,1}/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.integers(0, 5, size=(3, 40, 4)).astype(np.float32)
k = 7
for largest in (0, 1):
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1, largest=largest)
    graph = helper.make_graph(
        [node], "topk", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("v", TensorProto.FLOAT, [3, k, 4]),
         helper.make_tensor_value_info("i", TensorProto.INT64, [3, k, 4])],
        [numpy_helper.from_array(np.array([k], np.int64), "k")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, f"topk{largest}.onnx"))
    data = os.path.join(out, f"data{largest}")
    os.makedirs(data, exist_ok=True)
    order = np.argsort(-x if largest else x, axis=1, kind="stable")[:, :k, :]
    tensors = [x, np.take_along_axis(x, order, axis=1), order.astype(np.int64)]
    for name, t in zip(["input_0", "output_0", "output_1"], tensors):
        with open(os.path.join(data, name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())
