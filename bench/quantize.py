#!/usr/bin/python3
"""Quantized decode speed: loom's generation loop with f32, int8, int4 and
ternary weights (loom-compile --quantize) against loom f32 and onnxruntime-node
in the same run, on the bandwidth-bound synthetic LLaMA of bench/decode.py
(dim 1024, 8 layers, GQA 16/4, SwiGLU 2816, vocab 32000).

onnxruntime runs the f32 model and the same model with every MatMul weight
written as com.microsoft.MatMulNBits (4 bits, blocks of 32, symmetric: the
form onnxruntime's own quantizer writes), in a KV-cached greedy loop
(ort_decode.js).

Usage: bench/quantize.py [--threads N] [--tokens N] [--build DIR] [--formats LIST]

Prints decode tokens/s per engine, the bytes of weights one decode step
streams (packed bytes plus scales), the bandwidth that reaches against the
machine's read bandwidth (bench/machine_peak.cpp, same run), and the ratio of
each loom format to loom f32 and to onnxruntime's MatMulNBits.
"""
import argparse
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

from common import (ROOT, cpu_features, level_env, loom_levels, measure_machine, number,
                    onnxruntime_version, run)

EXPORT = ["--arch", "llama", "--dim", "1024", "--layers", "8", "--heads", "16", "--kv-heads",
          "4", "--hidden-dim", "2816", "--vocab", "32000"]
LAYERS, KV_HEADS, HEAD_DIM, CONTEXT = 8, 4, 64, 512

# loom format: (--quantize value or None for f32, bits per weight, inputs per scale)
FORMATS = {"f32": (None, 32, 0), "int8": ("int8", 8, 0), "int4": ("int4", 4, 32),
           "ternary": ("ternary", 2, 0)}
# The classifier's format under --quantize-lm-head=auto (the default): int8
# per channel under int4 and ternary, the model's format otherwise.
CLASSIFIER = {"int4": (8, 0), "ternary": (8, 0)}


def matmul_weights(model):
    """(node, initializer) of every MatMul whose B is an initializer."""
    inits = {t.name: t for t in model.graph.initializer}
    return [(n, inits[n.input[1]]) for n in model.graph.node
            if n.op_type == "MatMul" and n.input[1] in inits]


