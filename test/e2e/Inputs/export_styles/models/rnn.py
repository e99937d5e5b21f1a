"""Recurrent networks as application code uses them: `nn.LSTM` (2 layers,
batch_first, initial states passed in) and `nn.GRU` (2 layers,
bidirectional, batch_first), each returning the output sequence and the
final states. Dynamic batch and sequence."""
import torch
from torch import nn

from .common import PlainSpec

INPUT, HIDDEN, LAYERS, BATCH, SEQ = 16, 32, 2, 2, 7


class LSTMModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(INPUT, HIDDEN, num_layers=LAYERS, batch_first=True)

    def forward(self, x, h0, c0):
        output, (h_n, c_n) = self.lstm(x, (h0, c0))
        return output, h_n, c_n


class GRUModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(INPUT, HIDDEN, num_layers=LAYERS, batch_first=True, bidirectional=True)

    def forward(self, x, h0):
        output, h_n = self.gru(x, h0)
        return output, h_n


def build_lstm():
    torch.manual_seed(40)
    return LSTMModel().eval(), PlainSpec(
        input_names=["x", "h0", "c0"], output_names=["output", "h_n", "c_n"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, INPUT, generator=g),
                               torch.randn(LAYERS, BATCH, HIDDEN, generator=g),
                               torch.randn(LAYERS, BATCH, HIDDEN, generator=g)),
        dynamic_axes={"x": {0: "batch", 1: "sequence"}, "h0": {1: "batch"}, "c0": {1: "batch"},
                      "output": {0: "batch", 1: "sequence"}, "h_n": {1: "batch"},
                      "c_n": {1: "batch"}})


def build_gru():
    torch.manual_seed(41)
    return GRUModel().eval(), PlainSpec(
        input_names=["x", "h0"], output_names=["output", "h_n"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, INPUT, generator=g),
                               torch.randn(2 * LAYERS, BATCH, HIDDEN, generator=g)),
        dynamic_axes={"x": {0: "batch", 1: "sequence"}, "h0": {1: "batch"},
                      "output": {0: "batch", 1: "sequence"}, "h_n": {1: "batch"}})
