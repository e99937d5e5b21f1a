"""Attention masked the way Hugging Face's GPT-2 writes it, exported by
torch.onnx.export: scores / sqrt(d), where(causal, scores, finfo.min), +
an additive padding mask [b, 1, 1, kv], softmax, @ V. PyTorch's outputs are
the reference. The batch's second row has its first two keys padded out.

Usage: make_where_attention.py OUT_DIR  (writes model.onnx and data/)
"""
import math
import os
import sys

import numpy as np
import torch
from onnx import numpy_helper
from torch import nn


class WhereMaskedAttention(nn.Module):
    def __init__(self, dim=32, heads=2):
        super().__init__()
        self.heads, self.d = heads, dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)

    def forward(self, x, attention_mask):
        b, s, dim = x.shape
        q, k, v = self.qkv(x).split(dim, dim=2)
        q, k, v = (t.view(b, s, self.heads, self.d).transpose(1, 2) for t in (q, k, v))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.d)
        causal = torch.tril(torch.ones(s, s, dtype=torch.bool))[None, None]
        scores = torch.where(causal, scores, torch.tensor(torch.finfo(scores.dtype).min))
        scores = scores + attention_mask
        probs = nn.functional.softmax(scores, dim=-1)
        return torch.matmul(probs, v).transpose(1, 2).reshape(b, s, dim)


def main():
    out = sys.argv[1]
    torch.manual_seed(5)
    model = WhereMaskedAttention().eval()
    x = torch.randn(2, 6, 32)
    mask = torch.zeros(2, 1, 1, 6)
    mask[1, :, :, :2] = torch.finfo(torch.float32).min
    torch.onnx.export(model, (x, mask), os.path.join(out, "model.onnx"),
                      input_names=["x", "attention_mask"], output_names=["y"], opset_version=14)
    with torch.no_grad():
        y = model(x, mask)
    os.makedirs(os.path.join(out, "data"), exist_ok=True)
    for name, t in [("input_0", x), ("input_1", mask), ("output_0", y)]:
        with open(os.path.join(out, "data", name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy().astype(np.float32)).SerializeToString())


if __name__ == "__main__":
    main()
