"""Convnets that resample, written with torch.nn the way image models are:

- `unet`: a two-level U-Net: Conv2d encoder with InstanceNorm2d (affine) and
  BatchNorm2d, MaxPool2d, a ConvTranspose2d(stride 2) decoder whose upsampled
  maps are resized to the skip's size (F.interpolate(size=skip.shape[-2:]))
  and concatenated with the encoder's skips.
- `upsampler`: F.interpolate nearest (scale 2), bilinear with
  align_corners False and True, and bicubic, F.pad reflect and replicate, PixelShuffle
  and PixelUnshuffle, a grouped ConvTranspose2d with output_padding.
- `groupnorm_net`: Conv1d with padding_mode 'reflect' and 'replicate',
  GroupNorm (exported as InstanceNormalization between reshapes), GELU,
  AdaptiveAvgPool1d(1). ('circular' is left out: torch 1.13 exports its
  left pad as x[..., -2:-1] instead of x[..., -1:], so the ONNX graph
  itself disagrees with PyTorch.)

Dynamic batch and spatial axes."""
import torch
from torch import nn
from torch.nn import functional as F

from .common import PlainSpec


def block(cin, cout, norm):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), norm(cout), nn.ReLU(inplace=True))


class UNet(nn.Module):
    def __init__(self, channels=3, base=8, classes=2):
        super().__init__()
        self.enc1 = block(channels, base, lambda c: nn.InstanceNorm2d(c, affine=True))
        self.enc2 = block(base, 2 * base, nn.BatchNorm2d)
        self.bottom = block(2 * base, 4 * base, lambda c: nn.InstanceNorm2d(c))
        self.pool = nn.MaxPool2d(2)
        self.up2 = nn.ConvTranspose2d(4 * base, 2 * base, kernel_size=2, stride=2)
        self.dec2 = block(4 * base, 2 * base, nn.BatchNorm2d)
        self.up1 = nn.ConvTranspose2d(2 * base, base, kernel_size=3, stride=2, padding=1,
                                      output_padding=1)
        self.dec1 = block(2 * base, base, lambda c: nn.InstanceNorm2d(c, affine=True))
        self.head = nn.Conv2d(base, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(self.pool(e1))
        b = self.bottom(self.pool(e2))
        # Decoders resize to the skip's size (odd inputs leave them a pixel
        # short): sizes known only at run time.
        up = F.interpolate(self.up2(b), size=e2.shape[-2:], mode="bilinear", align_corners=False)
        d2 = self.dec2(torch.cat([up, e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


class Upsampler(nn.Module):
    def __init__(self, channels=4):
        super().__init__()
        self.conv = nn.Conv2d(channels, 4 * channels, 3)
        self.shuffle = nn.PixelShuffle(2)
        self.unshuffle = nn.PixelUnshuffle(2)
        self.deconv = nn.ConvTranspose2d(4 * channels, channels, 3, stride=2, padding=1,
                                         output_padding=1, groups=2, dilation=1)
        self.mix = nn.Conv2d(6 * channels, channels, 1)

    def forward(self, x):
        near = F.interpolate(x, scale_factor=2, mode="nearest")
        lin = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        corners = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        cubic = F.interpolate(x, scale_factor=2, mode="bicubic", align_corners=False)
        y = self.conv(F.pad(x, (1, 1, 1, 1), mode="reflect"))  # same size as x
        shuffled = self.shuffle(y)                                 # 2x
        padded = F.pad(self.unshuffle(shuffled), (1, 1, 1, 1), mode="replicate")
        up = self.deconv(padded[:, :, 1:-1, 1:-1])                 # 2x
        out = torch.cat([near, lin, corners, cubic, shuffled, up], dim=1)
        return self.mix(out)


class GroupNormNet(nn.Module):
    def __init__(self, channels=4, hidden=16, classes=3):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, hidden, 5, padding=2, padding_mode="reflect")
        self.norm1 = nn.GroupNorm(4, hidden)
        self.conv2 = nn.Conv1d(hidden, hidden, 3, padding=1, padding_mode="replicate")
        self.norm2 = nn.GroupNorm(2, hidden, affine=True)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.fc = nn.Linear(hidden, classes)

    def forward(self, x):
        x = F.gelu(self.norm1(self.conv1(x)))
        x = F.relu(self.norm2(self.conv2(x))) + x
        return self.fc(torch.flatten(self.pool(x), 1))


def _randomize_norms(model, seed):
    torch.manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm2d,)):
                m.running_mean.normal_(0.0, 0.1)
                m.running_var.uniform_(0.5, 1.5)
            if isinstance(m, (nn.BatchNorm2d, nn.InstanceNorm2d, nn.GroupNorm)) and m.affine:
                m.weight.normal_(1.0, 0.1)
                m.bias.normal_(0.0, 0.1)
    return model.eval()


def build_unet():
    torch.manual_seed(40)
    model = _randomize_norms(UNet(), 41)
    return model, PlainSpec(
        input_names=["images"], output_names=["masks"],
        make_inputs=lambda g: (torch.randn(2, 3, 20, 28, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(1, 3, 12, 36, generator=g),),
        dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                      "masks": {0: "batch", 2: "height", 3: "width"}})


def build_upsampler():
    torch.manual_seed(42)
    model = Upsampler().eval()
    return model, PlainSpec(
        input_names=["images"], output_names=["upsampled"],
        make_inputs=lambda g: (torch.randn(2, 4, 7, 9, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(3, 4, 5, 12, generator=g),),
        dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                      "upsampled": {0: "batch", 2: "height2", 3: "width2"}})


def build_groupnorm_net():
    torch.manual_seed(43)
    model = _randomize_norms(GroupNormNet(), 44)
    return model, PlainSpec(
        input_names=["signal"], output_names=["logits"],
        make_inputs=lambda g: (torch.randn(2, 4, 23, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(3, 4, 40, generator=g),),
        dynamic_axes={"signal": {0: "batch", 2: "length"}, "logits": {0: "batch"}})
