import { createInterleavedKernel } from "./interleaved.ts";
import { escapeCountsScalar } from "./scalar.ts";
import type { EscapeKernel } from "./types.ts";
import { createWasmKernel, kernelModule, webAssembly } from "./wasm-kernel.ts";

export type { EscapeKernel } from "./types.ts";

export type KernelName = "wasm" | "js" | "scalar";

export interface KernelOptions {
  /** Which kernel to use; "wasm" falls back to "js" when the runtime has no WebAssembly SIMD. */
  prefer?: KernelName;
  /**
   * Exact shortcuts for points that never escape (a proven trap, or Brent's
   * cycle check). They never change a count; off only to measure raw speed.
   */
  shortcuts?: boolean;
  /** The WASM kernel's module compiled by another thread (sharedKernelModule), to share its code. */
  module?: object;
}

/**
 * The fastest kernel this runtime supports, ready to call (synchronously).
 * Every kernel gives exactly the scalar kernel's counts and work figure.
 * Each call creates its own WASM instance: use one kernel per thread.
 */
export function createKernel(options: KernelOptions = {}): { name: string; run: EscapeKernel } {
  const prefer = options.prefer ?? "wasm";
  const shortcuts = options.shortcuts === false ? "off" : "auto";
  if (prefer === "scalar") return { name: "scalar JS", run: escapeCountsScalar };
  if (prefer === "wasm" && hasWasmSimd()) {
    return { name: "WASM SIMD f64x2", run: createWasmKernel({ shortcuts, module: options.module }) };
  }
  return { name: "JS, 4 pixels interleaved", run: createInterleavedKernel({ shortcuts }) };
}

/** The WASM kernel's compiled module, for worker threads to share; undefined where the JS kernel runs. */
export function sharedKernelModule(): object | undefined {
  return hasWasmSimd() ? kernelModule() : undefined;
}

// (module (func (result v128) (f64x2.splat (f64.const 0))))
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 15, 1, 13, 0, 68, 0, 0, 0, 0, 0, 0, 0, 0, 253, 20, 11,
]);

let simd: boolean | undefined;

export function hasWasmSimd(): boolean {
  simd ??= webAssembly?.validate(SIMD_PROBE) === true;
  return simd;
}
