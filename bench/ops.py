#!/usr/bin/python3
"""Single ops that real exports lean on, loom against onnxruntime-node on the
same file in the same run: 3x3 stride-1 AveragePool (count_include_pad 0)
and MaxPool on a 2x64x56x56 map (loomrt's pool kernel), a 32-channel
ConvTranspose k4 s2 p1 on 32x32 and one k2 s2 (loomrt's GEMM + col2im), an
elementwise Mul on 1x3x120x160 (one collapsed loop) and GroupNorm as torch
exports it (Reshape, InstanceNormalization, Reshape) with dynamic spatial
axes. Every model has dynamic axes as users export them.

Usage: bench/ops.py [--threads N] [--reps N] [--build DIR]

loom's time is loom-run --repeat (median) on PyTorch's test data (outputs
checked first); onnxruntime's the median of as many runs (bench/ort_time.js).
Prints both and onnxruntime's time over loom's (above 1: loom is faster).
"""
import argparse
import os
import re
import sys

import numpy as np

from common import ROOT, onnxruntime_ms, onnxruntime_version, run


def models():
    import torch
    from torch import nn

    class Mul(nn.Module):
        def forward(self, x):
            return x * 2.0

    spatial = {0: "batch", 2: "height", 3: "width"}
    torch.manual_seed(0)
    return [
        ("AveragePool 3x3 s1", nn.AvgPool2d(3, 1, 1, count_include_pad=False), (2, 64, 56, 56),
         spatial),
        ("MaxPool 3x3 s1", nn.MaxPool2d(3, 1, 1), (2, 64, 56, 56), spatial),
        ("ConvTranspose k4 s2 p1", nn.ConvTranspose2d(32, 32, 4, 2, 1), (1, 32, 32, 32), spatial),
        ("ConvTranspose k2 s2", nn.ConvTranspose2d(32, 32, 2, 2), (1, 32, 32, 32), spatial),
        ("Mul 1x3x120x160", Mul(), (1, 3, 120, 160), spatial),
        ("GroupNorm(8, 64)", nn.GroupNorm(8, 64), (1, 64, 32, 32), spatial),
    ]


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--reps", type=int, default=50)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    import torch
    torch.set_num_threads(1)
    from onnx import numpy_helper
    out = os.path.join(args.build, "bench", "ops")
    os.makedirs(out, exist_ok=True)
    rows = []
    for i, (name, module, shape, axes) in enumerate(models()):
        module.eval()
        path = os.path.join(out, f"op{i}.onnx")
        torch.onnx.export(module, (torch.randn(*shape),), path, input_names=["x"],
                          output_names=["y"], dynamic_axes={"x": axes, "y": axes},
                          opset_version=17)
        data = os.path.join(out, f"op{i}_data")
        os.makedirs(data, exist_ok=True)
        x = torch.from_numpy(np.random.default_rng(i).uniform(-1, 1, shape).astype(np.float32))
        with torch.no_grad():
            y = module(x)
        for file, t in [("input_0", x), ("output_0", y)]:
            with open(os.path.join(data, file + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy()).SerializeToString())
        text = run([os.path.join(args.build, "bin", "loom-run"), path, "--cache-dir",
                    os.path.join(out, "cache"), "--test-data", data, "--threads",
                    str(args.threads), "--repeat", str(args.reps), "--rtol", "1e-3", "--atol",
                    "1e-4"])
        if "MISMATCH" in text:
            sys.exit(f"bench: loom's outputs differ from PyTorch's for {name}:\n{text}")
        loom_ms = float(re.search(r"([0-9.]+) ms per run", text).group(1))
        ort_ms = onnxruntime_ms(os.path.join(args.build, "bench"), path, args.threads, args.reps,
                                {"x": shape})
        rows.append((name, shape, loom_ms, ort_ms))
    print(f"single ops, f32, {args.threads} threads, onnxruntime-node "
          f"{onnxruntime_version(os.path.join(args.build, 'bench'))}, {args.reps} runs")
    print("| op | input | loom ms | onnxruntime ms | onnxruntime / loom |")
    print("| --- | --- | --- | --- | --- |")
    for name, shape, loom_ms, ort_ms in rows:
        print(f"| {name} | {'x'.join(map(str, shape))} | {loom_ms:.3f} | {ort_ms:.3f} | "
              f"{ort_ms / loom_ms:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
