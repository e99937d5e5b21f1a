#!/usr/bin/env python3
"""Writes the ONNX models that the importer tests read, good and bad, into DIR.

Usage: make_models.py DIR

Each model is built with onnx.helper the way exporters write them; the bad
ones are broken in exactly one way each, named by the file.
"""
import os
import random
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)


def save(model, name):
    with open(os.path.join(out, name), "wb") as f:
        f.write(model.SerializeToString())


def model(nodes, inputs, outputs, initializers=(), opset=17, extra_opsets=()):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(initializers))
    opsets = [helper.make_opsetid("", opset)] + list(extra_opsets)
    m = helper.make_model(graph, opset_imports=opsets, producer_name="loom-tests")
    m.ir_version = 8
    return m


def vi(name, dtype, shape):
    return helper.make_tensor_value_info(name, dtype, shape)


F = TensorProto.FLOAT

# A small MLP with a dynamic batch: Gemm-free MatMul + Add + Relu + Softmax.
w = numpy_helper.from_array(np.arange(32, dtype=np.float32).reshape(4, 8) / 32, "w")
b = numpy_helper.from_array(np.ones(8, dtype=np.float32), "b")
mlp = model([helper.make_node("MatMul", ["x", "w"], ["h"], name="fc/matmul"),
             helper.make_node("Add", ["h", "b"], ["hb"], name="fc/add"),
             helper.make_node("Relu", ["hb"], ["r"], name="act"),
             helper.make_node("Softmax", ["r"], ["y"], name="softmax", axis=-1)],
            [vi("x", F, ["batch", 4])], [vi("y", F, ["batch", 8])], [w, b])
save(mlp, "mlp.onnx")

# The same with a large initializer (over the inline limit) in an external file.
big = np.arange(4 * 256, dtype=np.float32).reshape(4, 256)
big_t = numpy_helper.from_array(big, "w")
big_t.ClearField("raw_data")
big_t.data_location = TensorProto.EXTERNAL
for key, value in (("location", "weights.bin"), ("offset", "0"),
                   ("length", str(big.nbytes))):
    entry = big_t.external_data.add()
    entry.key, entry.value = key, value
with open(os.path.join(out, "weights.bin"), "wb") as f:
    f.write(big.tobytes())
external = model([helper.make_node("MatMul", ["x", "w"], ["y"], name="proj")],
                 [vi("x", F, [1, 4])], [vi("y", F, [1, 256])], [big_t])
save(external, "external.onnx")

# External data whose file does not exist, and one that leaves the directory.
missing = onnx.ModelProto()
missing.CopyFrom(external)
missing.graph.initializer[0].external_data[0].value = "no-such-weights.bin"
save(missing, "missing_external.onnx")
escaping = onnx.ModelProto()
escaping.CopyFrom(external)
escaping.graph.initializer[0].external_data[0].value = "../outside.bin"
save(escaping, "escaping_external.onnx")
# A location inside the directory that is a symbolic link to a file outside
# it (a link to /etc/passwd became weights).
os.makedirs(os.path.join(out, "outside"), exist_ok=True)
with open(os.path.join(out, "outside", "secret.bin"), "wb") as f:
    f.write(big.tobytes())
linked = os.path.join(out, "linked")
os.makedirs(linked, exist_ok=True)
if os.path.lexists(os.path.join(linked, "weights.bin")):
    os.remove(os.path.join(linked, "weights.bin"))
os.symlink(os.path.join("..", "outside", "secret.bin"), os.path.join(linked, "weights.bin"))
save(external, os.path.join("linked", "symlinked_external.onnx"))
# The same through a linked folder: only the file's real path counts.
linked_dir = os.path.join(out, "linked-dir")
os.makedirs(linked_dir, exist_ok=True)
if os.path.lexists(os.path.join(linked_dir, "sub")):
    os.remove(os.path.join(linked_dir, "sub"))
