/**
 * Rigorous bounds for the trap proofs: outward rounding, and complex "balls"
 * (a floating-point centre plus a radius that covers every rounding error).
 *
 * Every floating-point operation on non-negative numbers has a relative error
 * below 2^-53, so inflating each result by 1e-12 (and 1e-300 for underflow)
 * gives an upper bound. A ball (re, im, r) stands for every complex number
 * within r of re + i·im; the operations below return a ball that holds every
 * exact result of the operation on members of their arguments.
 */

export const UNIT = 2 ** -53;

/** An upper bound of a non-negative result computed in floating point. */
export const up = (value: number): number => value * (1 + 1e-12) + 1e-300;
/** A lower bound of a non-negative result computed in floating point. */
export const down = (value: number): number => value * (1 - 1e-12) - 1e-300;

/**
 * Bound of |fl(step(z)) - (z² + c)| for the kernels' step (x' = (x*x - y*y) + cRe,
 * y' = (x+x)*y + cIm) when |z| ≤ size: five roundings, each below 2^-53 of a term
 * of size |z|² + |cRe| + |cIm|; 6·2^-53 covers them.
 */
export function stepRounding(size: number, cSize: number): number {
  return up(6 * UNIT * up(up(size * size) + cSize));
}

/** Balls live in Float64Arrays, three numbers each: re, im, radius. */
export type Balls = Float64Array;

export function balls(count: number): Balls {
  return new Float64Array(3 * count);
}

/** |re| + |im|, rounded up: a bound of the modulus. */
function size(re: number, im: number): number {
  return up(Math.abs(re) + Math.abs(im));
}

/**
 * target[t] += a[i] · b[j], with the error of the product and of the sum added
 * to target[t]'s radius. The product's rounding is at most 3·2^-53 (|a|₁|b|₁)
 * over both parts, the sum's at most 2·2^-53 |sum|₁.
 */
export function addProduct(target: Balls, t: number, a: Balls, i: number, b: Balls, j: number): void {
  const ar = a[3 * i],
    ai = a[3 * i + 1],
    aRadius = a[3 * i + 2];
  const br = b[3 * j],
    bi = b[3 * j + 1],
    bRadius = b[3 * j + 2];
  const pr = ar * br - ai * bi;
  const pi = ar * bi + ai * br;
  const aSize = size(ar, ai),
    bSize = size(br, bi);
  const productRadius = up(up(up(aSize * bRadius) + up(bSize * aRadius)) + up(up(aRadius * bRadius) + up(3 * UNIT * up(aSize * bSize))));
  const sr = target[3 * t] + pr,
    si = target[3 * t + 1] + pi;
  target[3 * t] = sr;
  target[3 * t + 1] = si;
  target[3 * t + 2] = up(up(target[3 * t + 2] + productRadius) + up(2 * UNIT * size(sr, si)));
}

/** An upper bound of |ball| over all its members. */
export function maxModulus(b: Balls, i: number): number {
  return up(up(Math.hypot(b[3 * i], b[3 * i + 1])) + b[3 * i + 2]);
}

/** A lower bound of |ball| over all its members (possibly negative, meaning 0). */
export function minModulus(b: Balls, i: number): number {
  return down(down(Math.hypot(b[3 * i], b[3 * i + 1])) - b[3 * i + 2]);
}

/** < 1/√2: the square of half-side BOX_SCALE · r fits in the disk of radius r (the traps' boxes in their disks). */
export const BOX_SCALE = 0.7;

/**
 * The square of half-side `half` around (ax, ay), with bounds rounded to
 * doubles, and bounds of how far its points lie from (ax, ay) along x, along y
 * and in all: the rounding of each bound is below 2^-53 of |a| + half.
 */
export function boxAround(
  ax: number,
  ay: number,
  half: number,
): { box: [xLow: number, xHigh: number, yLow: number, yHigh: number]; reachX: number; reachY: number; reach: number } {
  const box: [number, number, number, number] = [ax - half, ax + half, ay - half, ay + half];
  const reachX = up(Math.max(ax - box[0], box[1] - ax) + up(UNIT * up(Math.abs(ax) + half)));
  const reachY = up(Math.max(ay - box[2], box[3] - ay) + up(UNIT * up(Math.abs(ay) + half)));
  return { box, reachX, reachY, reach: up(Math.hypot(reachX, reachY)) };
}
