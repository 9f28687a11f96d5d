import { describe, expect, it } from "vitest";
import { parseSpec } from "../../renderer/spec.ts";
import { computedShare, spread } from "./calibrate.ts";

describe("computedShare", () => {
  it("counts the mirror copies of a centred frame (107 rows × 214 columns of 500×500 are exact mirrors)", () => {
    expect(computedShare(parseSpec({ width: 500 }))).toBeCloseTo(1 - (107 * 214) / 250_000, 12);
  });
  it("is 1 off centre, and with smooth colouring (which renders every pixel)", () => {
    expect(computedShare(parseSpec({ width: 300, bounds: { re: [-0.5, 0.3], im: [-0.2, 0.4] } }))).toBe(1);
    expect(computedShare(parseSpec({ width: 500, coloring: "smooth" }))).toBe(1);
  });
});

describe("spread", () => {
  it("picks frames evenly, ends included, each once", () => {
    expect(spread(300, 9)).toEqual([0, 37, 75, 112, 150, 187, 224, 262, 299]);
    expect(spread(3, 9)).toEqual([0, 1, 2]);
    expect(spread(1, 9)).toEqual([0]);
  });
});
