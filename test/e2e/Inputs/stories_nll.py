"""Teacher-forced negative log-likelihood of a text under stories260K.

Usage:
  stories_nll.py --tokenizer tok512.bin --text eval.txt --reference stories260K.bin
      the numpy llama2.c forward pass (llama2c_reference.py) reads the checkpoint
  stories_nll.py --tokenizer tok512.bin --text eval.txt --lib libstories.so
      a compiled one-step model (export_model.py --llama2c, loom-compile)
  --baseline FILE --within PCT [--tolerance T]
      compares with another run's printed line: fails unless the perplexity
      is at most PCT percent above the baseline's (with --tolerance, unless
      the NLL equals the baseline's to T)
  --max-ppl P
      fails unless the perplexity is below P (for formats far from f32: a
      uniform guess over stories260K's 512 tokens is 512)

Prints one line: "nll X ppl Y tokens N" (mean over the N predicted tokens,
natural log), and with the greedy options "greedy agree A of N". The text is
encoded as llama2.c does it (BOS, dummy prefix, BPE) and cut into windows of
the model's context, each run from an empty cache; within a window every
position predicts the next token.
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import llama2c_reference  # noqa: E402
import llama2c_tokenizer  # noqa: E402


def log_softmax(logits):
    logits = logits.astype(np.float64)
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def mean_nll(logits, tokens):
    """logits[t] predicts tokens[t + 1]."""
    lp = log_softmax(logits[:len(tokens) - 1])
    return float(-np.mean(lp[np.arange(len(tokens) - 1), tokens[1:]]))


def reference_logits(checkpoint, tokens):
    p = llama2c_reference.load(checkpoint)
    kv_dim = p["kv_heads"] * (p["dim"] // p["heads"])
    k_cache = np.zeros((p["layers"], p["seq_len"], kv_dim), dtype=np.float32)
    v_cache = np.zeros_like(k_cache)
    return np.stack([llama2c_reference.forward(p, t, i, k_cache, v_cache)
                     for i, t in enumerate(tokens)])


def compiled_logits(library, tokens):
    """One call of the step model over the whole sequence, with empty caches."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "..", "python"))
    from loom.runtime import Model
    model = Model(library)
    n = len(tokens)
    inputs = {}
    for name, shape, dtype in zip(model.input_names, model.input_shapes, model.input_dtypes):
        if name == "input_ids":
            inputs[name] = np.array([tokens], dtype=dtype)
        elif name == "position_ids":
            inputs[name] = np.arange(n, dtype=dtype)[None, :]
        elif name == "attention_mask":
            inputs[name] = np.ones((1, n), dtype=dtype)
        elif name.startswith("past"):
            # [batch, kv_heads, past length, head dim]: an empty past.
            dims = [1 if i == 0 else 0 if d == -1 else d for i, d in enumerate(shape)]
            inputs[name] = np.zeros(dims, dtype=dtype)
        else:
            sys.exit(f"stories_nll: the model has an input '{name}' this script does not know")
    logits = model.run(inputs)["logits"]
    return logits.reshape(n, -1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--text", required=True)
    ap.add_argument("--context", type=int, default=512)
    source = ap.add_mutually_exclusive_group(required=True)
    source.add_argument("--reference", help="llama2.c checkpoint (numpy forward pass)")
    source.add_argument("--lib", help="compiled one-step model")
    ap.add_argument("--baseline")
    ap.add_argument("--within", type=float)
    ap.add_argument("--tolerance", type=float)
    ap.add_argument("--max-ppl", type=float)
    args = ap.parse_args()

    pieces, scores = llama2c_tokenizer.load(args.tokenizer)
    text = open(args.text, encoding="utf-8").read()
    tokens = llama2c_tokenizer.encode(pieces, scores, text)
    total, count = 0.0, 0
    for start in range(0, len(tokens), args.context):
        window = tokens[start:start + args.context]
        if len(window) < 2:
            continue
        if args.reference:
            logits = reference_logits(args.reference, window)
        else:
            logits = compiled_logits(args.lib, window)
        total += mean_nll(logits, np.array(window)) * (len(window) - 1)
        count += len(window) - 1
    nll = total / count
    print(f"nll {nll:.6f} ppl {np.exp(nll):.4f} tokens {count}")
    if args.baseline:
        fields = open(args.baseline).read().split()
        base_nll, base_ppl = float(fields[1]), float(fields[3])
        if args.tolerance is not None and abs(nll - base_nll) > args.tolerance:
            sys.exit(f"nll {nll:.6f} differs from the baseline's {base_nll:.6f} by more "
                     f"than {args.tolerance}")
        increase = 100.0 * (np.exp(nll) / base_ppl - 1.0)
        if args.within is not None and increase > args.within:
            sys.exit(f"perplexity {np.exp(nll):.4f} is {increase:.2f}% above the baseline's "
                     f"{base_ppl:.4f} (allowed: {args.within}%)")
        print(f"perplexity {increase:+.2f}% against the baseline")
    if args.max_ppl is not None and not np.exp(nll) < args.max_ppl:
        sys.exit(f"perplexity {np.exp(nll):.4f} is not below {args.max_ppl}")


if __name__ == "__main__":
    main()
