import { describe, expect, it } from "vitest";
import { linspace } from "../math/linspace.ts";
import { koenigsTrap } from "./koenigs-trap.ts";
import { escapeCountsScalar } from "./scalar.ts";
import { chooseShortcut } from "./shortcuts.ts";
import { cardioid, fixedPoint } from "./testing/fixed-point.ts";
import { orbitsStayInside } from "./testing/orbits.ts";
import type { Tile } from "./types.ts";
import { createWasmKernel } from "./wasm-kernel.ts";

describe("koenigsTrap", () => {
  it.each([
    ["the spiral's last frame", -0.62772, -0.378],
    ["the spiral, |λ| = 0.9997", -0.62772, -0.3835],
    ["near the 1/3 bulb's root", ...cardioid(0.999, 1 / 3 + 0.01)],
    ["near the cusp", ...cardioid(0.998, 0.02)],
  ] as const)("proves a box around a slowly attracting fixed point: %s", (_label, cRe, cIm) => {
    const [ax, ay] = fixedPoint(cRe, cIm);
    const multiplier = 2 * Math.hypot(ax, ay);
    expect(multiplier).toBeGreaterThan(0.99);
    expect(multiplier).toBeLessThan(1);
    const trap = koenigsTrap(ax, ay, cRe, cIm, 4);
    expect(trap).not.toBeNull();
    // far larger than a disk trap could be (~1 - |λ| wide)
    expect(trap!.half).toBeGreaterThan(5 * (1 - multiplier));
    expect(trap!.box[0]).toBeLessThan(ax);
    expect(trap!.box[1]).toBeGreaterThan(ax);
    expect(orbitsStayInside(trap!.box, cRe, cIm, 4, 20_000)).toBe(true);
  });

  it("finds nothing next to a low-order resonance (λ² ≈ 1), where the series diverges", () => {
    const [cRe, cIm] = cardioid(0.997, 0.5);
    expect(koenigsTrap(...fixedPoint(cRe, cIm), cRe, cIm, 4)).toBeNull();
  });

  it("refuses a fixed point that does not attract", () => {
    const [cRe, cIm] = cardioid(1.001, 0.3);
    expect(koenigsTrap(...fixedPoint(cRe, cIm), cRe, cIm, 4)).toBeNull();
    // the point must be the fixed point: anything else fails the proof
    const [ax, ay] = fixedPoint(-0.62772, -0.378);
    expect(koenigsTrap(ax + 0.01, ay, -0.62772, -0.378, 4)).toBeNull();
  });

  it("refuses when the escape radius cuts through the trap", () => {
    const [ax, ay] = fixedPoint(-0.62772, -0.378);
    const radius = Math.hypot(ax, ay); // ~0.5: every trap around a reaches beyond it
    expect(koenigsTrap(ax, ay, -0.62772, -0.378, radius * radius)).toBeNull();
  });
});

describe("the kernel with a Koenigs trap", () => {
  const tile = (cIm: number, maxIterations: number): Tile => ({
    re: linspace(-1.8, 1.8, 160),
    im: linspace(1.8, -1.8, 150),
    rowStart: 0,
    rowEnd: 150,
    cRe: -0.62772,
    cIm,
    maxIterations,
    escapeRadius: 2,
  });

  it.each([
    [-0.3835, 0.8],
    [-0.381, 0.5],
    [-0.378, 0.4],
  ])("gives the scalar kernel's counts at c = -0.62772%fi, in under %f of the steps", (cIm, share) => {
    const frame = tile(cIm, 3000);
    const shortcut = chooseShortcut(frame);
    expect(shortcut.kind).toBe("trap");
    const expected = new Uint32Array(160 * 150);
    const expectedWork = escapeCountsScalar(frame, expected);
    const trapped = createWasmKernel();
    const plain = createWasmKernel({ shortcuts: "off" });
    const counts = new Uint32Array(160 * 150);
    expect(trapped(frame, counts)).toBe(expectedWork);
    expect(Buffer.from(counts.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    plain(frame, counts);
    expect(trapped.stats.steps).toBeLessThan(plain.stats.steps * share);
  });
});
