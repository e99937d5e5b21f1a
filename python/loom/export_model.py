#!/usr/bin/env python3
"""Export a decoder to ONNX with past key/values (see loom.models).

Usage:
  export_model.py --arch llama|gpt2 [--layers N --dim D ...] -o model.onnx
  export_model.py --llama2c stories260K.bin -o stories260K.onnx
  export_model.py ... -o model.onnx --test-data DIR   (also PyTorch's outputs)
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from loom import models  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--output", required=True, help="the .onnx file to write")
    p.add_argument("--arch", choices=["llama", "gpt2"], default="llama")
    p.add_argument("--llama2c", help="a llama2.c checkpoint to convert instead")
    p.add_argument("--opset", type=int, default=14)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--std", type=float, default=0.02,
                   help="standard deviation of the random weights (default 0.02)")
    p.add_argument("--context-length", type=int,
                   help="positions the model supports (GPT-2's learned table; default 128)")
    p.add_argument("--greedy-reference", metavar="PROMPT",
                   help="print PyTorch's greedy generation after PROMPT (token ids "
                   "separated by spaces) on stdout: the reference for loom-run --generate")
    p.add_argument("--max-tokens", type=int, default=32,
                   help="tokens for --greedy-reference (default 32)")
    p.add_argument("--keep-layers", type=int, metavar="K",
                   help="keep only the first K layers (then the final norm and the "
                   "classifier): a draft model for speculative decoding made from the "
                   "target (a separate .onnx with the same vocabulary)")
    p.add_argument("--layers", type=int)
    p.add_argument("--dim", type=int)
    p.add_argument("--heads", type=int)
    p.add_argument("--kv-heads", type=int)
    p.add_argument("--vocab", type=int)
    p.add_argument("--hidden-dim", type=int, help="LLaMA's SwiGLU width")
    p.add_argument("--test-data", help="also write ONNX test data (random inputs with a "
                   "cache of 4 steps, PyTorch's outputs) into this directory")
    p.add_argument("--test-seq", type=int, default=3,
                   help="new tokens per sequence in the test data (default 3)")
    p.add_argument("--test-past", type=int, default=4,
                   help="cached positions in the test data (default 4; 0: an empty cache)")
    args = p.parse_args()

    if args.llama2c:
        if not os.path.isfile(args.llama2c):
            p.error(f"checkpoint '{args.llama2c}' does not exist")
        model = models.load_llama2c(args.llama2c)
    else:
        config = {k: v for k, v in (("n_layers", args.layers), ("dim", args.dim),
                                    ("n_heads", args.heads), ("vocab_size", args.vocab),
                                    ("hidden_dim", args.hidden_dim))
                  if v is not None}
        if args.kv_heads is not None:
            if args.arch != "llama":
                p.error("--kv-heads applies to --arch llama only")
            config["n_kv_heads"] = args.kv_heads
        if args.context_length is not None:
            config["seq_len"] = args.context_length
        model = models.random_model(args.arch, seed=args.seed, std=args.std, **config)
    if args.keep_layers is not None:
        layers = model.h if args.arch == "gpt2" and not args.llama2c else model.layers
        if not 1 <= args.keep_layers <= len(layers):
            p.error(f"--keep-layers must be in [1, {len(layers)}]")
        del layers[args.keep_layers:]
        model.cfg.n_layers = args.keep_layers
    models.export(model, args.output, opset=args.opset)
    print(f"export_model: wrote {args.output}", file=sys.stderr)
    if args.test_data:
        if args.test_seq < 1 or args.test_past < 0:
            p.error("--test-seq must be at least 1 and --test-past at least 0")
        models.write_test_data(model, args.test_data, seq=args.test_seq, past=args.test_past)
        print(f"export_model: wrote test data to {args.test_data}", file=sys.stderr)
    if args.greedy_reference:
        prompt = [int(t) for t in args.greedy_reference.split()]
        print(" ".join(map(str, models.greedy_generate(model, prompt, args.max_tokens))))


if __name__ == "__main__":
    main()
