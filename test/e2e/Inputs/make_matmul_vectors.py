"""MatMul with 1-D operands, numpy's rule (ONNX MatMul is numpy.matmul):
W @ x and x @ U as ChatRWKV's RNN mode writes them, a dot product, and a
vector against stacked matrices on either side with a dynamic batch.
References are numpy.matmul.

Usage: make_matmul_vectors.py OUT_DIR  (writes vectors.onnx, vectors_data/
and vectors_batch3/, the same graph at another batch)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(5)
F = TensorProto.FLOAT
W = rng.standard_normal((8, 16)).astype(np.float32)
U = rng.standard_normal((8, 16)).astype(np.float32)

nodes = [
    helper.make_node("MatMul", ["W", "x"], ["wx"]),          # [8, 16] @ [16] -> [8]
    helper.make_node("MatMul", ["wx", "U"], ["wxu"]),        # [8] @ [8, 16] -> [16]
    helper.make_node("MatMul", ["wxu", "x"], ["dot"]),       # [16] @ [16] -> []
    helper.make_node("MatMul", ["v", "S"], ["vs"]),          # [4] @ [n, 4, 3] -> [n, 3]
    helper.make_node("MatMul", ["S2", "v"], ["sv"]),         # [n, 5, 4] @ [4] -> [n, 5]
]
graph = helper.make_graph(
    nodes, "vectors",
    [helper.make_tensor_value_info("x", F, [16]),
     helper.make_tensor_value_info("v", F, [4]),
     helper.make_tensor_value_info("S", F, ["n", 4, 3]),
     helper.make_tensor_value_info("S2", F, ["n", 5, 4])],
    [helper.make_tensor_value_info("wxu", F, None),
     helper.make_tensor_value_info("dot", F, None),
     helper.make_tensor_value_info("vs", F, None),
     helper.make_tensor_value_info("sv", F, None)],
    [numpy_helper.from_array(W, "W"), numpy_helper.from_array(U, "U")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "vectors.onnx"))


def write(folder, n):
    x = rng.standard_normal(16).astype(np.float32)
    v = rng.standard_normal(4).astype(np.float32)
    s = rng.standard_normal((n, 4, 3)).astype(np.float32)
    s2 = rng.standard_normal((n, 5, 4)).astype(np.float32)
    wxu = np.matmul(np.matmul(W, x), U)
    outputs = [wxu, np.array(np.matmul(wxu, x), np.float32), np.matmul(v, s), np.matmul(s2, v)]
    d = os.path.join(out, folder)
    os.makedirs(d, exist_ok=True)
    for kind, values in (("input", [x, v, s, s2]), ("output", outputs)):
        for i, t in enumerate(values):
            with open(os.path.join(d, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.asarray(t, np.float32)).SerializeToString())


write("vectors_data", 2)
write("vectors_batch3", 3)
