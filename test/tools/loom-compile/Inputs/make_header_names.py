"""Writes a one-Relu model whose input name tries to close a C comment."""
import sys

import onnx
from onnx import TensorProto, helper

name = "x */ int injected = ; /*"
graph = helper.make_graph(
    [helper.make_node("Relu", [name], ["y"], name="relu")], "header_names",
    [helper.make_tensor_value_info(name, TensorProto.FLOAT, [3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
