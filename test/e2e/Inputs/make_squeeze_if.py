"""Hugging Face LLaMA's rotary idiom of transformers 4.3x,
`cos_cached[:, :, :seq_len].squeeze(1).squeeze(0)[position_ids]`, exported by
torch.onnx.export: a `squeeze(d)` whose dimension the exporter cannot see as
1 becomes If(Shape(x)[d] == 1, Squeeze, Identity), two branches of different
ranks. Data at sizes other than the export's; expected outputs from PyTorch.

Usage: make_squeeze_if.py OUT_DIR
"""
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_styles"))
from export import write_test_data  # noqa: E402

out = sys.argv[1]


class RotaryCos(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("cos_cached", torch.randn(1, 1, 32, 8), persistent=False)

    def forward(self, x, position_ids):
        cos = self.cos_cached[:, :, :x.shape[1]]
        cos = cos.squeeze(1).squeeze(0)[position_ids]
        return x * cos


torch.manual_seed(0)
model = RotaryCos().eval()
names = ["x", "position_ids"]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    torch.onnx.export(model, (torch.randn(2, 5, 8), torch.arange(5).expand(2, 5)),
                      os.path.join(out, "rotary_cos.onnx"), input_names=names, output_names=["y"],
                      dynamic_axes={"x": {0: "b", 1: "t"}, "position_ids": {0: "b", 1: "t"},
                                    "y": {0: "b", 1: "t"}}, opset_version=14)
for set_name, (b, t) in {"a": (3, 9), "b": (1, 2)}.items():
    inputs = [torch.randn(b, t, 8), torch.arange(t).expand(b, t).contiguous()]
    with torch.no_grad():
        y = model(*inputs)
    write_test_data(os.path.join(out, "rotary_cos.onnx"), os.path.join(out, "rotary_cos_" + set_name),
                    dict(zip(names, inputs)), {"y": y})
