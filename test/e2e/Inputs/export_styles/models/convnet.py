"""A small convnet written the way torchvision-style code is: Conv2d with
stride, dilation and groups (grouped and depthwise), BatchNorm2d in eval mode
with non-trivial running statistics, ReLU / ReLU6, MaxPool2d (ceil_mode), a
residual block, AdaptiveAvgPool2d(1), flatten and a Linear classifier.
Dynamic batch, height and width."""
import torch
from torch import nn

from .common import PlainSpec


def conv_bn(cin, cout, kernel, stride=1, padding=0, dilation=1, groups=1, act=nn.ReLU):
    return nn.Sequential(
        nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, dilation=dilation,
                  groups=groups, bias=False),
        nn.BatchNorm2d(cout),
        act(inplace=True))


class InvertedResidual(nn.Module):
    """MobileNetV2's block: expand 1x1, depthwise 3x3, project 1x1, + input."""

    def __init__(self, channels, expand):
        super().__init__()
        hidden = channels * expand
        self.conv = nn.Sequential(
            conv_bn(channels, hidden, 1, act=nn.ReLU6),
            conv_bn(hidden, hidden, 3, padding=1, groups=hidden, act=nn.ReLU6),
            nn.Conv2d(hidden, channels, 1, bias=False),
            nn.BatchNorm2d(channels))

    def forward(self, x):
        return x + self.conv(x)


class ConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(3, 16, 3, stride=2, padding=1),
            conv_bn(16, 16, 3, padding=2, dilation=2, groups=4),
            nn.MaxPool2d(kernel_size=3, stride=2, padding=1, ceil_mode=True),
            InvertedResidual(16, expand=2),
            conv_bn(16, 32, 3, stride=2, padding=1, groups=2))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.classifier = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def build():
    torch.manual_seed(30)
    model = ConvNet()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.normal_(1.0, 0.1)
                m.bias.normal_(0.0, 0.1)
    return model.eval(), PlainSpec(
        input_names=["images"], output_names=["logits"],
        make_inputs=lambda g: (torch.randn(2, 3, 29, 35, generator=g),),
        dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"}, "logits": {0: "batch"}})
