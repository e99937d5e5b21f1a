"""Control flow from TorchScript, the way people script data-dependent
modules: `torch.jit.script` turns Python `if` and `for`/`while` into ONNX
If and Loop (opset 17), with the subgraphs reading the module's weights
from the enclosing graph. Dynamic batch.

- `gated_steps`: a refinement loop whose trip count is an input, with a
  branch on the iteration's parity inside it (both branches run in one
  call) and on a data-dependent condition after it.
- `early_exit`: a `while` loop that stops when the state converges or after
  a maximum number of steps (the ONNX Loop's condition output)."""
import torch
from torch import nn

from .common import PlainSpec

WIDTH, BATCH = 8, 2


class GatedSteps(nn.Module):
    def __init__(self):
        super().__init__()
        self.even = nn.Linear(WIDTH, WIDTH)
        self.odd = nn.Linear(WIDTH, WIDTH)
        self.out = nn.Linear(WIDTH, 4)

    def forward(self, x, steps):
        h = x
        for i in range(int(steps)):
            if i % 2 == 0:
                h = torch.relu(self.even(h)) + x
            else:
                h = torch.tanh(self.odd(h))
        if bool(h.mean() > 0):
            y = self.out(h)
        else:
            y = -self.out(h)
        return y


class EarlyExit(nn.Module):
    def __init__(self):
        super().__init__()
        self.cell = nn.Linear(WIDTH, WIDTH)

    def forward(self, x):
        h = torch.zeros_like(x)
        delta = torch.ones_like(x)
        i = 0
        while bool(delta.abs().max() > 1e-3) and i < 50:
            new_h = torch.tanh(0.5 * self.cell(h) + x)
            delta = new_h - h
            h = new_h
            i += 1
        return h


def build_gated_steps():
    torch.manual_seed(50)
    return torch.jit.script(GatedSteps().eval()), PlainSpec(
        input_names=["x", "steps"], output_names=["y"],
        make_inputs=lambda g: (torch.randn(BATCH, WIDTH, generator=g), torch.tensor(5)),
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})


def build_early_exit():
    torch.manual_seed(51)
    return torch.jit.script(EarlyExit().eval()), PlainSpec(
        input_names=["x"], output_names=["h"],
        make_inputs=lambda g: (torch.randn(BATCH, WIDTH, generator=g),),
        dynamic_axes={"x": {0: "batch"}, "h": {0: "batch"}})
