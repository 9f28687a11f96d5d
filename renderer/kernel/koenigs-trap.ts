import { addProduct, balls, boxAround, down, maxModulus, stepRounding, UNIT, up, type Balls } from "./ball.ts";

/**
 * A large exact trap around an attracting fixed point a whose multiplier
 * λ = 2a is close to 1 in modulus. There trap.ts's disks only close when they
 * are ~(1 - |λ|) wide, and orbits reach them after maxIterations.
 *
 * Koenigs: with w = z - a the step is w ↦ λw + w² (+ rounding), and some power
 * series φ(w) = w + b₂w² + … turns it into u ↦ λu. We take φ to degree K and
 * prove, for the polynomial we have (its coefficients need not be exact), that
 *   T = { w : |w| ≤ s1, |φ(w)| ≤ ρ }
 * is never left by the floating-point step and holds no escaping z:
 *   (A) |φ| > ρ on the annulus s0 ≤ |w| ≤ s1, so T lies inside |w| < s0;
 *   (B) for |w| ≤ s0 the step lands at w' = λw + w² + ξ, |ξ| ≤ Δ (rounding, and
 *       a being only nearly fixed), so |w'| ≤ |λ|s0 + s0² + Δ ≤ s1, and
 *       |φ(w')| ≤ |λ||φ(w)| + |P(w)| + Δ·max|φ'| ≤ ρ, where
 *       P(w) = φ(λw + w²) - λφ(w) has only tiny coefficients below degree K+1;
 *   (C) |a| + s0 < R, so no z in T escapes;
 *   (D) the kernel's box around a lies in T (|φ| ≤ ρ on it; by the maximum
 *       modulus principle checking its edges is enough).
 * P's coefficients are computed in ball arithmetic (ball.ts); |φ| on the
 * annulus and the box edges is bounded cell by cell with φ' and a bound of φ''.
 * An orbit that lands in the box therefore never escapes: its count is
 * exactly maxIterations, as for the disk traps.
 */

/** Degree of φ: enough for P(s0) to fall below (1 - |λ|)ρ at s0 ≈ 0.2 (measured on the spiral's c). */
const DEGREE = 24;
const S0_CANDIDATES = [0.3, 0.26, 0.23, 0.22, 0.21, 0.2, 0.19, 0.18, 0.17, 0.14, 0.11, 0.08, 0.05];
const RADIAL_CELLS = 4;

export interface KoenigsTrap {
  /** Half-side of the proven box around a. */
  half: number;
  box: [xLow: number, xHigh: number, yLow: number, yHigh: number];
}

export function koenigsTrap(ax: number, ay: number, cRe: number, cIm: number, limit: number): KoenigsTrap | null {
  const lambdaRe = 2 * ax,
    lambdaIm = 2 * ay; // exact
  const lambdaSize = up(Math.hypot(lambdaRe, lambdaIm));
  if (!(lambdaSize < 1 - 1e-9)) return null;
  const aSize = up(Math.hypot(ax, ay));
  const cSize = up(Math.abs(cRe) + Math.abs(cIm));
  const series = koenigsSeries(lambdaRe, lambdaIm, DEGREE);
  const residual = residualOf(series, lambdaRe, lambdaIm);
  const notFixed = fixedPointDefect(ax, ay, cRe, cIm);

  for (const s0 of S0_CANDIDATES) {
    const reach = up(aSize + s0);
    if (!(up(reach * reach) * (1 + 1e-9) <= limit)) continue; // (C)
    const delta = up(stepRounding(reach, cSize) + notFixed);
    const image = up(up(lambdaSize * s0) + up(s0 * s0)); // |λw + w²| for |w| ≤ s0
    const s1 = up(image + delta);
    const residualBound = series.polyBound(residual, s0);
    const drift = up(delta * series.derivativeBound(up(image + delta)));
    // (B) needs (1 - |λ|)ρ ≥ P(s0) + drift, and ρ is below |φ| anywhere on |w| = s0: skip hopeless sizes
    // before the costly scan of the annulus (this only skips; the proof below decides)
    if (!((1 - lambdaSize) * series.sampledMin(s0) > residualBound + drift)) continue;
    const rho = down(series.minOnAnnulus(s0, s1)); // (A)
    if (!(rho > 0)) continue;
    if (!(up(up(lambdaSize * rho) + up(residualBound + drift)) <= rho)) continue; // (B)
    // (D): the largest box that passes, from 0.7ρ (inside |w| ≤ ρ/|φ'|) down
    for (let half = 0.7 * Math.min(rho, s0); half > 1e-6; half *= 0.9) {
      const { box, reachX, reachY, reach } = boxAround(ax, ay, half);
      if (reach < s0 && series.maxOnBoxEdges(reachX, reachY) <= rho) return { half, box };
    }
  }
  return null;
}

