#!/usr/bin/python3
"""A two-layer LSTM (torch.nn.LSTM, input and hidden 256, exported with
dynamic batch and sequence axes as two ONNX LSTM nodes) compiled by loom
against onnxruntime-node on the same file, at batch 1 and 8, sequence 64.

Usage: bench/lstm.py [--threads N] [--reps N] [--build DIR] [--batches 1,8] [--seq 64]

loom's time is loom-run --repeat on PyTorch's test data (its outputs are
checked against PyTorch first; the time includes the output allocation and
input checks); onnxruntime's is the median of as many runs after a warm-up
(bench/ort_time.js). Prints both, their GFLOP/s (the matrix products:
2 x 4 hidden x (input + hidden) per token, layer and gate row) against the
machine's measured FMA peak (bench/machine_peak.cpp), and onnxruntime's time
over loom's. Needs a built tree (scripts/build), clang-22, node and npm.
"""
import argparse
import os
import re
import sys

import numpy as np

from common import ROOT, measure_machine, onnxruntime_ms, onnxruntime_version, run

INPUT, HIDDEN, LAYERS = 256, 256, 2


def export(path):
    import torch
    from torch import nn
    torch.manual_seed(0)
    model = nn.LSTM(INPUT, HIDDEN, num_layers=LAYERS).eval()
    x = torch.randn(8, 2, INPUT)
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y", "h_n", "c_n"],
                      dynamic_axes={"x": {0: "seq", 1: "batch"}, "y": {0: "seq", 1: "batch"},
                                    "h_n": {1: "batch"}, "c_n": {1: "batch"}},
                      opset_version=17)
    return model


def write_data(model, directory, seq, batch):
    import torch
    from onnx import numpy_helper
    os.makedirs(directory, exist_ok=True)
    x = torch.from_numpy(np.random.default_rng(batch).uniform(-1, 1, (seq, batch, INPUT))
                         .astype(np.float32))
    with torch.no_grad():
        y, (h, c) = model(x)
    for name, t in [("input_0", x), ("output_0", y), ("output_1", h), ("output_2", c)]:
        with open(os.path.join(directory, name + ".pb"), "wb") as f:
            f.write(numpy_helper.from_array(t.numpy()).SerializeToString())


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--batches", default="1,8")
    p.add_argument("--seq", type=int, default=64)
    args = p.parse_args()
    import torch
    # PyTorch's own OpenMP threads keep spinning after it computes the
    # reference outputs and take the cores from loom-run's first runs.
    torch.set_num_threads(1)
    out = os.path.join(args.build, "bench", "lstm")
    os.makedirs(out, exist_ok=True)

    model_path = os.path.join(out, "lstm.onnx")
    model = export(model_path)
    lib = os.path.join(out, "liblstm.so")
    run([os.path.join(args.build, "bin", "loom-compile"), model_path, "-o", lib])

    peak, _ = measure_machine(os.path.join(args.build, "bench"), args.threads)

    rows = []
    for batch in map(int, args.batches.split(",")):
        data = os.path.join(out, f"data-b{batch}")
        write_data(model, data, args.seq, batch)
        text = run([os.path.join(args.build, "bin", "loom-run"), lib, "--test-data", data,
                    "--threads", str(args.threads), "--repeat", str(args.reps)])
        if "MISMATCH" in text:
            sys.exit(f"bench: loom's outputs differ from PyTorch's:\n{text}")
        loom_ms = float(re.search(r"([0-9.]+) ms per run", text).group(1))
        ort_ms = onnxruntime_ms(os.path.join(args.build, "bench"), model_path, args.threads,
                                args.reps, {"x": (args.seq, batch, INPUT)})
        rows.append((batch, loom_ms, ort_ms))

    print(f"2-layer LSTM, input {INPUT}, hidden {HIDDEN}, sequence {args.seq}, f32; "
          f"{args.threads} threads; onnxruntime-node "
          f"{onnxruntime_version(os.path.join(args.build, 'bench'))}; {args.reps} runs; "
          f"FMA peak {peak:.0f} GFLOP/s")
    print("| batch | loom ms | GFLOP/s | onnxruntime ms | GFLOP/s | onnxruntime / loom |")
    print("| --- | --- | --- | --- | --- | --- |")
    for batch, loom_ms, ort_ms in rows:
        flops = LAYERS * args.seq * batch * 2 * 4 * HIDDEN * (INPUT + HIDDEN)
        print(f"| {batch} | {loom_ms:.2f} | {flops / loom_ms / 1e6:.1f} | {ort_ms:.2f} | "
              f"{flops / ort_ms / 1e6:.1f} | {ort_ms / loom_ms:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
