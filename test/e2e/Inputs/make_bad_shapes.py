"""Models whose result sizes come from input values through Expand, Tile
and Reshape. Data sets that ask for 2^40 elements or a negative size must
fail the run with the size error, a shape that does not fit the input (a
Reshape whose element count differs, two -1 entries, an Expand the input
cannot broadcast to) with the shape error; each would otherwise allocate
terabytes, crash or read past the input. Sane values must match numpy.

Usage: make_bad_shapes.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]


def save(name, nodes, inputs, outputs, data_sets, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=list(initializers))
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]),
              os.path.join(out, name + ".onnx"))
    for set_name, (ins, expected) in data_sets.items():
        d = os.path.join(out, name + "_" + set_name)
        os.makedirs(d, exist_ok=True)
        for i, t in enumerate(ins):
            with open(os.path.join(d, f"input_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())
        # The failing sets' output is a placeholder: the run must stop first.
        if expected is None:
            expected = np.zeros(1, np.float32)
        with open(os.path.join(d, "output_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(expected).SerializeToString())


def info(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def ints(*v):
    return np.array(v, dtype=np.int64)


x23 = np.arange(6, dtype=np.float32).reshape(2, 3)

# Expand of a [1, 1] input to a run-time shape.
one = np.ones((1, 1), np.float32)
save("expand", [helper.make_node("Expand", ["x", "shape"], ["y"])],
     [info("x", [1, 1]), info("shape", [2], TensorProto.INT64)], [info("y", ["a", "b"])],
     {"huge": ([one, ints(1 << 20, 1 << 20)], None),
      "negative": ([one, ints(3, -2)], None),
      "ok": ([one, ints(2, 3)], np.ones((2, 3), np.float32))})
# Expand of an input whose sizes are known only at run time: the shape must
# be 1 or the input's size in each dimension (3 against 2 would read past
# the input).
save("expand_dynamic", [helper.make_node("Expand", ["x", "shape"], ["y"])],
     [info("x", ["n", 3]), info("shape", [2], TensorProto.INT64)], [info("y", ["a", "b"])],
     {"mismatch": ([x23, ints(3, 3)], None),
      "ok": ([x23, ints(1, 3)], x23),
      "ok_same": ([x23, ints(2, 1)], x23)})
# A shape shorter than the input's rank broadcasts the trailing dimensions.
save("expand_short", [helper.make_node("Expand", ["x", "shape"], ["y"])],
     [info("x", [2, 1]), info("shape", [1], TensorProto.INT64)], [info("y", [2, "b"])],
     {"ok": ([np.array([[1], [2]], np.float32), ints(4)],
             np.broadcast_to(np.array([[1], [2]], np.float32), (2, 4)).copy()),
      "huge": ([np.array([[1], [2]], np.float32), ints(1 << 40)], None)})

save("tile", [helper.make_node("Tile", ["x", "repeats"], ["y"])],
     [info("x", [2, 3]), info("repeats", [2], TensorProto.INT64)], [info("y", ["a", "b"])],
     {"huge": ([x23, ints(1 << 20, 1 << 20)], None),
      # Each factor fits, the product wraps around 2^64 to 0 in 64 bits.
      "wrapping": ([x23, ints(1 << 62, 1 << 2)], None),
      "negative": ([x23, ints(-1, 2)], None),
      "ok": ([x23, ints(2, 3)], np.tile(x23, (2, 3)))})

save("reshape", [helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [info("x", [2, 3]), info("shape", [2], TensorProto.INT64)], [info("y", ["a", "b"])],
     {"huge": ([x23, ints(1 << 20, 1 << 20)], None),
      "negative": ([x23, ints(-2, -3)], None),
      "mismatch": ([x23, ints(4, 5)], None),
      "two_inferred": ([x23, ints(-1, -1)], None),
      "not_divisible": ([x23, ints(4, -1)], None),
      "ok": ([x23, ints(3, -1)], x23.reshape(3, 2)),
      "ok_zero": ([x23, ints(0, 3)], x23)})
# A static target shape ([-1, 4]) on an input whose row count is known only
# at run time: 2 x 3 elements do not fill rows of 4.
target = helper.make_tensor("target", TensorProto.INT64, [2], [-1, 4])
save("reshape_static", [helper.make_node("Constant", [], ["shape"], value=target),
                        helper.make_node("Reshape", ["x", "shape"], ["y"])],
     [info("x", ["n", 3])], [info("y", ["m", 4])],
     {"mismatch": ([x23], None),
      "ok": ([np.arange(12, dtype=np.float32).reshape(4, 3)],
             np.arange(12, dtype=np.float32).reshape(3, 4))})
# ReduceSum with run-time axes and a declared static result: axes that give
# another shape than the declared one, or lie outside the input, fail the run
# (the declared [5] of a [3, 5] input summed over axis 1 was filled with sums
# over the wrong axis).
x35 = np.arange(15, dtype=np.float32).reshape(3, 5)
for keep, declared in ((1, [1, 5]), (0, [5])):
    save(f"reduce_sum_keepdims{keep}",
         [helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=keep)],
         [info("x", [3, 5]), info("axes", [1], TensorProto.INT64)], [info("y", declared)],
         {"ok": ([x35, ints(0)], x35.sum(axis=0, keepdims=bool(keep))),
          "ok_negative": ([x35, ints(-2)], x35.sum(axis=0, keepdims=bool(keep))),
          "other_axis": ([x35, ints(1)], None),
          "outside": ([x35, ints(2)], None),
          "outside_negative": ([x35, ints(-3)], None)})
# ReverseSequence whose batch size is known only at run time: sequence_lens
# with another length than the batch fails the run (the lowering read past
# the lengths).
xs = np.arange(24, dtype=np.float32).reshape(4, 2, 3)
reversed_xs = xs.copy()
for b, n in enumerate((3, 1)):
    reversed_xs[:n, b] = xs[:n, b][::-1]
save("reverse_sequence", [helper.make_node("ReverseSequence", ["x", "lens"], ["y"],
                                           batch_axis=1, time_axis=0)],
     [info("x", [4, "batch", 3]), info("lens", ["n"], TensorProto.INT64)],
     [info("y", [4, "batch", 3])],
     {"ok": ([xs, ints(3, 1)], reversed_xs),
      "short": ([xs, ints(3)], None),
      "long": ([xs, ints(3, 1, 2, 4, 4, 4, 4, 4)], None)})
# MobileViT's unfolding as Hugging Face writes it: patch counts baked in at
# export (8x8 images, 2x2 patches), the batch from Shape. At 6x8 the first
# Reshape does not fit; the code after it (a Reshape with -1, then a
# LayerNormalization over 32) must not run on the zeroed sizes (it divided
# by one: SIGFPE) but the run stop with the shape error.
def const(name, value):
    return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(value))


unfold = [
    helper.make_node("Shape", ["x"], ["shape"]),
    const("zero", np.array(0, np.int64)),
    helper.make_node("Gather", ["shape", "zero"], ["batch"], axis=0),
    const("k128", np.array(128, np.int64)), const("k4", np.array(4, np.int64)),
    const("axes0", ints(0)),
    helper.make_node("Mul", ["batch", "k128"], ["rows"]),
    helper.make_node("Unsqueeze", ["rows", "axes0"], ["rows1"]),
    const("tail1", ints(2, 4, 2)),
    helper.make_node("Concat", ["rows1", "tail1"], ["shape1"], axis=0),
    helper.make_node("Reshape", ["x", "shape1"], ["p1"]),
    helper.make_node("Transpose", ["p1"], ["t1"], perm=[0, 2, 1, 3]),
    helper.make_node("Unsqueeze", ["batch", "axes0"], ["batch1"]),
    const("tail2", ints(32, 16, 4)),
    helper.make_node("Concat", ["batch1", "tail2"], ["shape2"], axis=0),
    helper.make_node("Reshape", ["t1", "shape2"], ["p2"]),
    helper.make_node("Transpose", ["p2"], ["t2"], perm=[0, 3, 2, 1]),
    helper.make_node("Mul", ["batch", "k4"], ["groups"]),
    helper.make_node("Unsqueeze", ["groups", "axes0"], ["groups1"]),
    const("tail3", ints(16, -1)),
    helper.make_node("Concat", ["groups1", "tail3"], ["shape3"], axis=0),
    helper.make_node("Reshape", ["t2", "shape3"], ["p3"]),
    helper.make_node("LayerNormalization", ["p3", "gamma", "beta"], ["y"], axis=-1),
]
rng = np.random.default_rng(5)
gamma = rng.uniform(0.5, 1.5, 32).astype(np.float32)
beta = rng.uniform(-0.5, 0.5, 32).astype(np.float32)
images = rng.standard_normal((3, 32, 8, 8)).astype(np.float32)
p = images.reshape(3 * 32 * 4, 2, 4, 2).transpose(0, 2, 1, 3).reshape(3, 32, 16, 4)
p = p.transpose(0, 3, 2, 1).reshape(3 * 4, 16, -1)
normalized = (p - p.mean(-1, keepdims=True)) / np.sqrt(p.var(-1, keepdims=True) + 1e-5)
save("unfold_norm", unfold, [info("x", ["b", 32, "h", "w"])], [info("y", ["g", 16, "c"])],
     {"ok": ([images], (normalized * gamma + beta).astype(np.float32)),
      "mismatch": ([rng.standard_normal((3, 32, 6, 8)).astype(np.float32)], None)},
     initializers=[numpy_helper.from_array(gamma, "gamma"), numpy_helper.from_array(beta, "beta")],
     opset=17)
