"""Byte masks as Transformer-XL builds them: torch.triu(x.new_ones((q, k),
dtype=torch.uint8), diagonal=1 + m).bool() becomes ConstantOfShape (uint8
ones) -> Trilu -> Cast(bool), then masked_fill; plus an EyeLike of uint8.
These were refused ("element type ui8 is not supported yet"). References
are numpy's.

Usage: make_uint8_masks.py OUT_DIR  (writes masks.onnx, masks_data/ and
masks_other/, the same graph at other sizes)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(3)
F, I64, U8, B = TensorProto.FLOAT, TensorProto.INT64, TensorProto.UINT8, TensorProto.BOOL


def i64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


nodes = [
    # q = x.shape[0], k = q + mems.shape[0]
    helper.make_node("Shape", ["x"], ["xs"], start=0, end=1),
    helper.make_node("Shape", ["mems"], ["ms"], start=0, end=1),
    helper.make_node("Add", ["xs", "ms"], ["ks"]),
    helper.make_node("Concat", ["xs", "ks"], ["qk"], axis=0),
    helper.make_node("ConstantOfShape", ["qk"], ["ones"],
                     value=helper.make_tensor("one", U8, [1], [1])),
    helper.make_node("Add", ["ms", "one_i64"], ["diag"]),
    helper.make_node("Squeeze", ["diag"], ["diag0"]),
    helper.make_node("Trilu", ["ones", "diag0"], ["band"], upper=1),
    helper.make_node("Cast", ["band"], ["mask"], to=B),
    helper.make_node("Concat", ["mems", "x"], ["cat"], axis=0),
    helper.make_node("Transpose", ["cat"], ["catT"], perm=[1, 0]),
    helper.make_node("MatMul", ["x", "catT"], ["s"]),
    helper.make_node("Where", ["mask", "neg", "s"], ["masked"]),
    helper.make_node("Softmax", ["masked"], ["p"], axis=-1),
    helper.make_node("EyeLike", ["band"], ["eye"], k=1),
]
graph = helper.make_graph(
    nodes, "masks",
    [helper.make_tensor_value_info("x", F, ["q", 8]),
     helper.make_tensor_value_info("mems", F, ["m", 8])],
    [helper.make_tensor_value_info("p", F, ["q", "k"]),
     helper.make_tensor_value_info("band", U8, ["q", "k"]),
     helper.make_tensor_value_info("eye", U8, ["q", "k"])],
    [i64("one_i64", [1]), numpy_helper.from_array(np.array(-1e30, np.float32), "neg")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "masks.onnx"))


def write(folder, q, m):
    x = rng.standard_normal((q, 8)).astype(np.float32)
    mems = rng.standard_normal((m, 8)).astype(np.float32)
    band = np.triu(np.ones((q, q + m), np.uint8), k=1 + m)
    s = x @ np.concatenate([mems, x]).T
    s = np.where(band.astype(bool), np.float32(-1e30), s)
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    eye = np.eye(q, q + m, k=1, dtype=np.uint8)
    d = os.path.join(out, folder)
    os.makedirs(d, exist_ok=True)
    for kind, values in (("input", [x, mems]), ("output", [p.astype(np.float32), band, eye])):
        for i, t in enumerate(values):
            with open(os.path.join(d, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t).SerializeToString())


write("masks_data", 4, 3)
write("masks_other", 6, 1)
