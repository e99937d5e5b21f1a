#!/usr/bin/python3
"""Decode speed: loom's compiled generation loop against onnxruntime-node
running the same ONNX decoder in a KV-cached loop, in one run, for
stories260K (../shared/models, a real trained model) and a synthetic LLaMA
large enough that streaming the weights from memory dominates (dim 1024,
8 layers, 16 heads / 4 KV heads, SwiGLU 2816, vocab 32000, f32: ~0.5 GB of
matrices read per token).

Usage: bench/decode.py [--threads N] [--tokens N] [--build DIR] [--only NAME]

Both engines decode greedily from the same prompt; the benchmark checks that
their tokens agree and prints decode tokens/s (the fastest of three
generations after a warm-up; after the first token, which
includes the prefill), loom's ratio to onnxruntime (above 1: loom is faster)
(and to its own unfused lowering, --fuse-attention=false) and the memory
bandwidth the decode steps reach: bytes of the MatMul weights
per token x tokens/s, against the read bandwidth measured by
bench/machine_peak.cpp in the same run. loom's fused model runs once per
kernel variant the CPU supports (LOOM_CPU_FEATURES=avx2, avx512; each in its
own process, since loomrt reads the variable once); the speed-ups are the
best variant's.
"""
import argparse
import json
import os
import sys

import onnx

from common import (ROOT, cpu_features, level_env, loom_levels, measure_machine, number,
                    onnxruntime_version, run)


MODELS = {
    # name: (export_model.py arguments, context length, layers, kv heads, head dim)
    "stories260K": (["--llama2c", os.path.join(ROOT, "..", "shared", "models", "stories260K",
                                               "stories260K.bin")], 512, 5, 4, 8),
    "llama-1024x8": (["--arch", "llama", "--dim", "1024", "--layers", "8", "--heads", "16",
                      "--kv-heads", "4", "--hidden-dim", "2816", "--vocab", "32000"],
                     512, 8, 4, 64),
}


def matmul_weight_bytes(path):
    """Bytes of the initializers that MatMul nodes read: what one decode step
    streams from memory (an embedding row and the cache are small beside it)."""
    model = onnx.load(path, load_external_data=False)
    sizes = {t.name: len(t.raw_data) or 4 * len(t.float_data) for t in model.graph.initializer}
    return sum(sizes.get(node.input[1], 0) for node in model.graph.node
               if node.op_type == "MatMul")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--tokens", type=int, default=64, help="tokens to generate (default 64)")
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--only", choices=sorted(MODELS), help="run one model")
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    if not os.path.exists(os.path.join(out, "node_modules", "onnxruntime-node")):
        print("bench: npm install onnxruntime-node", file=sys.stderr)
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", out,
             "onnxruntime-node"])

    print(f"bench: measuring the machine ({args.threads} threads)", file=sys.stderr)
    _, bandwidth = measure_machine(out, args.threads)
    cpu, flags = cpu_features()
    levels = loom_levels()
    print(f"cpu: {cpu}; features: {' '.join(flags)}")
    print(f"machine: {args.threads} threads, read bandwidth {bandwidth:.1f} GB/s; "
          f"onnxruntime-node {onnxruntime_version(out)}; {args.tokens} tokens, greedy, "
          "prompt = token 1")
    print(f"{'model':<14} {'engine':<12} {'decode tok/s':>12} {'GB/s':>7} {'of bw':>6} "
          f"{'loom speed-up':>14}")

    prompt = [1]
    for name, (export_args, context, layers, kv_heads, head_dim) in MODELS.items():
        if args.only and name != args.only:
            continue
        onnx_path = os.path.join(out, f"{name}.onnx")
        lib = os.path.join(out, f"lib{name.replace('-', '_')}_generate.so")
        if not os.path.exists(onnx_path):
            print(f"bench: {name}: exporting with PyTorch", file=sys.stderr)
            run([sys.executable, "-W", "ignore", os.path.join(ROOT, "python", "loom",
                                                              "export_model.py"),
                 *export_args, "-o", onnx_path])
        print(f"bench: {name}: compiling with loom-compile --generate", file=sys.stderr)
        run([os.path.join(args.build, "bin", "loom-compile"), onnx_path, "--generate",
             "--weights=file", f"--context-length={context}", "-o", lib])
        weight_bytes = matmul_weight_bytes(onnx_path)

        # loom's own unfused lowering (attention run as the graph wrote it)
        # for the fusion's share of the speed.
        unfused_lib = lib.replace("_generate.so", "_generate_unfused.so")
        run([os.path.join(args.build, "bin", "loom-compile"), onnx_path, "--generate",
             "--fuse-attention=false", "--weights=file", f"--context-length={context}",
             "-o", unfused_lib])

        def loom_decode(path, level):
            # A process per variant: loomrt reads LOOM_CPU_FEATURES once.
            code = ("import json, sys\n"
                    f"sys.path.insert(0, {os.path.join(ROOT, 'python')!r})\n"
                    "from loom.generate import Generator\n"
                    f"gen = Generator({path!r}, threads={args.threads})\n"
                    f"gen.generate({prompt!r}, max_new_tokens=2)\n"  # warm-up, as for onnxruntime
                    # The fastest of three (as for onnxruntime): on a shared
                    # machine one short run can land on a busy moment.
                    "rate = 0\n"
                    "for rep in range(3):\n"
                    f"    tokens = gen.generate({prompt!r}, max_new_tokens={args.tokens})\n"
                    "    rate = max(rate, (gen.stats.generated_tokens - 1) / gen.stats.decode_seconds)\n"
                    "print(json.dumps([list(tokens), rate]))\n")
            tokens, rate = json.loads(run([sys.executable, "-c", code],
                                          env=level_env(level)).splitlines()[-1])
            return tokens, rate

        variants = {level: loom_decode(lib, level) for level in levels}
        best = max(variants, key=lambda level: variants[level][1])
        loom_tokens, loom_rate = variants[best]
        _, unfused_rate = loom_decode(unfused_lib, levels[-1])

        print(f"bench: {name}: onnxruntime", file=sys.stderr)
        text = run(["node", os.path.join(ROOT, "bench", "ort_decode.js"), onnx_path,
                    str(args.threads), ",".join(map(str, prompt)), str(args.tokens),
                    str(layers), str(kv_heads), str(head_dim)],
                   env=dict(os.environ, NODE_PATH=os.path.join(out, "node_modules")))
        ort_tokens = [int(t) for t in text.splitlines()[0].split()]
        ort_rate = number(text, "decode_tokens") / (number(text, "decode_ms") / 1e3)

        rows = [(f"loom {level}", variants[level][1]) for level in levels]
        rows += [("loom unfused", unfused_rate), ("onnxruntime", ort_rate)]
        for engine, rate in rows:
            gbs = weight_bytes * rate / 1e9
            ratio = f"{loom_rate / rate:.2f}x" if engine != f"loom {best}" else ""
            print(f"{name:<14} {engine:<12} {rate:>12.1f} {gbs:>7.2f} "
                  f"{100 * gbs / bandwidth:>5.0f}% {ratio:>14}")
        if any(variants[level][0] != loom_tokens for level in levels):
            print(f"{name:<14} loom's variants disagree on the tokens")
        same = next((i for i, (a, b) in enumerate(zip(loom_tokens, ort_tokens)) if a != b), None)
        print(f"{name:<14} tokens agree: " +
              ("yes" if same is None and len(loom_tokens) == len(ort_tokens)
               else f"no, first difference at token {same}") +
              f" ({weight_bytes / 1e6:.0f} MB of MatMul weights per token)")


if __name__ == "__main__":
    main()
