"""Idioms found by probing real modeling code (round of 2026-12-07), each of
which stopped loom or gave wrong numbers:

- `wavenet`: WaveNet/TCN gated activation `a, b = conv(x).chunk(2, 1)`,
  `tanh(a) * sigmoid(b)`, causal `F.pad` left, dilations 1/2/4, residual and
  skip 1x1 convs (torch exports `chunk` as Slices whose bounds come from
  Shape arithmetic; Conv after it had no rank).
- `c2f_neck`: YOLOv8-style C2f (`cv1(x).chunk(2, 1)`, bottlenecks, `cat`),
  SPPF (MaxPool k5 s1 p2 three times), `nn.Upsample(scale_factor=2)`, SiLU.
- `moe_top2`: Mixtral-style router: `softmax(float)`, `torch.topk(w, 2)`,
  renormalised, dense combination by `scatter` into zeros over all experts'
  SwiGLU outputs; tokens = batch x sequence, both dynamic (TopK over a
  dynamic axis was refused).
- `last_step_norm`: LTSF NLinear `x - x[:, -1:, :]` then a Linear over time
  and `+ last` back (a one-position slice of a dynamic axis broadcast:
  silently wrong before).
- `embedding_bag`: DLRM-style `nn.EmbeddingBag(mode="sum"/"mean")` with
  offsets (torch exports a Loop whose scan output it declares with symbolic
  sizes).
- `argsort_lengths`: `torch.sort(lengths, descending=True)` as
  `pack_padded_sequence(enforce_sorted=False)` does it (TopK with k =
  Shape(x)[-1]), then `index_select` of the batch by that order.
"""
import math

import torch
import torch.nn.functional as F
from torch import nn

from .common import PlainSpec, randomize

C = 8


class GatedBlock(nn.Module):
    def __init__(self, dilation, kernel=3):
        super().__init__()
        self.dilation, self.kernel = dilation, kernel
        self.conv = nn.Conv1d(C, 2 * C, kernel, dilation=dilation)
        self.res = nn.Conv1d(C, C, 1)
        self.skip = nn.Conv1d(C, C, 1)

    def forward(self, x):
        h = self.conv(F.pad(x, ((self.kernel - 1) * self.dilation, 0)))
        a, b = h.chunk(2, dim=1)
        z = torch.tanh(a) * torch.sigmoid(b)
        return (x + self.res(z)) * math.sqrt(0.5), self.skip(z)


class WaveNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Conv1d(1, C, 1)
        self.blocks = nn.ModuleList([GatedBlock(d) for d in (1, 2, 4)])
        self.out = nn.Sequential(nn.ReLU(), nn.Conv1d(C, 4, 1))

    def forward(self, x):
        x = self.inp(x)
        skips = 0
        for block in self.blocks:
            x, skip = block(x)
            skips = skips + skip
        return self.out(skips)


