"""Slices that keep one position of a dynamic axis, then broadcast: the
idioms `x - x[:, -1:]` (subtract the last step), `c[:, :1] + y` and
`masked_fill` with `mask[..., :1]`. The kept axis must be typed 1 so that
the elementwise op broadcasts it (it was taken to equal the other side's
size: silently wrong numbers). References are numpy's broadcasting.

Usage: make_slice_broadcast.py OUT_DIR  (writes last.onnx, first.onnx,
where.onnx with data dirs, and empty_data/ for last.onnx with T = 0)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(11)
F = TensorProto.FLOAT


def const(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def save(name, nodes, inputs, outputs, inits, feeds, expected, data="data"):
    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, name + ".onnx"))
    write(name, feeds, expected, data)


def write(name, feeds, expected, data="data"):
    d = os.path.join(out, f"{name}_{data}")
    os.makedirs(d, exist_ok=True)
    for i, t in enumerate(feeds):
        with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())
    for i, t in enumerate(expected):
        with open(os.path.join(d, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())


# x [B, T, C] - x[:, -1:, :]   (starts -1, ends INT64_MAX on axis 1)
x = rng.standard_normal((2, 7, 5)).astype(np.float32)
save("last",
     [helper.make_node("Slice", ["x", "s", "e", "a"], ["tail"]),
      helper.make_node("Sub", ["x", "tail"], ["y"])],
     [helper.make_tensor_value_info("x", F, ["B", "T", 5])],
     [helper.make_tensor_value_info("y", F, ["B", "T", 5])],
     [const("s", [-1]), const("e", [np.iinfo(np.int64).max]), const("a", [1])],
     [x], [x - x[:, -1:, :]])
# T = 0: x[:, -1:] of an empty axis is empty, not one step: a shape error.
write("last", [np.zeros((2, 0, 5), np.float32)], [np.zeros((2, 0, 5), np.float32)], "empty")

# c[t, t][:, 0:1] + y[t, 16]
c = rng.standard_normal((6, 6)).astype(np.float32)
yv = rng.standard_normal((6, 16)).astype(np.float32)
save("first",
     [helper.make_node("Slice", ["c", "s", "e", "a"], ["col"]),
      helper.make_node("Add", ["col", "y"], ["o"])],
     [helper.make_tensor_value_info("c", F, ["t", "t"]),
      helper.make_tensor_value_info("y", F, ["t", 16])],
     [helper.make_tensor_value_info("o", F, ["t", 16])],
     [const("s", [0]), const("e", [1]), const("a", [1])],
     [c, yv], [c[:, :1] + yv])

# where(m[:, :, :1], fill, v): masked_fill with the first column of a mask
m = rng.integers(0, 2, size=(3, 4, 9)).astype(bool)
v = rng.standard_normal((3, 4, 8)).astype(np.float32)
save("where",
     [helper.make_node("Slice", ["m", "s", "e", "a"], ["m0"]),
      helper.make_node("Where", ["m0", "fill", "v"], ["o"])],
     [helper.make_tensor_value_info("m", TensorProto.BOOL, ["b", "h", "k"]),
      helper.make_tensor_value_info("v", F, ["b", "h", 8])],
     [helper.make_tensor_value_info("o", F, ["b", "h", 8])],
     [const("s", [0]), const("e", [1]), const("a", [-1]),
      numpy_helper.from_array(np.array(-1e4, np.float32), "fill")],
     [m, v], [np.where(m[:, :, :1], np.float32(-1e4), v)])

# Bounds given at run time: c[:, 0:end] + y[t, 16]. The slice's size is
# dynamic; the Add takes it to be 16. With end = 16 that holds; with end = 1
# the model meant a broadcast that loom does not do for dynamic sizes: the
# run fails with a shape error (it read past the slice before).
c = rng.standard_normal((6, 20)).astype(np.float32)
save("bounds",
     [helper.make_node("Slice", ["c", "s", "end", "a"], ["part"]),
      helper.make_node("Add", ["part", "y"], ["o"])],
     [helper.make_tensor_value_info("c", F, ["t", "w"]),
      helper.make_tensor_value_info("end", TensorProto.INT64, [1]),
      helper.make_tensor_value_info("y", F, ["t", 16])],
     [helper.make_tensor_value_info("o", F, ["t", 16])],
     [const("s", [0]), const("a", [1])],
     [c, np.array([16], np.int64), yv], [c[:, :16] + yv])
write("bounds", [c, np.array([1], np.int64), yv], [c[:, :1] + yv], "one")
