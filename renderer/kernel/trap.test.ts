import { describe, expect, it } from "vitest";
import { orbitsStayInside } from "./testing/orbits.ts";
import { findTrap } from "./trap.ts";

describe("findTrap", () => {
  it.each([
    ["perf-notes c (period 7)", -0.62772, -0.42, 7],
    ["main cardioid (period 1)", -0.2, 0.1, 1],
    ["basilica (period 2)", -1, 0, 2],
    ["Douady rabbit (period 3)", -0.122561, 0.744862, 3],
    ["spiral end, multiplier near 1", -0.62772, -0.378, 1],
  ])("%s: proves a trap whose orbits never escape", (_label, cRe, cIm, period) => {
    const { trap, bounded } = findTrap(cRe, cIm, 4);
    expect(bounded).toBe(true);
    expect(trap?.period).toBe(period);
    expect(trap!.boxes.length).toBe(4 * period);
    expect(trap!.multiplier).toBeLessThan(1);
    expect(orbitsStayInside(trap!.boxes, cRe, cIm, 4, 20_000)).toBe(true);
  });

  it("gives large boxes when the cycle attracts strongly", () => {
    expect(findTrap(-0.62772, -0.42, 4).trap!.radius).toBeGreaterThan(0.01);
  });

  it("finds nothing when the critical orbit escapes (c outside the Mandelbrot set)", () => {
    expect(findTrap(0.5, 0.5, 4)).toEqual({ trap: null, bounded: false });
    expect(findTrap(-0.62772, -0.395, 4)).toEqual({ trap: null, bounded: false });
  });

  it("refuses a trap that the escape radius cuts through", () => {
    // the basilica's cycle 0 ↔ -1 has |z| = 1, outside R = 0.5
    expect(findTrap(-1, 0, 0.25).trap).toBeNull();
  });
});
