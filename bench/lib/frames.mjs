// The frames the bench measures, and timing helpers. Loaded after bundle.mjs built ../build/.
import { linspace, linspaceAt } from "../build/kernels.mjs";

/** A whole frame as a kernel tile; bounds as in a spec, top row = im max. */
export function frameTile({ width, height = width, re = [-1.8, 1.8], im = [-1.8, 1.8], c, max, radius = 2 }) {
  return {
    re: linspace(re[0], re[1], width),
    im: linspace(im[1], im[0], height),
    rowStart: 0,
    rowEnd: height,
    cRe: c[0],
    cIm: c[1],
    maxIterations: max,
    escapeRadius: radius,
  };
}

/** c of frame k of the seed-spiral-10s job (300 frames, c.im -0.42 → -0.378). */
export const spiralC = (k, frames = 300) => [-0.62772, linspaceAt(-0.42, -0.378, frames, k)];

/** The perf-notes frame: 500×500, ±1.8, c = -0.62772 - 0.42i, 500 iterations. */
export const PERF_NOTES_FRAME = { width: 500, c: [-0.62772, -0.42], max: 500 };
/** Inside the filled Julia set of the same c: no pixel escapes. */
export const NO_ESCAPE_FRAME = { width: 500, re: [-0.05, 0.05], im: [-0.05, 0.05], c: [-0.62772, -0.42], max: 500 };

/** Best wall-clock time of `repeats` runs after one warm-up run; returns { seconds, result }. */
export function bestOf(repeats, run) {
  let result = run();
  let seconds = Infinity;
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    result = run();
    seconds = Math.min(seconds, (performance.now() - start) / 1000);
  }
  return { seconds, result };
}

/** Σ count·(i+1) mod 2^32, the same checksum bench/kernel.c prints. */
export function checksum(counts) {
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum = (sum + Math.imul(counts[i], i + 1)) >>> 0;
  return sum;
}
