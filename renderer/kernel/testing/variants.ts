import { createInterleavedKernel } from "../interleaved.ts";
import type { EscapeKernel } from "../types.ts";
import { createWasmKernel } from "../wasm-kernel.ts";

/** For the kernel tests: every variant the renderer can end up running, shortcuts and escape checks forced each way. */
export function kernelVariants(): [string, EscapeKernel][] {
  return [
    ["wasm (auto shortcuts)", createWasmKernel()],
    ["wasm (no shortcut)", createWasmKernel({ shortcuts: "off" })],
    ["wasm (Brent forced)", createWasmKernel({ shortcuts: "brent" })],
    ["wasm (escape tested every step)", createWasmKernel({ blockCheck: "never" })],
    ["wasm (Brent, every step)", createWasmKernel({ shortcuts: "brent", blockCheck: "never" })],
    ["js (auto shortcuts)", createInterleavedKernel()],
    ["js (no shortcut)", createInterleavedKernel({ shortcuts: "off" })],
  ];
}