os.symlink(os.path.join("..", "outside"), os.path.join(linked_dir, "sub"))
in_linked_dir = onnx.ModelProto()
in_linked_dir.CopyFrom(external)
in_linked_dir.graph.initializer[0].external_data[0].value = "sub/secret.bin"
save(in_linked_dir, os.path.join("linked-dir", "external.onnx"))
# A location naming a FIFO: reading it would wait for a writer forever.
fifo_dir = os.path.join(out, "fifo")
os.makedirs(fifo_dir, exist_ok=True)
if not os.path.lexists(os.path.join(fifo_dir, "weights.bin")):
    os.mkfifo(os.path.join(fifo_dir, "weights.bin"))
save(external, os.path.join("fifo", "external.onnx"))

# Opset 11 Unsqueeze/Squeeze with axes as attributes, Clip with min/max.
legacy = model([helper.make_node("Unsqueeze", ["x"], ["u"], name="unsq", axes=[0]),
                helper.make_node("Clip", ["u"], ["c"], name="clip", min=0.0, max=6.0),
                helper.make_node("Squeeze", ["c"], ["y"], name="sq", axes=[0])],
               [vi("x", F, [3, 4])], [vi("y", F, [3, 4])], opset=10)
save(legacy, "legacy_opset10.onnx")

# Bytes that are not a model.
open(os.path.join(out, "empty.onnx"), "wb").close()
data = mlp.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
rng = random.Random(1234)
with open(os.path.join(out, "random.onnx"), "wb") as f:
    f.write(bytes(rng.randrange(256) for _ in range(4096)))

# Unknown operators in two domains: both must be listed at once.
unknown = model([helper.make_node("FancyAttention", ["x"], ["a"], name="layer0/fancy",
                                  domain="com.example"),
                 helper.make_node("NotAnOnnxOp", ["a"], ["y"], name="layer0/mystery")],
                [vi("x", F, [2, 2])], [vi("y", F, [2, 2])],
                extra_opsets=[helper.make_opsetid("com.example", 1)])
save(unknown, "unknown_ops.onnx")

save(model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
           [vi("x", F, [2])], [vi("y", F, [2])], opset=18), "opset18.onnx")

save(model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add_ghost")],
           [vi("x", F, [2])], [vi("y", F, [2])]), "undefined_value.onnx")

save(model([helper.make_node("Relu", ["x", ], ["a"], name="first"),
            helper.make_node("Add", ["a", "c"], ["b"], name="loop/add"),
            helper.make_node("Relu", ["b"], ["c"], name="loop/relu")],
           [vi("x", F, [2])], [vi("b", F, [2])]), "cycle.onnx")

# A node reading its own output (ONNX's own inference ran for minutes on a
# variant of this), and a cycle inside an If branch.
save(model([helper.make_node("ConstantOfShape", ["res"], ["res"], name="self_fill")],
           [vi("x", F, [2])], [vi("res", F, [2])], opset=10), "self_read.onnx")
save(model([helper.make_node(
               "If", ["cond"], ["y"], name="branchy",
               then_branch=helper.make_graph(
                   [helper.make_node("Add", ["x", "q"], ["p"], name="then/add"),
                    helper.make_node("Relu", ["p"], ["q"], name="then/relu")],
                   "then", [], [vi("p", F, [2])]),
               else_branch=helper.make_graph(
                   [helper.make_node("Relu", ["x"], ["r"], name="else/relu")],
                   "else", [], [vi("r", F, [2])]))],
           [vi("cond", TensorProto.BOOL, []), vi("x", F, [2])], [vi("y", F, [2])]),
     "subgraph_cycle.onnx")

save(model([helper.make_node("Add", ["x", "n"], ["y"], name="mixed_add")],
           [vi("x", F, [2]), vi("n", TensorProto.INT64, [2])], [vi("y", F, [2])]),
     "mismatched_types.onnx")

