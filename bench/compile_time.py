#!/usr/bin/python3
"""Compile time against graph length: loom-compile on chains of N elementwise
nodes (Add, Mul, Tanh, Relu in turn on a [4, 64] tensor) for doubling N, with
onnxruntime's session creation (its load-and-optimize step) on the same files.

Usage: bench/compile_time.py [--sizes 1000,2000,4000,8000,16000] [--build DIR]

Prints, per N: loom's wall time and peak memory, milliseconds per node, the
ratio to the previous size (2.0 per doubling is linear growth) and
onnxruntime's session time. Needs a built tree (scripts/build), node and npm.
"""
import argparse
import os
import re
import subprocess
import sys
import time

from common import ROOT, onnxruntime_version, run

sys.path.insert(0, os.path.join(ROOT, "python"))


def write_chain(path, n):
    """The chain of test/e2e/Inputs/elementwise_chain.py with c = 0.5."""
    import numpy as np
    import onnx
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "Inputs"))
    from elementwise_chain import chain_model
    onnx.save(chain_model(n, np.full(64, 0.5, dtype=np.float32)), path)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,2000,4000,8000,16000")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    out = os.path.join(args.build, "bench", "compile_time")
    os.makedirs(out, exist_ok=True)
    node_modules = os.path.join(args.build, "bench", "node_modules")
    if not os.path.exists(os.path.join(node_modules, "onnxruntime-node")):
        print("bench: npm install onnxruntime-node", file=sys.stderr)
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix",
             os.path.join(args.build, "bench"), "onnxruntime-node"])
    print(f"onnxruntime-node {onnxruntime_version(os.path.join(args.build, 'bench'))}; "
          f"{os.cpu_count()} cores")
    print(f"{'nodes':>6} {'loom s':>8} {'MB':>6} {'ms/node':>8} {'x prev':>7} {'ort ms':>8}")
    previous = None
    for n in map(int, args.sizes.split(",")):
        model = os.path.join(out, f"chain{n}.onnx")
        write_chain(model, n)
        start = time.monotonic()
        proc = subprocess.run(["/usr/bin/time", "-f", "maxrss %M",
                               os.path.join(args.build, "bin", "loom-compile"), model,
                               "-o", os.path.join(out, f"libchain{n}.so")],
                              capture_output=True, text=True)
        seconds = time.monotonic() - start
        if proc.returncode != 0:
            sys.exit(f"bench: loom-compile failed on {n} nodes:\n{proc.stderr}")
        megabytes = int(re.search(r"maxrss (\d+)", proc.stderr).group(1)) / 1024
        ort = run(["node", os.path.join(ROOT, "bench", "ort_session.js"), model],
                  env=dict(os.environ, NODE_PATH=node_modules))
        ort_ms = float(re.search(r"onnxruntime_session ([0-9.]+)", ort).group(1))
        ratio = f"{seconds / previous:7.2f}" if previous else f"{'':>7}"
        print(f"{n:>6} {seconds:8.2f} {megabytes:6.0f} {1000 * seconds / n:8.2f} {ratio} "
              f"{ort_ms:8.1f}")
        previous = seconds


if __name__ == "__main__":
    main()
