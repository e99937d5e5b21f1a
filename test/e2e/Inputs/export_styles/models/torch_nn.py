"""torch.nn's own attention modules, used the way application code uses them.

- `mha`: `nn.MultiheadAttention(batch_first=True)` self-attention with a
  boolean `key_padding_mask` (True = padding), weights discarded
  (`out, _ = attn(x, x, x, ...)`, need_weights left at its default).
- `encoder_prenorm` / `encoder_postnorm`: `nn.TransformerEncoder` of two
  `nn.TransformerEncoderLayer(batch_first=True, norm_first=...)` with
  `src_key_padding_mask` (GELU pre-norm, ReLU post-norm, as the defaults
  and common configurations go).
- `decoder_layer`: `nn.TransformerDecoderLayer(batch_first=True)` with a causal
  `tgt_mask` from `nn.Transformer.generate_square_subsequent_mask(tgt_len)`
  and a `memory_key_padding_mask`.

Padding: row 1 of each batch has its last 2 (source/memory) positions padded.
"""
import torch
from torch import nn

from .common import PlainSpec

D_MODEL, N_HEAD, D_FF = 32, 4, 64
BATCH, SEQ, MEM = 2, 6, 5


def _padding_mask(batch, length, padded):
    mask = torch.zeros(batch, length, dtype=torch.bool)
    mask[1, length - padded:] = True
    return mask


class SelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attn = nn.MultiheadAttention(D_MODEL, N_HEAD, batch_first=True)
        self.norm = nn.LayerNorm(D_MODEL)

    def forward(self, x, key_padding_mask):
        out, _ = self.attn(x, x, x, key_padding_mask=key_padding_mask)
        return self.norm(x + out)


class Encoder(nn.Module):
    def __init__(self, norm_first):
        super().__init__()
        layer = nn.TransformerEncoderLayer(D_MODEL, N_HEAD, dim_feedforward=D_FF, dropout=0.1,
                                           activation="gelu" if norm_first else "relu",
                                           batch_first=True, norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2,
                                             norm=nn.LayerNorm(D_MODEL) if norm_first else None,
                                             enable_nested_tensor=False)

    def forward(self, src, src_key_padding_mask):
        return self.encoder(src, src_key_padding_mask=src_key_padding_mask)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(D_MODEL, N_HEAD, dim_feedforward=D_FF, dropout=0.1,
                                                batch_first=True)

    def forward(self, tgt, memory, memory_key_padding_mask):
        tgt_mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        return self.layer(tgt, memory, tgt_mask=tgt_mask,
                          memory_key_padding_mask=memory_key_padding_mask)


def _init(model, seed):
    torch.manual_seed(seed)
    model = model.eval()
    with torch.no_grad():  # non-trivial norms and biases
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.add_(0.1 * torch.randn_like(p))
    return model


def build_mha():
    model = _init(SelfAttention(), seed=20)
    return model, PlainSpec(
        input_names=["x", "key_padding_mask"], output_names=["y"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, D_MODEL, generator=g),
                               _padding_mask(BATCH, SEQ, 2)),
        dynamic_axes={"x": {0: "batch", 1: "sequence"},
                      "key_padding_mask": {0: "batch", 1: "sequence"},
                      "y": {0: "batch", 1: "sequence"}})


def _build_encoder(norm_first, seed):
    model = _init(Encoder(norm_first), seed=seed)
    return model, PlainSpec(
        input_names=["src", "src_key_padding_mask"], output_names=["y"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, D_MODEL, generator=g),
                               _padding_mask(BATCH, SEQ, 2)),
        dynamic_axes={"src": {0: "batch", 1: "sequence"},
                      "src_key_padding_mask": {0: "batch", 1: "sequence"},
                      "y": {0: "batch", 1: "sequence"}})


def build_encoder_prenorm():
    return _build_encoder(True, seed=21)


def build_encoder_postnorm():
    return _build_encoder(False, seed=22)


def build_decoder_layer():
    model = _init(Decoder(), seed=23)
    return model, PlainSpec(
        input_names=["tgt", "memory", "memory_key_padding_mask"], output_names=["y"],
        make_inputs=lambda g: (torch.randn(BATCH, SEQ, D_MODEL, generator=g),
                               torch.randn(BATCH, MEM, D_MODEL, generator=g),
                               _padding_mask(BATCH, MEM, 2)),
        dynamic_axes={"tgt": {0: "batch", 1: "sequence"},
                      "memory": {0: "batch", 1: "memory_sequence"},
                      "memory_key_padding_mask": {0: "batch", 1: "memory_sequence"},
                      "y": {0: "batch", 1: "sequence"}})