# Element types a type constraint does not allow: Gather's indices are int32
# or int64; MatMul takes no bool.
save(model([helper.make_node("Gather", ["x", "i"], ["y"], name="float_indices")],
           [vi("x", F, [4, 2]), vi("i", F, [3])], [vi("y", F, [3, 2])]),
     "float_indices.onnx")
save(model([helper.make_node("MatMul", ["a", "b"], ["y"], name="bool_matmul")],
           [vi("a", TensorProto.BOOL, [2, 2]), vi("b", TensorProto.BOOL, [2, 2])],
           [vi("y", TensorProto.BOOL, [2, 2])]), "bool_matmul.onnx")

absurd = TensorProto(name="huge", data_type=F, dims=[1 << 20, 1 << 20])
save(model([helper.make_node("ReduceSum", ["huge"], ["y"], name="sum_huge", keepdims=0)],
           [], [vi("y", F, [])], [absurd]), "absurd_shape.onnx")

short = TensorProto(name="w", data_type=F, dims=[2, 3],
                    raw_data=np.zeros(4, np.float32).tobytes())
save(model([helper.make_node("Add", ["x", "w"], ["y"], name="add_short")],
           [vi("x", F, [2, 3])], [vi("y", F, [2, 3])], [short]), "short_data.onnx")

save(model([helper.make_node("Relu", ["x"], ["y"], name="a"),
            helper.make_node("Relu", ["x"], ["y"], name="b")],
           [vi("x", F, [2])], [vi("y", F, [2])]), "duplicate_output.onnx")

save(model([helper.make_node("Add", ["x", "x", "x"], ["y"], name="add3")],
           [vi("x", F, [2])], [vi("y", F, [2])]), "too_many_inputs.onnx")

save(model([helper.make_node("Identity", ["x"], ["y"], name="id")],
           [vi("x", TensorProto.STRING, [2])], [vi("y", TensorProto.STRING, [2])]),
     "string_input.onnx")

# Opset 11 Softmax over a 3-D input: axis 1 means "rows of the flattened
# [3, 4*5] matrix" then; axis 2 is the last axis, where both meanings agree.
save(model([helper.make_node("Softmax", ["x"], ["a"], name="coerced", axis=1),
            helper.make_node("LogSoftmax", ["a"], ["y"], name="last", axis=2)],
           [vi("x", F, [3, 4, 5])], [vi("y", F, [3, 4, 5])], opset=11),
     "legacy_softmax.onnx")

# One small initializer of every supported element type, typed storage and raw.
dtypes = [("f32", TensorProto.FLOAT, np.float32), ("f16", TensorProto.FLOAT16, np.float16),
          ("f64", TensorProto.DOUBLE, np.float64), ("i8", TensorProto.INT8, np.int8),
          ("u8", TensorProto.UINT8, np.uint8), ("i16", TensorProto.INT16, np.int16),
          ("i32", TensorProto.INT32, np.int32), ("i64", TensorProto.INT64, np.int64),
          ("bool", TensorProto.BOOL, np.bool_)]
inits, nodes, outs = [], [], []
for name, code, np_type in dtypes:
    values = np.array([1, 0, 3], dtype=np_type) if np_type is not np.bool_ \
        else np.array([True, False, True])
    for raw in (False, True):
        tname = f"{name}_{'raw' if raw else 'typed'}"
        inits.append(helper.make_tensor(tname, code, [3], values.tolist() if not raw
                                        else values.tobytes(), raw=raw))
        nodes.append(helper.make_node("Identity", [tname], [tname + "_out"], name=tname))
        outs.append(vi(tname + "_out", code, [3]))
# bf16 has no numpy type: 1.0, -2.0, 0.5 as raw bfloat16 bits.
inits.append(TensorProto(name="bf16_raw", data_type=TensorProto.BFLOAT16, dims=[3],
                         raw_data=np.array([0x3F80, 0xC000, 0x3F00], np.uint16).tobytes()))
