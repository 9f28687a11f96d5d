import { describe, expect, it } from "vitest";
import { linspace } from "../math/linspace.ts";
import { koenigsTrap } from "./koenigs-trap.ts";
import { returnSteps, returnTrap } from "./return-trap.ts";
import { escapeCountsScalar } from "./scalar.ts";
import { cardioid, fixedPoint } from "./testing/fixed-point.ts";
import { orbitsStayInside } from "./testing/orbits.ts";
import { findTrap } from "./trap.ts";
import type { Tile } from "./types.ts";
import { createWasmKernel } from "./wasm-kernel.ts";

/** c of the spiral's frame k (specs/seed-spiral-10s.json: 300 frames from -0.62772-0.42i to -0.62772-0.378i). */
const spiral = (frame: number): [number, number] => [-0.62772, -0.42 + (0.042 * frame) / 299];

/** max |f^q(z) - a| / s over n points of the circle |z - a| = s, with the kernels' step: an independent look. */
function comesBack(ax: number, ay: number, cRe: number, cIm: number, q: number, s: number, n = 4096): number {
  let worst = 0;
  for (let k = 0; k < n; k++) {
    let x = ax + s * Math.cos((2 * Math.PI * k) / n),
      y = ay + s * Math.sin((2 * Math.PI * k) / n);
    for (let j = 0; j < q; j++) {
      const xx = x * x,
        yy = y * y;
      if (xx + yy > 4) return Infinity;
      y = (x + x) * y + cIm;
      x = xx - yy + cRe;
    }
    worst = Math.max(worst, Math.hypot(x - ax, y - ay) / s);
  }
  return worst;
}

describe("returnSteps", () => {
  it("gives the denominators of the last two continued-fraction convergents up to 64, largest first", () => {
    expect(returnSteps(10 / 23 - 1e-6)).toEqual([23, 7]); // 3/7, 10/23, then a denominator past 64
    expect(returnSteps(10 / 23 + 1e-6)).toEqual([23, 16]); // 3/7, 7/16, 10/23 from the other side
    expect(returnSteps(-0.4348)).toEqual([23, 16]); // 0.5652 (turns count modulo 1): 9/16, 13/23
    expect(returnSteps(1 / 3 + 0.001)).toEqual([3, 2]);
    expect(returnSteps(0.02)).toEqual([50]);
    expect(returnSteps(0)).toEqual([]);
  });
});

