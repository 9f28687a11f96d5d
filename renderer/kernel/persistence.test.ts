import { describe, expect, it } from "vitest";
import { escapePersists } from "./persistence.ts";
import type { Tile } from "./types.ts";

const tile = (cRe: number, cIm: number, escapeRadius: number, half = 1.8): Tile => ({
  re: new Float64Array([-half, half]),
  im: new Float64Array([half, -half]),
  rowStart: 0,
  rowEnd: 2,
  cRe,
  cIm,
  maxIterations: 500,
  escapeRadius,
});

describe("escapePersists", () => {
  it("holds for the seed's frames (R = 2, |c| well under R² - R)", () => {
    expect(escapePersists(tile(-0.62772, -0.42193, 2), 4)).toBe(true);
    expect(escapePersists(tile(-0.62772, 1.07807, 2), 4)).toBe(true);
  });

  it("fails when |cRe| + |cIm| reaches R² - R: an escaped z could come back", () => {
    expect(escapePersists(tile(-1.9, 0.3, 2), 4)).toBe(false);
    expect(escapePersists(tile(0, 0, 1), 4)).toBe(false);
    expect(escapePersists(tile(-0.1, 0.1, 0.5), 4)).toBe(false);
  });

  it("fails when an escaped orbit could overflow to NaN within a block", () => {
    expect(escapePersists(tile(-0.5, 0, 1e40), 4)).toBe(false);
    expect(escapePersists(tile(-0.5, 0, 2, 1e30), 4)).toBe(false);
    expect(escapePersists(tile(-0.5, 0, 1e200), 4)).toBe(false); // R² is infinite
  });

  it("agrees with brute force: from every escaped start, the next steps stay escaped", () => {
    const [cRe, cIm, limit] = [-0.62772, -0.42193, 4];
    expect(escapePersists(tile(cRe, cIm, 2), 4)).toBe(true);
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 100_000; i++) {
      // just outside the limit, where escape is most fragile
      const angle = random() * 2 * Math.PI,
        radius = 2 * (1 + random() * 1e-3);
      let x = radius * Math.cos(angle),
        y = radius * Math.sin(angle);
      if (!(x * x + y * y > limit)) continue;
      for (let step = 0; step < 3; step++) {
        const xx = x * x,
          yy = y * y;
        [x, y] = [xx - yy + cRe, (x + x) * y + cIm];
        expect(x * x + y * y > limit).toBe(true);
      }
    }
  });
});
