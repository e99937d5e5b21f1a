"""Checks loom-run's sampling branches against an independent reference.

Usage:
  branch_reference.py (--arch gpt2|llama [--std S] [--seed N] | --llama2c FILE
      | --export-style NAME)
      --prompt "3 17 42" --branches OUT.txt
      [--singles S0.txt S1.txt ...] [--best-of] [--length-penalty L]
  branch_reference.py ... --branches OUT.txt --beams W [--early-stopping]
      [--length-penalty L] --max-tokens N --context-length C [--stop-tokens "2 7"]
      OUT.txt from loom-run --beams W: its hypotheses must be the reference
      beam search's (beam_search below, over the PyTorch model), in order,
      token for token.

OUT.txt holds loom-run --num-samples / --best-of lines,
"branch B log-prob LP score S: ID ID ...". The model is the PyTorch module
the ONNX file was exported from (loom.models, rebuilt from the same options
as export_model.py's; with --export-style, the Hugging Face-style module of
test/e2e/Inputs/export_styles that export.py NAME writes), not loom's code:
it runs once over the prompt and the
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

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "export_styles"))
import export as export_styles  # noqa: E402

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
    ids = torch.tensor([sequence], dtype=torch.int64)
    spec = getattr(model, "export_spec", None)
    with torch.no_grad():
        if spec is None:
            cfg = model.cfg
            past = [torch.zeros(1, cfg.n_kv_heads, 0, cfg.head_dim)
                    for _ in range(2 * cfg.n_layers)]
            logits, *_ = model(ids, torch.arange(len(sequence))[None], *past)
        else:
            # A Hugging Face-style module: called as export.py's greedy
            # reference calls it, from an empty past without padding.
            past = tuple((torch.zeros(1, spec.n_kv_heads, 0, spec.head_dim),
                          torch.zeros(1, spec.n_kv_heads, 0, spec.head_dim))
                         for _ in range(spec.n_layers))
            kwargs = {}
            if spec.has_attention_mask:
                kwargs["attention_mask"] = torch.ones(1, len(sequence), dtype=torch.int64)
            if spec.has_position_ids:
                kwargs["position_ids"] = torch.arange(len(sequence))[None]
            logits, _ = model(ids, past_key_values=past, **kwargs)
    return log_softmax(logits[0].numpy())


def load_model(args):
    if args.export_style:
        model, spec = export_styles.build(args.export_style)
        model.export_spec = spec
    elif args.llama2c:
        model = models.load_llama2c(args.llama2c)
    else:
        model = models.random_model(args.arch, seed=args.seed, std=args.std)
    model.eval()
    return model


def beam_search(model, prompt, width, max_new, stops, length_penalty, early_stopping):
    """The reference beam search (the definition in loom-c/Generate.h): each
    round every live beam proposes its 2 x width most likely tokens; the
    candidates, best first, fill `width` live beams; a stop token among the
    first `width` candidates finishes a hypothesis (its length counts the
    stop token). Returns the best `width` finished (tokens, log-prob, score),
    best first."""
    def score(log_prob, length):
        return log_prob / max(length, 1) ** length_penalty

    live = [([], 0.0)]
    finished = []  # (score, order, tokens, log-prob)
    while live:
        candidates = []
        for parent, (tokens, log_prob) in enumerate(live):
            lp = sequence_log_probs(model, prompt + tokens)[-1]
            best = sorted(range(len(lp)), key=lambda t: (-lp[t], t))[:2 * width]
            candidates += [(log_prob + lp[t], parent, t) for t in best]
        candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
        following = []
        for rank, (log_prob, parent, token) in enumerate(candidates):
            if len(following) == width:
                break
            tokens = live[parent][0] + [token]
            if token in stops:
                if rank < width:
                    finished.append((score(log_prob, len(tokens)), len(finished), tokens,
                                     log_prob))
                continue
            following.append((tokens, log_prob))
        live = following
        if live and len(live[0][0]) >= max_new:
            finished += [(score(lp, len(t)), len(finished) + i, t, lp)
                         for i, (t, lp) in enumerate(live)]
            live = []
        finished.sort(key=lambda f: (-f[0], f[1]))
        finished = finished[:width]
        if len(finished) == width and live:
            if early_stopping or finished[-1][0] >= score(live[0][1], len(live[0][0])):
                break
    return [(f[2], f[3], f[0]) for f in finished]


def check_beams(args, model, prompt, branches):
    """loom's hypotheses equal the reference beam search's, in order."""
    max_new = min(args.max_tokens, args.context_length - len(prompt) + 1)
    stops = [int(t) for t in args.stop_tokens.replace(",", " ").split()]
    expected = beam_search(model, prompt, args.beams, max_new, stops, args.length_penalty,
                           args.early_stopping)
    if len(expected) != len(branches):
        fail(f"{len(branches)} hypotheses, the reference finds {len(expected)}")
    for (index, log_prob, score, tokens), (ref_tokens, ref_lp, ref_score) in zip(branches,
                                                                                 expected):
        if tokens != ref_tokens:
            fail(f"hypothesis {index}: {tokens}\n  the reference's: {ref_tokens}")
        if abs(log_prob - ref_lp) > 1e-3 + 1e-4 * len(tokens):
            fail(f"hypothesis {index}: log-prob {log_prob}, reference {ref_lp:.6f}")
        if abs(score - ref_score) > 1e-3:
            fail(f"hypothesis {index}: score {score}, reference {ref_score:.6f}")
    print(f"beams: {len(branches)} hypotheses equal the reference beam search's")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--arch", choices=["gpt2", "llama"])
    parser.add_argument("--std", type=float, default=0.02)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--llama2c")
    parser.add_argument("--export-style", metavar="NAME",
                        help="a decoder of test/e2e/Inputs/export_styles (export.py NAME)")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--branches", required=True)
    parser.add_argument("--singles", nargs="*", default=[])
    parser.add_argument("--best-of", action="store_true")
    parser.add_argument("--length-penalty", type=float, default=1.0)
    parser.add_argument("--beams", type=int, help="check a beam search of this width")
    parser.add_argument("--early-stopping", action="store_true")
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--context-length", type=int, default=2048)
    parser.add_argument("--stop-tokens", default="")
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

    if args.beams:
        model = load_model(args)
        check_beams(args, model, prompt, branches)
        return

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

    model = load_model(args)
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
