"""Writes int32 Div and Mod models and inputs: good/ divides by non-zero
values; zero/ divides by zero; overflow/ divides the most negative int32 by
-1. Usage: make_integer_division.py OUT_DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
for op in ("Div", "Mod"):
    spec = lambda name: helper.make_tensor_value_info(name, TensorProto.INT32, [4])
    graph = helper.make_graph([helper.make_node(op, ["a", "b"], ["y"])], op.lower(),
                              [spec("a"), spec("b")], [spec("y")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, op.lower() + ".onnx"))
cases = {
    "good": ([7, -7, 9, 100], [2, 2, -4, 7]),
    "zero": ([7, -7, 9, 100], [2, 0, -4, 7]),
    "overflow": ([7, np.iinfo(np.int32).min, 9, 100], [2, -1, -4, 7]),
}
for name, (a, b) in cases.items():
    os.makedirs(os.path.join(out, name), exist_ok=True)
    for i, values in enumerate((a, b)):
        tensor = numpy_helper.from_array(np.array(values, np.int32))
        with open(os.path.join(out, name, f"input_{i}.pb"), "wb") as f:
            f.write(tensor.SerializeToString())
