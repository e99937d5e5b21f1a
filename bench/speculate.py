#!/usr/bin/python3
"""Speculative decoding: what a verify step costs and what drafting buys,
against plain decoding of the same model in the same run.

Usage: bench/speculate.py [--threads N] [--tokens N] [--build DIR] [--skip-large]

1. stories260K (../shared/models), greedy, 200 tokens from BOS and from a text
   prompt: plain decoding, --speculate=ngram with chains of 2, 4 and 8
   drafts, self:4 and a separate draft model (the first 4 layers) with
   chains of 4. Prints decode tokens/s, the ratio to plain decoding, tokens per
   verify step and acceptance, and checks that the tokens are identical.
2. The synthetic bandwidth-bound LLaMA of bench/decode.py (dim 1024, 8 layers,
   ~0.5 GB of f32 weights read per step): the cost of one step over n tokens
   (n = 1, 4, 8, 16, 32: the prefill step, which is the verify step's
   computation: a verify step is the prefill step returning every row) relative
   to one plain decode step, the fraction of read bandwidth the plain step
   reaches, and the speed-up that cost implies at the acceptance measured on
   stories260K: tokens per step / relative cost of a step of K + 1 tokens.
"""
import argparse
import os
import sys

from common import ROOT, STORIES, compile_generate, measure_machine, run, tokenize_stories

sys.path.insert(0, os.path.join(ROOT, "python"))
from loom.generate import Generator  # noqa: E402

TEXT = ("Once upon a time, there was a little dog named Max. Max liked to play with his "
        "ball. One day, Max")


def decode_rate(gen, prompt, tokens, reps):
    """(tokens, best decode tokens/s after the first token, stats of the last run):
    on a shared machine the slower runs waited for the CPU."""
    gen.generate(prompt, max_new_tokens=4)  # warm-up
    rates, out = [], None
    for _ in range(reps):
        out = gen.generate(prompt, max_new_tokens=tokens)
        rates.append((gen.stats.generated_tokens - 1) / gen.stats.decode_seconds)
    return out, max(rates), gen.stats


def stories(args, out):
    onnx_path = os.path.join(out, "stories260K.onnx")
    if not os.path.exists(onnx_path):
        run([sys.executable, "-W", "ignore", os.path.join(ROOT, "python", "loom", "export_model.py"),
             "--llama2c", os.path.join(STORIES, "stories260K.bin"), "-o", onnx_path])
    # A separate draft model: the target's first 4 of 5 layers, exported alone.
    draft_path = os.path.join(out, "stories260K-draft4.onnx")
    if not os.path.exists(draft_path):
        run([sys.executable, "-W", "ignore", os.path.join(ROOT, "python", "loom", "export_model.py"),
             "--llama2c", os.path.join(STORIES, "stories260K.bin"), "--keep-layers", "4",
             "-o", draft_path])
    variants = ([("plain", [])] +
                [(f"ngram chain:{k}", ["--speculate=ngram", f"--tree=chain:{k}"])
                 for k in (2, 4, 8)] +
                [("self:4 chain:4", ["--speculate=self:4", "--tree=chain:4"]),
                 ("draft4 chain:4", [f"--speculate=draft={draft_path}", "--tree=chain:4"])])
    libs = {}
    for name, flags in variants:
        lib = os.path.join(out, f"libstories_{name.replace(' ', '_').replace(':', '')}.so")
        print(f"bench: stories260K: compiling {name}", file=sys.stderr)
        compile_generate(args.build, onnx_path, lib, 512, *flags)
        libs[name] = Generator(lib, threads=args.threads)
    acceptance = {}
    print(f"{'stories260K':<12} {'prompt':<6} {'decoding':<16} {'tok/s':>9} {'vs plain':>9} "
          f"{'tok/step':>9} {'accepted':>9} {'same tokens':>12}")
    for prompt_name, prompt in (("BOS", [1]), ("text", tokenize_stories(TEXT))):
        plain_tokens, plain_rate, _ = decode_rate(libs["plain"], prompt, args.tokens, args.reps)
        for name, _ in variants:
            if name == "plain":
                tokens, rate, stats = plain_tokens, plain_rate, None
            else:
                tokens, rate, stats = decode_rate(libs[name], prompt, args.tokens, args.reps)
            per_step = stats.tokens_per_verify_step if stats else 1.0
            accepted = (f"{100 * stats.accepted_tokens / max(stats.drafted_tokens, 1):.0f}%"
                        if stats else "")
            if stats:
                acceptance[(prompt_name, name)] = per_step
            print(f"{'':<12} {prompt_name:<6} {name:<16} {rate:>9.0f} {rate / plain_rate:>8.2f}x "
                  f"{per_step:>9.2f} {accepted:>9} {'yes' if tokens == plain_tokens else 'NO':>12}")
    return acceptance


