"""Unique with numpy.unique as the reference: a float vector with repeats
(sorted, and in order of first occurrence), int64 slices along axis 1 of a
3-D tensor, every input of dynamic size.

Usage: make_unique.py OUT_DIR  (writes NAME.onnx and NAME_data/ for
flat_sorted, flat_first, slices)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(21)


def reference(x, axis, sorted_):
    y, index, inverse, counts = np.unique(x, return_index=True, return_inverse=True,
                                          return_counts=True, axis=axis)
    inverse = inverse.reshape(-1)
    if not sorted_:
        # Unique values in order of first occurrence.
        order = np.argsort(index, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        y = np.take(y, order, axis=0 if axis is None else axis)
        index, counts, inverse = index[order], counts[order], rank[inverse]
    return [y, index.astype(np.int64), inverse.astype(np.int64), counts.astype(np.int64)]


def save(name, x, elem, dims, axis, sorted_):
    attrs = {"sorted": sorted_}
    if axis is not None:
        attrs["axis"] = axis
    node = helper.make_node("Unique", ["x"], ["y", "indices", "inverse", "counts"], **attrs)
    y_dims = ["k"] if axis is None else [d if i != axis else "k" for i, d in enumerate(dims)]
    graph = helper.make_graph(
        [node], name, [helper.make_tensor_value_info("x", elem, dims)],
        [helper.make_tensor_value_info("y", elem, y_dims),
         helper.make_tensor_value_info("indices", TensorProto.INT64, ["k"]),
         helper.make_tensor_value_info("inverse", TensorProto.INT64, ["n"]),
         helper.make_tensor_value_info("counts", TensorProto.INT64, ["k"])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)]),
              os.path.join(out, name + ".onnx"))
    data = os.path.join(out, name + "_data")
    os.makedirs(data, exist_ok=True)
    for i, t in enumerate([x]):
        with open(os.path.join(data, f"input_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())
    for i, t in enumerate(reference(x, axis, sorted_)):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())


flat = rng.integers(0, 9, size=40).astype(np.float32) / 2 - 1
save("flat_sorted", flat, TensorProto.FLOAT, ["n"], None, 1)
save("flat_first", flat, TensorProto.FLOAT, ["n"], None, 0)
# Slices along axis 1 of [2, 12, 3], drawn from 4 distinct ones.
pool = rng.integers(-3, 3, size=(2, 4, 3)).astype(np.int64)
slices = pool[:, rng.integers(0, 4, size=12), :]
save("slices", slices, TensorProto.INT64, ["a", "n", "c"], 1, 1)
# Without an axis on a 2-D input (flattened), and int64 rows (axis 0).
grid = rng.integers(0, 5, size=(4, 6)).astype(np.float32)
save("grid", grid, TensorProto.FLOAT, ["r", "c"], None, 1)
rows = np.repeat(rng.integers(0, 3, size=(3, 5)), [2, 1, 3], axis=0).astype(np.int64)[[0, 3, 1, 4, 2, 5]]
save("rows", rows, TensorProto.INT64, ["n", 5], 0, 0)
