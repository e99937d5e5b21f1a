#!/usr/bin/env python3
"""Run a command and succeed only if it exits with the given status.

Usage (lit): %expect_exit 1 loom-translate --import-onnx bad.onnx 2>&1 | FileCheck %s
The command's stdout and stderr pass through, so FileCheck can read its
message. A crash (signal) never matches: it is reported and fails the test.
"""
import subprocess
import sys

expected = int(sys.argv[1])
proc = subprocess.run(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
sys.stdout.buffer.write(proc.stdout)
sys.stdout.flush()
sys.stderr.buffer.write(proc.stderr)
sys.stderr.flush()
if proc.returncode < 0:
    print(f"expect_exit: {sys.argv[2]} was killed by signal {-proc.returncode}",
          file=sys.stderr)
    sys.exit(2)
if proc.returncode != expected:
    print(f"expect_exit: {sys.argv[2]} exited {proc.returncode}, expected {expected}",
          file=sys.stderr)
    sys.exit(1)
