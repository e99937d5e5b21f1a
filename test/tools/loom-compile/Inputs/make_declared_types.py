"""Writes models whose declared output or value_info types contradict what
their nodes compute. ONNX's inference fails on them; loom imported them
without it and either printed internal IR (a tensor.cast between f32 and
i64, a return type mismatch) or ran them (a Shape output declared uint8
wrapped 300 to 44). Usage: make_declared_types.py OUT_DIR"""
import os
import sys

import onnx
from onnx import TensorProto, helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, value_info=()):
    graph = helper.make_graph(nodes, name, inputs, outputs, value_info=list(value_info))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, name + ".onnx"))


info = helper.make_tensor_value_info
save("shape_uint8", [helper.make_node("Shape", ["x"], ["y"], name="shape")],
     [info("x", TensorProto.FLOAT, ["n"])], [info("y", TensorProto.UINT8, [1])])
save("argmax_float", [helper.make_node("ArgMax", ["x"], ["y"], axis=1)],
     [info("x", TensorProto.FLOAT, [2, 3])], [info("y", TensorProto.FLOAT, [2, 1])])
axes = helper.make_tensor("axes", TensorProto.INT64, [1], [1])
save("reduce_wrong_size",
     [helper.make_node("Constant", [], ["axes"], value=axes),
      helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=0, name="sum")],
     [info("x", TensorProto.FLOAT, [3, 5])], [info("y", TensorProto.FLOAT, [5])])
# An intermediate value declared with another element type.
save("value_info_type",
     [helper.make_node("Relu", ["x"], ["t"], name="relu"),
      helper.make_node("Neg", ["t"], ["y"])],
     [info("x", TensorProto.FLOAT, [4])], [info("y", TensorProto.FLOAT, [4])],
     value_info=[info("t", TensorProto.INT32, [4])])
# Declared sizes that are only symbolic, or left out, are no contradiction.
save("symbolic_ok", [helper.make_node("Relu", ["x"], ["y"])],
     [info("x", TensorProto.FLOAT, [2, 3])], [info("y", TensorProto.FLOAT, ["a", "b"])])
