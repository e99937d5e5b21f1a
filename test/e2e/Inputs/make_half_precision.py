"""f16 and f64 models: sums that f16 accumulation gets wrong, and attention
in f16 and f64.

sums16.onnx (onnx.helper, all f16): a MatMul over K = 4096, a global
average pool of 64x64 values near 32 (an f16 running sum overflows to inf),
ReduceSum and ReduceMean of 4096 values near 10.5, LayerNormalization of
rows whose mean is near 20. References: numpy in f64 on the same f16
inputs, rounded to f16 (what PyTorch and ONNX Runtime give: they accumulate
in f32).

mha16.onnx / mha64.onnx: torch.nn.MultiheadAttention(batch_first) with a key
padding mask, exported with dynamic batch and sequence axes, converted to
f16 as onnxconverter-common does (initializers, constants, casts and
declared types) and exported with .double(). Its weights are rounded to f16
first, so the f16 file holds the module's exact weights; the reference is
the module in f32 (f64) on the same inputs.

Usage: make_half_precision.py OUT_DIR
"""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
rng = np.random.default_rng(8)
H = TensorProto.FLOAT16


def write(folder, inputs, outputs):
    d = os.path.join(out, folder)
    os.makedirs(d, exist_ok=True)
    for kind, values in (("input", inputs), ("output", outputs)):
        for i, t in enumerate(values):
            with open(os.path.join(d, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.ascontiguousarray(t)).SerializeToString())


# --- sums16 ---------------------------------------------------------------
a = rng.uniform(0, 1, (2, 4096)).astype(np.float16)
b = rng.uniform(0, 1, (4096, 3)).astype(np.float16)
img = (32 + rng.uniform(-1, 1, (1, 2, 64, 64))).astype(np.float16)
r = (10.5 + rng.uniform(-0.5, 0.5, (2, 4096))).astype(np.float16)
ln = (20 + rng.standard_normal((3, 1024))).astype(np.float16)
gamma = rng.uniform(0.5, 1.5, 1024).astype(np.float16)
beta = rng.uniform(-0.5, 0.5, 1024).astype(np.float16)
axes = numpy_helper.from_array(np.array([1], np.int64), "axes")
nodes = [helper.make_node("MatMul", ["a", "b"], ["mm"]),
         helper.make_node("GlobalAveragePool", ["img"], ["gap"]),
         helper.make_node("ReduceSum", ["r", "axes"], ["sum"], keepdims=0),
         helper.make_node("ReduceMean", ["r"], ["mean"], axes=[1], keepdims=0),
         helper.make_node("LayerNormalization", ["ln", "gamma", "beta"], ["norm"], axis=-1)]
graph = helper.make_graph(
    nodes, "sums16",
    [helper.make_tensor_value_info("a", H, [2, 4096]), helper.make_tensor_value_info("b", H, [4096, 3]),
     helper.make_tensor_value_info("img", H, [1, 2, 64, 64]),
     helper.make_tensor_value_info("r", H, [2, 4096]), helper.make_tensor_value_info("ln", H, [3, 1024])],
    [helper.make_tensor_value_info(n, H, None) for n in ("mm", "gap", "sum", "mean", "norm")],
    [axes, numpy_helper.from_array(gamma, "gamma"), numpy_helper.from_array(beta, "beta")])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
          os.path.join(out, "sums16.onnx"))
w = ln.astype(np.float64)
norm = (w - w.mean(-1, keepdims=True)) / np.sqrt(w.var(-1, keepdims=True) + 1e-5)
expected = [a.astype(np.float64) @ b.astype(np.float64),
            img.astype(np.float64).mean(axis=(2, 3), keepdims=True),
            r.astype(np.float64).sum(1), r.astype(np.float64).mean(1),
            norm * gamma.astype(np.float64) + beta.astype(np.float64)]
write("sums16_data", [a, b, img, r, ln], [e.astype(np.float16) for e in expected])


# --- attention in f16 and f64 ----------------------------------------------
class Attention(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.mha = torch.nn.MultiheadAttention(32, 4, batch_first=True)

    def forward(self, x, pad):
        return self.mha(x, x, x, key_padding_mask=pad, need_weights=False)[0]


torch.manual_seed(0)
model = Attention().eval()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(p.half().float())  # the f16 file holds these weights exactly
names = {"input_names": ["x", "pad"], "output_names": ["y"],
         "dynamic_axes": {"x": {0: "batch", 1: "seq"}, "pad": {0: "batch", 1: "seq"},
                          "y": {0: "batch", 1: "seq"}}, "opset_version": 17}
x = torch.randn(2, 5, 32).half().float()
pad = torch.tensor([[False] * 5, [False] * 3 + [True] * 2])
torch.onnx.export(model, (x, pad), os.path.join(out, "mha32.onnx"), **names)
torch.onnx.export(model.double(), (x.double(), pad), os.path.join(out, "mha64.onnx"), **names)

# f16 as onnxconverter-common writes it (keep_io_types=False).
m = onnx.load(os.path.join(out, "mha32.onnx"))


def half(t):
    return numpy_helper.from_array(numpy_helper.to_array(t).astype(np.float16), t.name)


for init in m.graph.initializer:
    if init.data_type == TensorProto.FLOAT:
        init.CopyFrom(half(init))
for n in m.graph.node:
    for attr in n.attribute:
        if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == TensorProto.FLOAT:
            attr.t.CopyFrom(half(attr.t))
        if n.op_type == "Cast" and attr.name == "to" and attr.i == TensorProto.FLOAT:
            attr.i = TensorProto.FLOAT16
for vi in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
    if vi.type.tensor_type.elem_type == TensorProto.FLOAT:
        vi.type.tensor_type.elem_type = H
onnx.save(m, os.path.join(out, "mha16.onnx"))

g = torch.Generator().manual_seed(3)
for folder, (batch, seq) in (("data", (2, 5)), ("other", (3, 7))):
    xs = torch.randn(batch, seq, 32, generator=g).half().float()
    pads = torch.zeros(batch, seq, dtype=torch.bool)
    pads[-1, seq - 2:] = True
    with torch.no_grad():
        y32 = model.float()(xs, pads)
        y64 = model.double()(xs.double(), pads)
    write(f"mha16_{folder}", [xs.half().numpy(), pads.numpy()], [y32.half().numpy()])
    write(f"mha64_{folder}", [xs.double().numpy(), pads.numpy()], [y64.numpy()])
