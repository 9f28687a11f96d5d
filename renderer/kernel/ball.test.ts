import { describe, expect, it } from "vitest";
import { addProduct, balls, maxModulus, minModulus } from "./ball.ts";

// Exact arithmetic on doubles via BigInt rationals: every double is m·2^e.
const SCALE = 1100n; // 2^1100 covers the exponents used here
function exact(value: number): bigint {
  if (!Number.isFinite(value)) throw new Error("finite only");
  const [mantissa, exponent] = frexp(value);
  return BigInt(mantissa) * 2n ** (SCALE + BigInt(exponent));
}
function frexp(value: number): [number, number] {
  if (value === 0) return [0, 0];
  let exponent = Math.floor(Math.log2(Math.abs(value))) - 52;
  let mantissa = value / 2 ** exponent;
  while (!Number.isInteger(mantissa)) {
    exponent--;
    mantissa = value / 2 ** exponent;
  }
  return [mantissa, exponent];
}
/** value / 2^scale as a double (to ~2^-200), for comparisons with margin. */
const toNumber = (value: bigint, scale: bigint) => Number(value >> (scale - 200n)) / 2 ** 200;

describe("ball arithmetic", () => {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;

  it("addProduct's result ball holds the exact sum of products of the members it was given", () => {
    for (let trial = 0; trial < 2000; trial++) {
      const scale = 10 ** Math.floor(random() * 6);
      const a = balls(1),
        b = balls(1),
        target = balls(1);
      // a third of the trials with exact (zero-radius) balls: then only the rounding bounds cover the error
      const radius = trial % 3 === 0 ? 0 : 1e-3;
      a.set([random() * scale, random() * scale, Math.abs(random()) * radius * scale]);
      b.set([random(), random(), Math.abs(random()) * radius]);
      target.set([random() * scale, random() * scale, 0]);
      const [ar, ai, br, bi, tr, ti] = [a[0], a[1], b[0], b[1], target[0], target[1]];
      addProduct(target, 0, a, 0, b, 0);
      // the exact result for the centres, in BigInt (products carry twice the scale)
      const re = exact(tr) * 2n ** SCALE + exact(ar) * exact(br) - exact(ai) * exact(bi);
      const im = exact(ti) * 2n ** SCALE + exact(ar) * exact(bi) + exact(ai) * exact(br);
      const errorRe = toNumber(re - exact(target[0]) * 2n ** SCALE, 2n * SCALE);
      const errorIm = toNumber(im - exact(target[1]) * 2n ** SCALE, 2n * SCALE);
      const centreError = Math.hypot(errorRe, errorIm);
      // members: the centres' rounding error plus what the radii allow
      const allowed = Math.hypot(ar, ai) * b[2] + Math.hypot(br, bi) * a[2] + a[2] * b[2];
      expect(centreError + allowed).toBeLessThanOrEqual(target[2]);
      // and the radius is not absurdly loose
      expect(target[2]).toBeLessThan(4 * (allowed + 1e-15 * scale * 10));
    }
  });

  it("bounds the modulus of a ball from both sides", () => {
    const b = balls(1);
    b.set([3, 4, 0.5]);
    expect(maxModulus(b, 0)).toBeGreaterThanOrEqual(5.5);
    expect(maxModulus(b, 0)).toBeLessThan(5.5 + 1e-9);
    expect(minModulus(b, 0)).toBeLessThanOrEqual(4.5);
    expect(minModulus(b, 0)).toBeGreaterThan(4.5 - 1e-9);
  });
});
