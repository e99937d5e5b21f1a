"""How many leading tokens two runs share.

Usage: greedy_agreement.py A.txt B.txt --at-least N
Each file holds whitespace-separated token ids (loom-run --generate's
output). Prints "agree K of N" (K: the length of the common prefix, N: the
tokens in B) and fails when K < the --at-least bound.
"""
import argparse
import sys

ap = argparse.ArgumentParser()
ap.add_argument("a")
ap.add_argument("b")
ap.add_argument("--at-least", type=int, default=0)
args = ap.parse_args()
a, b = open(args.a).read().split(), open(args.b).read().split()
k = 0
while k < min(len(a), len(b)) and a[k] == b[k]:
    k += 1
print(f"agree {k} of {len(b)}")
if k < args.at_least:
    sys.exit(f"only {k} leading tokens agree, expected at least {args.at_least}")
