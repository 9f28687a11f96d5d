// Single-thread kernel speed: iterations (Σ(count + 1), the work the seed's
// program would do) per second, best of 5 after a warm-up, next to the C kernel.
import { createInterleavedKernel, createWasmKernel, escapeCountsScalar } from "../build/kernels.mjs";
import { runC } from "./c-kernel.mjs";
import { bestOf, checksum, frameTile } from "./frames.mjs";

export const KERNELS = [
  ["scalar JS", () => escapeCountsScalar],
  ["JS fallback, 4 interleaved", () => createInterleavedKernel({ shortcuts: "off" })],
  ["JS fallback + shortcuts", () => createInterleavedKernel()],
  ["WASM SIMD, no shortcut", () => createWasmKernel({ shortcuts: "off" })],
  ["WASM SIMD + shortcuts (shipped)", () => createWasmKernel()],
];

/** { name, work, seconds, rate, steps? } for one kernel on one frame. */
export function measureKernel(name, create, frame, repeats = 5) {
  const tile = frameTile(frame);
  const counts = new Uint32Array(tile.re.length * tile.rowEnd);
  const kernel = create();
  const { seconds, result: work } = bestOf(repeats, () => kernel(tile, counts));
  const steps = kernel.stats ? kernel.stats.steps / (repeats + 1) : undefined;
  return { name, work, seconds, rate: work / seconds, steps, checksum: checksum(counts) };
}

/** The C kernel on the same frame, or undefined without a compiler. */
export function measureC(c, frame, repeats = 5) {
  if (!c.exe) return undefined;
  const { work, seconds, checksum: sum } = runC(c.exe, frame, repeats);
  return { name: "C scalar (cc -O3)", work, seconds, rate: work / seconds, checksum: sum };
}
