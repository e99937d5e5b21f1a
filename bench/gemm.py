#!/usr/bin/python3
"""FP32 GEMM (1024x1024x1024) and GEMV (1x4096 . 4096x4096): loom against
onnxruntime (onnxruntime-node from npm, same ONNX file) and OpenBLAS, in one run.
loom runs once per kernel variant the CPU supports (LOOM_CPU_FEATURES=avx2,
avx512), side by side.

Usage: bench/gemm.py [--threads N] [--reps N] [--build DIR]

Needs a built tree (scripts/build), libopenblas-dev, clang-22, node/npm.
Prints, per case and engine: median ms, GFLOP/s, GB/s (inputs + output once),
the fraction of this machine's FMA peak and memory read bandwidth (measured
by bench/machine_peak.cpp in the same run: the peak of the CPU's widest
FMA), and the speed of loom's best variant relative to each row (row time /
best loom time: above 1 means loom is faster). The CPU's model and vector
features head the output.
"""
import argparse
import os
import sys

from common import (ROOT, cpu_features, level_env, loom_levels, measure_machine, number,
                    onnxruntime_ms, onnxruntime_version, run)

CASES = {"gemm": (1024, 1024, 1024), "gemv": (1, 4096, 4096), "rows4": (4, 4096, 4096),
         "rows8": (8, 4096, 4096), "rows16": (16, 4096, 4096), "rows32": (32, 4096, 4096)}


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)

    print("bench: building the benchmark programs", file=sys.stderr)
    lib = os.path.join(args.build, "lib")
    run(["clang++-22", "-O2", "-std=c++17", f"-I{ROOT}/include",
         "-I/usr/include/x86_64-linux-gnu/openblas-pthread",
         os.path.join(ROOT, "bench", "gemm_bench.cpp"), "-o", os.path.join(out, "gemm_bench"),
         f"-L{lib}", f"-Wl,-rpath,{lib}", "-lloomrt", "-lopenblas"])
    run([sys.executable, os.path.join(ROOT, "bench", "make_models.py"), out])

    print(f"bench: measuring the machine ({args.threads} threads)", file=sys.stderr)
    peaks, bandwidth = measure_machine(out, args.threads, per_level=True)
    peak = max(peaks.values())
    ort_ms = {case: onnxruntime_ms(out, os.path.join(out, f"{case}.onnx"), args.threads,
                                   args.reps, {"a": (m, k), "b": (k, n)})
              for case, (m, k, n) in CASES.items()}
    cpu, flags = cpu_features()
    levels = loom_levels()
    print(f"cpu: {cpu}; features: {' '.join(flags)}")
    print(f"machine: {args.threads} threads, FMA peak "
          + ", ".join(f"{level} {value:.1f}" for level, value in peaks.items())
          + f" GFLOP/s, read bandwidth {bandwidth:.1f} GB/s; onnxruntime-node "
          f"{onnxruntime_version(out)}")

    for case, (m, k, n) in CASES.items():
        model = os.path.join(out, f"{case}.onnx")
        so = os.path.join(out, f"lib{case}.so")
        print(f"bench: {case}: compiling with loom-compile", file=sys.stderr)
        run([os.path.join(args.build, "bin", "loom-compile"), model, "-o", so])
        times, checks, blas = {}, [], []
        for level in levels:
            mine = run([os.path.join(out, "gemm_bench"), so, str(m), str(k), str(n),
                        str(args.threads), str(args.reps)], env=level_env(level))
            times[f"loom {level}"] = number(mine, "loom")
            checks.append(number(mine, "check max_relative_difference"))
            blas.append(number(mine, "openblas"))
        best = min(times.values())
        times["onnxruntime"] = ort_ms[case]
        times["openblas"] = sorted(blas)[len(blas) // 2]
        flops = 2.0 * m * n * k
        bytes_moved = 4.0 * (m * k + k * n + m * n)
        print(f"\n{case} {m}x{k} . {k}x{n} (loom vs OpenBLAS: max relative difference "
              f"{max(checks):.1e})")
        print(f"| engine | ms | GFLOP/s | GB/s | of FMA peak | of read bandwidth | "
              f"best loom speed-up vs it |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for engine, ms in times.items():
            gflops, gbs = flops / ms / 1e6, bytes_moved / ms / 1e6
            print(f"| {engine} | {ms:.3f} | {gflops:.1f} | {gbs:.1f} | {gflops / peak:.0%} | "
                  f"{gbs / bandwidth:.0%} | {ms / best:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
