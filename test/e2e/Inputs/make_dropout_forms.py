"""Dropout as exporters write it: opsets 7 and 9 (ratio an attribute, the
mask of the data's type; torch writes it in training exports at opset 9),
with the mask used and unused; opset 13 with training_mode true and a ratio
of 0 (exact: keeps everything) or 0.5 (random: refused). References:
numpy (Dropout keeps x; the mask is all ones / all true).

Usage: make_dropout_forms.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
F = TensorProto.FLOAT
x = np.random.default_rng(2).standard_normal((3, 4)).astype(np.float32)


def save(name, opset, nodes, outputs, inits, expected):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", F, ["n", 4])],
                              outputs, inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]),
              os.path.join(out, name + ".onnx"))
    d = os.path.join(out, name + "_data")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    for i, t in enumerate(expected):
        with open(os.path.join(d, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())


for opset in (7, 9):
    # y = dropout(x) * mask (the float mask used), z = dropout(x) (mask unused)
    save(f"legacy{opset}", opset,
         [helper.make_node("Dropout", ["x"], ["d", "mask"], ratio=0.25),
          helper.make_node("Mul", ["d", "mask"], ["y"]),
          helper.make_node("Dropout", ["x"], ["z", "unused"], ratio=0.5)],
         [helper.make_tensor_value_info("y", F, None), helper.make_tensor_value_info("z", F, None)],
         [], [x, x])

for ratio in (0.0, 0.5):
    save(f"training_r{ratio}", 13,
         [helper.make_node("Dropout", ["x", "ratio", "train"], ["y", "mask"])],
         [helper.make_tensor_value_info("y", F, None),
          helper.make_tensor_value_info("mask", TensorProto.BOOL, None)],
         [numpy_helper.from_array(np.array(ratio, np.float32), "ratio"),
          numpy_helper.from_array(np.array(True), "train")],
         [x, np.ones(x.shape, bool)])
