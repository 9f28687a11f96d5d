#!/usr/bin/env python3
"""The seed's own arithmetic, for exactness tests: julia_set_plot.py's
get_iterations() and its viridis colouring, evaluated on render-remote's grid
(re = linspace(re_min, re_max, W) across, im = linspace(im_max, im_min, H) down).

Usage: seed-reference.py W H RE_MIN RE_MAX IM_MIN IM_MAX C_RE C_IM MAX_ITER ESCAPE
Prints JSON: {"counts": [...row-major...], "rgb": "<base64 of W*H*3 bytes>"}.
Needs numpy and matplotlib (Debian: python3-matplotlib).
"""
import base64
import json
import sys

import numpy as np
from matplotlib import pyplot as plt


def get_iterations(point, c, max_iterations, escape_bound):
    """The seed's function, verbatim apart from the parameters."""
    iteration = 0
    pv = point**2 + c
    while iteration < max_iterations:
        if abs(pv) > escape_bound:
            return iteration
        else:
            pv = pv**2 + c
            iteration += 1
    return iteration


def main():
    w, h = int(sys.argv[1]), int(sys.argv[2])
    re_min, re_max, im_min, im_max, c_re, c_im = map(float, sys.argv[3:9])
    max_iterations, escape = int(sys.argv[9]), float(sys.argv[10])
    c = complex(c_re, c_im)
    counts = []
    values = []
    for b in np.linspace(im_max, im_min, h):
        row = []
        for a in np.linspace(re_min, re_max, w):
            n = get_iterations(complex(a, b), c, max_iterations, escape)
            counts.append(n)
            row.append(n / max_iterations)
        values.append(row)
    colors = np.array(plt.cm.viridis(values) * 255, dtype=np.uint8)[:, :, :3]
    print(json.dumps({"counts": counts, "rgb": base64.b64encode(colors.tobytes()).decode()}))


if __name__ == "__main__":
    main()
