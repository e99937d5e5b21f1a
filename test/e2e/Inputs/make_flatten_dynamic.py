"""Flatten over dynamic sizes, as torch.onnx.export writes it from modeling
code: DETR's `mask.flatten(1)` of [b, h, w] (two dynamic sizes merged), a
`flatten(1)` of [b, 3, w] (a static size merged with a dynamic one), and the
pooling of CLIP's text model and Hugging Face's *ForSequenceClassification,
`h[torch.arange(b), idx]`, which torch exports as Flatten(axis=2) of
[b, T, C] and a Gather of the b*T rows. Each model gets two data sets of
other sizes than the export's; the expected outputs are PyTorch's.

Usage: make_flatten_dynamic.py OUT_DIR
"""
import os
import sys
import warnings

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_styles"))
from export import write_test_data  # noqa: E402

out = sys.argv[1]


class MaskFlatten(torch.nn.Module):  # DETR: mask [b, h, w] -> [b, h*w]
    def forward(self, mask):
        return mask.flatten(1).float() * 2


class StaticAndDynamic(torch.nn.Module):
    def forward(self, x):
        return x.flatten(1) * 2


class IndexPool(torch.nn.Module):  # CLIP text: x[arange(b), eot_index]
    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(3, 2)

    def forward(self, h, idx):
        return self.proj(h[torch.arange(h.shape[0]), idx])


def save(name, model, example, names, axes, sets):
    torch.manual_seed(0)
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, example, os.path.join(out, name + ".onnx"), input_names=names,
                          output_names=["y"], dynamic_axes=axes, opset_version=14)
    for set_name, inputs in sets.items():
        with torch.no_grad():
            y = model(*inputs)
        write_test_data(os.path.join(out, name + ".onnx"), os.path.join(out, f"{name}_{set_name}"),
                        dict(zip(names, inputs)), {"y": y})

torch.manual_seed(0)
save("mask_flatten", MaskFlatten(), (torch.rand(2, 3, 4) > 0.5,), ["mask"],
     {"mask": {0: "b", 1: "h", 2: "w"}, "y": {0: "b", 1: "hw"}},
     {"a": [torch.rand(3, 5, 2) > 0.5], "b": [torch.rand(1, 2, 7) > 0.5]})
save("static_and_dynamic", StaticAndDynamic(), (torch.randn(2, 3, 4),), ["x"],
     {"x": {0: "b", 2: "w"}, "y": {0: "b", 1: "cw"}},
     {"a": [torch.randn(3, 3, 2)], "b": [torch.randn(1, 3, 9)]})
save("index_pool", IndexPool(), (torch.randn(2, 5, 3), torch.tensor([4, 1])), ["h", "idx"],
     {"h": {0: "b"}, "idx": {0: "b"}, "y": {0: "b"}},
     {"a": [torch.randn(3, 5, 3), torch.tensor([0, 4, 2])],
      "b": [torch.randn(1, 5, 3), torch.tensor([3])]})
