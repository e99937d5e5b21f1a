"""Generates with loom.generate.Generator and prints its acceptance profile
in loom-run --acceptance-profile's format (without the comment lines).

Usage: acceptance_profile.py LIB.so --prompt "1 2 3" --max-tokens N
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "python"))
from loom.generate import Generator  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("library")
p.add_argument("--prompt", required=True)
p.add_argument("--max-tokens", type=int, default=200)
args = p.parse_args()
gen = Generator(args.library, threads=1)
gen.generate([int(t) for t in args.prompt.split()], max_new_tokens=args.max_tokens)
print("tree " + ",".join(map(str, gen.speculation_tree)))
for i, (drafted, accepted) in enumerate(gen.acceptance_profile()):
    print(f"node {i} drafted {drafted} accepted {accepted}")
