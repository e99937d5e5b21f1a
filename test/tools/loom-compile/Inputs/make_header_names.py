"""Writes models whose names come from an attacker: a one-Relu model whose
input name tries to close a C comment (and open one, and carries a terminal
escape sequence), whose output name sets a terminal's title, with an input
file for it; and a model whose unsupported node has an escape sequence in its
name and operator type.

Usage: make_header_names.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
name = "x */ int injected = ; /* \x1b[2J"
output = "y\x1b]0;owned\x07"
graph = helper.make_graph(
    [helper.make_node("Relu", [name], [output], name="relu")], "header_names",
    [helper.make_tensor_value_info(name, TensorProto.FLOAT, [3])],
    [helper.make_tensor_value_info(output, TensorProto.FLOAT, [3])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "model.onnx"))
with open(os.path.join(out, "input_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(np.array([-1, 0, 2], np.float32)).SerializeToString())

graph = helper.make_graph(
    [helper.make_node("Fancy\x1b[31m", ["x"], ["y"], name="node\x1b[2J\r")], "escapes",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "escapes.onnx"))