def streamed_bytes(model, bits, group, classifier=None):
    """Bytes one decode step reads for the MatMul weights at `bits` per
    weight (f32: 32) with one f32 scale per `group` inputs (0: per channel);
    `classifier` (bits, group) for the matmul that makes the logits (the
    widest one) where it differs."""
    weights = matmul_weights(model)
    widest = max(init.dims[1] for _, init in weights)
    total = 0
    for _, init in weights:
        k, n = init.dims
        b, g = classifier if classifier and n == widest else (bits, group)
        kp = (k + 31) // 32 * 32
        total += n * kp * b // 8
        if b != 32:
            total += 4 * n * (-(-kp // g) if g else 1)
    return total


def write_matmulnbits(src, dst):
    """`src` with each MatMul by an initializer as MatMulNBits (4 bits,
    blocks of 32, zero point 8): quantized the way onnxruntime's quantizer
    does it (scale = the block's signed extreme / -8)."""
    model = onnx.load(src)
    inits = {t.name: t for t in model.graph.initializer}
    replaced = set()
    nodes = []
    for node in model.graph.node:
        if node.op_type != "MatMul" or node.input[1] not in inits:
            nodes.append(node)
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)  # [K, N]
        k, n = w.shape
        blocks = -(-k // 32)
        wt = np.zeros((n, blocks * 32), np.float32)
        wt[:, :k] = w.T
        wb = wt.reshape(n, blocks, 32)
        extreme = np.take_along_axis(wb, np.abs(wb).argmax(axis=2)[..., None], axis=2)[..., 0]
        scale = extreme / -8.0
        inverse = np.where(scale != 0, 1.0 / np.where(scale != 0, scale, 1), 0)
        q = np.clip(np.round(wb * inverse[..., None]) + 8, 0, 15).astype(np.uint8)
        packed = (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)  # [N, blocks, 16]
        name = node.input[1]
        replaced.add(name)
        model.graph.initializer.append(numpy_helper.from_array(packed, name + "_nbits"))
        model.graph.initializer.append(
            numpy_helper.from_array(scale.astype(np.float32).reshape(-1), name + "_scales"))
        nodes.append(helper.make_node("MatMulNBits", [node.input[0], name + "_nbits",
                                                      name + "_scales"], list(node.output),
                                      name=node.name, domain="com.microsoft", K=k, N=n,
                                      bits=4, block_size=32))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    kept = [t for t in model.graph.initializer if t.name not in replaced]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, dst)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--tokens", type=int, default=64)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--formats", default=",".join(FORMATS))
    p.add_argument("--no-onnxruntime", action="store_true")
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    if not args.no_onnxruntime and not os.path.exists(
            os.path.join(out, "node_modules", "onnxruntime-node")):
        print("bench: npm install onnxruntime-node", file=sys.stderr)
        run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", out,
             "onnxruntime-node"])

    onnx_path = os.path.join(out, "llama-1024x8.onnx")
    if not os.path.exists(onnx_path):
        print("bench: exporting the synthetic LLaMA with PyTorch", file=sys.stderr)
        run([sys.executable, "-W", "ignore", os.path.join(ROOT, "python", "loom",
                                                          "export_model.py"),
             *EXPORT, "-o", onnx_path])
    model = onnx.load(onnx_path, load_external_data=False)

    print(f"bench: measuring the machine ({args.threads} threads)", file=sys.stderr)
    _, bandwidth = measure_machine(out, args.threads)
    cpu, flags = cpu_features()
    level = loom_levels(quantized=True)[-1]
    print(f"cpu: {cpu}; features: {' '.join(flags)}; loom kernels: {level}")
    print(f"machine: {args.threads} threads, read bandwidth {bandwidth:.1f} GB/s; "
          f"{args.tokens} tokens, greedy from token 1")

    rows = []  # (engine, tok/s, bytes per token)
    tokens = {}
    for fmt in args.formats.split(","):
        quantize, bits, group = FORMATS[fmt]
        # A folder per format: --weights=file names the weights after the model.
        os.makedirs(os.path.join(out, f"quantize_{fmt}"), exist_ok=True)
        lib = os.path.join(out, f"quantize_{fmt}", "libllama.so")
        print(f"bench: compiling {fmt}", file=sys.stderr)
        run([os.path.join(args.build, "bin", "loom-compile"), onnx_path, "--generate",
             "--weights=file", f"--context-length={CONTEXT}", "-o", lib] +
            ([f"--quantize={quantize}"] if quantize else []))
        code = ("import json, sys\n"
                f"sys.path.insert(0, {os.path.join(ROOT, 'python')!r})\n"
                "from loom.generate import Generator\n"
                f"gen = Generator({lib!r}, threads={args.threads})\n"
                "gen.generate([1], max_new_tokens=2)\n"
                f"toks = gen.generate([1], max_new_tokens={args.tokens})\n"
                "rate = (gen.stats.generated_tokens - 1) / gen.stats.decode_seconds\n"
                "print(json.dumps([list(toks), rate]))\n")
        toks, rate = json.loads(run([sys.executable, "-c", code],
                                    env=level_env(level)).splitlines()[-1])
        tokens[fmt] = toks
        rows.append((f"loom {fmt}", rate, streamed_bytes(model, bits, group, CLASSIFIER.get(fmt))))

    if not args.no_onnxruntime:
        nbits_path = os.path.join(out, "llama-1024x8-matmulnbits.onnx")
        if not os.path.exists(nbits_path):
            write_matmulnbits(onnx_path, nbits_path)
        for engine, path, bits, group in (("onnxruntime f32", onnx_path, 32, 0),
                                          ("ort MatMulNBits4", nbits_path, 4, 32)):
            print(f"bench: {engine}", file=sys.stderr)
            text = run(["node", os.path.join(ROOT, "bench", "ort_decode.js"), path,
                        str(args.threads), "1", str(args.tokens), str(LAYERS), str(KV_HEADS),
                        str(HEAD_DIM)],
                       env=dict(os.environ, NODE_PATH=os.path.join(out, "node_modules")))
            rate = number(text, "decode_tokens") / (number(text, "decode_ms") / 1e3)
            tokens[engine] = [int(t) for t in text.splitlines()[0].split()]
            rows.append((engine, rate, streamed_bytes(model, bits, group)))

    rates = dict((e, r) for e, r, _ in rows)
    f32 = rates.get("loom f32")
    nbits = rates.get("ort MatMulNBits4")
    print(f"{'engine':<18} {'decode tok/s':>12} {'MB/token':>9} {'GB/s':>7} {'of bw':>6} "
          f"{'vs loom f32':>12} {'vs ort nbits4':>14}")
    for engine, rate, nbytes in rows:
        gbs = nbytes * rate / 1e9
        vs_f32 = f"{rate / f32:.2f}x" if f32 and engine.startswith("loom") else ""
        vs_nbits = f"{rate / nbits:.2f}x" if nbits and engine.startswith("loom") else ""
        print(f"{engine:<18} {rate:>12.1f} {nbytes / 1e6:>9.1f} {gbs:>7.2f} "
              f"{100 * gbs / bandwidth:>5.0f}% {vs_f32:>12} {vs_nbits:>14}")
    if "f32" in tokens:
        for fmt, toks in tokens.items():
            same = next((i for i, (a, b) in enumerate(zip(toks, tokens["f32"])) if a != b),
                        len(toks))
            print(f"greedy tokens equal to loom f32: {fmt}: first {same} of {len(toks)}")


if __name__ == "__main__":
    main()
