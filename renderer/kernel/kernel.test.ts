import { describe, expect, it } from "vitest";
import { linspace } from "../math/linspace.ts";
import { createKernel, hasWasmSimd, sharedKernelModule } from "./index.ts";
import { escapeCountsScalar } from "./scalar.ts";
import { kernelVariants } from "./testing/variants.ts";
import type { EscapeKernel, Tile } from "./types.ts";
import { createWasmKernel } from "./wasm-kernel.ts";

const variants = kernelVariants();

interface Frame {
  width: number;
  height: number;
  re?: [number, number];
  im?: [number, number];
  c: [number, number];
  max: number;
  radius?: number;
  rows?: [number, number];
}

function tileOf(frame: Frame): Tile {
  const [reMin, reMax] = frame.re ?? [-1.8, 1.8];
  const [imMin, imMax] = frame.im ?? [-1.8, 1.8];
  const [rowStart, rowEnd] = frame.rows ?? [0, frame.height];
  return {
    re: linspace(reMin, reMax, frame.width),
    im: linspace(imMax, imMin, frame.height),
    rowStart,
    rowEnd,
    cRe: frame.c[0],
    cIm: frame.c[1],
    maxIterations: frame.max,
    escapeRadius: frame.radius ?? 2,
  };
}

function expectSameAsScalar(kernel: EscapeKernel, frame: Frame) {
  const tile = tileOf(frame);
  const pixels = (tile.rowEnd - tile.rowStart) * tile.re.length;
  const expected = new Uint32Array(pixels);
  const expectedWork = escapeCountsScalar(tile, expected);
  const actual = new Uint32Array(pixels).fill(0xdeadbeef);
  const work = kernel(tile, actual);
  const firstDifference = actual.findIndex((count, i) => count !== expected[i]);
  expect(firstDifference, `pixel ${firstDifference}: ${actual[firstDifference]} instead of ${expected[firstDifference]}`).toBe(-1);
  expect(work).toBe(expectedWork);
  return expected;
}

const seedC: [number, number] = [-0.62772, -0.42193];

describe("the seed's worked examples (c = -0.62772 - 0.42193i, 20 iterations)", () => {
  const point = (re: number, im: number): Tile => ({
    re: new Float64Array([re]),
    im: new Float64Array([im]),
    rowStart: 0,
    rowEnd: 1,
    cRe: seedC[0],
    cIm: seedC[1],
    maxIterations: 20,
    escapeRadius: 2,
  });
  it.each([["scalar", escapeCountsScalar] as [string, EscapeKernel], ...variants])("%s", (_name, kernel) => {
    const counts = new Uint32Array(1);
    expect(kernel(point(0.8, 0.8), counts)).toBe(3);
    expect(counts[0]).toBe(2);
    expect(kernel(point(0, 0), counts)).toBe(21);
    expect(counts[0]).toBe(20);
  });
});

// Small frames keep the scalar reference fast; the mix covers every path of the fast kernels.
const frames: [string, Frame][] = [
  ["seed default frame", { width: 200, height: 200, c: seedC, max: 20 }],
  ["perf-notes c, 500 iterations (trap)", { width: 201, height: 199, c: [-0.62772, -0.42], max: 500 }],
  ["spiral end, near-parabolic, 500", { width: 97, height: 61, c: [-0.62772, -0.378], max: 500 }],
  ["spiral middle, c outside M", { width: 97, height: 61, c: [-0.62772, -0.395], max: 500 }],
  ["5000 iterations, rows 10..40 only", { width: 61, height: 47, c: [-0.62772, -0.42], max: 5000, rows: [10, 40] }],
  ["5000 iterations, period-1 attractor", { width: 45, height: 45, c: [-0.2, 0.1], max: 5000 }],
  ["1 iteration", { width: 7, height: 5, c: seedC, max: 1 }],
  // the first pass settles one block (4 checks): below, at and just past it
  ["3 iterations", { width: 19, height: 7, c: seedC, max: 3 }],
  ["4 iterations", { width: 19, height: 7, c: seedC, max: 4 }],
  ["5 iterations", { width: 19, height: 7, c: seedC, max: 5 }],
  ["width 1", { width: 1, height: 9, c: seedC, max: 50 }],
  ["width 3, rows 1..2", { width: 3, height: 4, c: [-0.8, 0.156], max: 300, rows: [1, 3] }],
  ["escape radius 10", { width: 64, height: 48, c: [-0.8, 0.156], max: 300, radius: 10 }],
  ["escape radius 0.5 (orbits come back inside)", { width: 64, height: 48, c: [-0.1, 0.1], max: 200, radius: 0.5 }],
  ["escape radius 1e200 (limit is infinite)", { width: 32, height: 32, c: [-0.62772, -0.42], max: 300, radius: 1e200 }],
  ["nothing escapes", { width: 40, height: 40, re: [-0.05, 0.05], im: [-0.05, 0.05], c: [-0.62772, -0.42], max: 2000 }],
  [
    "nothing escapes, no trap (Siegel-like c)",
    { width: 24, height: 24, re: [-0.05, 0.05], im: [-0.05, 0.05], c: [-0.390541, -0.586788], max: 1000 },
  ],
  ["everything escapes at once", { width: 33, height: 17, re: [10, 20], im: [10, 20], c: seedC, max: 500 }],
  ["huge z0 (would overflow within a block)", { width: 9, height: 9, re: [1e30, 1e31], im: [-1e30, 1e30], c: seedC, max: 50 }],
  ["|c| too big for escape to persist", { width: 50, height: 50, c: [-1.9, 0.3], max: 200 }],
  ["two chunks, split mid-row (300k pixels)", { width: 601, height: 500, c: seedC, max: 8 }],
];

describe.each(variants)("%s matches the scalar kernel exactly", (_name, kernel) => {
  it.each(frames)("%s", (_label, frame) => {
    expectSameAsScalar(kernel, frame);
  });
});

describe("kernel selection", () => {
  it("uses WASM SIMD when the runtime has it, and the JS fallback or scalar on request", () => {
    expect(hasWasmSimd()).toBe(true);
    expect(createKernel().name).toMatch(/WASM SIMD/);
    expect(createKernel({ prefer: "js" }).name).toMatch(/interleaved/);
    expect(createKernel({ prefer: "scalar" }).name).toMatch(/scalar/);
  });

  it("reuses its buffers across tiles of different sizes, a 16384-wide one included", () => {
    const { run } = createKernel();
    expectSameAsScalar(run, { width: 16384, height: 3, c: seedC, max: 20, rows: [1, 3] });
    expectSameAsScalar(run, { width: 5, height: 5, c: seedC, max: 20 });
  });

  it("instantiates the module it is given (worker threads share the main thread's)", () => {
    const shared = sharedKernelModule();
    expect(shared).toBeDefined();
    expectSameAsScalar(createKernel({ module: shared }).run, { width: 64, height: 48, c: seedC, max: 200 });
    // a module without the kernel's exports cannot be mistaken for it: (module) is 8 bytes
    const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => object } }).WebAssembly;
    const empty = new wasm.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    expect(() => createKernel({ module: empty })).toThrow();
  });

  it("caps chunks so block counters cannot overflow at 1,000,000 iterations", () => {
    // 40,000 pixels > one chunk at this maxIterations; all escape fast
    expectSameAsScalar(createWasmKernel(), { width: 200, height: 200, re: [1.5, 1.8], c: seedC, max: 1_000_000 });
  });
});
