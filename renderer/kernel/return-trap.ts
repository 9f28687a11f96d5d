import { BOX_SCALE, boxAround, stepRounding, up, UNIT } from "./ball.ts";

/**
 * A large exact trap around an attracting fixed point a whose multiplier
 * λ = 2a turns by nearly a fraction p/q with |λ| close to 1: q steps bring a
 * disk around a back inside itself, though one step does not.
 *
 * Near the 10/23 bulb (the spiral's last 40 frames) λ²³ ≈ 0.99, and f²³ maps the
 * disk D = { |z - a| ≤ s } into itself for s up to ~0.26 (boxes of half-side
 * 0.18), while the Koenigs trap (koenigs-trap.ts) stops near 0.11 because its
 * series is resonant at degree q + 1. The proof, for the floating-point step the
 * kernels compute:
 *   (A) Exact images. The circle |z - a| = s is covered by arcs, each held in one
 *       ball and pushed through q steps of z² + c in ball arithmetic, which bounds
 *       M_j = max |f^j(z) - a| over the circle for j = 1..q. f^j(a + w) - a is a
 *       polynomial in w, so by the maximum modulus principle M_j bounds it on
 *       all of D, not only on the circle.
 *   (B) Rounding. A floating-point orbit from a point of D stays within E_j of
 *       the exact one: E_{j+1} = E_j(2(|a| + M_j) + E_j) + rounding(|a| + M_j + E_j).
 *   (C) |a| + M_j + E_j stays below the escape radius for j < q, and
 *       M_q + E_q ≤ s: after q steps every orbit from D is back in D. By
 *       induction an orbit that enters D never escapes.
 *   (D) The kernel's box, of half-side 0.7 s around a, lies in D.
 * An orbit that lands in the box therefore never escapes: its count is exactly
 * maxIterations, as for the other traps.
 */

export interface ReturnTrap {
  /** q: the steps after which D is proved to be mapped into itself. */
  steps: number;
  /** The disk's radius s. */
  radius: number;
  /** Half-side of the box around a, BOX_SCALE · s. */
  half: number;
  box: [xLow: number, xHigh: number, yLow: number, yHigh: number];
}

/** The circle is covered by ARCS balls at first, each split in two up to SPLITS times where its bound is too loose. */
const ARCS = 64;
const SPLITS = 4;
const MAX_STEPS = 64;
const LARGEST = 0.4;
/** Radii tried: LARGEST · SHRINK^k; a plain-float estimate picks the first to prove, then up to PROOFS smaller ones. */
const SHRINK = 0.95;
const PROOFS = 3;
/** Of the circle's radius, the estimate must come back within this share, so that the proof's balls fit. */
const ESTIMATE_MARGIN = 0.996;

/**
 * The largest trap of this kind whose box has a half-side above `atLeast`, or null.
 * `limit` is the escape limit R².
 */
export function returnTrap(ax: number, ay: number, cRe: number, cIm: number, limit: number, atLeast = 0): ReturnTrap | null {
  const lambdaSize = 2 * Math.hypot(ax, ay);
  if (!(lambdaSize < 1)) return null;
  const radiusAt = (k: number) => LARGEST * SHRINK ** k;
  let sizes = 0; // radii LARGEST · SHRINK^k for k < sizes give boxes larger than atLeast
  while (BOX_SCALE * radiusAt(sizes) > atLeast && sizes < 64) sizes++;
  for (const steps of returnSteps(Math.atan2(ay, ax) / (2 * Math.PI))) {
    const fits = (k: number) => estimateRatio(ax, ay, cRe, cIm, limit, steps, radiusAt(k)) <= ESTIMATE_MARGIN;
    if (sizes === 0 || !fits(sizes - 1)) continue;
    // the largest radius the estimate accepts: the ratio grows with the radius, so bisect (~5 estimates, not ~20);
    // fits(high) holds, and fits(low) fails unless low is -1
    let low = -1,
      high = sizes - 1;
    while (high - low > 1) {
      const mid = (low + high) >> 1;
      if (fits(mid)) high = mid;
      else low = mid;
    }
    for (let k = high; k < Math.min(sizes, high + PROOFS); k++) {
      const s = radiusAt(k);
      if (!proveReturn(ax, ay, cRe, cIm, limit, steps, s)) continue;
      const half = BOX_SCALE * s;
      const { box, reach } = boxAround(ax, ay, half);
      if (reach <= s) return { steps, radius: s, half, box }; // (D)
    }
  }
  return null;
}

