"""Decoder models in PyTorch, exported to ONNX the way users' models arrive.

Two architectures, written the way Hugging Face-style code writes them, so that
`torch.onnx.export` emits the same op patterns real exports contain:

- LLaMA (llama2.c's layout): RMSNorm, rotary embeddings on pairs (2i, 2i+1),
  grouped-query attention with repeat_kv via Expand/Reshape, SwiGLU FFN, and a
  classifier that shares the token embedding.
- GPT-2: learned positions, LayerNorm, multi-head attention with biases, GELU.

Both take and return past key/values in the Hugging Face ONNX convention:
inputs `input_ids`, `position_ids`, `past_key_values.N.key/value`
([batch, kv_heads, past, head_dim]); outputs `logits`, `present.N.key/value`.

`load_llama2c` reads a llama2.c checkpoint (e.g. ../shared/models/stories260K).
"""
import dataclasses
import math
import os
import struct

import numpy as np
import torch
from torch import nn


@dataclasses.dataclass
class LlamaConfig:
    dim: int = 64
    hidden_dim: int = 172
    n_layers: int = 2
    n_heads: int = 8
    n_kv_heads: int = 4
    vocab_size: int = 512
    seq_len: int = 512
    norm_eps: float = 1e-5
    rope_theta: float = 10000.0

    @property
    def head_dim(self):
        return self.dim // self.n_heads


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_pairs(x, cos, sin):
    """RoPE on pairs (2i, 2i+1) of the last axis; cos/sin are [.., head_dim/2]."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    even, odd = pairs[..., 0], pairs[..., 1]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2)


def causal_mask(q_len, past_len, dtype):
    """Additive mask [q_len, past_len + q_len]: query i sits at past_len + i."""
    key_pos = torch.arange(past_len + q_len)
    query_pos = torch.arange(q_len) + past_len
    blocked = key_pos[None, :] > query_pos[:, None]
    return torch.where(blocked, torch.tensor(float("-inf"), dtype=dtype),
                       torch.tensor(0.0, dtype=dtype))


class LlamaAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.wq = nn.Linear(cfg.dim, cfg.n_heads * hd, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.n_kv_heads * hd, bias=False)
        self.wo = nn.Linear(cfg.n_heads * hd, cfg.dim, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        cfg = self.cfg
        b, s, _ = x.shape
        hd = cfg.head_dim
        q = self.wq(x).view(b, s, cfg.n_heads, hd).transpose(1, 2)
        k = self.wk(x).view(b, s, cfg.n_kv_heads, hd).transpose(1, 2)
        v = self.wv(x).view(b, s, cfg.n_kv_heads, hd).transpose(1, 2)
        q = rotate_pairs(q, cos, sin)
        k = rotate_pairs(k, cos, sin)
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        present_k, present_v = k, v
        rep = cfg.n_heads // cfg.n_kv_heads
        if rep > 1:  # repeat_kv, as Hugging Face writes it
            t = k.shape[2]
            k = k[:, :, None].expand(b, cfg.n_kv_heads, rep, t, hd).reshape(b, cfg.n_heads, t, hd)
            v = v[:, :, None].expand(b, cfg.n_kv_heads, rep, t, hd).reshape(b, cfg.n_heads, t, hd)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd) + mask
        probs = torch.softmax(scores, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, cfg.n_heads * hd)
        return self.wo(out), present_k, present_v


class LlamaBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attention_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attention = LlamaAttention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.w1 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)
        self.w2 = nn.Linear(cfg.hidden_dim, cfg.dim, bias=False)
        self.w3 = nn.Linear(cfg.dim, cfg.hidden_dim, bias=False)

    def forward(self, x, cos, sin, mask, past_k, past_v):
        h, pk, pv = self.attention(self.attention_norm(x), cos, sin, mask, past_k, past_v)
        x = x + h
        n = self.ffn_norm(x)
        x = x + self.w2(nn.functional.silu(self.w1(n)) * self.w3(n))
        return x, pk, pv


class Llama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok_embeddings = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.layers = nn.ModuleList(LlamaBlock(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        inv = cfg.rope_theta ** (-torch.arange(0, cfg.head_dim, 2).float() / cfg.head_dim)
        self.register_buffer("inv_freq", inv, persistent=False)

    def forward(self, input_ids, position_ids, *past):
        x = self.tok_embeddings(input_ids)
        angles = position_ids[..., None].float() * self.inv_freq  # [b, s, hd/2]
        cos = torch.cos(angles)[:, None]
        sin = torch.sin(angles)[:, None]
        mask = causal_mask(input_ids.shape[1], past[0].shape[2], x.dtype)
        presents = []
        for i, layer in enumerate(self.layers):
            x, pk, pv = layer(x, cos, sin, mask, past[2 * i], past[2 * i + 1])
            presents += [pk, pv]
        logits = torch.matmul(self.norm(x), self.tok_embeddings.weight.t())
        return (logits, *presents)


@dataclasses.dataclass
class GPT2Config:
    dim: int = 64
    n_layers: int = 2
    n_heads: int = 4
    vocab_size: int = 256
    seq_len: int = 128
    norm_eps: float = 1e-5

    @property
    def head_dim(self):
        return self.dim // self.n_heads

    @property
    def n_kv_heads(self):
        return self.n_heads


class GPT2Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.ln_1 = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.c_attn = nn.Linear(cfg.dim, 3 * cfg.dim)
        self.c_proj = nn.Linear(cfg.dim, cfg.dim)
        self.ln_2 = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)
        self.c_fc = nn.Linear(cfg.dim, 4 * cfg.dim)
        self.c_out = nn.Linear(4 * cfg.dim, cfg.dim)

    def forward(self, x, mask, past_k, past_v):
        cfg = self.cfg
        b, s, _ = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(cfg.dim, dim=2)
        q = q.view(b, s, cfg.n_heads, cfg.head_dim).transpose(1, 2)
        k = torch.cat([past_k, k.view(b, s, cfg.n_heads, cfg.head_dim).transpose(1, 2)], dim=2)
        v = torch.cat([past_v, v.view(b, s, cfg.n_heads, cfg.head_dim).transpose(1, 2)], dim=2)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(cfg.head_dim) + mask
        out = torch.matmul(torch.softmax(scores, dim=-1), v)
        x = x + self.c_proj(out.transpose(1, 2).reshape(b, s, cfg.dim))
        x = x + self.c_out(nn.functional.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))
        return x, k, v


class GPT2(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.dim)
        self.wpe = nn.Embedding(cfg.seq_len, cfg.dim)
        self.h = nn.ModuleList(GPT2Block(cfg) for _ in range(cfg.n_layers))
        self.ln_f = nn.LayerNorm(cfg.dim, eps=cfg.norm_eps)

    def forward(self, input_ids, position_ids, *past):
        x = self.wte(input_ids) + self.wpe(position_ids)
        mask = causal_mask(input_ids.shape[1], past[0].shape[2], x.dtype)
        presents = []
        for i, block in enumerate(self.h):
            x, pk, pv = block(x, mask, past[2 * i], past[2 * i + 1])
            presents += [pk, pv]
        return (torch.matmul(self.ln_f(x), self.wte.weight.t()), *presents)


def random_model(arch, seed=0, std=0.02, **config):
    """A model with seeded random weights (std 0.02 like GPT-2's init; larger
    values give less repetitive greedy text, which tests of generation want)."""
    torch.manual_seed(seed)
    cfg = LlamaConfig(**config) if arch == "llama" else GPT2Config(**config)
    model = Llama(cfg) if arch == "llama" else GPT2(cfg)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" in name or "ln_" in name:
                p.copy_(1.0 + 0.1 * torch.randn_like(p) if p.dim() == 1 and "weight" in name
                        else std * torch.randn_like(p))
            else:
                p.normal_(0.0, std)
    return model.eval()


def load_llama2c(path):
    """A Llama module with the weights of a llama2.c checkpoint."""
    with open(path, "rb") as f:
        data = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", data[:28])
    shared = vocab > 0
    cfg = LlamaConfig(dim=dim, hidden_dim=hidden, n_layers=layers, n_heads=heads,
                      n_kv_heads=kv_heads, vocab_size=abs(vocab), seq_len=seq_len)
    weights = np.frombuffer(data, dtype="<f4", offset=28)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        if pos + n > weights.size:
            raise ValueError(f"{path}: checkpoint is truncated ({weights.size} floats)")
        out = torch.from_numpy(weights[pos:pos + n].copy()).reshape(shape)
        pos += n
        return out

    hd = dim // heads
    kv_dim = kv_heads * hd
    model = Llama(cfg)
    with torch.no_grad():
        model.tok_embeddings.weight.copy_(take(cfg.vocab_size, dim))
        per_layer = {
            "attention_norm.weight": take(layers, dim),
            "attention.wq.weight": take(layers, dim, dim),
            "attention.wk.weight": take(layers, kv_dim, dim),
            "attention.wv.weight": take(layers, kv_dim, dim),
            "attention.wo.weight": take(layers, dim, dim),
            "ffn_norm.weight": take(layers, dim),
            "w1.weight": take(layers, hidden, dim),
            "w2.weight": take(layers, dim, hidden),
            "w3.weight": take(layers, hidden, dim),
        }
        for i, layer in enumerate(model.layers):
            params = dict(layer.named_parameters())
            for name, stacked in per_layer.items():
                params[name].copy_(stacked[i])
        model.norm.weight.copy_(take(dim))
    if not shared:
        raise ValueError(f"{path}: separate classifier weights are not supported yet")
    return model.eval()


def export(model, path, opset=14, batch=1, seq=3, past=2):
    """Exports `model` with past key/values and dynamic batch/sequence/past axes."""
    cfg = model.cfg
    input_ids = torch.randint(0, cfg.vocab_size, (batch, seq))
    position_ids = (torch.arange(seq) + past)[None].expand(batch, seq)
    pasts = [torch.zeros(batch, cfg.n_kv_heads, past, cfg.head_dim)
             for _ in range(2 * cfg.n_layers)]
    past_names = [f"past_key_values.{i}.{kind}" for i in range(cfg.n_layers)
                  for kind in ("key", "value")]
    present_names = [f"present.{i}.{kind}" for i in range(cfg.n_layers)
                     for kind in ("key", "value")]
    axes = {"input_ids": {0: "batch", 1: "sequence"},
            "position_ids": {0: "batch", 1: "sequence"},
            "logits": {0: "batch", 1: "sequence"}}
    axes.update({n: {0: "batch", 2: "past_sequence"} for n in past_names})
    axes.update({n: {0: "batch", 2: "total_sequence"} for n in present_names})
    torch.onnx.export(model, (input_ids, position_ids, *pasts), path,
                      input_names=["input_ids", "position_ids", *past_names],
                      output_names=["logits", *present_names],
                      dynamic_axes=axes, opset_version=opset, do_constant_folding=True)


def write_test_data(model, directory, batch=2, seq=3, past=4, seed=1):
    """Writes ONNX test data for an exported `model`: random input ids,
    positions after `past` cached steps, random past keys/values, and the
    PyTorch module's outputs as the reference (input_N.pb / output_N.pb in
    the exported graph's order)."""
    from onnx import numpy_helper

    cfg = model.cfg
    gen = torch.Generator().manual_seed(seed)
    input_ids = torch.randint(0, cfg.vocab_size, (batch, seq), generator=gen)
    position_ids = (torch.arange(seq) + past)[None].expand(batch, seq).contiguous()
    pasts = [torch.randn(batch, cfg.n_kv_heads, past, cfg.head_dim, generator=gen)
             for _ in range(2 * cfg.n_layers)]
    with torch.no_grad():
        outputs = model(input_ids, position_ids, *pasts)
    os.makedirs(directory, exist_ok=True)
    for kind, tensors in (("input", [input_ids, position_ids, *pasts]), ("output", outputs)):
        for i, t in enumerate(tensors):
            with open(os.path.join(directory, f"{kind}_{i}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy()).SerializeToString())


def greedy_generate(model, prompt, max_new_tokens):
    """PyTorch's greedy generation with the model's own KV cache: the
    reference for `loom-run --generate`. Returns the new token ids."""
    cfg = model.cfg
    past = [torch.zeros(1, cfg.n_kv_heads, 0, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    ids = torch.tensor([prompt], dtype=torch.int64)
    position = 0
    out = []
    with torch.no_grad():
        for _ in range(max_new_tokens):
            positions = torch.arange(position, position + ids.shape[1])[None]
            logits, *past = model(ids, positions, *past)
            position += ids.shape[1]
            token = int(torch.argmax(logits[0, -1]))
            out.append(token)
            ids = torch.tensor([[token]], dtype=torch.int64)
    return out
