#!/usr/bin/python3
"""Runs onnxruntime-node on a model with an ONNX test-data directory
(input_N.pb, output_N.pb, as loom-run --test-data reads them) and prints
the largest difference between onnxruntime's outputs and the expected ones.

Usage: bench/ort_check.py MODEL.onnx DATA_DIR [--build DIR]

For checking a reference that a test computes itself (e.g. the numpy
GroupQueryAttention semantics of test/e2e/Inputs/make_gqa.py) against
onnxruntime; not part of the test suite, which must not need npm. Exits 1
when a difference exceeds 1e-5 absolute + 1e-4 relative.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

from common import ROOT, run


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("data")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    if not os.path.exists(os.path.join(out, "node_modules", "onnxruntime-node")):
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", out,
             "onnxruntime-node"])
    work = os.path.join(out, "ort-check")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    model = onnx.load(args.model)
    shutil.copy(args.model, os.path.join(work, "model.onnx"))
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    types = {np.float32: "float32", np.int32: "int32", np.int64: "int64"}
    spec = []
    for i, inp in enumerate(inputs):
        t = numpy_helper.to_array(onnx.load_tensor(os.path.join(args.data, f"input_{i}.pb")))
        t.tofile(os.path.join(work, inp.name + ".bin"))
        spec.append({"name": inp.name, "dims": list(t.shape), "type": types[t.dtype.type]})
    with open(os.path.join(work, "spec.json"), "w") as f:
        json.dump(spec, f)
    subprocess.run(["node", os.path.join(ROOT, "bench", "ort_run.js"), work], check=True,
                   env=dict(os.environ, NODE_PATH=os.path.join(out, "node_modules")))
    worst = 0.0
    for i, o in enumerate(model.graph.output):
        want = numpy_helper.to_array(onnx.load_tensor(os.path.join(args.data, f"output_{i}.pb")))
        got = np.fromfile(os.path.join(work, f"out_{o.name}.bin"), want.dtype).reshape(want.shape)
        diff = np.abs(got.astype(np.float64) - want)
        excess = (diff - 1e-5 - 1e-4 * np.abs(want)).max() if diff.size else 0.0
        worst = max(worst, excess)
        print(f"{o.name}: onnxruntime vs expected, max abs difference {diff.max():.3g}")
    return 1 if worst > 0 else 0


if __name__ == "__main__":
    sys.exit(main())