/**
 * Candidate q for a rotation of `turns` (λ's argument / 2π): the denominators of
 * its two last continued-fraction convergents up to MAX_STEPS, largest first.
 * Those are the q for which λ^q turns least, so f^q is closest to a contraction.
 */
export function returnSteps(turns: number): number[] {
  let x = turns - Math.floor(turns);
  const denominators: number[] = [];
  let [q0, q1] = [0, 1];
  for (let k = 0; k < 16 && x > 1e-12; k++) {
    const inverse = 1 / x;
    const a = Math.floor(inverse);
    [q0, q1] = [q1, a * q1 + q0];
    if (q1 > MAX_STEPS) break;
    if (q1 >= 2) denominators.push(q1);
    x = inverse - a;
  }
  return denominators.slice(-2).reverse();
}

/** max |f^q(z) - a| / s over 64 points of the circle, in plain floating point: where to try the proof, not a bound. */
function estimateRatio(ax: number, ay: number, cRe: number, cIm: number, limit: number, steps: number, s: number): number {
  let worst = 0;
  for (let k = 0; k < 64; k++) {
    let x = ax + s * Math.cos((k * Math.PI) / 32),
      y = ay + s * Math.sin((k * Math.PI) / 32);
    for (let j = 0; j < steps; j++) {
      const xx = x * x,
        yy = y * y;
      if (!(xx + yy <= limit)) return Infinity;
      y = (x + x) * y + cIm;
      x = xx - yy + cRe;
    }
    worst = Math.max(worst, Math.hypot(x - ax, y - ay));
  }
  return worst / s;
}

/** (A)-(C) for the disk of radius s: true when proved. */
function proveReturn(ax: number, ay: number, cRe: number, cIm: number, limit: number, steps: number, s: number): boolean {
  const cSize = up(Math.abs(cRe) + Math.abs(cIm));
  const aSize = up(Math.hypot(ax, ay));
  const deviation = new Float64Array(steps + 1); // M_j
  deviation[0] = s;
  const images = new Float64Array(steps + 1); // one arc's bounds, kept only when the arc passes
  /**
   * The arc of the circle from angle `from`, `width` wide, as one ball: its
   * points lie within s·width/2 of the centre; the centre's own rounding (the
   * angle, cos and sin, the sum) is far below the margin. An arc whose ball grows
   * too much is split in two, down to a 1/2^SPLITS share of its first width.
   */
  const proveArc = (from: number, width: number, splits: number): boolean => {
    const angle = from + width / 2;
    let x = ax + s * Math.cos(angle),
      y = ay + s * Math.sin(angle);
    let r = up(up((s * width) / 2) * (1 + 1e-9) + up(16 * UNIT * up(aSize + s)));
    let passed = true;
    for (let j = 1; j <= steps && passed; j++) {
      // The ball (x, y, r) holds f^(j-1) of every point of the arc; z² + c of it lies within r(2|z| + r)
      // of the exact image of the centre, which is within stepRounding(|z|) of the computed one.
      // Each bound below is a few operations on non-negative numbers: one up() covers their roundings.
      const size = up(Math.sqrt(x * x + y * y));
      const reach = size + r;
      if (!(reach * reach * (1 + 1e-9) <= limit)) passed = false;
      r = up(r * (2 * size + r) + 6 * UNIT * (size * size + cSize));
      const xx = x * x,
        yy = y * y;
      y = (x + x) * y + cIm;
      x = xx - yy + cRe;
      const image = up(up(Math.sqrt((x - ax) * (x - ax) + (y - ay) * (y - ay))) + r);
      images[j] = image;
      if (!(image < 1)) passed = false;
    }
    if (passed && images[steps] < s) {
      for (let j = 1; j <= steps; j++) if (images[j] > deviation[j]) deviation[j] = images[j];
      return true;
    }
    return splits > 0 && proveArc(from, width / 2, splits - 1) && proveArc(from + width / 2, width / 2, splits - 1);
  };
  for (let arc = 0; arc < ARCS; arc++) if (!proveArc((2 * Math.PI * arc) / ARCS, (2 * Math.PI) / ARCS, SPLITS)) return false;
  // (B) and (C)
  let drift = 0;
  for (let j = 0; j < steps; j++) {
    const size = up(aSize + deviation[j]);
    const reach = up(size + drift);
    if (!(up(reach * reach) * (1 + 1e-9) <= limit)) return false;
    drift = up(up(drift * up(2 * size + drift)) + stepRounding(reach, cSize));
  }
  return up(deviation[steps] + drift) <= s;
}
