"""A block of the ops loom-fuse-transformer-ops rewrites, written as Hugging
Face and PyTorch write them, exported by torch.onnx.export; PyTorch's own
outputs are the reference.

  x [2, 5, 16] -> RMSNorm (HF: weight * (x * rsqrt(mean(x^2) + eps)))
               -> rotary, Hugging Face's rotate_half form, on 2 heads of 8
               -> LayerNorm (nn.LayerNorm) -> GELU (exact, erf) -> Linear
               -> SiLU -> + tanh-GELU of the input

Usage: make_transformer_ops.py OUT_DIR OPSET
       (writes model.onnx and data/; opset 17 writes LayerNormalization)
"""
import os
import sys

import numpy as np
import torch
from onnx import numpy_helper
from torch import nn


class HFRMSNorm(nn.Module):
    def __init__(self, dim, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(dim) + 0.5)
        self.eps = eps

    def forward(self, x):
        variance = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(variance + self.eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = HFRMSNorm(16)
        self.ln = nn.LayerNorm(16, eps=1e-5)
        with torch.no_grad():
            self.ln.weight.uniform_(0.5, 1.5)
            self.ln.bias.uniform_(-0.5, 0.5)
        self.proj = nn.Linear(16, 16)
        self.gelu = nn.GELU()

    def forward(self, x, cos, sin):
        b, s, _ = x.shape
        h = self.norm(x).view(b, s, 2, 8).transpose(1, 2)       # [b, 2, s, 8]
        h = h * cos + rotate_half(h) * sin                       # cos/sin [s, 8]
        h = h.transpose(1, 2).reshape(b, s, 16)
        h = self.gelu(self.ln(h))
        h = nn.functional.silu(self.proj(h))
        return h + nn.functional.gelu(x, approximate="tanh")


def main():
    out, opset = sys.argv[1], int(sys.argv[2])
    torch.manual_seed(3)
    model = Block().eval()
    x = torch.randn(2, 5, 16) * 2
    angles = torch.arange(5)[:, None] * (10000.0 ** (-torch.arange(0, 8, 2) / 8))[None, :]
    angles = torch.cat((angles, angles), dim=-1)
    cos, sin = angles.cos(), angles.sin()
    torch.onnx.export(model, (x, cos, sin), os.path.join(out, "model.onnx"),
                      input_names=["x", "cos", "sin"], output_names=["y"],
                      opset_version=opset)
    with torch.no_grad():
        y = model(x, cos, sin)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    for name, t in [("input_0", x), ("input_1", cos), ("input_2", sin), ("output_0", y)]:
        with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy().astype(np.float32)).SerializeToString())


if __name__ == "__main__":
    main()
