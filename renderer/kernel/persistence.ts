import { escapeTest } from "./seed-escape.ts";
import type { Tile } from "./types.ts";

/**
 * Whether the WASM kernel may test escape once per block of `unroll` steps
 * instead of at every step. That is exact when a pixel that has escaped stays
 * escaped, with finite values, for the rest of its block: the block's last
 * norm then shows any escape inside the block, and the kernel replays that
 * block step by step to find which step it was.
 *
 * Persistence. Let N = fl(fl(x²) + fl(y²)) > L (the kernel's limit, just below R²), u = 2^-53. Then
 * |z|² ≥ N/(1+u)² > L(1 - 2u). One step (x' = (x² - y²) + cRe, y' = (x+x)y + cIm,
 * five roundings) is within u(5.0002|z|² + |cRe| + |cIm|) of z² + c, so
 *   |z'| ≥ |z|²(1 - 5.0002u) - (|cRe| + |cIm|)(1 + u) > L(1 - 7.001u) - cSum(1 + u),
 * and N' ≥ |z'|²(1 - u)² > L as soon as L(1 - 7.001u) - cSum(1 + u) ≥ √L(1 + 2u).
 * We check that with margins of 1e-12, which also cover this check's own
 * roundings (< 4u relative). For R = 2 it needs |cRe| + |cIm| < 2.
 *
 * Finite values. The first escaped z is either z0 (|z0| ≤ |p|² + cSum) or the
 * step after a z with N ≤ L (|z| ≤ L + cSum, with rounding); the block then
 * computes at most unroll - 1 more norms. Bounding |z| along that chain by
 * M' = M²(1 + 1e-12) + cSum + 1 and requiring M ≤ 1e150 keeps every x², y²
 * and their sum finite (≤ 2e300), so no NaN can hide an escape.
 */
export function escapePersists(tile: Tile, unroll: number): boolean {
  // the kernel's limit (seed-escape.ts): a few ulps below R²
  const { limit } = escapeTest(tile.escapeRadius);
  if (!(limit > 0 && limit < Infinity)) return false;
  const cSum = Math.abs(tile.cRe) + Math.abs(tile.cIm);
  const margin = 1e-12;

  const grows = limit * (1 - margin) - cSum * (1 + margin) - Math.sqrt(limit) * (1 + margin) > 0;
  if (!grows) return false;

  let size = Math.max(largestSquare(tile), limit) * (1 + margin) + cSum + 1;
  for (let step = 1; step < unroll; step++) size = size * size * (1 + margin) + cSum + 1;
  return size <= 1e150;
}

/** An upper bound of |p|² over the tile's pixels. */
function largestSquare(tile: Tile): number {
  let re = 0;
  for (const value of tile.re) re = Math.max(re, value * value);
  let im = 0;
  for (let row = tile.rowStart; row < tile.rowEnd; row++) im = Math.max(im, tile.im[row] * tile.im[row]);
  return (re + im) * (1 + 1e-12);
}
