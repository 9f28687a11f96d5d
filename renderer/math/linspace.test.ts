import { describe, expect, it } from "vitest";
import { hasPythonOracle, pythonJson } from "../../test/python-oracle.ts";
import { linspace, linspaceAt } from "./linspace.ts";

// numpy itself is the oracle: json.dumps prints floats with repr, which round-trips exactly.
const NUMPY_LINSPACE =
  "import json, sys, numpy; a, b, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]); print(json.dumps([float(v) for v in numpy.linspace(a, b, n)]))";

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

  it("numpy.linspace(-1.8, 1.8, 200)[57], as numpy prints it with repr", () => {
    expect(linspaceAt(-1.8, 1.8, 200, 57)).toBe(-0.7688442211055277);
  });

  it.skipIf(!hasPythonOracle).each([
    [-1.8, 1.8, 200],
    [1.8, -1.8, 1080],
    [-0.42193, 1.07807, 20],
    [-0.7, 0.7, 300],
    [-0.42, -0.378, 1800],
    [0.1, 0.1, 7],
    [-2.5e-9, 3.7e-9, 333],
  ])("equals numpy.linspace(%d, %d, %d) bit for bit", (a, b, n) => {
    const expected = pythonJson<number[]>(NUMPY_LINSPACE, [a, b, n]);
    const actual = [...linspace(a, b, n)];
    expect(actual.length).toBe(n);
    const differing = actual.flatMap((value, i) => (Object.is(value, expected[i]) ? [] : [`[${i}] ${value} != numpy ${expected[i]}`]));
    expect(differing).toEqual([]);
  });

  it("runs downwards too (the top row is im_max)", () => {
    // numpy.linspace(1.8, -1.8, 5): not symmetric in the last bit
    expect([...linspace(1.8, -1.8, 5)]).toEqual([1.8, 0.9, 0, -0.9000000000000001, -1.8]);
  });
});
