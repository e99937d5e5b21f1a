#!/usr/bin/python3
"""Softmax over 512 rows x 32000 columns (16.4M floats, 64 MiB: far out of
cache): loom's three algorithms (loom-compile --softmax) against each other
and onnxruntime (onnxruntime-node, same ONNX file), in one run.

Usage: bench/softmax.py [--threads N] [--reps N] [--build DIR] [--rows N]

Two tables: whole compiled models run by loom-run (including the output
allocation, as onnxruntime's times do), and loomrt's softmax kernel alone
on a preallocated output (bench/softmax_bench.cpp), where the algorithms
differ; the kernel table also times two-pass as the paper writes it
(two-pass-recompute: the second pass recomputes each exponential). Each gives the median ms per run, the effective GB/s (input read
once, output written once) and its fraction of the measured read bandwidth
(bench/machine_peak.cpp in the same run), and the speed relative to
three-pass of the same kernel variant (and to onnxruntime). loom runs once
per kernel variant the CPU supports (LOOM_CPU_FEATURES=avx2, avx512), side
by side; the CPU's model and vector features head the output. --rows sets
the kernel table's row count (the issue's 4096 x 32000 is 1 GiB in and out).
"""
import argparse
import os
import re
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from common import (ROOT, cpu_features, level_env, loom_levels, measure_machine, number,
                    onnxruntime_ms, run)

ROWS, COLS = 512, 32000


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=10)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--rows", type=int, default=ROWS)
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)

    model = os.path.join(out, "softmax.onnx")
    graph = helper.make_graph(
        [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], "softmax",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [ROWS, COLS])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [ROWS, COLS])])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    onnx.save(m, model)
    x = (np.random.default_rng(0).standard_normal((ROWS, COLS)) * 10).astype(np.float32)
    data = os.path.join(out, "softmax-data")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x).SerializeToString())
    e = np.exp(x.astype(np.float64) - x.max(axis=1, keepdims=True))
    with open(os.path.join(data, "output_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array((e / e.sum(axis=1, keepdims=True)).astype(np.float32))
                .SerializeToString())

    _, bandwidth = measure_machine(out, args.threads)
    levels = loom_levels()
    algorithms = ["three-pass", "two-pass", "online"]

    times = {}
    for algorithm in algorithms:
        lib = os.path.join(out, f"libsoftmax-{algorithm}.so")
        run([os.path.join(args.build, "bin", "loom-compile"), model, f"--softmax={algorithm}",
             "-o", lib])
        for level in levels:
            text = run([os.path.join(args.build, "bin", "loom-run"), lib, "--test-data", data,
                        "--threads", str(args.threads), "--repeat", str(args.reps)],
                       env=level_env(level))
            if "MISMATCH" in text:
                sys.exit(f"bench: {algorithm} ({level}) gives wrong results:\n{text}")
            times[(algorithm, level)] = float(re.search(r"([0-9.]+) ms per run", text).group(1))
    ort = onnxruntime_ms(out, model, args.threads, args.reps, {"x": (ROWS, COLS)})

    bench = os.path.join(out, "softmax_bench")
    lib = os.path.join(args.build, "lib")
    run(["clang++-22", "-O2", "-std=c++17", f"-I{ROOT}/include",
         os.path.join(ROOT, "bench", "softmax_bench.cpp"), "-o", bench,
         f"-L{lib}", f"-Wl,-rpath,{lib}", "-lloomrt"])
    kernel = {}
    for level in levels:
        text = run([bench, str(args.rows), str(COLS), str(args.threads), str(args.reps)],
                   env=level_env(level))
        for a in algorithms + ["two-pass-recompute"]:
            kernel[(a, level)] = number(text, a)

    cpu, flags = cpu_features()
    print(f"cpu: {cpu}; features: {' '.join(flags)}")
    moved = 2 * 4.0 * ROWS * COLS
    print(f"softmax {ROWS}x{COLS} f32, {args.threads} threads, read bandwidth "
          f"{bandwidth:.1f} GB/s (loom-run --repeat {args.reps}: includes the output "
          f"allocation and input checks)")
    print("| engine | variant | ms | GB/s | of read bandwidth | vs three-pass | vs onnxruntime |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for (name, level), ms in times.items():
        gbs = moved / ms / 1e6
        print(f"| {name} | {level} | {ms:.2f} | {gbs:.1f} | {gbs / bandwidth:.0%} | "
              f"{times[('three-pass', level)] / ms:.2f}x | {ort / ms:.2f}x |")
    gbs = moved / ort / 1e6
    print(f"| onnxruntime | | {ort:.2f} | {gbs:.1f} | {gbs / bandwidth:.0%} | | 1.00x |")

    moved = 2 * 4.0 * args.rows * COLS
    print(f"\nloomrt_softmax_f32 alone, {args.rows}x{COLS}, preallocated output "
          f"(bench/softmax_bench.cpp, results checked against float64)")
    top = levels[-1]
    print(f"| algorithm | variant | ms | GB/s | of read bandwidth | vs three-pass | "
          f"{top} vs it |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    order = algorithms + ["two-pass-recompute"]
    for (name, level), ms in sorted(kernel.items(), key=lambda item: order.index(item[0][0])):
        gbs = moved / ms / 1e6
        print(f"| {name} | {level} | {ms:.2f} | {gbs:.1f} | {gbs / bandwidth:.0%} | "
              f"{kernel[('three-pass', level)] / ms:.2f}x | {ms / kernel[(name, top)]:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
