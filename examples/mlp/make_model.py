#!/usr/bin/env python3
"""Write the example's model and data: an MLP (MatMul, Add, Relu, MatMul, Add,
Softmax) with seeded random weights as mlp.onnx, one input batch as input.bin
and numpy's output for it as expected.bin (float32, row-major).

Usage: make_model.py OUT_DIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper, save

BATCH, IN, HIDDEN, OUT = 4, 16, 32, 10

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
w1 = rng.standard_normal((IN, HIDDEN), dtype=np.float32) * 0.3
b1 = rng.standard_normal(HIDDEN, dtype=np.float32) * 0.1
w2 = rng.standard_normal((HIDDEN, OUT), dtype=np.float32) * 0.3
b2 = rng.standard_normal(OUT, dtype=np.float32) * 0.1
graph = helper.make_graph(
    [helper.make_node("MatMul", ["x", "w1"], ["h"], name="fc1"),
     helper.make_node("Add", ["h", "b1"], ["hb"], name="fc1_bias"),
     helper.make_node("Relu", ["hb"], ["r"], name="relu"),
     helper.make_node("MatMul", ["r", "w2"], ["o"], name="fc2"),
     helper.make_node("Add", ["o", "b2"], ["ob"], name="fc2_bias"),
     helper.make_node("Softmax", ["ob"], ["probs"], name="softmax", axis=-1)],
    "mlp",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", IN])],
    [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", OUT])],
    [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
model.ir_version = 8
save(model, os.path.join(out, "mlp.onnx"))

x = rng.standard_normal((BATCH, IN), dtype=np.float32)
logits = np.maximum(x @ w1 + b1, 0) @ w2 + b2
e = np.exp(logits - logits.max(axis=1, keepdims=True))
expected = (e / e.sum(axis=1, keepdims=True)).astype(np.float32)
x.tofile(os.path.join(out, "input.bin"))
expected.tofile(os.path.join(out, "expected.bin"))
print(f"make_model: wrote mlp.onnx, input.bin ({BATCH}x{IN}), expected.bin ({BATCH}x{OUT})",
      file=sys.stderr)
