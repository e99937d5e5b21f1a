"""Checks loom-run's sampling branches against an independent reference.

Usage:
  branch_reference.py (--arch gpt2|llama [--std S] [--seed N] | --llama2c FILE)
      --prompt "3 17 42" --branches OUT.txt
      [--singles S0.txt S1.txt ...] [--best-of] [--length-penalty L]

OUT.txt holds loom-run --num-samples / --best-of lines,
"branch B log-prob LP score S: ID ID ...". The model is the PyTorch module
the ONNX file was exported from (loom.models, rebuilt from the same options
as export_model.py's), not loom's code: it runs once over the prompt and the
branch's tokens from an empty past, and the log-softmax of the logits at each
position scores the next token.
Checked: every log-probability within 1e-3 + 1e-4 per token, every score = log-prob / tokens^L, branch order (0, 1, ... without
--best-of; scores not increasing with it), and with --singles that branch b's
tokens equal S<b>'s (a single-sequence run with seed + b). Prints one line
per check group and exits 1 on the first failure.
"""
import argparse
import re
import sys

import os

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "python"))
from loom import models  # noqa: E402

LINE = re.compile(r"^branch (\d+) log-prob (\S+) score (\S+):((?: \d+)*)$")


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def log_softmax(logits):
    logits = logits.astype(np.float64)
    m = logits.max(axis=-1, keepdims=True)
    return logits - m - np.log(np.exp(logits - m).sum(axis=-1, keepdims=True))


def sequence_log_probs(model, sequence):
    """log softmax of the logits at every position of `sequence`."""
    cfg = model.cfg
    past = [torch.zeros(1, cfg.n_kv_heads, 0, cfg.head_dim) for _ in range(2 * cfg.n_layers)]
    ids = torch.tensor([sequence], dtype=torch.int64)
    with torch.no_grad():
        logits, *_ = model(ids, torch.arange(len(sequence))[None], *past)
    return log_softmax(logits[0].numpy())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", choices=["gpt2", "llama"])
    parser.add_argument("--std", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--llama2c")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--branches", required=True)
    parser.add_argument("--singles", nargs="*", default=[])
    parser.add_argument("--best-of", action="store_true")
    parser.add_argument("--length-penalty", type=float, default=1.0)
    args = parser.parse_args()

    prompt = [int(t) for t in args.prompt.split()]
    branches = []
    for line in open(args.branches).read().splitlines():
        match = LINE.match(line)
        if not match:
            fail(f"not a branch line: {line!r}")
        branches.append((int(match[1]), float(match[2]), float(match[3]),
                         [int(t) for t in match[4].split()]))
    if not branches:
        fail("no branch lines")

    indices = [b[0] for b in branches]
    if sorted(indices) != list(range(len(branches))):
        fail(f"branch indices {indices} are not 0 to {len(branches) - 1}")
    if args.best_of:
        scores = [b[2] for b in branches]
        if any(a < b for a, b in zip(scores, scores[1:])):
            fail(f"best-of order: scores {scores} increase")
    elif indices != list(range(len(branches))):
        fail(f"branches out of order: {indices}")
    print(f"order: {len(branches)} branches ok")

    model = (models.load_llama2c(args.llama2c) if args.llama2c
             else models.random_model(args.arch, seed=args.seed, std=args.std))
    model.eval()
    worst = 0.0
    for index, log_prob, score, tokens in branches:
        if not tokens:
            fail(f"branch {index} has no tokens")
        lp = sequence_log_probs(model, prompt + tokens)
        n = len(prompt)
        expected = float(sum(lp[n - 1 + i, t] for i, t in enumerate(tokens)))
        # loom prints 4 decimals; f32 logits differ from PyTorch's in the
        # last bits: 1e-3 plus 1e-4 per token.
        error = abs(log_prob - expected)
        if error > 1e-3 + 1e-4 * len(tokens):
            fail(f"branch {index}: log-prob {log_prob}, reference {expected:.6f}")
        worst = max(worst, error)
        expected_score = log_prob / len(tokens) ** args.length_penalty
        if abs(score - expected_score) > 1e-3 * max(1.0, abs(expected_score)):
            fail(f"branch {index}: score {score}, log-prob / tokens^L is {expected_score:.6f}")
    print(f"log-probs: within 1e-3 + 1e-4 per token of PyTorch's (worst {worst:.1e})")

    for index, path in enumerate(args.singles):
        single = [int(t) for t in open(path).read().split()]
        tokens = next(b[3] for b in branches if b[0] == index)
        if single != tokens:
            fail(f"branch {index} differs from the single run {path}:\n  {tokens}\n  {single}")
    if args.singles:
        print(f"singles: {len(args.singles)} branches equal their single runs")


if __name__ == "__main__":
    main()
