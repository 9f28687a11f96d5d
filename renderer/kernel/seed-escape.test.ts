import { describe, expect, it } from "vitest";
import { hasPythonOracle, pythonJson } from "../../test/python-oracle.ts";
import { escapeCountsScalar } from "./scalar.ts";
import { escapeTest, seedEscaped, seedHypot } from "./seed-escape.ts";
import { chooseShortcut } from "./shortcuts.ts";
import { kernelVariants } from "./testing/variants.ts";
import type { EscapeKernel, Tile } from "./types.ts";
import { createWasmKernel } from "./wasm-kernel.ts";

/**
 * Pixels whose orbit reaches |z|² a few ulps above R² = 4 where the seed's abs(z), glibc's hypot,
 * is still exactly 2: the seed iterates on where fl(x² + y²) > 4 alone would stop one check early.
 * Found by a search over c and ulp-neighbourhoods of p; each "seed" count is the seed's
 * get_iterations() in CPython on Debian 12 (glibc 2.36). `check` is where fl(x² + y²) first
 * passes 4: check 0 is settled by the WASM kernel's first pass, 4 and later by its lane loops.
 */
const bandPixels = [
  { label: "check 0 (first pass)", p: [0, 0], c: [0.550489941522463, -1.9227482477647966], max: 50, seed: 1 },
  {
    label: "check 6 (lane loop)",
    p: [-0.7514810886962383, 0.6763955587237408],
    c: [-0.2701516606037577, 0.873914813686436],
    max: 50,
    seed: 7,
  },
  {
    label: "check 11, block 3",
    p: [-0.5074779981812084, 0.6609337564324879],
    c: [0.32280763205115226, 0.012648268702187604],
    max: 50,
    seed: 12,
  },
  {
    label: "check 5, c in the cardioid (trap shortcut)",
    p: [0.9540469354722951, 0.6778478624319401],
    c: [0.011632543362936176, -0.3396997047407637],
    max: 100,
    seed: 6,
  },
] as const;

/** A 2×2 tile whose first pixel is p (the others are a quarter away). */
function tileAt(p: readonly number[], c: readonly number[], max: number, escapeRadius = 2): Tile {
  return {
    re: new Float64Array([p[0], p[0] + 0.25]),
    im: new Float64Array([p[1], p[1] - 0.25]),
    rowStart: 0,
    rowEnd: 2,
    cRe: c[0],
    cIm: c[1],
    maxIterations: max,
    escapeRadius,
  };
}

/** What fl(x² + y²) > R² alone counts: the test the kernels used before seed-escape.ts. */
function normOnlyCount(p: readonly number[], c: readonly number[], max: number): number {
  let x = p[0] * p[0] - p[1] * p[1] + c[0];
  let y = (p[0] + p[0]) * p[1] + c[1];
  let n = 0;
  while (n < max && !(x * x + y * y > 4)) {
    const nextX = x * x - y * y + c[0];
    y = (x + x) * y + c[1];
    x = nextX;
    n++;
  }
  return n;
}

const kernels: [string, EscapeKernel][] = [["scalar", escapeCountsScalar], ...kernelVariants()];

