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

/** The palette as little-endian words (r | g << 8 | b << 16), for colorBandsWide. */
export function widePalette(palette: Uint8Array): Uint32Array {
  const wide = new Uint32Array(palette.length / 3);
  for (let i = 0; i < wide.length; i++) wide[i] = palette[i * 3] | (palette[i * 3 + 1] << 8) | (palette[i * 3 + 2] << 16);
  return wide;
}

/**
 * colorBands, four pixels (12 bytes) per three 32-bit stores, for long runs
 * of pixels; the same bytes as colorBands. Needs a little-endian machine and
 * a 4-byte aligned `offset` in `rgb`'s buffer; otherwise it falls back.
 */
export function colorBandsWide(counts: Uint32Array, palette: Uint8Array, wide: Uint32Array, rgb: Uint8Array, offset = 0): void {
  const start = rgb.byteOffset + offset;
  if (!LITTLE_ENDIAN || start % 4 !== 0) {
    colorBands(counts, palette, rgb, offset);
    return;
  }
  const quads = counts.length >> 2;
  const words = new Uint32Array(rgb.buffer, start, quads * 3);
  for (let q = 0, i = 0, w = 0; q < quads; q++, i += 4, w += 3) {
    const p0 = wide[counts[i]],
      p1 = wide[counts[i + 1]],
      p2 = wide[counts[i + 2]],
      p3 = wide[counts[i + 3]];
    words[w] = p0 | (p1 << 24);
    words[w + 1] = (p1 >>> 8) | (p2 << 16);
    words[w + 2] = (p2 >>> 16) | (p3 << 8);
  }
  colorBands(counts.subarray(quads * 4), palette, rgb, offset + quads * 12);
}

export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/**
 * yuv420p tables for the bands palette, so frames can go to x264 in its own
 * format (ffmpeg then converts nothing, and the pipe carries half the bytes):
 * `y[count]` is the pixel's luma and `uv[count]` its chroma ×4 (U | V << 16),
 * so four pixels' tables add up without carries and give a 2×2 block's mean.
 * BT.601 with limited range, as ffmpeg's own rgb24 → yuv420p conversion.
 */
export function yuvPalette(palette: Uint8Array): { y: Uint8Array; uv: Uint32Array } {
  const count = palette.length / 3;
  const y = new Uint8Array(count);
  const uv = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const r = palette[i * 3],
      g = palette[i * 3 + 1],
      b = palette[i * 3 + 2];
    y[i] = Math.round(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255);
    const u = 128 + (-37.797 * r - 74.203 * g + 112 * b) / 255;
    const v = 128 + (112 * r - 93.786 * g - 18.214 * b) / 255;
    uv[i] = Math.round(u * 4) | (Math.round(v * 4) << 16);
  }
  return { y, uv };
}

/**
 * One pair of rows into yuv420p planes: luma for both rows, and one row of
 * chroma, each value the rounded mean of its 2×2 block. `width` pixels come in
 * (rows `top` and `bottom` of `counts`, from `from`); `stride` (even, ≥ width)
 * go out, a padding column repeating the last pixel. Luma is written two bytes
 * at a time through `luma16`, a 16-bit view of the planes (little-endian only;
 * the caller falls back to a byte view otherwise).
 */
export function colorYuvRowPair(
  counts: Uint32Array,
  top: number,
  bottom: number,
  table: { y: Uint8Array; uv: Uint32Array },
  width: number,
  planes: Uint8Array,
  luma16: Uint16Array,
  yOffset: number,
  stride: number,
  uOffset: number,
  vOffset: number,
): void {
  const { y, uv } = table;
  const pairs = width >> 1;
  const below = yOffset + stride;
  for (let i = 0, c = 0; i < pairs; i++, c += 2) {
    const a = counts[top + c],
      b = counts[top + c + 1],
      d = counts[bottom + c],
      e = counts[bottom + c + 1];
    luma16[(yOffset + c) >> 1] = y[a] | (y[b] << 8);
    luma16[(below + c) >> 1] = y[d] | (y[e] << 8);
    const sum = uv[a] + uv[b] + uv[d] + uv[e];
    planes[uOffset + i] = ((sum & 0xffff) + 8) >> 4;
    planes[vOffset + i] = ((sum >>> 16) + 8) >> 4;
  }
  if (width & 1) {
    // the last pixel and its padding copy
    const c = width - 1;
    const a = counts[top + c],
      d = counts[bottom + c];
    luma16[(yOffset + c) >> 1] = y[a] | (y[a] << 8);
    luma16[(below + c) >> 1] = y[d] | (y[d] << 8);
    const sum = 2 * (uv[a] + uv[d]);
    planes[uOffset + pairs] = ((sum & 0xffff) + 8) >> 4;
    planes[vOffset + pairs] = ((sum >>> 16) + 8) >> 4;
  }
}
