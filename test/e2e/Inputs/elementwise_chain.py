"""Writes a chain of N elementwise nodes (Add, Mul, Tanh, Relu in turn on a
[4, 64] tensor) as DIR/chain.onnx, with an input and the output numpy
computes as DIR/test_data_set_0/{input_0,output_0}.pb.

Usage: elementwise_chain.py N DIR

Long chains are what the compiler must cut into functions (before
bufferization and again before LLVM): the outputs show the cut functions
compute what the graph says.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPS = ["Add", "Mul", "Tanh", "Relu"]


def chain_model(n, c):
    """The chain of n nodes with the [64] float32 constant c (its "c").
    bench/compile_time.py builds its models with it too."""
    nodes, prev = [], "x"
    for i in range(n):
        op = OPS[i % len(OPS)]
        name = "y" if i == n - 1 else f"h{i}"
        inputs = [prev, "c"] if op in ("Add", "Mul") else [prev]
        nodes.append(helper.make_node(op, inputs, [name], name=f"{op.lower()}{i}"))
        prev = name
    graph = helper.make_graph(
        nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 64])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 64])],
        initializer=[numpy_helper.from_array(c, "c")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    rng = np.random.default_rng(0)
    c = rng.uniform(0.5, 1.5, size=64).astype(np.float32)
    os.makedirs(os.path.join(out, "test_data_set_0"), exist_ok=True)
    onnx.save(chain_model(n, c), os.path.join(out, "chain.onnx"))
    x = rng.standard_normal((4, 64)).astype(np.float32)
    y = x.copy()
    for i in range(n):
        op = OPS[i % len(OPS)]
        y = (y + c if op == "Add" else y * c if op == "Mul" else np.tanh(y) if op == "Tanh"
             else np.maximum(y, 0)).astype(np.float32)
    for file, name, value in (("input_0", "x", x), ("output_0", "y", y)):
        with open(os.path.join(out, "test_data_set_0", file + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, name).SerializeToString())


if __name__ == "__main__":
    main()
