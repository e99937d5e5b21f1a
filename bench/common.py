"""What every benchmark in bench/ needs: running a command, measuring the
machine (machine_peak.cpp), and timing onnxruntime-node on the same model."""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STORIES = os.path.join(ROOT, "..", "shared", "models", "stories260K")


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


def measure_machine(out, threads, per_level=False):
    """(FMA peak GFLOP/s, read bandwidth GB/s) with `threads` threads; the
    peak is the best instruction set's (AVX-512 where the CPU has it). With
    `per_level`, the peak is a dict {"avx2": ..., "avx512": ...} instead."""
    exe = os.path.join(out, "machine_peak")
    run(["clang++-22", "-O2", "-std=c++17", "-pthread",
         os.path.join(ROOT, "bench", "machine_peak.cpp"), "-o", exe])
    text = run([exe, str(threads)])
    peaks = {"avx2": number(text, "fma_peak_gflops")}
    if re.search(r"^fma_peak_avx512_gflops ", text, re.M):
        peaks["avx512"] = number(text, "fma_peak_avx512_gflops")
    bandwidth = number(text, "read_bandwidth_gbs")
    return (peaks if per_level else max(peaks.values())), bandwidth


# CPU flags worth reporting with every table (as /proc/cpuinfo names them).
_REPORTED_FLAGS = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
                   "avx512_bf16", "amx_tile", "amx_bf16"]


def cpu_features():
    """(model name, the reported flags this CPU has) from /proc/cpuinfo."""
    name, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and name == "unknown CPU":
                    name = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    return name, [flag for flag in _REPORTED_FLAGS if flag in flags]


def loom_levels(quantized=False):
    """The vector kernel variants (LOOM_CPU_FEATURES values) this CPU runs,
    lowest first: avx2, then avx512 where AVX-512 F/BW/VL are present, then
    with `quantized`, avx512vnni where VNNI is too (only the quantized
    kernels have a VNNI variant; the others run their AVX-512 code there)."""
    _, flags = cpu_features()
    levels = []
    if "avx2" in flags and "fma" in flags:
        levels.append("avx2")
        if all(f in flags for f in ("avx512f", "avx512bw", "avx512vl")):
            levels.append("avx512")
            if quantized and "avx512_vnni" in flags:
                levels.append("avx512vnni")
    return levels or ["portable"]


def level_env(level):
    """The environment that makes loomrt use at most `level`."""
    return dict(os.environ, LOOM_CPU_FEATURES=level)


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


def tokenize_stories(text):
    """`text` in stories260K's llama2.c tokens (BOS first), by the tests'
    independent encoder."""
    sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "Inputs"))
    import llama2c_tokenizer
    pieces, scores = llama2c_tokenizer.load(os.path.join(STORIES, "tok512.bin"))
    return llama2c_tokenizer.encode(pieces, scores, text)


def compile_generate(build, onnx_path, lib, context, *flags):
    """loom-compile --generate with a context of `context` positions."""
    run([os.path.join(build, "bin", "loom-compile"), onnx_path, "--generate",
         f"--context-length={context}", "-o", lib, *flags])
