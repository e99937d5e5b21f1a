"""Pad (constant) and ConvTranspose fed inputs whose run-time width is 0:
the outputs are the pad value and the bias (nothing is read from the empty
input), and with width 3 the usual results. Expected: numpy.

Usage: make_resample_empty.py OUT_DIR
  writes pad.onnx, deconv.onnx and pad_{empty,full}/, deconv_{empty,full}/
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, inits):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))


def data(name, x, y):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    for file, t in (("input_0", x), ("output_0", y)):
        with open(os.path.join(d, file + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())


F = TensorProto.FLOAT
save("pad", [helper.make_node("Pad", ["x", "pads", "value"], ["y"], mode="constant")],
     [helper.make_tensor_value_info("x", F, [2, "W"])],
     [helper.make_tensor_value_info("y", F, [2, "V"])],
     [numpy_helper.from_array(np.array([0, 1, 0, 2], np.int64), "pads"),
      numpy_helper.from_array(np.array(7.0, np.float32), "value")])
w = np.array([[[1.0, 2.0, 3.0]]], np.float32)
bias = np.array([0.5], np.float32)
save("deconv", [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"])],
     [helper.make_tensor_value_info("x", F, [1, 1, "W"])],
     [helper.make_tensor_value_info("y", F, [1, 1, "V"])],
     [numpy_helper.from_array(w, "w"), numpy_helper.from_array(bias, "b")])

for name, width in (("empty", 0), ("full", 3)):
    x = np.arange(2 * width, dtype=np.float32).reshape(2, width) + 1
    data("pad_" + name, x, np.pad(x, ((0, 0), (1, 2)), constant_values=7.0))
    x = np.arange(width, dtype=np.float32).reshape(1, 1, width) + 1
    y = np.full((1, 1, width + 2), 0.5, np.float32)
    for i in range(width):
        y[0, 0, i:i + 3] += x[0, 0, i] * w[0, 0]
    data("deconv_" + name, x, y)
