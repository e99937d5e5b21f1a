#!/usr/bin/env python3
"""An independent reference of llama2.c's forward pass, in numpy (float32).

Reads a llama2.c checkpoint directly (not through loom.models or PyTorch) and
decodes greedily from BOS, one token at a time with its own KV cache, exactly
as llama2.c's run.c does: RMSNorm, RoPE on pairs (2i, 2i+1), grouped-query
attention, SwiGLU, a classifier sharing the token embedding.

Usage: llama2c_reference.py CHECKPOINT --steps N [--prompt "1"]
Prints the generated token ids (after the prompt) on one line.
"""
import argparse
import struct

import numpy as np


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = struct.unpack("<7i", data[:28])
    w = np.frombuffer(data, dtype="<f4", offset=28)
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        out = w[pos:pos + n].reshape(shape)
        pos += n
        return out

    hd = dim // heads
    kv_dim = kv_heads * hd
    p = dict(dim=dim, hidden=hidden, layers=layers, heads=heads, kv_heads=kv_heads,
             vocab=abs(vocab), seq_len=seq_len)
    p["emb"] = take(abs(vocab), dim)
    p["rms_att"] = take(layers, dim)
    p["wq"] = take(layers, dim, dim)
    p["wk"] = take(layers, kv_dim, dim)
    p["wv"] = take(layers, kv_dim, dim)
    p["wo"] = take(layers, dim, dim)
    p["rms_ffn"] = take(layers, dim)
    p["w1"] = take(layers, hidden, dim)
    p["w2"] = take(layers, dim, hidden)
    p["w3"] = take(layers, hidden, dim)
    p["rms_final"] = take(dim)
    return p


def rmsnorm(x, weight):
    ss = np.float32(np.mean(x * x, dtype=np.float32) + np.float32(1e-5))
    return (x / np.sqrt(ss)).astype(np.float32) * weight


def forward(p, token, position, k_cache, v_cache):
    dim, heads, kv_heads = p["dim"], p["heads"], p["kv_heads"]
    hd = dim // heads
    group = heads // kv_heads
    x = p["emb"][token].copy()
    # RoPE angles for this position: theta_i = 10000^(-2i/hd), pairs (2i, 2i+1).
    i = np.arange(0, hd, 2, dtype=np.float32)
    angle = np.float32(position) * (np.float32(10000.0) ** (-i / np.float32(hd)))
    cos, sin = np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)

    def rope(v):
        v = v.reshape(-1, hd // 2, 2)
        a, b = v[..., 0], v[..., 1]
        return np.stack([a * cos - b * sin, a * sin + b * cos], axis=-1).reshape(-1)

    for l in range(p["layers"]):
        h = rmsnorm(x, p["rms_att"][l])
        q = rope(p["wq"][l] @ h)
        k = rope(p["wk"][l] @ h)
        v = p["wv"][l] @ h
        k_cache[l][position] = k
        v_cache[l][position] = v
        out = np.zeros(dim, dtype=np.float32)
        for head in range(heads):
            kvh = head // group
            qh = q[head * hd:(head + 1) * hd]
            keys = k_cache[l][:position + 1, kvh * hd:(kvh + 1) * hd]
            vals = v_cache[l][:position + 1, kvh * hd:(kvh + 1) * hd]
            scores = (keys @ qh) / np.float32(np.sqrt(hd))
            scores = np.exp(scores - scores.max())
            scores /= scores.sum()
            out[head * hd:(head + 1) * hd] = scores @ vals
        x = x + p["wo"][l] @ out
        h = rmsnorm(x, p["rms_ffn"][l])
        a = p["w1"][l] @ h
        silu = a / (np.float32(1.0) + np.exp(-a))
        x = x + p["w2"][l] @ (silu * (p["w3"][l] @ h))
    x = rmsnorm(x, p["rms_final"])
    return p["emb"] @ x


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("checkpoint")
    ap.add_argument("--steps", type=int, required=True, help="tokens to generate")
    ap.add_argument("--prompt", default="1", help="prompt token ids (default: BOS)")
    args = ap.parse_args()
    p = load(args.checkpoint)
    kv_dim = p["kv_heads"] * (p["dim"] // p["heads"])
    k_cache = np.zeros((p["layers"], p["seq_len"], kv_dim), dtype=np.float32)
    v_cache = np.zeros_like(k_cache)
    prompt = [int(t) for t in args.prompt.split()]
    tokens, out = list(prompt), []
    for position in range(len(prompt) + args.steps - 1):
        logits = forward(p, tokens[position], position, k_cache, v_cache)
        if position >= len(prompt) - 1:
            nxt = int(np.argmax(logits))
            out.append(nxt)
            tokens.append(nxt)
    print(" ".join(map(str, out)))


if __name__ == "__main__":
    main()