/** |a² + c - a| rounded up: how far the computed a is from being fixed. */
function fixedPointDefect(ax: number, ay: number, cRe: number, cIm: number): number {
  const re = ax * ax - ay * ay + cRe - ax;
  const im = 2 * ax * ay + cIm - ay;
  const scale = up(up(up(ax * ax) + up(ay * ay)) + up(up(Math.abs(cRe) + Math.abs(cIm)) + up(Math.abs(ax) + Math.abs(ay))));
  return up(up(Math.abs(re) + Math.abs(im)) + up(16 * UNIT * scale));
}

interface Series {
  coefficients: Balls;
  /** Bound of Σ |P_n| s^n for a ball polynomial. */
  polyBound(poly: Balls, s: number): number;
  /** Bound of |φ'| on |w| ≤ s. */
  derivativeBound(s: number): number;
  minOnAnnulus(s0: number, s1: number): number;
  /** min |φ| over 16 points of the circle |w| = s, as computed: an estimate, not a bound. */
  sampledMin(s: number): number;
  maxOnBoxEdges(halfX: number, halfY: number): number;
}

/**
 * b_n(λ^n - λ) = -Σ_{j<n} b_j C(j, n-j) λ^{2j-n}, from φ(λw + w²) = λφ(w).
 * Plain floating point: the proof checks the polynomial that comes out.
 */
function koenigsSeries(lambdaRe: number, lambdaIm: number, degree: number): Series {
  const powRe = [1],
    powIm = [0];
  for (let k = 1; k <= 2 * degree; k++) {
    powRe.push(powRe[k - 1] * lambdaRe - powIm[k - 1] * lambdaIm);
    powIm.push(powRe[k - 1] * lambdaIm + powIm[k - 1] * lambdaRe);
  }
  const bRe = new Float64Array(degree + 1),
    bIm = new Float64Array(degree + 1);
  bRe[1] = 1;
  for (let n = 2; n <= degree; n++) {
    let sRe = 0,
      sIm = 0;
    for (let j = Math.ceil(n / 2); j < n; j++) {
      const k = binomial(j, n - j);
      const pRe = powRe[2 * j - n],
        pIm = powIm[2 * j - n];
      sRe += k * (bRe[j] * pRe - bIm[j] * pIm);
      sIm += k * (bRe[j] * pIm + bIm[j] * pRe);
    }
    const dRe = powRe[n] - lambdaRe,
      dIm = powIm[n] - lambdaIm;
    const d = dRe * dRe + dIm * dIm;
    bRe[n] = -(sRe * dRe + sIm * dIm) / d;
    bIm[n] = -(sIm * dRe - sRe * dIm) / d;
  }
  const coefficients = balls(degree + 1);
  const sizes = new Float64Array(degree + 1); // |b_j|₁, rounded up
  for (let j = 1; j <= degree; j++) {
    coefficients.set([bRe[j], bIm[j], 0], 3 * j);
    sizes[j] = up(Math.abs(bRe[j]) + Math.abs(bIm[j]));
  }

  // Σ_j weight(j) |b_j| s^(j - shift), rounded up
  const magnitudeSum = (s: number, weight: (j: number) => number, shift: number) => {
    let total = 0;
    for (let j = Math.max(1, shift); j <= degree; j++) total = up(total + up(weight(j) * up(sizes[j] * up(s ** (j - shift)))));
    return up(total);
  };
  const derivativeBound = (s: number) => magnitudeSum(s, (j) => j, 1);
  const secondDerivativeBound = (s: number) => magnitudeSum(s, (j) => j * (j - 1), 2);
  // Horner in floating point: |φ(w)| and |φ'(w)| as computed; errorsWithin() bounds their errors
  const evaluate = (x: number, y: number) => {
    let vRe = 0,
      vIm = 0,
      dRe = 0,
      dIm = 0;
    for (let j = degree; j >= 1; j--) {
      const nd = dRe * x - dIm * y + vRe,
        ndIm = dRe * y + dIm * x + vIm; // φ' accumulates φ's partial values
      dRe = nd;
      dIm = ndIm;
      const nv = vRe * x - vIm * y + bRe[j],
        nvIm = vRe * y + vIm * x + bIm[j];
      vRe = nv;
      vIm = nvIm;
    }
    // φ(w) = w · v; φ'(w) = v + w · d
    const pRe = vRe * x - vIm * y,
      pIm = vRe * y + vIm * x;
    const qRe = vRe + (dRe * x - dIm * y),
      qIm = vIm + (dRe * y + dIm * x);
    return { value: Math.hypot(pRe, pIm), slope: Math.hypot(qRe, qIm) };
  };
  /**
   * For points with |w|₁ ≤ w1 and cells of radius d: the Horner errors (below
   * 16(K+2)·2^-53 Σ j^k|b_j||w|₁^j: five roundings a step, K steps) and the bound
   * of φ'' that turns |φ| at a cell's centre into a bound over the cell:
   * |φ| ∈ value ± (valueError + (slope + slopeError)·d + φ''·d²/2).
   * φ'' is bounded on the disk |w| ≤ reach, which must hold every cell: then it
   * holds the segment from a cell's centre to any of its points (a disk is convex).
   */
  const errorsWithin = (w1: number, d: number, reach: number) => {
    const slack = up(16 * (degree + 2) * UNIT);
    return {
      value: up(slack * magnitudeSum(w1, () => 1, 0)),
      slope: up(slack * magnitudeSum(w1, (j) => j * j, 1)),
      curvature: up((secondDerivativeBound(reach) * up(d * d)) / 2),
    };
  };

  return {
    coefficients,
    derivativeBound,
    polyBound(poly, s) {
      let total = 0;
      let power = 1;
      for (let n = 0; n < poly.length / 3; n++) {
        total = up(total + up(maxModulus(poly, n) * power));
        power = up(power * s);
      }
      return total;
    },
    sampledMin(s) {
      let low = Infinity;
      for (let k = 0; k < 16; k++) low = Math.min(low, evaluate(s * Math.cos((k * Math.PI) / 8), s * Math.sin((k * Math.PI) / 8)).value);
      return low;
    },
    minOnAnnulus(s0, s1) {
      const thickness = (s1 - s0) / RADIAL_CELLS;
      const angular = Math.max(16, Math.ceil((2 * Math.PI * s1) / Math.max(thickness, s0 / 24)));
      const angle = (2 * Math.PI) / angular;
      // distance from a cell's computed centre to any of its points: radial half, arc half, rounding
      const d = up(up((thickness / 2) * (1 + 1e-9)) + up(up((s1 * angle) / 2) + 1e-15));
      // cells lie in the annulus, so within |w| ≤ s1 (the 1e-9 covers the rounding of r, cos and sin)
      const errors = errorsWithin(up(Math.SQRT2 * s1 * (1 + 1e-9)), d, up(s1 * (1 + 1e-9)));
      let low = Infinity;
      for (let i = 0; i < RADIAL_CELLS; i++) {
        const r = s0 + (i + 0.5) * thickness;
        for (let k = 0; k < angular; k++) {
          const at = evaluate(r * Math.cos((k + 0.5) * angle), r * Math.sin((k + 0.5) * angle));
          low = Math.min(low, at.value - up(at.slope + errors.slope) * d);
        }
      }
      return down(down(low - errors.value) - errors.curvature);
    },
    maxOnBoxEdges(halfX, halfY) {
      const pieces = 24;
      const d = up((Math.max(halfX, halfY) / pieces) * (1 + 1e-9) + 1e-15); // each edge in pieces of length 2·max/pieces at most
      const errors = errorsWithin(up(halfX + halfY), d, up(up(Math.hypot(halfX, halfY)) + d));
      let high = 0;
      for (const [fromX, fromY, toX, toY] of [
        [-halfX, -halfY, halfX, -halfY],
        [halfX, -halfY, halfX, halfY],
        [halfX, halfY, -halfX, halfY],
        [-halfX, halfY, -halfX, -halfY],
      ]) {
        for (let k = 0; k < pieces; k++) {
          const t = (k + 0.5) / pieces;
          const at = evaluate(fromX + (toX - fromX) * t, fromY + (toY - fromY) * t);
          high = Math.max(high, at.value + up(at.slope + errors.slope) * d);
        }
      }
      return up(up(up(high) + errors.value) + errors.curvature);
    },
  };
}

