#!/usr/bin/env python3
"""Compares LOOM_CACHE_TRACE files of two decodings of the same sequence.

loomrt appends "length L hash H" after every step (H: FNV-1a over the cache's
first L entries of every layer, keys and values). The reference (plain
decoding) steps one token at a time, so it has a line for every length; each
line of the candidate (speculative decoding) must name a length the reference
reached and the same hash there: after every step the cache holds exactly
what plain decoding holds for the same tokens. (A speculative step can
commit accepted tokens past --max-tokens: run the reference a few tokens
longer.) Prints how far each step
advanced, so a test can ask for all-rejected (1) and all-accepted steps.
"""
import argparse
import sys


def read(path):
    lines = []
    with open(path) as f:
        for number, line in enumerate(f, 1):
            words = line.split()
            if len(words) != 4 or words[0] != "length" or words[2] != "hash":
                sys.exit(f"{path}:{number}: not a cache trace line: {line.rstrip()}")
            lines.append((int(words[1]), words[3]))
    if not lines:
        sys.exit(f"{path}: empty trace (was LOOM_CACHE_TRACE set?)")
    return lines


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("candidate")
    parser.add_argument("--same-end", action="store_true",
                        help="both runs must end at the same length (a full context)")
    args = parser.parse_args()
    reference, candidate = read(args.reference), read(args.candidate)
    by_length = {}
    for length, digest in reference:
        if length in by_length and by_length[length] != digest:
            sys.exit(f"FAIL: the reference itself holds two caches of length {length}")
        by_length[length] = digest
    lengths = [length for length, _ in reference]
    if lengths != list(range(lengths[0], lengths[0] + len(lengths))):
        sys.exit("FAIL: the reference did not step one token at a time")
    failures = 0
    for step, (length, digest) in enumerate(candidate):
        if length not in by_length:
            print(f"FAIL: step {step}: length {length}, which plain decoding never had")
            failures += 1
        elif by_length[length] != digest:
            print(f"FAIL: step {step}: the cache's first {length} entries differ from plain decoding's")
            failures += 1
    if args.same_end and candidate[-1][0] != reference[-1][0]:
        print(f"FAIL: the last step left {candidate[-1][0]} entries, plain decoding {reference[-1][0]}")
        failures += 1
    advances = [b[0] - a[0] for a, b in zip(candidate, candidate[1:])]
    histogram = {}
    for a in advances:
        histogram[a] = histogram.get(a, 0) + 1
    print(f"steps {len(candidate)} compared, final length {candidate[-1][0]}")
    print("advances " + " ".join(f"{a}:{histogram[a]}" for a in sorted(histogram)))
    print("FAIL" if failures else "PASS")


if __name__ == "__main__":
    main()
