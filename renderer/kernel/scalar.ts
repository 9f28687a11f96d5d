import { type EscapeTest, escapeTest, seedEscaped } from "./seed-escape.ts";
import type { Tile } from "./types.ts";

/**
 * The reference kernel: the seed's get_iterations(), one pixel at a time.
 *
 *   z = p*p + c; n = 0
 *   while n < max: if abs(z) > R: return n; z = z*z + c; n += 1
 *
 * z*z is (x*x - y*y, (x+x)*y): Python's complex product gives x*y + y*x, which
 * is the same double (doubling is exact) unless x*y underflows below 2^-1022,
 * where 2·fl(x*y) and fl(2x*y) may differ in a subnormal's last bit. Adding a
 * cIm of size above 2^-968 rounds that difference away; only a c on the real
 * axis (cIm = 0) could carry it, and then only as a ~1e-13 relative change in
 * a subnormal y (bench/README.md measured `t + t` at +1 % kernel time, not
 * taken). JS never fuses multiply-adds, so every step rounds as the seed's
 * does. abs(z) > R is decided as the seed's hypot decides it (seed-escape.ts):
 * |z|² against R² settles all but a band a few ulps wide.
 * Every faster kernel must match this one pixel for pixel.
 *
 * With `escapeNorms`, also stores |z|^2 at escape (0 for points that never
 * escape), which smooth colouring needs.
 */
export function escapeCountsScalar(tile: Tile, counts: Uint32Array, escapeNorms?: Float64Array): number {
  const { re, im, rowStart, rowEnd, cRe, cIm, maxIterations } = tile;
  const test = escapeTest(tile.escapeRadius);
  const width = re.length;
  let work = 0;
  let out = 0;
  for (let row = rowStart; row < rowEnd; row++) {
    const py = im[row];
    for (let col = 0; col < width; col++, out++) {
      const n = iterate(re[col], py, cRe, cIm, maxIterations, test);
      counts[out] = n;
      if (escapeNorms) escapeNorms[out] = n < maxIterations ? lastNorm : 0;
      work += n + 1;
    }
  }
  return work;
}

/** One pixel's count, as escapeCountsScalar gives it (the WASM kernel's host recounts flagged pixels with it). */
export function seedCount(px: number, py: number, tile: Tile): number {
  return iterate(px, py, tile.cRe, tile.cIm, tile.maxIterations, escapeTest(tile.escapeRadius));
}

/** |z|² at the last check of the last iterate() call: smooth colouring's escape norm. */
let lastNorm = 0;

function iterate(px: number, py: number, cRe: number, cIm: number, maxIterations: number, test: EscapeTest): number {
  let x = px * px - py * py + cRe;
  let y = (px + px) * py + cIm;
  let n = 0;
  let norm = x * x + y * y;
  while (n < maxIterations && !seedEscaped(x, y, norm, test)) {
    const nextX = x * x - y * y + cRe;
    y = (x + x) * y + cIm;
    x = nextX;
    n++;
    norm = x * x + y * y;
  }
  lastNorm = norm;
  return n;
}
