"""Checks that a stop token ends sampled generation right after it is emitted.

Usage: check_stop_token.py LIB.so --seed N [--temperature T] [--max-tokens N]

Runs `loom-run LIB.so --generate` from BOS without stop tokens, takes the 20th
sampled token as the stop token, and runs again with `--stop-tokens` that
token (once with the default threads, once with --threads 1). Both stopped
runs must equal the unstopped text up to and including the first occurrence of
the stop token: same seed, same draws, and nothing emitted after the stop.
Choosing the stop token from the run itself keeps the check independent of
which checkpoint is used (no seed has to happen to reach EOS).
"""
import argparse
import shutil
import subprocess
import sys


def generate(loom_run, lib, args, extra):
    cmd = [loom_run, lib, "--generate", "--prompt-tokens", "1", "--max-tokens",
           str(args.max_tokens), "--temperature", str(args.temperature), "--seed",
           str(args.seed)] + extra
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [int(t) for t in out.split()]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lib")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--max-tokens", type=int, default=200)
    parser.add_argument("--stop-index", type=int, default=19)
    args = parser.parse_args()
    loom_run = shutil.which("loom-run")
    if loom_run is None:
        sys.exit("check_stop_token: loom-run is not on the PATH")

    unstopped = generate(loom_run, args.lib, args, [])
    if len(unstopped) != args.max_tokens:
        sys.exit(f"unstopped run produced {len(unstopped)} tokens, expected {args.max_tokens}")
    stop = unstopped[args.stop_index]
    expected = unstopped[:unstopped.index(stop) + 1]
    for extra in ([], ["--threads", "1"]):
        stopped = generate(loom_run, args.lib, args, ["--stop-tokens", str(stop)] + extra)
        if stopped != expected:
            sys.exit(f"with --stop-tokens {stop} {' '.join(extra)}: got {stopped}, "
                     f"expected {expected}")
    print(f"stop token {stop} ended generation after {len(expected)} of "
          f"{len(unstopped)} tokens")


if __name__ == "__main__":
    main()