nodes.append(helper.make_node("Identity", ["bf16_raw"], ["bf16_raw_out"], name="bf16_raw"))
outs.append(vi("bf16_raw_out", TensorProto.BFLOAT16, [3]))
save(model(nodes, [], outs, inits), "dtypes.onnx")

# ONNX Runtime contrib operators that LLM exports contain, every input present,
# and a GroupQueryAttention with the optional inputs omitted.
MS = [helper.make_opsetid("com.microsoft", 1)]
H = TensorProto.FLOAT
ms_nodes = [
    helper.make_node("SimplifiedLayerNormalization", ["x", "gamma"], ["n", "inv"],
                     name="rmsnorm", epsilon=1e-6),
    helper.make_node("SkipSimplifiedLayerNormalization", ["n", "x", "gamma", "beta"],
                     ["s", "", "", "sum"], name="skip_rmsnorm", domain="com.microsoft"),
    helper.make_node("MatMulNBits", ["s", "qweight", "qscales", "qzeros", "gidx", "qbias"],
                     ["q"], name="q_proj", domain="com.microsoft", K=16, N=16, bits=4,
                     block_size=16),
    helper.make_node("RotaryEmbedding", ["q3", "pos", "cos", "sin"], ["qr"], name="rope",
                     domain="com.microsoft", interleaved=1),
    helper.make_node("GroupQueryAttention",
                     ["qr", "k", "v", "pk", "pv", "seqlens", "total", "cos", "sin"],
                     ["attn", "present_k", "present_v"], name="gqa",
                     domain="com.microsoft", num_heads=4, kv_num_heads=2),
    helper.make_node("GroupQueryAttention", ["qr", "", "", "", "", "seqlens", "total"],
                     ["attn2", "pk2", "pv2"], name="gqa_packed", domain="com.microsoft",
                     num_heads=4, kv_num_heads=2),
    helper.make_node("MultiHeadAttention", ["qr", "k", "v"], ["mha"], name="mha",
                     domain="com.microsoft", num_heads=4),
    helper.make_node("Attention", ["x3", "wqkv", "bqkv"], ["att", "present"], name="attention",
                     domain="com.microsoft", num_heads=4, unidirectional=1),
]
ms_inputs = [vi("x", H, [1, 16]), vi("gamma", H, [16]), vi("beta", H, [16]),
             vi("qweight", TensorProto.UINT8, [16, 1, 8]), vi("qscales", H, [16]),
             vi("qzeros", TensorProto.UINT8, [16]), vi("gidx", TensorProto.INT32, [16]),
             vi("qbias", H, [16]), vi("q3", H, [1, 1, 16]),
             vi("pos", TensorProto.INT64, [1, 1]), vi("cos", H, [8, 2]), vi("sin", H, [8, 2]),
             vi("k", H, [1, 1, 8]), vi("v", H, [1, 1, 8]), vi("pk", H, [1, 2, 0, 4]),
             vi("pv", H, [1, 2, 0, 4]), vi("seqlens", TensorProto.INT32, [1]),
             vi("total", TensorProto.INT32, []), vi("x3", H, [1, 1, 16]),
             vi("wqkv", H, [16, 48]), vi("bqkv", H, [48])]
ms_outputs = [vi(n, H, None) for n in ("inv", "sum", "q", "attn", "present_k", "attn2",
                                        "mha", "att", "present")]
save(model(ms_nodes, ms_inputs, ms_outputs, extra_opsets=MS), "microsoft_ops.onnx")

# Less common malformations, one each.
bad_offset = onnx.ModelProto()
bad_offset.CopyFrom(external)
bad_offset.graph.initializer[0].external_data[1].value = "twelve"
save(bad_offset, "external_bad_offset.onnx")
no_location = onnx.ModelProto()
no_location.CopyFrom(external)
del no_location.graph.initializer[0].external_data[0]
save(no_location, "external_no_location.onnx")
short_file = onnx.ModelProto()
short_file.CopyFrom(external)
short_file.graph.initializer[0].external_data[2].value = str(1 << 20)
save(short_file, "external_too_short.onnx")

