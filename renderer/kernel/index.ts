// Placeholder until the SIMD kernel lands: the scalar reference kernel.
import { escapeCountsScalar } from "./scalar.ts";
import type { EscapeKernel } from "./types.ts";

export function createKernel(_options?: { prefer?: "wasm" | "js" | "scalar" }): { name: string; run: EscapeKernel } {
  return { name: "scalar", run: (tile, counts) => escapeCountsScalar(tile, counts) };
}