describe("returnTrap", () => {
  it.each([
    ["the spiral's last frame", ...spiral(299), 23, 0.25],
    ["the spiral's frame 270", ...spiral(270), 23, 0.23],
    ["near the 2/5 bulb", ...cardioid(0.995, 2 / 5 + 0.001), 5, 0.2],
    ["near the cusp", ...cardioid(0.998, 0.02), 50, 0.05],
  ] as const)("proves a disk that q steps bring back into itself: %s", (_label, cRe, cIm, steps, atLeast) => {
    const [ax, ay] = fixedPoint(cRe, cIm);
    const trap = returnTrap(ax, ay, cRe, cIm, 4);
    expect(trap).not.toBeNull();
    expect(trap!.steps).toBe(steps);
    expect(trap!.radius).toBeGreaterThanOrEqual(atLeast);
    expect(trap!.half).toBeCloseTo(0.7 * trap!.radius, 12);
    expect(trap!.box).toEqual([ax - trap!.half, ax + trap!.half, ay - trap!.half, ay + trap!.half]);
    // checked independently: the circle comes back inside, and orbits from the box stay bounded
    expect(comesBack(ax, ay, cRe, cIm, steps, trap!.radius)).toBeLessThan(1);
    expect(orbitsStayInside(trap!.box, cRe, cIm, 4, 20_000)).toBe(true);
    // larger than the Koenigs trap at the same c
    expect(trap!.half).toBeGreaterThan(koenigsTrap(ax, ay, cRe, cIm, 4)?.half ?? 0);
  });

  it("finds nothing where no disk comes back: the spiral's frame 258, |λ| = 0.9998", () => {
    const [cRe, cIm] = spiral(258);
    const [ax, ay] = fixedPoint(cRe, cIm);
    expect(2 * Math.hypot(ax, ay)).toBeGreaterThan(0.9998);
    // the circles the proof would need leave their disk after 23 steps
    expect(comesBack(ax, ay, cRe, cIm, 23, 0.2)).toBeGreaterThan(1);
    expect(comesBack(ax, ay, cRe, cIm, 23, 0.15)).toBeGreaterThan(1);
    expect(returnTrap(ax, ay, cRe, cIm, 4)).toBeNull();
  });

  it("refuses a fixed point that does not attract, a point that is not fixed, and an escape radius that cuts the disk", () => {
    const [cRe, cIm] = cardioid(1.001, 0.3);
    expect(returnTrap(...fixedPoint(cRe, cIm), cRe, cIm, 4)).toBeNull();
    const [ax, ay] = fixedPoint(...spiral(299));
    expect(returnTrap(ax + 0.05, ay, ...spiral(299), 4)).toBeNull();
    const radius = Math.hypot(ax, ay); // ~0.5: every disk around a reaches beyond it
    expect(returnTrap(ax, ay, ...spiral(299), radius * radius)).toBeNull();
  });

  it("only looks for boxes larger than asked", () => {
    const [ax, ay] = fixedPoint(...spiral(299));
    const trap = returnTrap(ax, ay, ...spiral(299), 4)!;
    expect(returnTrap(ax, ay, ...spiral(299), 4, trap.half)).toBeNull();
    expect(returnTrap(ax, ay, ...spiral(299), 4, trap.half * 0.99)).toEqual(trap);
  });

  it("is the trap findTrap gives for a fixed point, when it is the largest", () => {
    const [ax, ay] = fixedPoint(...spiral(299));
    const trap = findTrap(...spiral(299), 4).trap!;
    expect(trap.period).toBe(1);
    expect(Array.from(trap.boxes)).toEqual(returnTrap(ax, ay, ...spiral(299), 4)!.box);
    expect(trap.radius).toBeGreaterThanOrEqual(0.25);
  });
});

describe("the kernel with a return trap", () => {
  const tile = ([cRe, cIm]: [number, number]): Tile => ({
    re: linspace(-1.8, 1.8, 170),
    im: linspace(1.8, -1.8, 150),
    rowStart: 0,
    rowEnd: 150,
    cRe,
    cIm,
    maxIterations: 2000,
    escapeRadius: 2,
  });

  it.each([262, 270, 299])(
    "gives the scalar kernel's counts on the spiral's frame %i, in a fraction of the Koenigs trap's steps",
    (frame) => {
      const [cRe, cIm] = spiral(frame);
      const [ax, ay] = fixedPoint(cRe, cIm);
      const returning = returnTrap(ax, ay, cRe, cIm, 4)!;
      const koenigs = koenigsTrap(ax, ay, cRe, cIm, 4)!;
      const trapWith = (box: number[]) => ({
        kind: "trap" as const,
        trap: { period: 1, radius: 0.1, multiplier: 0.99, boxes: Float64Array.from(box) },
      });
      const expected = new Uint32Array(170 * 150);
      const expectedWork = escapeCountsScalar(tile(spiral(frame)), expected);
      const kernel = createWasmKernel();
      const steps = (box: number[]) => {
        const counts = new Uint32Array(170 * 150);
        const before = kernel.stats.steps;
        expect(kernel({ ...tile(spiral(frame)), shortcut: trapWith(box) }, counts)).toBe(expectedWork);
        expect(Buffer.from(counts.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
        return kernel.stats.steps - before;
      };
      expect(steps(returning.box)).toBeLessThan(0.8 * steps(koenigs.box));
    },
  );
});