twice = helper.make_node("Softmax", ["x"], ["y"], name="sm")
twice.attribute.extend([helper.make_attribute("axis", 1), helper.make_attribute("axis", 0)])
save(model([twice], [vi("x", F, [2, 2])], [vi("y", F, [2, 2])]), "attribute_twice.onnx")

# Attribute kinds must match the schema of the model's opset: the importer
# reads a legacy Softmax 'axis' and a Transpose 'perm' as integers.
string_axis = helper.make_node("Softmax", ["x"], ["y"], name="sm")
string_axis.attribute.extend([helper.make_attribute("axis", "last")])
save(model([string_axis], [vi("x", F, [2, 2])], [vi("y", F, [2, 2])], opset=11),
     "attribute_wrong_kind.onnx")
int_perm = helper.make_node("Transpose", ["x"], ["y"], name="t")
int_perm.attribute.extend([helper.make_attribute("perm", 1)])
save(model([int_perm], [vi("x", F, [2, 3])], [vi("y", F, [3, 2])]),
     "attribute_int_for_ints.onnx")

# A Split without outputs: ONNX 1.12's shape inference would divide by zero.
save(model([helper.make_node("Split", ["x"], [], name="s", axis=0)], [vi("x", F, [6])],
           [vi("x", F, [6])]), "split_no_outputs.onnx")

unnamed = TensorProto(data_type=F, dims=[1], float_data=[1.0])
save(model([helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", F, [1])],
           [vi("y", F, [1])], [unnamed]), "unnamed_initializer.onnx")

untyped = onnx.ValueInfoProto(name="x")
save(model([helper.make_node("Relu", ["x"], ["y"], name="r")], [untyped],
           [vi("y", F, [1])]), "untyped_input.onnx")

save(model([helper.make_node("Add", ["x", "x"], ["y"], name="a")],
           [vi("x", F, [1]), vi("x", F, [1])], [vi("y", F, [1])]), "input_twice.onnx")

no_opsets = model([helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", F, [1])],
                  [vi("y", F, [1])])
del no_opsets.opset_import[:]
save(no_opsets, "no_opset_import.onnx")

save(model([helper.make_node("TopK", ["x"], ["v", "i"], name="topk_no_k")],
           [vi("x", F, [4])], [vi("v", F, [2]), vi("i", TensorProto.INT64, [2])], opset=9),
     "legacy_topk_without_k.onnx")

save(model([helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", F, [1])],
           [vi("y", F, [1]), vi("z", F, [1])]), "undefined_output.onnx")

# Upsample (deprecated since opset 10): opset 7 with a scales attribute and
# 'linear', opset 9 with a scales input; Resize-10 (X, scales).
save(model([helper.make_node("Upsample", ["x"], ["y"], name="up7", mode="linear",
                             scales=[1.0, 1.0, 2.0, 3.0])],
           [vi("x", F, [1, 1, 2, 2])], [vi("y", F, [1, 1, 4, 6])], opset=7),
     "legacy_upsample7.onnx")
save(model([helper.make_node("Upsample", ["x", "s"], ["y"], name="up9")],
           [vi("x", F, [1, 1, 2, 2]), vi("s", F, [4])], [vi("y", F, [1, 1, 4, 6])], opset=9),
     "legacy_upsample9.onnx")
save(model([helper.make_node("Resize", ["x", "s"], ["y"], name="resize10", mode="nearest")],
           [vi("x", F, [1, 1, 2, 2]), vi("s", F, [4])], [vi("y", F, [1, 1, 4, 6])], opset=10),
     "legacy_resize10.onnx")
