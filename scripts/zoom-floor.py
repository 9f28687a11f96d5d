#!/usr/bin/env python3
"""How deep can a double-precision zoom go? (issue 19's zoom floor, measured.)

For views of W x W pixels centred on a point of the Julia set's boundary, with
pixel steps of S units in the last place of 1 (2^-52, renderer/camera-path.ts's
measure), compares the escape counts the renderer computes (the grid by
numpy.linspace in doubles, the seed's double arithmetic) with a reference in
80-bit long double (11 more bits: the grid spaced exactly, the arithmetic 2048x
finer). Prints, per step, the share of pixels whose counts differ.

Usage: zoom-floor.py [W] [MAX_ITER]    (numpy only; a minute or two)
"""
import cmath
import sys

import numpy as np


def counts(xs, ys, c, max_iterations, dtype):
    x = np.array(xs, dtype=dtype)[None, :].repeat(len(ys), 0)
    y = np.array(ys, dtype=dtype)[:, None].repeat(len(xs), 1)
    cr, ci = dtype(c.real), dtype(c.imag)
    # the seed: z = p^2 + c, then count steps while |z| <= 2
    x, y = x * x - y * y + cr, (x + x) * y + ci
    n = np.zeros(x.shape, dtype=np.int64)
    alive = np.ones(x.shape, dtype=bool)
    for _ in range(max_iterations):
        alive &= x * x + y * y <= dtype(4)
        if not alive.any():
            break
        n += alive
        x, y = np.where(alive, x * x - y * y + cr, x), np.where(alive, (x + x) * y + ci, y)
    return n


def julia_points(c):
    """Points of the Julia set, so every zoom depth has detail: the repelling fixed point
    beta = (1 + sqrt(1 - 4c))/2 and two of its preimages (z -> sqrt(z - c)): around them the
    set is self-similar, a spiral when beta's multiplier 2*beta is not real."""
    beta = (1 + cmath.sqrt(1 - 4 * c)) / 2
    first = cmath.sqrt(beta - c)
    return [beta, -first, cmath.sqrt(first - c)]


def main():
    w = int(sys.argv[1]) if len(sys.argv) > 1 else 160
    max_iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    ulp = 2.0**-52
    print(f"W = {w}, maxIterations = {max_iterations}; share of pixels whose double counts differ from long double")
    for c, center in [(c, z) for c in (complex(-0.62772, -0.385), complex(-0.8, 0.156)) for z in julia_points(c)]:
        m = max(1.0, abs(center.real), abs(center.imag))
        scale = ulp * 2.0 ** np.floor(np.log2(m))
        print(f"c = {c}, centre {center}")
        for exponent in (24, 20, 16, 14, 13, 12, 11, 10, 8, 6, 4, 2, 0):
            step = 2.0**exponent * scale
            width = step * (w - 1)
            xs = np.linspace(center.real - width / 2, center.real + width / 2, w)
            ys = np.linspace(center.imag + width / 2, center.imag - width / 2, w)
            doubles = counts(xs, ys, c, max_iterations, np.float64)
            lw = np.longdouble(width)
            lxs = np.longdouble(center.real) - lw / 2 + np.arange(w, dtype=np.longdouble) * (lw / (w - 1))
            lys = np.longdouble(center.imag) + lw / 2 - np.arange(w, dtype=np.longdouble) * (lw / (w - 1))
            reference = counts(lxs, lys, c, max_iterations, np.longdouble)
            distinct = len(np.unique(xs)) / w
            print(f"  step 2^{exponent:<3} ulps (width {width:.3e}): {100 * np.mean(doubles != reference):6.2f} % of pixels differ"
                  f" (by more than 1: {100 * np.mean(np.abs(doubles - reference) > 1):6.2f} %), {100 * distinct:5.1f} % of columns distinct,"
                  f" {len(np.unique(reference))} distinct counts")


if __name__ == "__main__":
    main()
