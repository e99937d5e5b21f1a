#!/usr/bin/python3
"""A small ResNet-style convnet (torch.nn: a 3x3 stride-2 stem, two basic
blocks of two 3x3 convolutions with BatchNorm and ReLU and a residual, one
of them downsampling with a 1x1 stride-2 shortcut, global average pooling,
a linear head; 64x64 RGB input) exported with a dynamic batch axis, compiled
by loom against onnxruntime-node on the same file, at batch 1 and 8.

Usage: bench/convnet.py [--threads N] [--reps N] [--build DIR] [--batches 1,8]

loom's time is loom-run --repeat on PyTorch's test data (outputs checked
against PyTorch first); onnxruntime's the median of as many runs after a
warm-up (bench/ort_time.js). Prints both, their GFLOP/s (the convolutions'
and the head's multiply-adds, 2 flops each) against the machine's measured
FMA peak (bench/machine_peak.cpp), and onnxruntime's time over loom's.
Needs a built tree (scripts/build), clang-22, node and npm.
"""
import argparse
import os
import re
import sys

import numpy as np

from common import ROOT, measure_machine, onnxruntime_ms, onnxruntime_version, run

SIZE, CLASSES = 64, 10


def build_model():
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.shortcut = (nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                           nn.BatchNorm2d(cout))
                             if stride != 1 or cin != cout else nn.Identity())

        def forward(self, x):
            y = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(y)) + self.shortcut(x))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32),
                                      nn.ReLU())
            self.blocks = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2))
            self.head = nn.Linear(64, CLASSES)

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))

    torch.manual_seed(0)
    model = Net().eval()
    with torch.no_grad():  # non-trivial running statistics
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model


def conv_flops(batch):
    """Multiply-adds x 2 of the convolutions and the head."""
    def conv(cin, cout, k, out):
        return 2 * cin * cout * k * k * out * out
    s1, s2 = SIZE // 2, SIZE // 4
    total = conv(3, 32, 3, s1)
    total += 2 * conv(32, 32, 3, s1)
    total += conv(32, 64, 3, s2) + conv(64, 64, 3, s2) + conv(32, 64, 1, s2)
    total += 2 * 64 * CLASSES
    return batch * total


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--batches", default="1,8")
    args = p.parse_args()
    import torch
    # PyTorch's own OpenMP threads keep spinning after it computes the
    # reference outputs and took the cores from loom-run's first runs (the
    # convnet's batch 1 measured 1.4 ms here, 0.8 ms alone): one thread.
    torch.set_num_threads(1)
    from onnx import numpy_helper
    out = os.path.join(args.build, "bench", "convnet")
    os.makedirs(out, exist_ok=True)

    model = build_model()
    model_path = os.path.join(out, "convnet.onnx")
    torch.onnx.export(model, (torch.randn(1, 3, SIZE, SIZE),), model_path, input_names=["x"],
                      output_names=["logits"],
                      dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17)
    lib = os.path.join(out, "libconvnet.so")
    run([os.path.join(args.build, "bin", "loom-compile"), model_path, "-o", lib])
    peak, _ = measure_machine(os.path.join(args.build, "bench"), args.threads)

    rows = []
    for batch in map(int, args.batches.split(",")):
        data = os.path.join(out, f"data-b{batch}")
        os.makedirs(data, exist_ok=True)
        x = torch.from_numpy(np.random.default_rng(batch).uniform(-1, 1, (batch, 3, SIZE, SIZE))
                             .astype(np.float32))
        with torch.no_grad():
            y = model(x)
        for name, t in [("input_0", x), ("output_0", y)]:
            with open(os.path.join(data, name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(t.numpy()).SerializeToString())
        text = run([os.path.join(args.build, "bin", "loom-run"), lib, "--test-data", data,
                    "--threads", str(args.threads), "--repeat", str(args.reps)])
        if "MISMATCH" in text:
            sys.exit(f"bench: loom's outputs differ from PyTorch's:\n{text}")
        loom_ms = float(re.search(r"([0-9.]+) ms per run", text).group(1))
        ort_ms = onnxruntime_ms(os.path.join(args.build, "bench"), model_path, args.threads,
                                args.reps, {"x": (batch, 3, SIZE, SIZE)})
        rows.append((batch, loom_ms, ort_ms))

    print(f"ResNet-style convnet, {SIZE}x{SIZE} RGB, 5 convolutions (32-64 channels), f32; "
          f"{args.threads} threads; onnxruntime-node "
          f"{onnxruntime_version(os.path.join(args.build, 'bench'))}; {args.reps} runs; "
          f"FMA peak {peak:.0f} GFLOP/s")
    print("| batch | loom ms | GFLOP/s | onnxruntime ms | GFLOP/s | onnxruntime / loom |")
    print("| --- | --- | --- | --- | --- | --- |")
    for batch, loom_ms, ort_ms in rows:
        flops = conv_flops(batch)
        print(f"| {batch} | {loom_ms:.2f} | {flops / loom_ms / 1e6:.1f} | {ort_ms:.2f} | "
              f"{flops / ort_ms / 1e6:.1f} | {ort_ms / loom_ms:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
