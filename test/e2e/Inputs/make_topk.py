"""TopK along a middle axis of data with many ties, with numpy's stable
argsort as the reference (ONNX: ties keep the lower index first).

Usage: make_topk.py OUT_DIR  (writes topk{0,1}.onnx and data{0,1}/)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(0)
x = rng.integers(0, 5, size=(3, 40, 4)).astype(np.float32)
k = 7
for largest in (0, 1):
    node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1, largest=largest)
    graph = helper.make_graph(
        [node], "topk", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
        [helper.make_tensor_value_info("v", TensorProto.FLOAT, [3, k, 4]),
         helper.make_tensor_value_info("i", TensorProto.INT64, [3, k, 4])],
        [numpy_helper.from_array(np.array([k], np.int64), "k")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, f"topk{largest}.onnx"))
    data = os.path.join(out, f"data{largest}")
    os.makedirs(data, exist_ok=True)
    order = np.argsort(-x if largest else x, axis=1, kind="stable")[:, :k, :]
    tensors = [x, np.take_along_axis(x, order, axis=1), order.astype(np.int64)]
    for name, t in zip(["input_0", "output_0", "output_1"], tensors):
        with open(os.path.join(data, name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t).SerializeToString())

# Dynamic axes, as exports with dynamic_axes write them: a constant k over a
# dynamic batch (MoE routing's topk(w, 2), greedy decoding's topk(1)) on the
# middle axis, and a full descending argsort whose k is Shape(x)[-1]
# (torch.sort / argsort / pack_padded_sequence(enforce_sorted=False)).
def save(name, graph, feeds, expected):
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
              os.path.join(out, name + ".onnx"))
    data = os.path.join(out, name + "_data")
    os.makedirs(data, exist_ok=True)
    for prefix, tensors in (("input", feeds), ("output", expected)):
        for i, t in enumerate(tensors):
            with open(os.path.join(data, f"{prefix}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())


node = helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=1, largest=1)
save("topk_dynamic", helper.make_graph(
    [node], "topk_dynamic",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["b", "n", 4])],
    [helper.make_tensor_value_info("v", TensorProto.FLOAT, ["b", 2, 4]),
     helper.make_tensor_value_info("i", TensorProto.INT64, ["b", 2, 4])],
    [numpy_helper.from_array(np.array([2], np.int64), "k")]),
    [x], [np.take_along_axis(x, np.argsort(-x, axis=1, kind="stable")[:, :2, :], axis=1),
          np.argsort(-x, axis=1, kind="stable")[:, :2, :].astype(np.int64)])

lengths = rng.integers(0, 6, size=11).astype(np.int64)
order = np.argsort(-lengths, kind="stable")
save("argsort", helper.make_graph(
    [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Gather", ["s", "last"], ["k"]),
     helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1, largest=1)], "argsort",
    [helper.make_tensor_value_info("x", TensorProto.INT64, ["n"])],
    [helper.make_tensor_value_info("v", TensorProto.INT64, None),
     helper.make_tensor_value_info("i", TensorProto.INT64, None)],
    [numpy_helper.from_array(np.array([-1], np.int64), "last")]),
    [lengths], [lengths[order], order.astype(np.int64)])

# k = 2 on an axis of 1 at run time: ONNX requires k <= the axis' length.
short = rng.standard_normal((3, 1, 4)).astype(np.float32)
os.makedirs(os.path.join(out, "topk_short"), exist_ok=True)
with open(os.path.join(out, "topk_short", "input_0.pb"), "wb") as f:
    f.write(numpy_helper.from_array(short).SerializeToString())

# k as an input: a k of 2^63 - 1 sized the results from it (k times the
# rows wrapped around: a heap overflow found by loom-input-fuzzer); it must
# fail the run like any k past the axis.
save("topk_k_input", helper.make_graph(
    [helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)], "topk_k_input",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["r", "n"]),
     helper.make_tensor_value_info("k", TensorProto.INT64, [1])],
    [helper.make_tensor_value_info("v", TensorProto.FLOAT, None),
     helper.make_tensor_value_info("i", TensorProto.INT64, None)]),
    [short[:, 0, :], np.array([2], np.int64)],
    [np.sort(short[:, 0, :], axis=-1)[:, ::-1][:, :2],
     np.argsort(-short[:, 0, :], axis=-1, kind="stable")[:, :2].astype(np.int64)])
os.makedirs(os.path.join(out, "topk_huge_k"), exist_ok=True)
for i, t in enumerate([short[:, 0, :], np.array([2**63 - 1], np.int64)]):
    with open(os.path.join(out, "topk_huge_k", f"input_{i}.pb"), "wb") as f:
        f.write(numpy_helper.from_array(t).SerializeToString())