/** P = φ(λw + w²) - λφ(w), coefficients as balls (degree ≤ 2K). */
function residualOf(series: Series, lambdaRe: number, lambdaIm: number): Balls {
  const degree = series.coefficients.length / 3 - 1;
  const lambda = balls(1);
  lambda.set([lambdaRe, lambdaIm, 0]);
  const one = balls(1);
  one.set([1, 0, 0]);
  const result = balls(2 * degree + 1);
  let power = balls(3); // (λw + w²)^1
  power.set([0, 0, 0, lambdaRe, lambdaIm, 0, 1, 0, 0]);
  for (let j = 1; j <= degree; j++) {
    if (j > 1) {
      // power · (λw + w²): coefficient n gets λ·power[n-1] + power[n-2]
      const next = balls(2 * j + 1);
      for (let n = j; n <= 2 * j; n++) {
        if (n - 1 <= 2 * (j - 1) && n - 1 >= j - 1) addProduct(next, n, lambda, 0, power, n - 1);
        if (n - 2 >= j - 1 && n - 2 <= 2 * (j - 1)) addProduct(next, n, one, 0, power, n - 2);
      }
      power = next;
    }
    for (let n = j; n <= 2 * j; n++) addProduct(result, n, series.coefficients, j, power, n);
  }
  const minusLambda = balls(1);
  minusLambda.set([-lambdaRe, -lambdaIm, 0]);
  for (let j = 1; j <= degree; j++) addProduct(result, j, minusLambda, 0, series.coefficients, j);
  return result;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}
