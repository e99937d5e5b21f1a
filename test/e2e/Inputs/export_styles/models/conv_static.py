"""Convolutions exported with every size static, as a deployment export of a
fixed-size vision or video model comes (no dynamic_axes): a Conv2d stem with
stride and padding, a grouped Conv2d, a depthwise one, a 1x1 projection, and
a small Conv3d video branch (3-D: loom's im2col + GEMM lowering, where the
2-D ones call loomrt's convolution). Static shapes reach the lowering with
static column counts, which the dynamic-batch corpus never does."""
import torch
from torch import nn

from .common import PlainSpec


class StaticConvs(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, kernel_size=3, stride=2, padding=1)
        self.grouped = nn.Conv2d(16, 16, kernel_size=3, padding=1, groups=4, bias=False)
        self.depthwise = nn.Conv2d(16, 16, kernel_size=3, padding=2, dilation=2, groups=16)
        self.project = nn.Conv2d(16, 8, kernel_size=1)
        self.video = nn.Conv3d(3, 6, kernel_size=(2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1))

    def forward(self, image, clip):
        x = torch.relu(self.stem(image))
        x = torch.relu(self.grouped(x))
        x = self.depthwise(x) + x
        y = self.project(x)
        v = self.video(clip)
        return y, v.mean(dim=(2, 3, 4))


def build():
    torch.manual_seed(46)
    model = StaticConvs().eval()
    return model, PlainSpec(
        input_names=["image", "clip"], output_names=["features", "video"],
        make_inputs=lambda g: (torch.randn(2, 3, 17, 15, generator=g),
                               torch.randn(2, 3, 4, 9, 9, generator=g)),
        dynamic_axes={})
