#!/usr/bin/env python3
"""Generate renderer/colormaps/luts.json from Debian's python3-matplotlib.

Each table is what the seed's `plt.cm.<name>(x) * 255` cast to uint8 gives for
the 256 bins: matplotlib's float table x 255, truncated. Colormaps with more
than 256 entries (twilight has 510) are resampled to 256 by matplotlib first.

Run: /usr/bin/python3 scripts/gen-colormaps.py   (apt-get install python3-matplotlib)
"""
import json
import pathlib
import sys

import matplotlib
import numpy as np

NAMES = ["viridis", "magma", "inferno", "plasma", "cividis", "twilight", "turbo", "gray"]

def lut(name):
    cmap = matplotlib.colormaps[name]
    if cmap.N != 256:
        cmap = cmap.resampled(256)
    rgba = cmap(np.arange(256)) * 255  # integer input indexes the table directly
    return np.array(rgba, dtype=np.uint8)[:, :3].tolist()

def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    tables = {name: lut(name) for name in NAMES}
    fixture = root / "renderer" / "colormaps" / "fixtures" / "seed-viridis-u8.json"
    if json.loads(fixture.read_text()) != tables["viridis"]:
        sys.exit(f"viridis differs from the seed's table in {fixture}: matplotlib changed?")
    out = root / "renderer" / "colormaps" / "luts.json"
    out.write_text("{\n" + ",\n".join(f'  "{n}": {json.dumps(t, separators=(",", ":"))}' for n, t in tables.items()) + "\n}\n")
    print(f"wrote {out} ({', '.join(NAMES)}), matplotlib {matplotlib.__version__}")

if __name__ == "__main__":
    main()
