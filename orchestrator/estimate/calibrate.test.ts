import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { calibrate, computedShare, spread } from "./calibrate.ts";

describe("computedShare", () => {
  it("counts the mirror copies of a centred frame (107 rows × 214 columns of 500×500 are exact mirrors)", () => {
    expect(computedShare(parseSpec({ width: 500 }))).toBeCloseTo(1 - (107 * 214) / 250_000, 12);
  });
  it("is 1 off centre, and with smooth colouring (which renders every pixel)", () => {
    expect(computedShare(parseSpec({ width: 300, bounds: { re: [-0.5, 0.3], im: [-0.2, 0.4] } }))).toBe(1);
    expect(computedShare(parseSpec({ width: 500, coloring: "smooth" }))).toBe(1);
  });
});

describe("computedShare on sub-grids and camera paths", () => {
  it("counts the sub-grid's mirror copies when supersampled, and follows a path off centre", () => {
    // ±1.8 over 500 pixels: the sub-grid at ±dx/4 is as symmetric as the grid (~9 % copies)
    const supersampled = computedShare(parseSpec({ width: 500, supersample: 2 }));
    expect(supersampled).toBeGreaterThan(0.85);
    expect(supersampled).toBeLessThan(0.95);
    // a path that starts centred and leaves the centre: only its first frames have mirror copies
    const path = parseSpec({ width: 200, frames: 9, keyframes: [{ frame: 0, center: [0, 0], width: 3.6 }, { frame: 8, center: [0.3, 0.2], width: 0.5 }] });
    expect(computedShare(path)).toBeGreaterThan(computedShare(parseSpec({ width: 200 })));
    expect(computedShare(path)).toBeLessThan(1);
  });
});

describe("calibrate with supersampling", () => {
  it("predicts N² times the work at the same kernel rate (the rate is measured on the samples actually computed)", async () => {
    const raw = { width: 120, maxIterations: 200, frames: 20, c: { from: [-0.62772, -0.42], to: [-0.62772, -0.378] } };
    const one = await calibrate(parseSpec(raw), { encode: false, budgetSeconds: 0.2 });
    const three = await calibrate(parseSpec({ ...raw, supersample: 3 }), { encode: false, budgetSeconds: 0.2 });
    expect(three.totalIterations / one.totalIterations).toBeGreaterThan(9 * 0.8);
    expect(three.totalIterations / one.totalIterations).toBeLessThan(9 * 1.25);
    // not a rate inflated by N²: within a factor 3 of the plain job's (the machine's noise is far less than 9×)
    expect(three.kernelRate / one.kernelRate).toBeLessThan(3);
  }, 60_000);
});

describe("spread", () => {
  it("picks frames evenly, ends included, each once", () => {
    expect(spread(300, 9)).toEqual([0, 37, 75, 112, 150, 187, 224, 262, 299]);
    expect(spread(3, 9)).toEqual([0, 1, 2]);
    expect(spread(1, 9)).toEqual([0]);
  });
});
