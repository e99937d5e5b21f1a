"""Writes a copy of a GPT-2-style decoder whose position-embedding Gather
reads `position_ids + SHIFT`: with SHIFT = -n_positions the indices are the
same rows counted from the end (ONNX's negative indices), with a positive
shift they leave the table once the sequence is long enough.

usage: shift_positions.py IN.onnx SHIFT OUT.onnx
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

source, shift, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
model = onnx.load(source)
graph = model.graph
gathers = [n for n in graph.node if n.op_type == "Gather" and n.input[1] == "position_ids"]
if len(gathers) != 1:
    sys.exit(f"expected one Gather of position_ids, found {len(gathers)}")
graph.initializer.append(numpy_helper.from_array(np.array(shift, np.int64), "position_shift"))
add = helper.make_node("Add", ["position_ids", "position_shift"], ["shifted_positions"],
                       name="shift_positions")
gathers[0].input[1] = "shifted_positions"
index = list(graph.node).index(gathers[0])
graph.node.insert(index, add)
onnx.save(model, target)
