"""Writes models that compile but that loomrt could not load unless
loom-compile refuses them: a rank-17 input, no outputs, a NUL in a name.

Usage: make_unloadable.py OUT_DIR
"""
import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, name + ".onnx"))


rank17 = [1] * 17
save("rank17", [helper.make_node("Relu", ["x"], ["y"])],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, rank17)],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, rank17)])
save("no_outputs", [helper.make_node("Relu", ["x"], ["y"])],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])], [])
save("nul_name", [helper.make_node("Relu", ["x\0y"], ["out"])],
     [helper.make_tensor_value_info("x\0y", TensorProto.FLOAT, [2])],
     [helper.make_tensor_value_info("out", TensorProto.FLOAT, [2])])
