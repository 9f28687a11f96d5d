import { describe, expect, it } from "vitest";
import { linspace, linspaceAt } from "./linspace.ts";

describe("linspace (numpy semantics)", () => {
  it("n = 1 gives [a]", () => {
    expect([...linspace(-1.8, 1.8, 1)]).toEqual([-1.8]);
  });

  it("n = 2 gives exactly both ends", () => {
    expect([...linspace(-1.8, 1.8, 2)]).toEqual([-1.8, 1.8]);
  });

  it("ends exactly on b even where i * step + a would not", () => {
    // 3 * ((1.8 - -1.8) / 3) + -1.8 is 1.7999999999999996 in doubles; numpy forces b.
    expect(3 * ((1.8 - -1.8) / 3) + -1.8).not.toBe(1.8);
    expect(linspace(-1.8, 1.8, 4)[3]).toBe(1.8);
    expect(linspace(-0.7, 0.7, 36)[35]).toBe(0.7);
  });

  it("rounds twice, i * step then + a, as numpy does", () => {
    const step = (1.8 - -1.8) / 199;
    for (const i of [0, 1, 57, 100, 198]) expect(linspaceAt(-1.8, 1.8, 200, i)).toBe(i * step + -1.8);
    // numpy.linspace(-1.8, 1.8, 200)[57], printed by numpy with repr
    expect(linspaceAt(-1.8, 1.8, 200, 57)).toBe(-0.7688442211055277);
  });

  it("runs downwards too (the top row is im_max)", () => {
    // numpy.linspace(1.8, -1.8, 5): not symmetric in the last bit
    expect([...linspace(1.8, -1.8, 5)]).toEqual([1.8, 0.9, 0, -0.9000000000000001, -1.8]);
  });
});
