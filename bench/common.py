"""What every benchmark in bench/ needs: running a command, measuring the
machine (machine_peak.cpp), and timing onnxruntime-node on the same model."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    """stdout of `cmd`; exits with its output when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def number(text, key):
    """The number after `key` at the start of a line of `text`."""
    match = re.search(rf"^{key} ([0-9.e+-]+)", text, re.M)
    if not match:
        sys.exit(f"bench: no '{key}' in:\n{text}")
    return float(match.group(1))


def measure_machine(out, threads):
    """(FMA peak GFLOP/s, read bandwidth GB/s) with `threads` threads."""
    exe = os.path.join(out, "machine_peak")
    run(["clang++-22", "-O2", "-std=c++17", "-pthread",
         os.path.join(ROOT, "bench", "machine_peak.cpp"), "-o", exe])
    text = run([exe, str(threads)])
    return number(text, "fma_peak_gflops"), number(text, "read_bandwidth_gbs")


def onnxruntime_ms(out, model, threads, reps, inputs):
    """Median ms of onnxruntime-node on `model` with random float inputs
    {name: shape}; installs onnxruntime-node into `out` on first use."""
    if not os.path.exists(os.path.join(out, "node_modules", "onnxruntime-node")):
        print("bench: npm install onnxruntime-node", file=sys.stderr)
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", out,
             "onnxruntime-node"])
    specs = [f"{name}={'x'.join(map(str, shape))}" for name, shape in inputs.items()]
    text = run(["node", os.path.join(ROOT, "bench", "ort_time.js"), model, str(threads),
                str(reps), *specs], env=dict(os.environ, NODE_PATH=os.path.join(out, "node_modules")))
    return number(text, "onnxruntime")


def onnxruntime_version(out):
    return run(["node", "-e", "console.log(require('onnxruntime-node/package.json').version)"],
               cwd=out).strip()