def large(args, out, acceptance):
    onnx_path = os.path.join(out, "llama-1024x8.onnx")
    if not os.path.exists(onnx_path):
        print("bench: llama-1024x8: exporting with PyTorch", file=sys.stderr)
        run([sys.executable, "-W", "ignore", os.path.join(ROOT, "python", "loom", "export_model.py"),
             "--arch", "llama", "--dim", "1024", "--layers", "8", "--heads", "16", "--kv-heads",
             "4", "--hidden-dim", "2816", "--vocab", "32000", "-o", onnx_path])
    lib = os.path.join(out, "libllama_1024x8_generate.so")
    print("bench: llama-1024x8: compiling with loom-compile --generate", file=sys.stderr)
    compile_generate(args.build, onnx_path, lib, 512, "--weights=file")
    gen = Generator(lib, threads=args.threads)
    _, step_rate, _ = decode_rate(gen, [1], 32, args.reps)
    step = 1.0 / step_rate
    # MatMul weights per step: 8 layers x (q, k, v, o, 3 MLP) + the LM head.
    weight_bytes = 4 * (8 * (1024 * 1024 * 2 + 1024 * 256 * 2 + 3 * 1024 * 2816) + 1024 * 32000)
    _, bandwidth = measure_machine(out, args.threads)
    print(f"\nllama-1024x8: one decode step {1e3 * step:.1f} ms, "
          f"{weight_bytes * step_rate / 1e9:.1f} GB/s of {bandwidth:.1f} GB/s read bandwidth")
    print(f"{'tokens in one step':>18} {'ms':>8} {'x decode step':>14}")
    cost = {}
    for n in (1, 4, 5, 8, 9, 16, 32):
        prompt = [1 + (7 * i) % 30000 for i in range(n)]
        times = []
        for _ in range(args.reps):
            gen.generate(prompt, max_new_tokens=1)
            times.append(gen.stats.prefill_seconds)
        # The fastest run: on a shared machine the others waited for the CPU.
        cost[n] = min(times) / step
        print(f"{n:>18} {1e3 * min(times):>8.1f} {cost[n]:>13.2f}x")
    print("\nimplied speed-up of ngram speculation on this model (tokens per step measured on "
          "stories260K / cost of a step of K + 1 tokens):")
    for (prompt_name, name), per_step in sorted(acceptance.items()):
        if not name.startswith("ngram"):
            continue  # a model's drafts cost steps of their own
        k = int(name.split(":")[1])
        if k + 1 in cost:
            print(f"  {prompt_name:<5} {name:<16} {per_step:.2f} tokens/step / "
                  f"{cost[k + 1]:.2f} = {per_step / cost[k + 1]:.2f}x")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--tokens", type=int, default=200)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--build", default=os.path.join(ROOT, "build"))
    p.add_argument("--skip-large", action="store_true", help="only stories260K")
    args = p.parse_args()
    out = os.path.join(args.build, "bench")
    os.makedirs(out, exist_ok=True)
    print(f"speculative decoding, {args.threads} threads, greedy, best of {args.reps} runs")
    acceptance = stories(args, out)
    if not args.skip_large:
        large(args, out, acceptance)


if __name__ == "__main__":
    main()
