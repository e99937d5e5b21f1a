"""Writes the ONNX models the benchmarks compile: one MatMul of two inputs
a[M, K] and b[K, N] (so that every engine reads the same bytes per run).

Usage: make_models.py OUT_DIR
"""
import os
import sys

from onnx import TensorProto, helper, save

SHAPES = {"gemm": (1024, 1024, 1024), "gemv": (1, 4096, 4096), "rows4": (4, 4096, 4096),
          "rows8": (8, 4096, 4096), "rows16": (16, 4096, 4096), "rows32": (32, 4096, 4096)}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, (m, k, n) in SHAPES.items():
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["a", "b"], ["c"], name="matmul")], name,
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k]),
         helper.make_tensor_value_info("b", TensorProto.FLOAT, [k, n])],
        [helper.make_tensor_value_info("c", TensorProto.FLOAT, [m, n])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="loom-bench")
    model.ir_version = 8  # onnxruntime reads IR 8 with opset 17
    save(model, os.path.join(out, f"{name}.onnx"))
