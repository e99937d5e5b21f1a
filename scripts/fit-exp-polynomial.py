#!/usr/bin/env python3
"""Derives the polynomial behind loomrt's vector exp (lib/Runtime/Kernels/SimdMath.inc).

After Cody-Waite reduction exp(x) = 2^n e^r with |r| <= ln2/2, so the kernels
need e^r on that interval only. A degree-5 polynomial 1 + c1 r + ... + c5 r^5
whose relative error is spread evenly (minimax) over the interval is enough
for float32; a truncated Taylor series needs degree 6 for the same accuracy.

The minimax fit is Lawson's iteratively reweighted least squares on Chebyshev
points (weights grow where the error is largest). The script prints the
float32 coefficients and the maximum relative error of the polynomial
evaluated in float32 (Horner, as the kernels do) on a fine grid.

Usage: scripts/fit-exp-polynomial.py [DEGREE]   (needs numpy)
"""

import sys

import numpy as np


def fit(degree, iterations=300):
    half = np.log(2.0) / 2
    r = np.cos(np.linspace(0.0, np.pi, 4001)) * half
    target = np.exp(r)
    # Relative error of 1 + sum c_k r^k: ((1 + sum c_k r^k) - e^r) / e^r.
    basis = np.vstack([r**k for k in range(1, degree + 1)]).T / target[:, None]
    rhs = (target - 1.0) / target
    weights = np.ones_like(r)
    for _ in range(iterations):
        w = np.sqrt(weights)
        coeffs, *_ = np.linalg.lstsq(basis * w[:, None], rhs * w, rcond=None)
        weights = weights * np.abs(basis @ coeffs - rhs)
        weights /= weights.sum()
    return np.float32(coeffs)


def float32_error(coeffs):
    half = np.log(2.0) / 2
    r = np.float32(np.linspace(-half, half, 200001))
    p = np.full_like(r, coeffs[-1])
    for c in coeffs[-2::-1]:
        p = np.float32(p * r + c)
    p = np.float32(p * r + np.float32(1.0))
    exact = np.exp(np.float64(r))
    return float(np.max(np.abs(np.float64(p) - exact) / exact))


def main():
    degree = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    coeffs = fit(degree)
    for k, c in enumerate(coeffs, start=1):
        print(f"c{k} = {c:.9e}f")
    print(f"max relative error (float32 Horner on |r| <= ln2/2): {float32_error(coeffs):.2e}")


if __name__ == "__main__":
    main()
