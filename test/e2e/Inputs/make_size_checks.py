"""Models whose dynamic input sizes must agree for loom's generated code, and
inputs that agree or do not. Each MODEL.onnx comes with MODEL-ok/ (inputs
that agree, expected outputs from numpy) and MODEL-bad/ (inputs that do
not; no outputs).

  add     a[N] + b[N]
  const   a[N] + w, w a [5] initializer (N must be 5)
  chain   relu(a[B, N]) * b[B, N], then + c[N]
  matmul  a[2, K] @ b[K, 3]
  scalar  a[N] + b[M] (run-time M = 1 would broadcast in ONNX; loom refuses)
  concat  Concat(a[B, 2], b[B, 3], axis 1)
  gemm    Gemm(a[2, K], b[3, K], transB=1)

Usage: make_size_checks.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def save(name, nodes, inputs, outputs, ok_inputs, ok_outputs, bad_inputs, initializers=()):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, os.path.join(out, name + ".onnx"))
    for kind, tensors in [("ok", [("input", ok_inputs), ("output", ok_outputs)]),
                          ("bad", [("input", bad_inputs)])]:
        d = os.path.join(out, f"{name}-{kind}")
        os.makedirs(d, exist_ok=True)
        for prefix, values in tensors:
            for i, v in enumerate(values):
                with open(os.path.join(d, f"{prefix}_{i}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(v).SerializeToString())


a, b = f32(7), f32(7)
save("add", [helper.make_node("Add", ["a", "b"], ["y"])],
     [("a", ["N"]), ("b", ["N"])], [("y", ["N"])],
     [a, b], [a + b], [f32(1000), f32(3)])

w = f32(5)
a = f32(5)
save("const", [helper.make_node("Add", ["a", "w"], ["y"])],
     [("a", ["N"])], [("y", [5])], [a], [a + w], [f32(3)],
     [numpy_helper.from_array(w, "w")])

a, b, c = f32(2, 6), f32(2, 6), f32(6)
save("chain", [helper.make_node("Relu", ["a"], ["r"]),
               helper.make_node("Mul", ["r", "b"], ["m"]),
               helper.make_node("Add", ["m", "c"], ["y"])],
     [("a", ["B", "N"]), ("b", ["B", "N"]), ("c", ["N"])], [("y", ["B", "N"])],
     [a, b, c], [np.maximum(a, 0) * b + c], [f32(2, 6), f32(2, 6), f32(4)])

a, b = f32(2, 4), f32(4, 3)
save("matmul", [helper.make_node("MatMul", ["a", "b"], ["y"])],
     [("a", [2, "K"]), ("b", ["K", 3])], [("y", [2, 3])],
     [a, b], [a @ b], [f32(2, 100), f32(4, 3)])

a, b = f32(9), f32(9)
save("scalar", [helper.make_node("Add", ["a", "b"], ["y"])],
     [("a", ["N"]), ("b", ["M"])], [("y", ["N"])],
     [a, b], [a + b], [f32(9), f32(1)])

a, b = f32(4, 2), f32(4, 3)
save("concat", [helper.make_node("Concat", ["a", "b"], ["y"], axis=1)],
     [("a", ["B", 2]), ("b", ["B", 3])], [("y", ["B", 5])],
     [a, b], [np.concatenate([a, b], axis=1)], [f32(2, 2), f32(500, 3)])

a, b = f32(2, 5), f32(3, 5)
save("gemm", [helper.make_node("Gemm", ["a", "b"], ["y"], transB=1)],
     [("a", [2, "K"]), ("b", [3, "K"])], [("y", [2, 3])],
     [a, b], [a @ b.T], [f32(2, 4), f32(3, 400)])
