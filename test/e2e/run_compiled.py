#!/usr/bin/env python3
"""Run a model compiled by `loom-compile --emit=lib` on an ONNX test-data
directory and compare its outputs with ONNX's expected outputs.

Usage: run_compiled.py LIB.so TEST_DATA_DIR [--rtol R] [--atol A]

Calls the C interface entry `_mlir_ciface_main_graph` through ctypes with
memref descriptors built from numpy arrays (the layout the generated header
declares). Exit 0 when every output matches, 1 on a mismatch (the worst
element is printed), 2 on any error. This is a test harness until loom-run
and the loomrt C API exist.
"""
import argparse
import ctypes
import glob
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def descriptor_type(rank):
    fields = [("allocated", ctypes.c_void_p), ("aligned", ctypes.c_void_p),
              ("offset", ctypes.c_int64)]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"Memref{rank}d", (ctypes.Structure,), {"_fields_": fields})


def to_descriptor(array):
    array = np.ascontiguousarray(array)
    d = descriptor_type(array.ndim)()
    d.allocated = d.aligned = array.ctypes.data
    d.offset = 0
    for i, (size, stride) in enumerate(zip(array.shape, array.strides)):
        d.sizes[i] = size
        d.strides[i] = stride // array.itemsize
    return d, array


def from_descriptor(d, rank, dtype):
    shape = tuple(d.sizes[i] for i in range(rank))
    strides = tuple(d.strides[i] * np.dtype(dtype).itemsize for i in range(rank))
    count = int(np.prod(shape)) if shape else 1
    base = (ctypes.c_byte * (max(count, 1) * np.dtype(dtype).itemsize)).from_address(
        d.aligned + d.offset * np.dtype(dtype).itemsize)
    flat = np.frombuffer(base, dtype=dtype, count=count)
    return np.lib.stride_tricks.as_strided(flat, shape, strides).copy()


def load(pattern):
    tensors = []
    for path in sorted(glob.glob(pattern), key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0])):
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        tensors.append(numpy_helper.to_array(t))
    return tensors


def main():
    p = argparse.ArgumentParser()
    p.add_argument("lib")
    p.add_argument("data")
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    args = p.parse_args()
    try:
        lib = ctypes.CDLL(os.path.abspath(args.lib))
        entry = lib._mlir_ciface_main_graph
    except (OSError, AttributeError) as e:
        print(f"run_compiled: cannot load {args.lib}: {e}", file=sys.stderr)
        return 2
    inputs = load(os.path.join(args.data, "input_*.pb"))
    expected = load(os.path.join(args.data, "output_*.pb"))
    if not expected:
        print(f"run_compiled: {args.data} has no output_*.pb to compare with", file=sys.stderr)
        return 2
    descriptors = [to_descriptor(a) for a in inputs]
    result_types = [descriptor_type(e.ndim) for e in expected]
    if len(expected) == 1:
        results = result_types[0]()
    else:
        results = type("Results", (ctypes.Structure,),
                       {"_fields_": [(f"r{i}", t) for i, t in enumerate(result_types)]})()
    entry.restype = None
    entry(ctypes.byref(results), *[ctypes.byref(d) for d, _ in descriptors])
    worst = 0.0
    for i, e in enumerate(expected):
        d = results if len(expected) == 1 else getattr(results, f"r{i}")
        got = from_descriptor(d, e.ndim, e.dtype)
        if got.shape != e.shape:
            print(f"output {i}: shape {got.shape}, expected {e.shape}")
            return 1
        if e.dtype.kind in "fc":
            err = np.abs(got.astype(np.float64) - e.astype(np.float64))
            bound = args.atol + args.rtol * np.abs(e.astype(np.float64))
            # NaN where ONNX expects NaN is a match; NaN anywhere else is not.
            both_nan = np.isnan(got) & np.isnan(e)
            ok = (err <= bound) | both_nan
            err[both_nan] = 0.0
            if not np.all(ok):
                idx = np.unravel_index(np.argmax(~ok), e.shape)
                print(f"output {i}: mismatch at {idx}: got {got[idx]}, expected {e[idx]} "
                      f"(rtol {args.rtol}, atol {args.atol})")
                return 1
            worst = max(worst, float(err.max()) if err.size else 0.0)
        elif not np.array_equal(got, e):
            idx = np.unravel_index(np.argmax(got != e), e.shape)
            print(f"output {i}: mismatch at {idx}: got {got[idx]}, expected {e[idx]}")
            return 1
    print(f"match: {len(expected)} output(s), max abs error {worst:.3g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
