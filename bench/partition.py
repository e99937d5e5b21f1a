#!/usr/bin/python3
"""Tensor parallelism (loom-compile --partition tp=N) against one process, in
one run: decode tokens/s and each process's peak memory for the synthetic
LLaMA of bench/decode.py (dim 1024, 8 layers, SwiGLU 2816, vocab 32000:
~0.5 GB of f32 weights) and for stories260K.

Usage: bench/partition.py [--ranks N] [--tokens N] [--build DIR] [--only NAME]

The baseline is one process with N threads; the partitioned model runs as N
processes (mpirun -np N) of one thread each, so both use N cores. On a
machine with few cores this shows what the collectives cost, not a
speed-up. Each process's peak resident memory is GNU time's maximum RSS,
which includes the load-time check of the weights file's hash (every page
is read once, then a partitioned rank drops them): it is the load peak, not
what a rank keeps (docs/partition.md measures that from /proc). The
benchmark checks that the partitioned tokens equal the baseline's and
prints the bytes each all-reduce and all-gather moves per token.
"""
import argparse
import os
import re
import subprocess
import sys

from common import ROOT, run
from decode import MODELS as DECODE_MODELS

# name: (export_model.py arguments and context length as bench/decode.py
# exports the model, layers, dim, vocab)
MODELS = {name: (DECODE_MODELS[name][0], DECODE_MODELS[name][1], layers, dim, vocab)
          for name, layers, dim, vocab in (("stories260K", 5, 64, 512),
                                           ("llama-1024x8", 8, 1024, 32000))}


def timed(cmd, env=None):
    """(stdout, [max RSS in KiB of each process], stderr) of `cmd`, each of
    whose processes runs under GNU time."""
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    rss = [int(m) for m in re.findall(r"^maxrss_kib (\d+)$", proc.stderr, re.M)]
    return proc.stdout, rss, proc.stderr


def decode_rate(stderr):
    """The best decode tokens/s among the processes' loom-run statistics."""
    rates = [float(r) for r in re.findall(r"decode \d+ tokens in [0-9.]+ s \(([0-9.]+) "
                                          r"tokens/s\)", stderr)]
    if not rates:
        sys.exit(f"bench: no decode statistics in:\n{stderr}")
    return min(rates)  # every rank waits for the slowest


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--only", choices=sorted(MODELS))
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    compiler = os.path.join(args.build, "bin", "loom-compile")
    runner = os.path.join(args.build, "bin", "loom-run")
    gnu_time = ["/usr/bin/time", "-f", "maxrss_kib %M"]
    mpirun = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(args.ranks)]
    n = args.ranks
    print(f"machine: {os.cpu_count()} cores; one process x {n} threads against {n} ranks x "
          f"1 thread; {args.tokens} tokens, greedy, prompt = token 1")
    print(f"{'model':<14} {'engine':<16} {'decode tok/s':>12} {'peak RSS MiB':>12} "
          f"{'vs one':>7}")
    for name, (export_args, context, layers, dim, vocab) in MODELS.items():
        if args.only and name != args.only:
            continue
        onnx_path = os.path.join(out, f"{name}.onnx")
        if not os.path.exists(onnx_path):
            print(f"bench: {name}: exporting with PyTorch", file=sys.stderr)
            run([sys.executable, "-W", "ignore",
                 os.path.join(ROOT, "python", "loom", "export_model.py"), *export_args,
                 "-o", onnx_path])
        stem = name.replace("-", "_")
        one = os.path.join(out, f"lib{stem}_one.so")
        split = os.path.join(out, f"lib{stem}_tp{n}.so")
        for lib, extra in ((one, []), (split, [f"--partition=tp={n}"])):
            print(f"bench: {name}: compiling {os.path.basename(lib)}", file=sys.stderr)
            run([compiler, onnx_path, "--generate", "--weights=file",
                 f"--context-length={context}", *extra, "-o", lib])
        gen = ["--generate", "--prompt-tokens", "1", "--max-tokens", str(args.tokens)]
        # A warm-up each (page cache), then the measured run.
        timed([runner, one, "--threads", str(n), *gen])
        text, rss, err = timed(gnu_time + [runner, one, "--threads", str(n), *gen])
        one_tokens, one_rate, one_rss = text.split(), decode_rate(err), max(rss)
        timed(mpirun + [runner, split, "--threads", "1", *gen])
        text, rss, err = timed(mpirun + gnu_time + [runner, split, "--threads", "1", *gen])
        split_tokens, split_rate, split_rss = text.split(), decode_rate(err), max(rss)
        print(f"{name:<14} {'one process':<16} {one_rate:>12.1f} {one_rss / 1024:>12.1f}")
        print(f"{name:<14} {f'tp={n} (per rank)':<16} {split_rate:>12.1f} "
              f"{split_rss / 1024:>12.1f} {split_rate / one_rate:>6.2f}x")
        print(f"{name:<14} tokens agree: {'yes' if split_tokens == one_tokens else 'NO'}")
        # Per decode token: each all-reduce of the one-token step moves `dim`
        # floats from every rank to the N - 1 others (an all-gather, then
        # the sum in rank order), and the LM head's all-gather vocab / N
        # logits per rank. The step's all-reduces are counted in its IR.
        graph = run([compiler, onnx_path, "--generate", f"--context-length={context}",
                     f"--partition=tp={n}", "--emit=mlir", "-o", "-"])
        step = graph[graph.index("func.func private @decode_step_token("):]
        step = step[:step.index("\n  }\n")]
        reduces = step.count("loom.all_reduce")
        reduce_bytes = reduces * dim * 4 * (n - 1)
        gather_bytes = vocab // n * 4 * (n - 1)
        print(f"{name:<14} sent per rank per token: {reduces} all-reduces ({layers} layers) x "
              f"{dim * 4} B x {n - 1} = {reduce_bytes / 1024:.1f} KiB, logits "
              f"{gather_bytes / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