def build_wavenet():
    model = randomize(WaveNet(), seed=71).eval()
    return model, PlainSpec(
        input_names=["audio"], output_names=["logits"],
        make_inputs=lambda g: (torch.randn(2, 1, 24, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(3, 1, 37, generator=g),),
        dynamic_axes={"audio": {0: "batch", 2: "time"}, "logits": {0: "batch", 2: "time"}})


class ConvBnSiLU(nn.Module):
    def __init__(self, c1, c2, k=1, s=1):
        super().__init__()
        self.conv = nn.Conv2d(c1, c2, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c2)
        self.act = nn.SiLU()

    def forward(self, x):
        return self.act(self.bn(self.conv(x)))


class C2f(nn.Module):
    def __init__(self, c1, c2):
        super().__init__()
        self.c = c2 // 2
        self.cv1 = ConvBnSiLU(c1, 2 * self.c)
        self.m = nn.Sequential(ConvBnSiLU(self.c, self.c, 3), ConvBnSiLU(self.c, self.c, 3))
        self.cv2 = ConvBnSiLU(3 * self.c, c2)

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        y.append(self.m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.cv1 = ConvBnSiLU(c, c // 2)
        self.cv2 = ConvBnSiLU(c * 2, c)
        self.m = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.m(x)
        y2 = self.m(y1)
        return self.cv2(torch.cat((x, y1, y2, self.m(y2)), 1))


class C2fNeck(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = ConvBnSiLU(3, 8, 3, 2)
        self.c2f = C2f(8, 8)
        self.down = ConvBnSiLU(8, 16, 3, 2)
        self.sppf = SPPF(16)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(24, 6, 1)

    def forward(self, x):
        p3 = self.c2f(self.stem(x))
        p4 = self.sppf(self.down(p3))
        return self.head(torch.cat([self.up(p4), p3], 1))


def build_c2f_neck():
    model = randomize(C2fNeck(), seed=72, std=0.2)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    return model.eval(), PlainSpec(
        input_names=["images"], output_names=["features"],
        make_inputs=lambda g: (torch.randn(2, 3, 32, 32, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(1, 3, 48, 32, generator=g),),
        dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                      "features": {0: "batch", 2: "h", 3: "w"}})


D, FF, EXPERTS = 16, 24, 4


class Expert(nn.Module):
    def __init__(self):
        super().__init__()
        self.w1 = nn.Linear(D, FF, bias=False)
        self.w2 = nn.Linear(FF, D, bias=False)
        self.w3 = nn.Linear(D, FF, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class MoeTop2(nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = nn.Linear(D, EXPERTS, bias=False)
        self.experts = nn.ModuleList([Expert() for _ in range(EXPERTS)])

    def forward(self, hidden):
        batch, seq, dim = hidden.shape
        h = hidden.view(-1, dim)
        weights = F.softmax(self.gate(h), dim=1, dtype=torch.float)
        weights, selected = torch.topk(weights, 2, dim=-1)
        weights = weights / weights.sum(dim=-1, keepdim=True)
        gates = torch.zeros(h.shape[0], EXPERTS).scatter(-1, selected, weights)
        outs = torch.stack([expert(h) for expert in self.experts], dim=1)
        return (gates.unsqueeze(-1) * outs).sum(1).view(batch, seq, dim), selected


def build_moe_top2():
    model = randomize(MoeTop2(), seed=73).eval()
    return model, PlainSpec(
        input_names=["hidden"], output_names=["out", "selected"],
        make_inputs=lambda g: (torch.randn(2, 5, D, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(3, 4, D, generator=g),),
        dynamic_axes={"hidden": {0: "batch", 1: "seq"}, "out": {0: "batch", 1: "seq"},
                      "selected": {0: "tokens"}})


class LastStepNorm(nn.Module):
    def __init__(self, window=12, horizon=4):
        super().__init__()
        self.linear = nn.Linear(window, horizon)

    def forward(self, x):  # [batch, window, channels]
        last = x[:, -1:, :]
        y = self.linear((x - last).permute(0, 2, 1)).permute(0, 2, 1)
        # And along the dynamic channel axis: the first channel scales all.
        return y + last, x - x[:, :, -1:] * x[:, :, :1]


def build_last_step_norm():
    model = randomize(LastStepNorm(), seed=74).eval()
    return model, PlainSpec(
        input_names=["series"], output_names=["forecast", "scaled"],
        make_inputs=lambda g: (torch.randn(2, 12, 3, generator=g),),
        make_resized_inputs=lambda g: (torch.randn(4, 12, 5, generator=g),),
        dynamic_axes={"series": {0: "batch", 2: "channels"},
                      "forecast": {0: "batch", 2: "channels"},
                      "scaled": {0: "batch", 2: "channels"}})


class EmbeddingBagModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.sum = nn.EmbeddingBag(30, 8, mode="sum")
        self.mean = nn.EmbeddingBag(20, 8, mode="mean")
        self.top = nn.Linear(16, 1)

    def forward(self, ids_a, offsets_a, ids_b, offsets_b):
        z = torch.cat([self.sum(ids_a, offsets_a), self.mean(ids_b, offsets_b)], dim=1)
        return torch.sigmoid(self.top(z))


def build_embedding_bag():
    model = randomize(EmbeddingBagModel(), seed=75).eval()

    def inputs(g, bags, lengths):
        def one(vocab):
            ids = torch.randint(0, vocab, (sum(lengths),), generator=g)
            offsets = torch.tensor([0] + list(torch.tensor(lengths).cumsum(0)[:-1]))
            return ids, offsets
        return one(30) + one(20)

    return model, PlainSpec(
        input_names=["ids_a", "offsets_a", "ids_b", "offsets_b"], output_names=["p"],
        make_inputs=lambda g: inputs(g, 3, [2, 4, 1]),
        make_resized_inputs=lambda g: inputs(g, 4, [1, 3, 2, 5]),
        dynamic_axes={"ids_a": {0: "na"}, "offsets_a": {0: "bags"}, "ids_b": {0: "nb"},
                      "offsets_b": {0: "bags"}, "p": {0: "bags"}})


class ArgsortLengths(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(6, 6)

    def forward(self, x, lengths):
        sorted_lengths, order = torch.sort(lengths, descending=True)
        return self.proj(x.index_select(0, order)), sorted_lengths, order


def build_argsort_lengths():
    model = randomize(ArgsortLengths(), seed=76).eval()
    return model, PlainSpec(
        input_names=["x", "lengths"], output_names=["y", "sorted_lengths", "order"],
        make_inputs=lambda g: (torch.randn(5, 6, generator=g),
                               torch.tensor([3, 7, 1, 7, 4])),
        make_resized_inputs=lambda g: (torch.randn(3, 6, generator=g), torch.tensor([2, 9, 5])),
        dynamic_axes={"x": {0: "batch"}, "lengths": {0: "batch"}, "y": {0: "batch"},
                      "sorted_lengths": {0: "batch"}, "order": {0: "batch"}})
