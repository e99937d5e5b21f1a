"""Recurrent networks as application code uses them: `nn.LSTM` (2 layers,
batch_first, initial states passed in) and `nn.GRU` (2 layers,
bidirectional, batch_first), each returning the output sequence and the
final states; a sequence tagger (embedding, bidirectional batch_first
`nn.LSTM` with given (h0, c0), a linear head per token) and a classifier
(2-layer bidirectional batch_first `nn.RNN` with tanh and zero initial
state, a linear head on both directions' final states). Dynamic batch and
sequence."""
import torch
from torch import nn

from .common import PlainSpec

INPUT, HIDDEN, LAYERS, BATCH, SEQ = 16, 32, 2, 2, 7
VOCAB, TAGS, CLASSES = 50, 9, 5


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


class LSTMTagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, INPUT)
        self.lstm = nn.LSTM(INPUT, HIDDEN, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * HIDDEN, TAGS)

    def forward(self, tokens, h0, c0):
        features, (h_n, c_n) = self.lstm(self.embed(tokens), (h0, c0))
        return self.head(features), h_n, c_n


class RNNClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(INPUT, HIDDEN, num_layers=LAYERS, nonlinearity="tanh",
                          batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * HIDDEN, CLASSES)

    def forward(self, x):
        output, h_n = self.rnn(x)
        # The last layer's forward and backward final states.
        last = torch.cat([h_n[-2], h_n[-1]], dim=-1)
        return output, self.head(last)


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


def build_lstm_batch_first():
    torch.manual_seed(42)
    return LSTMTagger().eval(), PlainSpec(
        input_names=["tokens", "h0", "c0"], output_names=["tags", "h_n", "c_n"],
        make_inputs=lambda g: (torch.randint(0, VOCAB, (BATCH, SEQ), generator=g),
                               torch.randn(2, BATCH, HIDDEN, generator=g),
                               torch.randn(2, BATCH, HIDDEN, generator=g)),
        dynamic_axes={"tokens": {0: "batch", 1: "sequence"}, "h0": {1: "batch"},
                      "c0": {1: "batch"}, "tags": {0: "batch", 1: "sequence"},
                      "h_n": {1: "batch"}, "c_n": {1: "batch"}})


def build_rnn_tanh():
    torch.manual_seed(43)
    return RNNClassifier().eval(), PlainSpec(
        input_names=["x"], output_names=["output", "logits"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, INPUT, generator=g),),
        dynamic_axes={"x": {0: "batch", 1: "sequence"}, "output": {0: "batch", 1: "sequence"},
                      "logits": {0: "batch"}})
