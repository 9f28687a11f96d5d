#!/usr/bin/env python3
"""The seed's own arithmetic, for exactness tests: julia_set_plot.py's
get_iterations() and its viridis colouring, evaluated on render-remote's grid
(re = linspace(re_min, re_max, W) across, im = linspace(im_max, im_min, H) down).

Usage: seed-reference.py W H RE_MIN RE_MAX IM_MIN IM_MAX C_FROM_RE C_FROM_IM C_TO_RE C_TO_IM FRAMES FRAME MAX_ITER ESCAPE [N]
c for FRAME is computed here, as the seed's get_plot_nums_c_vals() does: numpy.linspace from
C_FROM to C_TO over FRAMES frames (the seed moves only the imaginary part; a moving real part
is interpolated the same way).
Prints JSON: {"c": [re, im], "counts": [...row-major...], "rgb": "<base64 of W*H*3 bytes>"}.

With N > 1 (supersampling, issue 19), each pixel (x_j, y_i) is N x N subsamples
at x_j + ((k + 0.5)/N - 0.5)*dx, y_i + ((l + 0.5)/N - 0.5)*dy (dx = (RE_MAX -
RE_MIN)/(W - 1), dy likewise), each counted by get_iterations and coloured as
the seed colours a pixel; the pixel is their mean in linear light (sRGB decoded,
averaged, encoded, rounded to nearest). "counts" then lists every subsample,
pixel by pixel (row-major pixels, each pixel's l-major, k-minor subsamples).
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


def srgb_to_linear(v):
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(v):
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)


def supersampled(w, h, re_min, re_max, im_min, im_max, c, max_iterations, escape, n):
    dx = (re_max - re_min) / (w - 1)
    dy = (im_max - im_min) / (h - 1)
    counts = []
    values = []
    for b in np.linspace(im_max, im_min, h):
        for a in np.linspace(re_min, re_max, w):
            for l in range(n):
                for k in range(n):
                    x = float(a) + ((k + 0.5) / n - 0.5) * dx
                    y = float(b) + ((l + 0.5) / n - 0.5) * dy
                    count = get_iterations(complex(x, y), c, max_iterations, escape)
                    counts.append(count)
                    values.append(count / max_iterations)
    colors = np.array(plt.cm.viridis(values) * 255, dtype=np.uint8)[:, :3]
    linear = srgb_to_linear(colors.astype(np.float64) / 255).reshape(h * w, n * n, 3).mean(axis=1)
    rgb = np.floor(linear_to_srgb(linear) * 255 + 0.5).astype(np.uint8)
    return counts, rgb


def frame_c(c_from, c_to, frames, frame):
    """The seed's get_plot_nums_c_vals(): enumerate(np.linspace(c_initial.imag, c_imag_max, num_frames))."""
    plot_nums_c_vals = {}
    for plot_num, (c_real, c_imag) in enumerate(
            zip(np.linspace(c_from.real, c_to.real, frames), np.linspace(c_from.imag, c_to.imag, frames))):
        plot_nums_c_vals[plot_num] = complex(c_real, c_imag)
    return plot_nums_c_vals[frame]


def main():
    w, h = int(sys.argv[1]), int(sys.argv[2])
    re_min, re_max, im_min, im_max, from_re, from_im, to_re, to_im = map(float, sys.argv[3:11])
    frames, frame = int(sys.argv[11]), int(sys.argv[12])
    max_iterations, escape = int(sys.argv[13]), float(sys.argv[14])
    n = int(sys.argv[15]) if len(sys.argv) > 15 else 1
    c = frame_c(complex(from_re, from_im), complex(to_re, to_im), frames, frame)
    if n > 1:
        counts, rgb = supersampled(w, h, re_min, re_max, im_min, im_max, c, max_iterations, escape, n)
        print(json.dumps({"c": [c.real, c.imag], "counts": counts, "rgb": base64.b64encode(rgb.tobytes()).decode()}))
        return
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
    print(json.dumps({"c": [c.real, c.imag], "counts": counts, "rgb": base64.b64encode(colors.tobytes()).decode()}))


if __name__ == "__main__":
    main()