describe("the seed's escape test at |z| = R", () => {
  it.each(bandPixels)("$label: the fixture is a real band pixel (|z|² alone counts one less)", ({ p, c, max, seed }) => {
    expect(normOnlyCount(p, c, max)).toBe(seed - 1);
  });

  it("the trap fixture really runs with a trap", () => {
    const { p, c, max } = bandPixels[3];
    expect(chooseShortcut(tileAt(p, c, max)).kind).toBe("trap");
  });

  for (const [name, kernel] of kernels) {
    it.each(bandPixels)(`${name}: $label counts as the seed does`, ({ p, c, max, seed }) => {
      const tile = tileAt(p, c, max);
      const counts = new Uint32Array(4).fill(0xdeadbeef);
      const work = kernel(tile, counts);
      expect(counts[0]).toBe(seed);
      // the other three pixels and the work figure as the scalar kernel gives them
      const scalar = new Uint32Array(4);
      expect(work).toBe(escapeCountsScalar(tile, scalar));
      expect([...counts]).toEqual([...scalar]);
    });
  }

  it("an extreme escape radius leaves every escape to hypot, and the WASM kernel to the scalar one", () => {
    for (const radius of [1e200, 1e-200]) {
      expect(escapeTest(radius)).toEqual({ radius, limit: -Infinity, sure: Infinity });
      const tile = { ...tileAt([0.3, 0.2], [-0.5, 0.5], 40, radius), re: new Float64Array([-1e-199, 0, 0.3, 2e199]) };
      const scalar = new Uint32Array(8);
      const wasm = new Uint32Array(8);
      expect(createWasmKernel()(tile, wasm)).toBe(escapeCountsScalar(tile, scalar));
      expect([...wasm]).toEqual([...scalar]);
    }
  });
});

describe("escapeTest's bounds", () => {
  // points within ±3e-15 of |z| = R, where N and hypot disagree most
  function nearCircle(radius: number, count: number, seed: number): [number, number][] {
    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    return Array.from({ length: count }, () => {
      const angle = random() * 2 * Math.PI;
      const r = radius * (1 + (random() - 0.5) * 6e-15);
      return [r * Math.cos(angle), r * Math.sin(angle)];
    });
  }

  it.each([2, 3, 0.5, 10, 1.7, 1e100, 1e-100])("R = %s: N ≤ limit never escapes, N > sure always does, and the band is thin", (radius) => {
    const test = escapeTest(radius);
    let band = 0;
    let disagree = 0;
    for (const [x, y] of nearCircle(radius, 20000, 7)) {
      const norm = x * x + y * y;
      const escaped = seedHypot(x, y) > radius;
      if (norm <= test.limit) expect(escaped, `(${x}, ${y})`).toBe(false);
      else if (norm > test.sure) expect(escaped, `(${x}, ${y})`).toBe(true);
      else band++;
      expect(seedEscaped(x, y, norm, test)).toBe(escaped);
      if (escaped !== norm > radius * radius) disagree++;
    }
    // the points were chosen where N alone is wrong often; the band that hypot decides stays small
    expect(disagree).toBeGreaterThan(0);
    expect(band).toBeLessThan(20000);
  });
});

describe.skipIf(!hasPythonOracle)("seedHypot against the seed's abs(complex) in CPython (this machine's libm)", () => {
  it("agrees bit for bit on near-ties, far-apart operands and extreme exponents", () => {
    // Python prints repr() of each double (shortest round-trip form); JS reads them back exactly
    const rows = pythonJson<[string, string, string][]>(`
import json, math, random
random.seed(11)
pts = []
for R in [2.0, 3.0, 0.5, 10.0, 1.7, 1e100, 1e-100, 1000.0]:
    for i in range(3000):
        t = random.uniform(0, 2 * math.pi); r = R * (1 + random.uniform(-5e-16, 5e-16))
        pts.append((r * math.cos(t), r * math.sin(t)))
for i in range(8000):
    e1 = random.uniform(-1100, 1023); e2 = e1 + random.uniform(-70, 70)
    pts.append((random.uniform(-1, 1) * 2 ** e1, random.uniform(-1, 1) * 2 ** min(e2, 1023)))
pts += [(0.0, 0.0), (5e-324, 0.0), (3.0, 4.0), (1e-310, 3e-310), (1.5, 1e-300), (2.0, 2 ** -60), (-0.0, -2.0)]
rows = []
for x, y in pts:
    try: rows.append([repr(x), repr(y), repr(abs(complex(x, y)))])
    except OverflowError: pass
print(json.dumps(rows))
`);
    expect(rows.length).toBeGreaterThan(30000);
    const differing = rows.filter(([x, y, h]) => seedHypot(Number(x), Number(y)) !== Number(h));
    expect(differing.slice(0, 5)).toEqual([]);
  });
});
