"""Models whose result sizes come from input values: ConstantOfShape of a
run-time shape and Range of run-time start/limit/delta. Data sets: a shape
asking for 2^40 elements, a negative size, a Range with delta 0 and one of
2^33 steps (each must fail the run with the size error, never try to
allocate), and sane values that must match numpy.

Usage: make_bad_sizes.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, data_sets):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(out, name + ".onnx"))
    for set_name, tensors in data_sets.items():
        d = os.path.join(out, name + "_" + set_name)
        os.makedirs(d, exist_ok=True)
        for i, t in enumerate(tensors[0]):
            with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())
        with open(os.path.join(d, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(tensors[1]).SerializeToString())


fill = helper.make_tensor("value", TensorProto.FLOAT, [1], [2.5])
save("fill", [helper.make_node("ConstantOfShape", ["shape"], ["y"], value=fill)],
     [helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["a", "b"])],
     # output_0 of the failing sets is a placeholder: the run must stop first.
     {"huge": ([np.array([1 << 20, 1 << 20], dtype=np.int64)], np.zeros((1, 1), np.float32)),
      "negative": ([np.array([3, -2], dtype=np.int64)], np.zeros((1, 1), np.float32)),
      "ok": ([np.array([2, 3], dtype=np.int64)], np.full((2, 3), 2.5, np.float32)),
      # 1.44 MB: refused under LOOM_MAX_TENSOR_BYTES=1000000, fine otherwise.
      "600x600": ([np.array([600, 600], dtype=np.int64)], np.full((600, 600), 2.5, np.float32)),
      # 8 GiB: inside the size limits, beyond out-of-memory.test's address-space limit.
      "8gib": ([np.array([1 << 16, 1 << 15], dtype=np.int64)], np.zeros((1, 1), np.float32))})

scalar = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
save("range", [helper.make_node("Range", ["start", "limit", "delta"], ["y"])],
     [helper.make_tensor_value_info(n, TensorProto.INT64, []) for n in ("start", "limit", "delta")],
     [helper.make_tensor_value_info("y", TensorProto.INT64, ["n"])],
     {"zero_delta": ([scalar(0), scalar(10), scalar(0)], np.zeros(1, np.int64)),
      "huge": ([scalar(0), scalar(1 << 33), scalar(1)], np.zeros(1, np.int64)),
      "ok": ([scalar(10), scalar(1), scalar(-3)], np.arange(10, 1, -3, dtype=np.int64)),
      # The length ceil((limit - start) / delta) of 2^64 - 1 over 2^63 - 1 is
      # 3: exact in integers, where doubles rounded it to 2.
      "int64_extremes": ([scalar(-2**63), scalar(2**63 - 1), scalar(2**63 - 1)],
                         np.array([-2**63, -1, 2**63 - 2], dtype=np.int64))})

# A float Range whose length is NaN or infinite must fail like a huge one
# (it returned an empty tensor).
f32 = lambda v: np.array(v, dtype=np.float32)  # noqa: E731
save("range_float", [helper.make_node("Range", ["start", "limit", "delta"], ["y"])],
     [helper.make_tensor_value_info(n, TensorProto.FLOAT, []) for n in ("start", "limit", "delta")],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])],
     {"nan_limit": ([f32(0), f32(np.nan), f32(1)], np.zeros(1, np.float32)),
      "inf_limit": ([f32(0), f32(np.inf), f32(1)], np.zeros(1, np.float32)),
      "nan_delta": ([f32(0), f32(5), f32(np.nan)], np.zeros(1, np.float32)),
      "ok": ([f32(0), f32(2), f32(0.5)], np.arange(0, 2, 0.5, dtype=np.float32))})

# OneHot's depth from the data: a negative depth must fail the run (the
# output came back with a negative size, and its buffer leaked).
save("one_hot", [helper.make_node("OneHot", ["i", "depth", "values"], ["y"], axis=-1)],
     [helper.make_tensor_value_info("i", TensorProto.INT64, ["n"]),
      helper.make_tensor_value_info("depth", TensorProto.INT64, [1]),
      helper.make_tensor_value_info("values", TensorProto.FLOAT, [2])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", "d"])],
     {"negative": ([np.array([0, 1], np.int64), np.array([-2**63], np.int64),
                    f32([0, 1])], np.zeros((1, 1), np.float32)),
      "ok": ([np.array([0, 2, -1], np.int64), np.array([3], np.int64), f32([0, 1])],
             np.eye(3, dtype=np.float32)[[0, 2, 2]])})

# Pad's pads from the data: pads near 2^62 (their sum wrapped around: a
# request of 2^64 - 256 bytes) must fail the run; sane pads match numpy.
save("pad", [helper.make_node("Pad", ["x", "pads"], ["y"], mode="constant")],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["a", "b"]),
      helper.make_tensor_value_info("pads", TensorProto.INT64, [4])],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["c", "d"])],
     {"huge": ([f32([[1, 2]]), np.array([0, 1 << 62, 0, 1 << 62], np.int64)],
               np.zeros((1, 1), np.float32)),
      "ok": ([f32([[1, 2], [3, 4]]), np.array([1, 0, 0, 2], np.int64)],
             np.pad(np.array([[1, 2], [3, 4]], np.float32), ((1, 0), (0, 2))))})

# Slice's axes and steps from the data: an axis outside the input's
# dimensions read the size of a dimension the input does not have (a crash
# on hostile values), a step of 0 divided by zero; both must fail the run.
i64 = lambda v: np.array(v, dtype=np.int64)  # noqa: E731
x23 = np.arange(6, dtype=np.float32).reshape(2, 3)
save("slice", [helper.make_node("Slice", ["x", "starts", "ends", "axes", "steps"], ["y"])],
     [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["a", "b"])]
     + [helper.make_tensor_value_info(n, TensorProto.INT64, [1])
        for n in ("starts", "ends", "axes", "steps")],
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["c", "d"])],
     {"axis_outside": ([x23, i64([0]), i64([1]), i64([1 << 38]), i64([1])],
                       np.zeros((1, 1), np.float32)),
      "axis_negative_outside": ([x23, i64([0]), i64([1]), i64([-3]), i64([1])],
                                np.zeros((1, 1), np.float32)),
      "zero_step": ([x23, i64([0]), i64([2]), i64([1]), i64([0])], np.zeros((1, 1), np.float32)),
      "ok": ([x23, i64([-1]), i64([-2**63]), i64([-1]), i64([-2])], x23[:, ::-2])})
