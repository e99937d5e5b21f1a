"""Writes Gather, GatherElements and ScatterND models over a float [4] (or
[4, 2]) tensor with run-time int64 indices, and index inputs in range
(good/), negative from the end (negative/) and out of range (bad/).
Usage: make_bad_indices.py OUT_DIR"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def model(name, node, inputs, output_shape):
    graph = helper.make_graph([node], name, inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, name + ".onnx"))


fl = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)
ix = lambda name, shape: helper.make_tensor_value_info(name, TensorProto.INT64, shape)
model("gather", helper.make_node("Gather", ["d", "i"], ["y"]), [fl("d", [4]), ix("i", [2])], [2])
model("gather_elements", helper.make_node("GatherElements", ["d", "i"], ["y"]),
      [fl("d", [4]), ix("i", [2])], [2])
model("scatter_nd", helper.make_node("ScatterND", ["d", "i", "u"], ["y"]),
      [fl("d", [4, 2]), ix("i", [2, 1]), fl("u", [2, 2])], [4, 2])


def write(folder, *arrays):
    os.makedirs(os.path.join(out, folder), exist_ok=True)
    for n, a in enumerate(arrays):
        with open(os.path.join(out, folder, f"input_{n}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(a).SerializeToString())


data = np.array([10, 20, 30, 40], np.float32)
write("good", data, np.array([3, 1], np.int64))
write("negative", data, np.array([-1, 0], np.int64))
write("bad", data, np.array([1, 4], np.int64))
grid, updates = np.arange(8, dtype=np.float32).reshape(4, 2), np.full((2, 2), -1, np.float32)
write("scatter_good", grid, np.array([[3], [-4]], np.int64), updates)
write("scatter_bad", grid, np.array([[1], [7]], np.int64), updates)

# Dynamic shapes (found by loom-input-fuzzer): GatherElements indices
# longer than the data off the axis read past it; ScatterND into empty data
# or with updates of another shape wrote past it. Each must fail the run.
model("gather_elements_2d", helper.make_node("GatherElements", ["d", "i"], ["y"], axis=1),
      [fl("d", ["a", "b"]), ix("i", ["c", "e"])], ["c", "e"])
model("scatter_nd_dynamic", helper.make_node("ScatterND", ["d", "i", "u"], ["y"]),
      [fl("d", ["a", "b"]), ix("i", ["n", 1]), fl("u", ["m", "k"])], ["a", "b"])
write("ge_longer", np.zeros((0, 8), np.float32), np.zeros((7, 7), np.int64))
write("ge_good", np.arange(6, dtype=np.float32).reshape(2, 3), np.array([[2, 0], [1, 1]], np.int64))
write("snd_empty", np.zeros((0, 2), np.float32), np.zeros((3, 1), np.int64),
      np.ones((3, 2), np.float32))
write("snd_updates", grid, np.array([[1], [2]], np.int64), np.ones((5, 2), np.float32))
