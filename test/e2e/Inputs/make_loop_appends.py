"""Scripted loops that append to a list and stack or concatenate it after
the loop, as hand-written scans and RNN cells do (Mamba's reference
selective scan: `ys.append(h)` in a `for`, then `torch.stack(ys, dim=1)`).
torch.onnx exports them as SequenceEmpty -> Loop(SequenceInsert) ->
ConcatFromSequence, which loom rewrites into a Loop scan output. Each model
is exported with dynamic batch and time axes and its test data written at
two sizes from PyTorch.

Usage: make_loop_appends.py OUT_DIR  (writes NAME.onnx, NAME_data/,
NAME_other/ for each model below)
"""
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_styles"))
from export import write_test_data  # noqa: E402

out = sys.argv[1]


@torch.jit.script
def stack_time(a, b):
    h = torch.zeros_like(b[:, 0])
    ys = []
    for t in range(a.size(1)):
        h = a[:, t] * h + b[:, t]
        ys.append(h)
    return torch.stack(ys, dim=1)


@torch.jit.script
def stack_last_and_first(a, b):
    # Two lists in one loop; stacked at -1 and at 0.
    h = torch.zeros_like(b[:, 0])
    ys = []
    gs = []
    for t in range(a.size(1)):
        h = torch.tanh(a[:, t] + h) * b[:, t]
        ys.append(h)
        gs.append(h.sum(-1))
    return torch.stack(ys, dim=-1), torch.stack(gs, dim=0)


@torch.jit.script
def cat_time(a, b):
    # torch.cat of [batch, 1, features] steps along dim 1 and of [batch,
    # features] steps along the last dim.
    h = torch.zeros_like(b[:, 0])
    ys = []
    zs = []
    for t in range(a.size(1)):
        h = torch.sigmoid(a[:, t]) * h + b[:, t]
        ys.append(h.unsqueeze(1))
        zs.append(h * 2.0)
    return torch.cat(ys, dim=1), torch.cat(zs, dim=-1)


@torch.jit.script
def growing(a, b):
    # Steps of different sizes: torch.cat allows them, a scan output does not.
    ys = []
    for t in range(a.size(1)):
        ys.append(a[:, : t + 1].sum(-1))
    return torch.cat(ys, dim=-1) + b.sum()


class Wrap(torch.nn.Module):
    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, a, b):
        return self.fn(torch.sigmoid(a), b)


models = {"stack_time": (stack_time, ["y"]),
          "stack_two": (stack_last_and_first, ["y", "g"]),
          "cat_time": (cat_time, ["y", "z"]),
          "growing": (growing, ["y"])}
for name, (fn, outputs) in models.items():
    model = Wrap(fn)
    path = os.path.join(out, name + ".onnx")
    axes = {"a": {0: "batch", 1: "time"}, "b": {0: "batch", 1: "time"}}
    torch.onnx.export(model, (torch.randn(2, 5, 4), torch.randn(2, 5, 4)), path,
                      opset_version=17, input_names=["a", "b"], output_names=outputs,
                      dynamic_axes=axes)
    g = torch.Generator().manual_seed(7)
    for folder, shape in (("data", (2, 5, 4)), ("other", (3, 9, 4))):
        a, b = torch.randn(*shape, generator=g), torch.randn(*shape, generator=g)
        with torch.no_grad():
            result = model(a, b)
        result = result if isinstance(result, tuple) else (result,)
        write_test_data(path, os.path.join(out, f"{name}_{folder}"), {"a": a, "b": b},
                        dict(zip(outputs, result)))
