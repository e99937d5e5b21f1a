"""Models whose run-time indices are out of range for ops added after
Gather: NegativeLogLikelihoodLoss (a target class >= C that is not
ignore_index), ScatterElements and GatherND. Each run must fail with the
index error (the run-time error channel), never read or write outside a
tensor. A second data set for the loss uses the ignored class only where it
is out of range, which must run and match numpy.

Usage: make_bad_class_indices.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, data_sets):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, name + ".onnx"))
    for set_name, tensors in data_sets.items():
        d = os.path.join(out, name + "_" + set_name)
        os.makedirs(d, exist_ok=True)
        for file_name, t in tensors:
            with open(os.path.join(d, file_name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())


rng = np.random.default_rng(0)
log_prob = rng.standard_normal((3, 5)).astype(np.float32)
bad_target = np.array([1, 7, 0], dtype=np.int64)       # 7 >= C = 5
ignored_target = np.array([1, -100, 4], dtype=np.int64)  # -100 is ignore_index
kept = ignored_target != -100
expected = np.array(-log_prob[np.arange(3)[kept], ignored_target[kept]].sum() / kept.sum(),
                    dtype=np.float32)
save("nll", [helper.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["loss"],
                              ignore_index=-100)],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 5]),
      helper.make_tensor_value_info("t", TensorProto.INT64, [3])],
     [helper.make_tensor_value_info("loss", TensorProto.FLOAT, [])],
     {"bad": [("input_0", log_prob), ("input_1", bad_target),
              ("output_0", np.zeros((), dtype=np.float32))],
      "ignored": [("input_0", log_prob), ("input_1", ignored_target), ("output_0", expected)]})

data = np.zeros((3, 3), dtype=np.float32)
save("scatter", [helper.make_node("ScatterElements", ["d", "i", "u"], ["y"], axis=1)],
     [helper.make_tensor_value_info("d", TensorProto.FLOAT, [3, 3]),
      helper.make_tensor_value_info("i", TensorProto.INT64, [1, 2]),
      helper.make_tensor_value_info("u", TensorProto.FLOAT, [1, 2])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 3])],
     {"bad": [("input_0", data), ("input_1", np.array([[0, 3]], dtype=np.int64)),
              ("input_2", np.ones((1, 2), dtype=np.float32)), ("output_0", data)]})

save("gathernd", [helper.make_node("GatherND", ["d", "i"], ["y"])],
     [helper.make_tensor_value_info("d", TensorProto.FLOAT, [3, 3]),
      helper.make_tensor_value_info("i", TensorProto.INT64, [2, 2])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
     {"bad": [("input_0", data), ("input_1", np.array([[0, 1], [-4, 0]], dtype=np.int64)),
              ("output_0", np.zeros(2, dtype=np.float32))]})
