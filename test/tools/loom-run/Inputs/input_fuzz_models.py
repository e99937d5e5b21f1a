"""Writes the models loom-input-fuzzer runs: each takes run-time data that
indexes, counts or shapes (where a careless or hostile caller does harm)
and has dynamic sizes that must agree with each other at run time.

Usage: input_fuzz_models.py OUT_DIR   (writes OUT_DIR/<name>.onnx, prints the names)
"""
import os
import sys

from onnx import TensorProto, helper, save

F, I = TensorProto.FLOAT, TensorProto.INT64


def value(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


def model(name, nodes, inputs, outputs, opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


MODELS = {
    # Indices anywhere in int64 against a dynamic axis.
    "gather": model("gather", [helper.make_node("Gather", ["x", "i"], ["y"], axis=0)],
                    [value("x", F, ["n", 4]), value("i", I, ["k"])], [value("y", F, None)]),
    "gather_elements": model(
        "gather_elements", [helper.make_node("GatherElements", ["x", "i"], ["y"], axis=1)],
        [value("x", F, ["n", "m"]), value("i", I, ["n", "k"])], [value("y", F, None)]),
    "scatter_nd": model(
        "scatter_nd", [helper.make_node("ScatterND", ["x", "i", "u"], ["y"])],
        [value("x", F, ["n", "m"]), value("i", I, ["k", 2]), value("u", F, ["k"])],
        [value("y", F, None)]),
    # Starts, ends, axes and steps as data.
    "slice": model("slice", [helper.make_node("Slice", ["x", "s", "e", "a", "t"], ["y"])],
                   [value("x", F, ["n", "m"]), value("s", I, [2]), value("e", I, [2]),
                    value("a", I, [2]), value("t", I, [2])], [value("y", F, None)]),
    # Shapes and counts as data: sizes the caller chooses, memory included.
    "reshape_expand": model(
        "reshape_expand",
        [helper.make_node("Reshape", ["x", "s"], ["r"]),
         helper.make_node("Expand", ["r", "e"], ["y"])],
        [value("x", F, ["n"]), value("s", I, [2]), value("e", I, [2])], [value("y", F, None)]),
    "tile": model("tile", [helper.make_node("Tile", ["x", "r"], ["y"])],
                  [value("x", F, ["n", "m"]), value("r", I, [2])], [value("y", F, None)]),
    "constant_of_shape": model(
        "constant_of_shape", [helper.make_node("ConstantOfShape", ["s"], ["y"])],
        [value("s", I, [3])], [value("y", F, None)]),
    "range": model("range", [helper.make_node("Range", ["a", "b", "d"], ["y"])],
                   [value("a", I, []), value("b", I, []), value("d", I, [])],
                   [value("y", I, None)]),
    "topk": model("topk", [helper.make_node("TopK", ["x", "k"], ["v", "i"], axis=-1)],
                  [value("x", F, ["n", "m"]), value("k", I, [1])],
                  [value("v", F, None), value("i", I, None)]),
    "pad": model("pad", [helper.make_node("Pad", ["x", "p"], ["y"], mode="constant")],
                 [value("x", F, ["n", "m"]), value("p", I, [4])], [value("y", F, None)]),
    "one_hot": model("one_hot", [helper.make_node("OneHot", ["i", "d", "v"], ["y"], axis=-1)],
                     [value("i", I, ["n"]), value("d", I, [1]), value("v", F, [2])],
                     [value("y", F, None)]),
    "cumsum": model("cumsum", [helper.make_node("CumSum", ["x", "a"], ["y"])],
                    [value("x", F, ["n", "m"]), value("a", I, [])], [value("y", F, None)]),
    # Dynamic sizes that must agree with each other.
    "matmul_add": model(
        "matmul_add",
        [helper.make_node("MatMul", ["a", "b"], ["p"]), helper.make_node("Add", ["p", "c"], ["y"])],
        [value("a", F, ["n", "k"]), value("b", F, ["k", "m"]), value("c", F, ["n", "m"])],
        [value("y", F, None)]),
    "concat_softmax": model(
        "concat_softmax",
        [helper.make_node("Concat", ["a", "b"], ["c"], axis=0),
         helper.make_node("Softmax", ["c"], ["y"], axis=-1)],
        [value("a", F, ["n", "m"]), value("b", F, ["k", "m"])], [value("y", F, None)]),
}

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
for name, m in MODELS.items():
    save(m, os.path.join(out, f"{name}.onnx"))
    print(name)
