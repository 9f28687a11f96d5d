import { colormapTable } from "./colormaps/index.ts";
import type { Job } from "./spec.ts";

/**
 * The seed's colouring: plt.cm.<map>(n / maxIterations) * 255 as uint8, which is
 * LUT[min(255, floor((n / maxIterations) * 256))]. The division comes first, as
 * in the seed, because n * 256 / max can round differently.
 */
export function bandIndex(count: number, maxIterations: number): number {
  return Math.min(255, Math.floor((count / maxIterations) * 256));
}

/** count -> RGB for every possible count, so colouring a pixel is one lookup. */
export function bandPalette(job: Pick<Job, "colormap" | "maxIterations">): Uint8Array {
  const table = colormapTable(job.colormap);
  const palette = new Uint8Array((job.maxIterations + 1) * 3);
  for (let count = 0; count <= job.maxIterations; count++) {
    const i = bandIndex(count, job.maxIterations) * 3;
    palette[count * 3] = table[i];
    palette[count * 3 + 1] = table[i + 1];
    palette[count * 3 + 2] = table[i + 2];
  }
  return palette;
}

/** Bands: writes RGB for `counts` into `rgb` starting at byte `offset`. */
export function colorBands(counts: Uint32Array, palette: Uint8Array, rgb: Uint8Array, offset = 0): void {
  for (let i = 0, o = offset; i < counts.length; i++, o += 3) {
    const p = counts[i] * 3;
    rgb[o] = palette[p];
    rgb[o + 1] = palette[p + 1];
    rgb[o + 2] = palette[p + 2];
  }
}

/**
 * Smooth (continuous escape time): mu = n + 1 - log2(ln|z|), with |z| at escape,
 * mapped onto the table with linear interpolation. Points that never escape
 * get the table's last colour, as in bands.
 */
export function colorSmooth(
  counts: Uint32Array,
  escapeNorms: Float64Array,
  job: Pick<Job, "colormap" | "maxIterations">,
  rgb: Uint8Array,
  offset = 0,
  table: Uint8Array = colormapTable(job.colormap),
): void {
  for (let i = 0, o = offset; i < counts.length; i++, o += 3) {
    const n = counts[i];
    let t = 1;
    if (n < job.maxIterations && escapeNorms[i] > 1) {
      const mu = n + 1 - Math.log2(0.5 * Math.log(escapeNorms[i]));
      t = Math.min(1, Math.max(0, mu / job.maxIterations));
    }
    const x = t * 255;
    const lo = Math.floor(x);
    const hi = Math.min(255, lo + 1);
    const f = x - lo;
    for (let ch = 0; ch < 3; ch++) {
      rgb[o + ch] = Math.round(table[lo * 3 + ch] * (1 - f) + table[hi * 3 + ch] * f);
    }
  }
}
