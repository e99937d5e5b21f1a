"""Speculative sampling draws from the same distribution as plain sampling.

Usage: speculative_sampling.py PLAIN.so SPECULATIVE.so --prompt "ids" [--runs N]

Both libraries come from the same model (one compiled with --speculate). For
N seeds each (disjoint, so that the samples are independent), each generates a few tokens at temperature 1 (and with top-k /
top-p filters); for each generated position after the first, a chi-square test
of homogeneity compares the two libraries' token counts (tokens seen fewer
than 5 times in total are pooled). It prints one line per position and fails
if any p-value is below 0.001 (Bonferroni over the positions keeps the
family-wise level near 0.004), or if the speculative runs did not speculate.

To show that the test can fail, the same comparison is run between plain
sampling at temperature 1 and at temperature 0.8, which must be rejected.
The p-value uses the Wilson-Hilferty normal approximation of the chi-square
distribution (no scipy on the test machines).
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
from loom.generate import Generator  # noqa: E402


def chi_square_p(table):
    """p-value of the homogeneity test of two rows of counts."""
    totals = [sum(col) for col in zip(*table)]
    keep = [i for i, t in enumerate(totals) if t >= 5]
    pooled = [[sum(row[i] for i in range(len(row)) if i not in keep)] for row in table]
    rows = [[row[i] for i in keep] + p for row, p in zip(table, pooled)]
    if rows[0][-1] + rows[1][-1] == 0:
        rows = [r[:-1] for r in rows]
    cols = len(rows[0])
    if cols < 2:
        return 1.0, 0
    n = [sum(r) for r in rows]
    grand = sum(n)
    x = 0.0
    for j in range(cols):
        col = rows[0][j] + rows[1][j]
        for i in range(2):
            expected = n[i] * col / grand
            x += (rows[i][j] - expected) ** 2 / expected
    k = cols - 1
    z = ((x / k) ** (1 / 3) - (1 - 2 / (9 * k))) / math.sqrt(2 / (9 * k))
    return 0.5 * math.erfc(z / math.sqrt(2)), k


def draws(generator, prompt, runs, tokens, first_seed=0, **options):
    out = []
    for seed in range(first_seed, first_seed + runs):
        out.append(generator.generate(prompt, max_new_tokens=tokens, seed=seed, **options))
    return out


def compare(a, b, positions, vocab):
    worst = 1.0
    lines = []
    for p in positions:
        table = [[0] * vocab, [0] * vocab]
        for row, runs in zip(table, (a, b)):
            for r in runs:
                if len(r) > p:
                    row[r[p]] += 1
        pv, dof = chi_square_p(table)
        worst = min(worst, pv)
        lines.append((p, pv, dof))
    return worst, lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("plain")
    ap.add_argument("speculative")
    ap.add_argument("--prompt", required=True)
    ap.add_argument("--runs", type=int, default=1500)
    ap.add_argument("--tokens", type=int, default=6)
    args = ap.parse_args()
    prompt = [int(t) for t in args.prompt.split()]
    plain, spec = Generator(args.plain, threads=1), Generator(args.speculative, threads=1)
    vocab = plain.vocab_size if hasattr(plain, "vocab_size") else 4096
    positions = range(1, args.tokens)
    ok = True
    for name, options in (("temperature 1", dict(temperature=1.0)),
                          ("temperature 0.9, top-k 40, top-p 0.95",
                           dict(temperature=0.9, top_k=40, top_p=0.95))):
        a = draws(plain, prompt, args.runs, args.tokens, **options)
        verify_steps = drafted = 0
        b = []
        # Other seeds than the plain runs': the two samples must be independent
        # (the same seed makes them agree often, which hides differences).
        for seed in range(args.runs, 2 * args.runs):
            b.append(spec.generate(prompt, max_new_tokens=args.tokens, seed=seed, **options))
            verify_steps += spec.stats.verify_steps
            drafted += spec.stats.drafted_tokens
        worst, lines = compare(a, b, positions, vocab)
        for p, pv, dof in lines:
            print(f"{name}: position {p}: chi-square p = {pv:.4f} ({dof} degrees of freedom)")
        print(f"{name}: {verify_steps} verify steps, {drafted} drafted tokens over {args.runs} runs")
        if worst < 0.001:
            print(f"FAIL: {name}: speculative sampling's distribution differs from plain sampling's")
            ok = False
        if verify_steps == 0 or drafted == 0:
            print(f"FAIL: {name}: the speculative library never verified a draft")
            ok = False
    # The test's power: a real difference in distribution is detected.
    a = draws(plain, prompt, args.runs, args.tokens, temperature=1.0)
    c = draws(plain, prompt, args.runs, args.tokens, first_seed=args.runs, temperature=0.8)
    worst, _ = compare(a, c, positions, vocab)
    print(f"power check (temperature 1 against 0.8): smallest p = {worst:.2e}")
    if worst >= 0.001:
        print("FAIL: the test does not tell temperature 1 from 0.8 apart")
        ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
