#!/usr/bin/env python3
"""Makes a decoder whose vocabulary size is known only at run time: the
logits are sliced to one more entry than the cache holds positions (a
contrived graph, but a valid one), so loom-compile --generate, which sizes
the generation API by the vocabulary, must refuse it.

Usage: dynamic_vocab.py IN.onnx OUT.onnx
"""
import sys

import onnx
from onnx import helper, TensorProto

model = onnx.load(sys.argv[1])
graph = model.graph
for node in graph.node:
    node.output[:] = ["logits_all" if n == "logits" else n for n in node.output]
graph.initializer.extend([
    helper.make_tensor("dv_zero", TensorProto.INT64, [1], [0]),
    helper.make_tensor("dv_one", TensorProto.INT64, [1], [1]),
    helper.make_tensor("dv_two", TensorProto.INT64, [1], [2]),
    helper.make_tensor("dv_three", TensorProto.INT64, [1], [3]),
    helper.make_tensor("dv_last", TensorProto.INT64, [1], [-1]),
])
graph.node.extend([
    helper.make_node("Shape", ["past_key_values.0.key"], ["dv_cache_shape"]),
    helper.make_node("Slice", ["dv_cache_shape", "dv_two", "dv_three"], ["dv_end"]),
    helper.make_node("Add", ["dv_end", "dv_one"], ["dv_end1"]),
    helper.make_node("Slice", ["logits_all", "dv_zero", "dv_end1", "dv_last"], ["logits"]),
])
for out in graph.output:
    if out.name == "logits":
        dims = out.type.tensor_type.shape.dim
        dims[len(dims) - 1].ClearField("dim_value")
        dims[len(dims) - 1].dim_param = "vocab"
onnx.save(model, sys.argv[2])
