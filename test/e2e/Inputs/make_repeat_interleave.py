"""torch.repeat_interleave as torch.onnx.export writes it with dynamic axes (a
SplitToSequence / Loop / ConcatFromSequence idiom): GQA's repeat_kv on the
heads axis, GPT-J's duplicate_interleave on the last axis (written as dim=-1),
and a repeat on axis 0; each with PyTorch's outputs as test data, at the
exported sizes and at other ones.

Usage: make_repeat_interleave.py OUT_DIR  (writes NAME.onnx, NAME_data/,
NAME_data_resized/ for NAME in repeat_kv, duplicate_interleave, rows, uneven,
nonzero_rows (NonZero after the rewrite), masked_rows (a boolean-mask read);
counted.onnx, whose counts are an input, has no test data: loom refuses it)
"""
import os
import sys
import warnings

import torch
from onnx import numpy_helper

warnings.filterwarnings("ignore")
out = sys.argv[1]
torch.manual_seed(0)


class RepeatKV(torch.nn.Module):
    """[b, kv_heads, s, d] -> [b, kv_heads * 3, s, d], each head 3 times in a row."""
    def forward(self, k):
        return torch.repeat_interleave(k, repeats=3, dim=1) * 2.0


class DuplicateInterleave(torch.nn.Module):
    """GPT-J's rotary tables: [s, d/2] -> [s, d], each column twice."""
    def forward(self, x):
        sin = torch.sin(x)
        return sin.repeat_interleave(2, dim=-1) + x.repeat_interleave(2, -1)


class Uneven(torch.nn.Module):
    """Counts that differ per row: not the uniform idiom, still unsupported."""
    def forward(self, x):
        return x.repeat_interleave(torch.tensor([1, 2, 3]), dim=0)


class Counted(torch.nn.Module):
    """Counts given as an input: no constant count, still unsupported."""
    def forward(self, x, counts):
        return x.repeat_interleave(counts, dim=0)


class Rows(torch.nn.Module):
    def forward(self, x):
        return x.repeat_interleave(4, dim=0) - 1.0


class NonzeroRows(torch.nn.Module):
    """NonZero of a repeated tensor: its result type ([rank, ?]) must be
    inferred after the importer's rewrite (it stayed [?, ?])."""
    def forward(self, x):
        return torch.nonzero(x.repeat_interleave(2, dim=0) > 0)


class MaskedRows(torch.nn.Module):
    """DeepSeek-V2's MoE dispatch: each token repeated per chosen expert,
    then the rows of one expert by a boolean mask (NonZero + GatherND)."""
    def forward(self, x, idx):
        xr = x.repeat_interleave(2, dim=0)
        return xr[idx.view(-1) == 1] * 2.0


def save(directory, inputs, outputs):
    os.makedirs(directory, exist_ok=True)
    for kind, tensors in (("input", inputs), ("output", outputs)):
        for i, t in enumerate(tensors):
            with open(os.path.join(directory, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.detach().numpy()).SerializeToString())


cases = [
    ("repeat_kv", RepeatKV(), torch.randn(2, 2, 5, 4), torch.randn(1, 3, 7, 4),
     {0: "batch", 1: "heads", 2: "seq"}),
    ("duplicate_interleave", DuplicateInterleave(), torch.randn(6, 8), torch.randn(3, 5),
     {0: "seq", 1: "half"}),
    ("rows", Rows(), torch.randn(3, 2), torch.randn(5, 2), {0: "rows"}),
    ("uneven", Uneven(), torch.randn(3, 2), torch.randn(3, 4), {1: "columns"}),
    ("nonzero_rows", NonzeroRows(), torch.randn(5, 8), torch.randn(3, 8), {0: "rows"}),
]
counted = os.path.join(out, "counted.onnx")
torch.onnx.export(Counted(), (torch.randn(3, 2), torch.tensor([1, 2, 3])), counted,
                  input_names=["x", "counts"], output_names=["y"],
                  dynamic_axes={"x": {0: "rows"}, "counts": {0: "rows"}}, opset_version=17)
for name, module, example, other, axes in cases:
    path = os.path.join(out, f"{name}.onnx")
    torch.onnx.export(module, (example,), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": axes}, opset_version=17)
    save(os.path.join(out, f"{name}_data"), [example], [module(example)])
    save(os.path.join(out, f"{name}_data_resized"), [other], [module(other)])
masked = MaskedRows()
x, idx = torch.randn(5, 8), torch.randint(0, 3, (5, 2))
torch.onnx.export(masked, (x, idx), os.path.join(out, "masked_rows.onnx"),
                  input_names=["x", "idx"], output_names=["y"],
                  dynamic_axes={"x": {0: "rows"}, "idx": {0: "rows"}, "y": {0: "chosen"}},
                  opset_version=17)
save(os.path.join(out, "masked_rows_data"), [x, idx], [masked(x, idx)])
x, idx = torch.randn(3, 8), torch.randint(0, 3, (3, 2))
save(os.path.join(out, "masked_rows_data_resized"), [x, idx], [masked(x, idx)])
