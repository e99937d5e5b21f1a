"""Writes a model whose Reshape takes its shape from an input of unknown
length: the result's rank is known only at run time."""
import sys

import onnx
from onnx import TensorProto, helper

graph = helper.make_graph(
    [helper.make_node("Reshape", ["x", "shape"], ["r"], name="reshape_by_input"),
     helper.make_node("Neg", ["r"], ["y"], name="negate")], "unknown_rank",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [6]),
     helper.make_tensor_value_info("shape", TensorProto.INT64, ["n"])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), sys.argv[1])
