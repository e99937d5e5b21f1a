#!/usr/bin/python3
"""Attention: loom's fused kernel (loom.attention, one pass over K/V with the
online softmax) against loom's own unfused lowering (--fuse-attention=false:
the exported MatMul / Div / Add / Softmax / MatMul and repeat_kv copies) and
onnxruntime-node running the same ONNX file, in one run.

The model is grouped-query attention as a PyTorch/Hugging Face decoder layer
writes it (16 query heads, 4 K/V heads, head_dim 64, repeat_kv, scale by Div,
additive causal mask), exported with dynamic lengths. Cases: causal prefill
of 128, 512 and 2048 tokens, and one decode row over 2048 cached positions.

Usage: bench/attention.py [--threads N] [--reps N] [--build DIR]
Prints the median ms per run (loom-run --repeat; onnxruntime: median),
loom fused's speed-up over each (above 1: fused is faster) and the fused
kernel's GFLOP/s against the FMA peak measured in the same run (the CPU's
widest FMA). The fused model runs once per kernel variant the CPU supports
(LOOM_CPU_FEATURES=avx2, avx512); the ratios are the best variant's.
"""
import argparse
import math
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from common import (ROOT, cpu_features, level_env, loom_levels, measure_machine, number,
                    onnxruntime_ms, onnxruntime_version, run)

HEADS, KV_HEADS, DIM = 16, 4, 64
CASES = [("prefill 128", 128, 128), ("prefill 512", 512, 512),
         ("prefill 2048", 2048, 2048), ("decode @2048", 1, 2048)]


class Attention(torch.nn.Module):
    def forward(self, q, k, v, mask):
        b, kvh, t, d = k.shape
        rep = q.shape[1] // kvh
        k = k[:, :, None].expand(b, kvh, rep, t, d).reshape(b, kvh * rep, t, d)
        v = v[:, :, None].expand(b, kvh, rep, t, d).reshape(b, kvh * rep, t, d)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(d) + mask
        return torch.matmul(torch.softmax(scores, dim=-1), v)


def export(path):
    q = torch.randn(1, HEADS, 3, DIM)
    k = torch.randn(1, KV_HEADS, 5, DIM)
    mask = torch.zeros(3, 5)
    torch.onnx.export(Attention(), (q, k, k.clone(), mask), path,
                      input_names=["q", "k", "v", "mask"], output_names=["out"],
                      dynamic_axes={"q": {2: "s"}, "k": {2: "t"}, "v": {2: "t"},
                                    "mask": {0: "s", 1: "t"}, "out": {2: "s"}},
                      opset_version=14)


def write_inputs(directory, s, t):
    gen = np.random.default_rng(0)
    os.makedirs(directory, exist_ok=True)
    arrays = {"q": gen.standard_normal((1, HEADS, s, DIM), dtype=np.float32),
              "k": gen.standard_normal((1, KV_HEADS, t, DIM), dtype=np.float32),
              "v": gen.standard_normal((1, KV_HEADS, t, DIM), dtype=np.float32)}
    # Causal, bottom-right aligned: query i sits at position t - s + i.
    mask = np.zeros((s, t), dtype=np.float32)
    mask[np.arange(t)[None, :] > (np.arange(s)[:, None] + t - s)] = -np.inf
    arrays["mask"] = mask
    paths = []
    for i, (name, array) in enumerate(arrays.items()):
        paths.append(os.path.join(directory, f"input_{i}.pb"))
        with open(paths[-1], "wb") as f:
            f.write(numpy_helper.from_array(array, name).SerializeToString())
    return paths


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    model = os.path.join(out, "attention.onnx")
    export(model)
    loom_compile = os.path.join(args.build, "bin", "loom-compile")
    libs = {"fused": os.path.join(out, "libattention_fused.so"),
            "unfused": os.path.join(out, "libattention_unfused.so")}
    print("bench: compiling with loom-compile (fused and --fuse-attention=false)",
          file=sys.stderr)
    run([loom_compile, model, "-o", libs["fused"]])
    run([loom_compile, model, "--fuse-attention=false", "-o", libs["unfused"]])
    peak, _ = measure_machine(out, args.threads)
    levels = loom_levels()
    cpu, flags = cpu_features()
    print(f"cpu: {cpu}; features: {' '.join(flags)}")
    print(f"machine: {args.threads} threads, FMA peak {peak:.1f} GFLOP/s; "
          f"onnxruntime-node {onnxruntime_version(out)}; GQA 16/4 heads, head_dim 64, "
          "causal mask")
    fused = [f"fused {level}" for level in levels]
    print("| case | " + " | ".join(f"loom {f} ms" for f in fused) + " | loom unfused ms | "
          "onnxruntime ms | best fused vs unfused | best fused vs onnxruntime | "
          + (f"{levels[-1]} vs {levels[0]} | " if len(levels) > 1 else "")
          + "best fused GFLOP/s | of FMA peak | fused - unfused |")
    print("|" + " --- |" * (len(fused) + 8 + (len(levels) > 1)))
    for name, s, t in CASES:
        inputs = write_inputs(os.path.join(out, f"attention-{s}x{t}"), s, t)
        ms = {}
        runs = [(f"fused {level}", libs["fused"], level) for level in levels]
        runs.append(("unfused", libs["unfused"], levels[-1]))
        for kind, lib, level in runs:
            os.makedirs(os.path.join(out, f"attention-out-{kind}"), exist_ok=True)
            text = run([os.path.join(args.build, "bin", "loom-run"), lib, *inputs, "-o",
                        os.path.join(out, f"attention-out-{kind}"), "--repeat",
                        str(args.reps), "--threads", str(args.threads)], env=level_env(level))
            # "N runs, X ms per run (T threads)"
            ms[kind] = float(text.split(" ms per run")[0].split(", ")[-1])
        outs = {kind: numpy_helper.to_array(onnx.load_tensor_from_string(open(
            os.path.join(out, f"attention-out-{kind}", "output_0.pb"), "rb").read()))
            for kind, _, _ in runs}
        diff = max(float(np.max(np.abs(outs[f] - outs["unfused"]))) for f in fused)
        ort = onnxruntime_ms(out, model, args.threads, args.reps,
                             {"q": (1, HEADS, s, DIM), "k": (1, KV_HEADS, t, DIM),
                              "v": (1, KV_HEADS, t, DIM), "mask": (s, t)})
        best = min(ms[f] for f in fused)
        # Q K^T and P V over the unmasked half (prefill) or the whole row.
        pairs = s * t - (s * (s - 1) // 2 if s == t else 0)
        gflops = 4.0 * HEADS * pairs * DIM / (best / 1e3) / 1e9
        ratio = (f"{ms[fused[0]] / ms[fused[-1]]:.2f}x | " if len(levels) > 1 else "")
        print(f"| {name} | " + " | ".join(f"{ms[f]:.3f}" for f in fused)
              + f" | {ms['unfused']:.3f} | {ort:.3f} | {ms['unfused'] / best:.2f}x | "
              f"{ort / best:.2f}x | {ratio}{gflops:.1f} | {100 * gflops / peak:.0f}% | "
              f"{diff:.1e} |")


if __name__ == "__main__":
    main()
